#!/usr/bin/env bash
# Measures the tray app: launch to tray ready, RSS with the dashboard open
# (app + WebKit processes), RSS and CPU when idle after the dashboard was
# opened once and closed. Needs Xvfb, xdotool.
# Usage: scripts/measure-tray.sh [debug|release]   (build it first)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${1:-debug}"
APP="$PWD/target/$PROFILE/bedrock-tray-app"
CLI="$PWD/target/$PROFILE/bedrock-tray"; [ -x "$CLI" ] || CLI="$PWD/target/debug/bedrock-tray"
H=$(mktemp -d); trap 'kill $XPID ${APID:-} 2>/dev/null || true; rm -rf "$H"' EXIT
mkdir -p "$H/.aws/sso/cache" "$H/.claude"
cat > "$H/.aws/config" <<CFG
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-central-1
CFG
export HOME=$H AWS_CONFIG_FILE=$H/.aws/config CLAUDE_CONFIG_DIR=$H/.claude BEDROCK_TRAY_CONFIG_DIR=$H/.config/bedrock-tray BEDROCK_TRAY_NO_AUTO_LOGIN=1
unset DBUS_SESSION_BUS_ADDRESS
"$CLI" use --profile dev --model sonnet --geo eu >/dev/null
D=:$((100 + RANDOM % 100)); Xvfb $D -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 & XPID=$!
sleep 1; export DISPLAY=$D
rss() { local t=0; for p in "$@"; do t=$((t + $(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo "$((t / 1024)) MB"; }
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }

# 1. Launch to tray ready (the "tray ready" log line).
start=$(date +%s.%N)
BEDROCK_TRAY_LOG=info "$APP" 2> "$H/app.log" & APID=$!
until grep -q "tray ready" "$H/app.log"; do sleep 0.01; done
echo "launch to tray ready: $(echo "$(date +%s.%N) - $start" | bc) s"
echo "RSS, never opened: $(rss $APID)"
kill $APID; wait $APID 2>/dev/null || true; APID=

# 2. Dashboard open (as a second launch or --open-dashboard does), then
# closed the way its close button does.
"$APP" --open-dashboard 2>/dev/null & APID=$!
for _ in $(seq 200); do W=$(xdotool search --name '^bedrock-tray$' 2>/dev/null | head -1) && [ -n "$W" ] && break; sleep 0.05; done
sleep 3
echo "RSS, dashboard open: $(rss $APID $(pgrep -P $APID))"
for p in $APID $(pgrep -P $APID); do echo "  $(cat /proc/$p/comm): $(rss $p)"; done
python3 scripts/x11-close.py "$W"
sleep 3
echo "children after close: $(pgrep -P $APID | xargs -r -I{} cat /proc/{}/comm | tr '\n' ' ')"
echo "RSS, idle after the dashboard was closed: $(rss $APID) app, $(rss $APID $(pgrep -P $APID)) with children"
t0=$(ticks $APID); sleep 30; t1=$(ticks $APID)
echo "CPU, idle over 30 s: $(( (t1 - t0) * 10 )) ms ($(echo "scale=3; ($t1 - $t0) / 30" | bc) %)"
