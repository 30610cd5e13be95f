#!/usr/bin/env bash
# Draws the PNG plots of benchmark results: bench/plot.sh bench/results/<name>.json ... (no argument: every
# JSON file in bench/results). Runs bench/plot.py in a virtualenv with matplotlib, made on first use in the
# cache folder the local servers use ($OUTBOX_RELAY_CACHE, else $XDG_CACHE_HOME/kafka-outbox-relay, else
# ~/.cache/kafka-outbox-relay) and remade when bench/requirements.txt changes. Fails with a message saying
# what is missing when it cannot.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${OUTBOX_RELAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-outbox-relay}"
venv="$cache/bench-venv"
stamp="$venv/.requirements-$(sha256sum "$here/requirements.txt" | cut -c1-16)"

fail() {
  echo "bench/plot.sh: $*" >&2
  exit 1
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; }
}
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

if [ ! -f "$stamp" ]; then
  if ! command -v python3 >/dev/null; then
    can_apt || fail "python3 is needed to draw the plots (Debian: apt-get install python3 python3-venv)"
    echo "bench/plot.sh: installing python3 and python3-venv" >&2
    apt_install python3 python3-venv || fail "could not install python3"
  fi
  rm -rf "$venv"
  mkdir -p "$cache"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian's python3 comes without venv and ensurepip; install them when we are root.
    if can_apt; then
      echo "bench/plot.sh: installing python3-venv" >&2
      apt_install python3-venv || fail "could not install python3-venv"
      rm -rf "$venv"
      python3 -m venv "$venv" || fail "python3 -m venv failed even with python3-venv installed"
    else
      fail "python3 -m venv failed: install python3-venv (Debian) and run again"
    fi
  fi
  echo "bench/plot.sh: installing $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2 ||
    fail "pip could not install bench/requirements.txt from PyPI into $venv"
  touch "$stamp"
fi

if [ $# -eq 0 ]; then
  set -- "$here"/results/*.json
  [ -e "$1" ] || fail "no results in bench/results: run a benchmark first"
fi
MPLBACKEND=Agg exec "$venv/bin/python" "$here/plot.py" "$@"
