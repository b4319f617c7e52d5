#!/usr/bin/env bash
# Starts the tray app. With no display (a server, CI), starts one under Xvfb
# and opens the dashboard, so the app can still be seen and used; without a
# session bus (single-instance and notifications need one) starts one.
set -euo pipefail
cd "$(dirname "$0")/.."
app="$PWD/target/debug/bedrock-tray-app"
run=("$app" "$@")
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  run=(dbus-run-session -- "${run[@]}")
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: running under Xvfb with the dashboard open" >&2
  exec xvfb-run -a -s "-screen 0 1280x900x24" "${run[@]}" --open-dashboard
fi
exec "${run[@]}"
