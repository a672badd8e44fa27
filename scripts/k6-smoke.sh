#!/usr/bin/env bash
# Smoke-run every k6 scenario against a running Tally for a few seconds at a low rate and fail if
# any threshold fails or a script errors. Meant for CI once the server is up:
#
#   BASE_URL=http://127.0.0.1:8080 API_KEY="$TALLY_ADMIN_API_KEY" scripts/k6-smoke.sh [scenario…]
#
#   BASE_URL   default http://127.0.0.1:8080        API_KEY   default $TALLY_ADMIN_API_KEY
#   RATE       default 5 iterations/s              DURATION  default 5s
#   K6         k6 binary (default: built/cached by scripts/k6-install.sh)
#   SUMMARY_DIR  where handleSummary writes k6-<name>.json (default bench-results/smoke)
# Scenario arguments are file names under k6/ without .ts (default: transfers hot-accounts batches).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export BASE_URL="${BASE_URL:-http://127.0.0.1:8080}"
export API_KEY="${API_KEY:-${TALLY_ADMIN_API_KEY:-}}"
export RATE="${RATE:-5}"
export DURATION="${DURATION:-5s}"
export SUMMARY_DIR="${SUMMARY_DIR:-bench-results/smoke}"
if [[ -z "$API_KEY" ]]; then
  echo "k6-smoke: set API_KEY (or TALLY_ADMIN_API_KEY) to the admin API key" >&2
  exit 2
fi

k6="${K6:-$("$root/scripts/k6-install.sh")}"
mkdir -p "$SUMMARY_DIR"

# Small account sets keep setup() short; the batch size stays modest so 5 s at RATE is cheap.
declare -A accounts=([transfers]=20 [hot-accounts]=3 [batches]=20)
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(transfers hot-accounts batches)

failed=()
for name in "${scenarios[@]}"; do
  script="k6/$name.ts"
  if [[ ! -f "$script" ]]; then
    echo "k6-smoke: no such scenario $script" >&2
    exit 2
  fi
  echo "k6-smoke: $name → $BASE_URL (rate $RATE/s for $DURATION)" >&2
  if ! ACCOUNTS="${ACCOUNTS:-${accounts[$name]:-20}}" BATCH_SIZE="${BATCH_SIZE:-10}" \
    "$k6" run --quiet --no-color "$script"; then
    failed+=("$name")
  fi
done

if ((${#failed[@]})); then
  echo "k6-smoke: FAILED: ${failed[*]} (summaries in $SUMMARY_DIR)" >&2
  exit 1
fi
echo "k6-smoke: all ${#scenarios[@]} scenarios passed (summaries in $SUMMARY_DIR)" >&2
