#!/usr/bin/env bash
# The smoke suites run the page in Firefox and in WebKit (Safari's engine), both from
# Debian: Firefox ESR, and WebKitGTK's MiniBrowser with its WebDriver, in a virtual X
# display. Install them when they are missing and we may (root with apt). Otherwise
# say how: those suites then skip, saying what is missing, and the rest runs.
set -euo pipefail

MINIBROWSER="${MINIBROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}"
missing=()
[ -x "${FIREFOX:-/usr/bin/firefox-esr}" ] || missing+=(firefox-esr)
[ -x "${WEBKIT_DRIVER:-/usr/bin/WebKitWebDriver}" ] || missing+=(webkit2gtk-driver)
[ -x "$MINIBROWSER" ] || missing+=(libwebkit2gtk-4.1-0)
command -v Xvfb >/dev/null || missing+=(xvfb)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} for the Firefox and WebKit tests (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
The Firefox and WebKit tests will be skipped: ${missing[*]} not installed. Either
  - install them:   sudo apt-get install ${missing[*]}
  - or point to your own: FIREFOX=/path/to/firefox  WEBKIT_DRIVER=/path/to/WebKitWebDriver
                          MINIBROWSER=/path/to/MiniBrowser (and Xvfb on the PATH)
MSG
exit 0
