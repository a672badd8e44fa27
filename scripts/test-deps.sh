#!/usr/bin/env bash
# Tools some tests use from Debian's packages, installed when missing and possible (root + apt-get):
#   prometheus — the live dashboard test (skipped without it)
# Never fails the build: a test that needs a missing tool skips with a message.
set -u
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
