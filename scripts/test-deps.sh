#!/usr/bin/env bash
# Tools some tests use from Debian's packages, installed when missing and possible (root + apt-get):
#   prometheus — the live dashboard test (skipped without it)
# Never fails the build: a test that needs a missing tool skips with a message.
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
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${missing[*]} (install with apt-get); the tests that need them will skip" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]} from Debian's packages" >&2
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
  >/dev/null 2>&1 || echo "test-deps: could not install ${missing[*]}; the tests that need them will skip" >&2
exit 0
