#!/usr/bin/env bash
# Starts the tray app. With no display (a server, CI), starts one under Xvfb
# so the app still runs and its dashboard can be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
app=target/debug/bedrock-tray-app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: running under Xvfb" >&2
  exec xvfb-run -a "$app" --open-dashboard "$@"
fi
exec "$app" "$@"
