#!/usr/bin/env bash
# Installs Debian's Noto CJK and colour emoji fonts, so that Chromium draws the Chinese pages and
# the pages' emoji (browser tests, screenshots) with real glyphs instead of empty boxes.
set -euo pipefail
if fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk fonts-noto-color-emoji fontconfig >/dev/null
