#!/usr/bin/env bash
# Build a pinned k6 with Go into a cache directory outside the repository, only when missing,
# and print the binary's path on stdout (progress goes to stderr).
#
#   K6_VERSION   pinned k6 release (default below; list with `go list -m -versions go.k6.io/k6`)
#   K6_CACHE_DIR cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/tally/k6)
#
# Usage: K6="$(scripts/k6-install.sh)" && "$K6" version
set -euo pipefail

K6_VERSION="${K6_VERSION:-v1.8.1}"
K6_CACHE_DIR="${K6_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tally/k6}"
dir="$K6_CACHE_DIR/$K6_VERSION"
bin="$dir/k6"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "k6-install: Go is required to build k6 (https://go.dev/dl/)" >&2
  exit 1
fi

# v2+ releases live under a /v2 (/v3, …) module path.
major="${K6_VERSION#v}"
major="${major%%.*}"
module="go.k6.io/k6"
if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 2)); then
  module="go.k6.io/k6/v$major"
fi

mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "k6-install: building $module@$K6_VERSION with $(go version | cut -d' ' -f3) (a few minutes)…" >&2
# Build outside any module so the repository's files never influence the build.
(cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$tmp" go install "$module@$K6_VERSION") >&2
mv -f "$tmp/k6" "$bin"
"$bin" version >&2
echo "$bin"
