#!/usr/bin/env bash
# Headless Chromium for the report's browser test (tests/analysts/test_report_browser.py).
# Idempotent: does nothing when chromium is already on PATH. Needs root (or sudo) and the Debian mirrors.
set -euo pipefail
command -v chromium >/dev/null && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
command -v chromium
