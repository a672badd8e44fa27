#!/usr/bin/env bash
# Tools some tests need from Debian's packages, installed when missing (root + apt-get):
#   prometheus (with promtool) — dashboards.live.test.ts, the promtool check in assets.test.ts
#   chromium — the console's browser test (packages/server/test/console/console.browser.test.ts)
# No test skips for a missing tool: without them those tests fail. So under CI=true a failed install stops here;
# elsewhere it warns and the tests say what is missing.
set -u

# --- schemathesis (issue 10 B6): the OpenAPI fuzzer, from PyPI into a venv under the cache dir -------------------
# packages/server/test/schemathesis.test.ts runs it (TALLY_SCHEMATHESIS_BIN overrides the path).
st_venv="${XDG_CACHE_HOME:-$HOME/.cache}/tally/schemathesis-venv"
if [[ ! -x "$st_venv/bin/st" ]]; then
  if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv; } \
      >/dev/null 2>&1 || echo "test-deps: could not install python3-venv" >&2
  fi
  echo "test-deps: installing schemathesis into $st_venv" >&2
  { python3 -m venv "$st_venv" && "$st_venv/bin/pip" install -q schemathesis; } >/dev/null 2>&1 ||
    echo "test-deps: could not install schemathesis; schemathesis.test.ts will fail until it is" >&2
fi
# --- end schemathesis -------------------------------------------------------------------------------------------
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
((${#missing[@]})) || exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
give_up() {
  echo "test-deps: $1; the tests that need ${missing[*]} will fail" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 0
}
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  give_up "missing ${missing[*]} and cannot install them here (needs root and apt-get)"
fi
echo "test-deps: installing ${missing[*]} from Debian's packages" >&2
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
  >/dev/null 2>&1 || give_up "could not install ${missing[*]}"
exit 0
