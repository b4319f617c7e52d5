#!/usr/bin/env bash
# Installs everything the app and its tests need on Debian 12 (run as root,
# or with sudo available). Idempotent: each step checks first, so a second
# run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Tauri's Linux build needs (https://v2.tauri.app/start/prerequisites/#linux),
# plus what the tests use: the real AWS CLI v2, Xvfb and WebKitWebDriver for
# the end-to-end tests, gnome-keyring + dbus for the real Secret Service,
# dbus-daemon for the tray-host tests, xdotool to find the dashboard window,
# tzdata for the time zones `usage --tz` reads (/usr/share/zoneinfo).
APT_PACKAGES=(
  build-essential pkg-config curl file ca-certificates tzdata
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev
  libdbus-1-dev
  awscli python3 python3-venv
  xvfb xauth webkit2gtk-driver
  gnome-keyring dbus dbus-x11 xdotool
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: a Rust toolchain (cargo >= 1.89) is required: https://rustup.rs" >&2; exit 1; }

# Python for the test tree: botocore/boto3 (a second, independent client of
# every file format and fake endpoint) and moto's server (STS).
VENV=.venv
REQ=tests/requirements.txt
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "python: creating $VENV with $(grep -v '^#' "$REQ" | tr '\n' ' ')"
  PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi

# Claude Code itself, for the residency tests (tests/claude_code.rs) that run
# it against the fake Bedrock. Pinned to the current release: 2.1.332 is what
# `npm view @anthropic-ai/claude-code version` printed on 2026-11-30. The npm
# package is a launcher; the native binary ships in the platform package
# (@anthropic-ai/claude-code-linux-x64 here), which npm installs as an optional
# dependency. The tests run .cache/claude-code/claude (or $BEDROCK_TRAY_CLAUDE).
CLAUDE_CODE_VERSION=2.1.332
CLAUDE_CODE_DIR=.cache/claude-code
if [ "$("$CLAUDE_CODE_DIR/claude" --version 2>/dev/null | cut -d' ' -f1)" != "$CLAUDE_CODE_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "apt: installing nodejs npm"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  say "npm: installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into $CLAUDE_CODE_DIR"
  case "$(uname -m)" in
    x86_64) cc_arch=x64 ;;
    aarch64 | arm64) cc_arch=arm64 ;;
    *) echo "setup: no Claude Code build for $(uname -m)" >&2; exit 1 ;;
  esac
  # --ignore-scripts: the postinstall only copies the native binary over the
  # launcher; linking it ourselves works the same with every npm version.
  npm install --prefix "$CLAUDE_CODE_DIR" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >/dev/null
  ln -sfn "node_modules/@anthropic-ai/claude-code-linux-$cc_arch/claude" "$CLAUDE_CODE_DIR/claude"
  got=$("$CLAUDE_CODE_DIR/claude" --version | cut -d' ' -f1)
  [ "$got" = "$CLAUDE_CODE_VERSION" ] || { echo "setup: Claude Code says $got, not $CLAUDE_CODE_VERSION" >&2; exit 1; }
fi

# Tauri's CLI, for `make package` (the bundler) and `tauri icon`. From npm:
# the package ships the prebuilt CLI for this platform (seconds), where
# `cargo install tauri-cli` compiles it (many minutes on two cores). Pinned
# to the tauri crate's version in Cargo.lock.
TAURI_CLI_VERSION=2.12.5
TAURI_CLI_DIR=.cache/tauri-cli
if [ "$("$TAURI_CLI_DIR/node_modules/.bin/tauri" --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is required for the Tauri CLI" >&2; exit 1; }
  say "npm: installing @tauri-apps/cli@$TAURI_CLI_VERSION into $TAURI_CLI_DIR"
  npm install --prefix "$TAURI_CLI_DIR" --no-save --no-audit --no-fund --loglevel=error \
    "@tauri-apps/cli@$TAURI_CLI_VERSION" >/dev/null
fi

# dpkg-deb extracts the .deb in the packaging test; rpm is not needed (Tauri
# writes .rpm files itself).

# Cargo-installed tools: tauri-driver for the end-to-end tests of the tray
# app; cargo-fuzz for the fuzz targets (a short run is part of the tests);
# cargo-deny for the dependency checks (deny.toml).
cargo_tool() {
  local bin=$1 crate=$2 version=$3
  if ! "$HOME/.cargo/bin/$bin" --version >/dev/null 2>&1 && ! command -v "$bin" >/dev/null 2>&1; then
    say "cargo: installing $crate $version"
    cargo install --locked --quiet "$crate" --version "$version"
  fi
}
cargo_tool tauri-driver tauri-driver 2.1.0
cargo_tool cargo-fuzz cargo-fuzz 0.13.2
cargo_tool cargo-deny cargo-deny 0.20.2

say "setup: ready"
