#!/usr/bin/env bash
# A full recorded run: every benchmark at its documented size, one after the other, results in
# bench/results/. Needs the local servers (npm run devenv -- up) and a machine otherwise idle.
#   npm run bench:all [-- --operator-count=N]
set -euo pipefail
cd "$(dirname "$0")/.."
count=1000
for arg in "$@"; do
  case "$arg" in
    --operator-count=*) count="${arg#*=}" ;;
    *) echo "bench/run-all.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
npm run build
for driver in postgres mysql; do
  npx tsx bench/relay/throughput.ts --driver="$driver"
  npx tsx bench/relay/latency.ts --driver="$driver"
done
npx tsx bench/operator/scale.ts --count="$count"
