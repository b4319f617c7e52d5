#!/usr/bin/env bash
# The tray app's start-up and idle cost, for `make bench`: launch to tray
# ready, then over an idle window (BEDROCK_TRAY_IDLE_SECONDS, default 300;
# 30 for a quick run) its RSS, CPU time and wake-ups (voluntary context
# switches summed over all its threads, from /proc/PID/task/*/status).
#
# Runs the app under its own Xvfb and D-Bus session bus, with a throw-away
# HOME holding one SSO profile and a valid token, so nothing is due during
# the window and no login or notification starts.
#
# "Tray ready" is the first of: a line containing "tray ready" on the app's
# stderr (the app should log it right after the tray icon is created), or,
# until it does, the single-instance plugin's D-Bus name appearing (the app
# claims it while it builds, just before its setup creates the tray: a
# lower bound). The script says which one it used.
#
# Usage: scripts/measure-tray.sh [release|debug]   (builds nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-release}"
app="$PWD/target/$profile/bedrock-tray-app"
[ -x "$app" ] || { echo "measure-tray: $app missing: cargo build --$profile -p bedrock-tray-app" >&2; exit 1; }
idle="${BEDROCK_TRAY_IDLE_SECONDS:-300}"

if [ -z "${MEASURE_TRAY_HOME:-}" ]; then
  # The throw-away HOME first, so the session bus and everything it starts
  # (keyring, portals, accessibility) use it too, then re-run inside that
  # private bus (dbus-run-session ends it after).
  h=$(mktemp -d)
  trap 'rm -rf "$h"' EXIT
  export HOME="$h" XDG_RUNTIME_DIR="$h/run" XDG_CACHE_HOME="$h/.cache" XDG_CONFIG_HOME="$h/.config" XDG_DATA_HOME="$h/.local/share"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  MEASURE_TRAY_HOME="$h" dbus-run-session -- "$0" "$@"
  exit
fi

h="$MEASURE_TRAY_HOME"
xpid=""; apid=""
cleanup() {
  set +e  # a killed app's exit status must not stop the cleanup
  [ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null && wait "$xpid" 2>/dev/null
  return 0
}
trap cleanup EXIT

mkdir -p "$h/.aws/sso/cache" "$h/.claude"
cat > "$h/.aws/config" <<CFG
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
# A token valid for 8 hours at the path botocore uses for sso-session corp.
name=$(printf '%s' corp | sha1sum | cut -d' ' -f1)
expires=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)
printf '{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"x","expiresAt":"%s"}' "$expires" \
  > "$h/.aws/sso/cache/$name.json"
chmod 600 "$h/.aws/sso/cache/$name.json"
printf '{"env":{"CLAUDE_CODE_USE_BEDROCK":"1","AWS_PROFILE":"dev","AWS_REGION":"eu-central-1","ANTHROPIC_MODEL":"eu.anthropic.claude-sonnet-4-6"}}\n' \
  > "$h/.claude/settings.json"
export HOME="$h" AWS_CONFIG_FILE="$h/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$h/.aws/credentials" \
  CLAUDE_CONFIG_DIR="$h/.claude" BEDROCK_TRAY_CONFIG_DIR="$h/.config/bedrock-tray" BEDROCK_TRAY_NO_AUTO_LOGIN=1
unset AWS_PROFILE AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

display=""
for n in $(seq 150 199); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }
done
Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 & xpid=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.05; done
export DISPLAY="$display"

bus_has() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ListNames 2>/dev/null | grep -q "\"$1\""
}
now() { date +%s.%N; }

start=$(now)
BEDROCK_TRAY_LOG="${BEDROCK_TRAY_LOG:-info}" "$app" 2> "$h/app.log" > /dev/null & apid=$!
signal=""
while [ -z "$signal" ]; do
  kill -0 "$apid" 2>/dev/null || { echo "measure-tray: the app exited:" >&2; cat "$h/app.log" >&2; exit 1; }
  if grep -q "tray ready" "$h/app.log"; then
    signal="its \"tray ready\" log line"
  elif bus_has dev.bedrock-tray.app.SingleInstance; then
    signal="its single-instance D-Bus name (no \"tray ready\" line yet: a lower bound)"
  else
    sleep 0.005
  fi
done
ready=$(echo "$(now) - $start" | bc)
printf 'tray app (%s): launch to tray ready %.3f s, by %s\n' "$profile" "$ready" "$signal"

# The app and its children (a WebKit process, if a window was ever open).
procs() { echo "$apid" $(pgrep -P "$apid" || true); }
rss_kib() { local t=0; for p in $(procs); do t=$((t + $(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $t; }
ticks() { local t=0; for p in $(procs); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
switches() {
  local t=0
  for p in $(procs); do
    for s in /proc/"$p"/task/*/status; do
      t=$((t + $(awk '/^voluntary_ctxt_switches/{print $2}' "$s" 2>/dev/null || echo 0)))
    done
  done
  echo $t
}
threads() { ls /proc/"$apid"/task | wc -l; }

# Let start-up settle (first snapshot, watcher armed) before the window.
sleep 5
hz=$(getconf CLK_TCK)
rss0=$(rss_kib); t0=$(ticks); s0=$(switches)
sleep "$idle"
rss1=$(rss_kib); t1=$(ticks); s1=$(switches)
cpu_ms=$(( (t1 - t0) * 1000 / hz ))
echo "idle over ${idle} s ($(threads) threads):"
echo "  RSS: $((rss0 / 1024)) MiB at start, $((rss1 / 1024)) MiB at end"
echo "  CPU: ${cpu_ms} ms ($(echo "scale=3; $cpu_ms / 10 / $idle" | bc) %)"
echo "  wake-ups: $((s1 - s0)) voluntary context switches ($(echo "scale=2; ($s1 - $s0) / $idle" | bc) /s)"
