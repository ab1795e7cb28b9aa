#!/usr/bin/env bash
# Installs Debian's Noto CJK fonts, so that Chromium draws the Chinese pages (browser tests,
# screenshots) with real characters instead of empty boxes.
set -euo pipefail
if fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
