#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when it is missing and we
# may (root with apt); otherwise say how to get a browser Playwright can use.
set -euo pipefail

for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done

if compgen -G "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/chromium-*" >/dev/null; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the browser tests (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi

cat >&2 <<'MSG'
No Chromium found for the browser tests. Either
  - install it:            sudo apt-get install chromium chromium-driver
  - point to one:          CHROMIUM=/path/to/chrome make test
  - or let Playwright get: .venv/bin/python -m playwright install chromium
MSG
exit 1
