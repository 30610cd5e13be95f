#!/usr/bin/env bash
# The images' sizes: both images built from the working tree, and from the Dockerfiles of a baseline commit
# (default: the last one before each image shipped only its own program's packages), on the same base
# image and engine in one run. Needs the local servers (npm run devenv -- up).
#   bash bench/image-sizes.sh [baseline-commit]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:-f591df4}
# shellcheck disable=SC1091
source .devenv/env.sh
export DOCKER_BUILDKIT=1
secrets=()
[ -f /etc/ssl/certs/ca-certificates.crt ] && secrets+=(--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

size() { # tag -> "total MB, node_modules MiB"
  local bytes kib
  bytes=$("$DOCKER" image inspect -f '{{.Size}}' "$1")
  kib=$("$DOCKER" run --rm --network=none --entrypoint du "$1" -sk /app/node_modules | cut -f1)
  printf '%s MB | %s MiB' "$((bytes / 1000000))" "$((kib / 1024))"
}

echo "| image | total | node_modules |"
echo "|---|---|---|"
for program in relay operator; do
  "$DOCKER" build -q --network=host -f "Dockerfile.$program" -t "size-check/$program:current" "${secrets[@]}" . >/dev/null
  # The baseline's Dockerfile, without its frontend line and with the CA secret its npm ci lacked.
  git show "$baseline:Dockerfile.$program" | grep -v '^# syntax' |
    sed 's#^RUN --mount=type=cache,target=/root/.npm npm ci#RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca,target=/run/secrets/ca.pem NODE_EXTRA_CA_CERTS=/run/secrets/ca.pem npm ci#' \
      >"$work/Dockerfile.$program"
  "$DOCKER" build -q --network=host -f "$work/Dockerfile.$program" -t "size-check/$program:baseline" "${secrets[@]}" . >/dev/null
  echo "| $program ($baseline) | $(size "size-check/$program:baseline") |"
  echo "| $program (now) | $(size "size-check/$program:current") |"
done
