#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never one a test tool downloads). Install it where
# it is missing and this machine can: as root, or with password-less sudo. CHROMIUM may name
# another Chromium or Chrome binary (on macOS, say).
set -euo pipefail

if [ -n "${CHROMIUM:-}" ]; then
  if [ -x "$CHROMIUM" ]; then exit 0; fi
  echo "ensure-chromium: CHROMIUM=$CHROMIUM is not an executable file" >&2
  exit 1
fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "ensure-chromium: the browser tests need Chromium; install it with" \
         "'sudo apt-get install chromium', or set CHROMIUM to a Chromium or Chrome binary" >&2
    exit 1
  fi
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  log=$(mktemp)
  if ! { "${as_root[@]}" apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-chromium: installing chromium failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  exit 0
fi
echo "ensure-chromium: the browser tests need Chromium: install it, or set CHROMIUM to a" \
     "Chromium or Chrome binary" >&2
exit 1
