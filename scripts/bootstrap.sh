#!/usr/bin/env bash
# Install what `make run` / `make test` need: the virtualenv, pinned packages, Java and
# DynamoDB Local; with --browser also Debian's Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  as_root && command -v apt-get >/dev/null || return 1
  if [ ! -f /tmp/.anchor-apt-updated ]; then apt-get update -qq && touch /tmp/.anchor-apt-updated; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "Python 3.11+ is needed: install python3 (and python3-venv)."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11+ is needed; $("$PYTHON" --version) found. Set PYTHON=/path/to/python3.11."

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv || die "could not create a virtualenv: install python3-venv."
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ] \
   || [ constraints.txt -nt "$stamp" ]; then
  say "installing Python packages (requirements-dev.txt, every dependency pinned by constraints.txt)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt \
    || die "pip could not install requirements-dev.txt with constraints.txt (see above)."
  touch "$stamp"
fi

if ! command -v java >/dev/null; then
  say "java not found: installing default-jre-headless"
  apt_install default-jre-headless || die "DynamoDB Local needs Java 17+: run 'sudo apt-get install default-jre-headless'."
fi
if ! command -v npm >/dev/null; then
  say "npm not found: installing it"
  apt_install npm || die "DynamoDB Local and HTMX come from npm packages: run 'sudo apt-get install npm'."
fi
.venv/bin/python -m devstack.dynamodb >/dev/null

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null; then
    say "chromium not found: installing Debian's chromium for the browser tests"
    apt_install chromium || die "The browser tests need Chromium: run 'sudo apt-get install chromium'."
  fi
  if [ ! -f .cache/axe/axe.min.js ]; then
    say "fetching axe-core (npm pack) into .cache/axe"
    mkdir -p .cache/axe && tmp=$(mktemp -d)
    (cd "$tmp" && npm pack axe-core@4.11 --silent >/dev/null && tar xzf axe-core-*.tgz) \
      || die "could not fetch axe-core from npm."
    cp "$tmp/package/axe.min.js" .cache/axe/axe.min.js && rm -rf "$tmp"
  fi
fi
if [ "${1:-}" = "--bench" ] && ! command -v ab >/dev/null; then
  say "ab not found: installing apache2-utils for the load benchmarks"
  apt_install apache2-utils || die "make bench needs ab: run 'sudo apt-get install apache2-utils'."
fi
if [ "${1:-}" = "--lighthouse" ]; then
  command -v chromium >/dev/null || apt_install chromium \
    || die "make lighthouse needs Chromium: run 'sudo apt-get install chromium'."
  if [ ! -x .cache/lighthouse/node_modules/.bin/lighthouse ]; then
    say "installing lighthouse@12.2.3 (npm) into .cache/lighthouse"
    mkdir -p .cache/lighthouse
    (cd .cache/lighthouse && npm i -E --silent --no-audit --no-fund lighthouse@12.2.3 >/dev/null) \
      || die "could not install lighthouse from npm (12.2.3: version 13 wants Node 22)."
  fi
fi
say "ready"
