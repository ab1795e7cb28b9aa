#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the database tests, which start a throwaway cluster of
# their own (tests/postgres_server.py) from its binaries; they never use the package's service.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  exit 0
fi
if [ -n "${LIPSYNC_TEST_POSTGRES_BIN:-}" ] && [ -x "${LIPSYNC_TEST_POSTGRES_BIN}/postgres" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
