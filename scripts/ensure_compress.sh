#!/usr/bin/env bash
# tests/test_lzw.py checks the .Z reader against the real `compress` (Debian's
# ncompress). Install it when it is missing and we may (root with apt); otherwise say
# how to get it. Its tests skip without it, so this never stops the run.
set -uo pipefail

command -v compress >/dev/null && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ncompress for the .Z reader's tests (apt-get)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ncompress >/dev/null && exit 0
fi

echo "No compress found: tests/test_lzw.py will skip. Install it with: sudo apt-get install ncompress" >&2
exit 0
