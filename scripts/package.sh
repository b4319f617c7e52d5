#!/usr/bin/env bash
# `make package`: the .deb, the .rpm and the AppImage, built by Tauri's
# bundler, with the bedrock-tray CLI shipped beside the app
# (bundle.externalBin in src-tauri/tauri.package.json; the .deb and .rpm
# install it as /usr/bin/bedrock-tray). Packages land in
# target/<profile>/bundle/{deb,rpm,appimage}/.
#
#   scripts/package.sh            release build, every Linux bundle
#   scripts/package.sh --debug    the debug build that is there already (no
#                                 cargo run: the packaging test calls this while
#                                 `cargo test` holds the build lock), .deb only
#
# The AppImage needs linuxdeploy, which Tauri downloads from GitHub at
# bundling time: where GitHub cannot be reached the AppImage step fails,
# says so, and the .deb and .rpm are still there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

profile=release
[ "${1:-}" = "--debug" ] && profile=debug
tauri="$PWD/.cache/tauri-cli/node_modules/.bin/tauri"
[ -x "$tauri" ] || { echo "package: $tauri missing: run scripts/setup.sh" >&2; exit 1; }
triple=$(rustc -vV | sed -n 's/^host: //p')
cargo_profile=(); [ "$profile" = release ] && cargo_profile=(--release)

# externalBin wants the CLI as binaries/bedrock-tray-<target triple>; the
# bundler strips the suffix when it installs it.
if [ "$profile" = release ]; then
  say "cargo: building the CLI"
  cargo build "${cargo_profile[@]}" -p bedrock-tray
fi
for bin in bedrock-tray bedrock-tray-app; do
  [ "$profile" = release ] || [ -x "target/debug/$bin" ] ||
    { echo "package: target/debug/$bin missing: run cargo build --workspace first" >&2; exit 1; }
done
mkdir -p src-tauri/binaries
cp "target/$profile/bedrock-tray" "src-tauri/binaries/bedrock-tray-$triple"

cd src-tauri
if [ "$profile" = debug ]; then
  # Reuse the debug app the tests built: bundle only, no second build.
  say "tauri: bundling the debug build as a .deb"
  "$tauri" bundle --ci --debug --bundles deb --config tauri.package.json
  exit 0
fi

say "tauri: building the app and bundling .deb and .rpm"
"$tauri" build --ci --bundles deb,rpm --config tauri.package.json
say "tauri: bundling the AppImage (downloads linuxdeploy from GitHub)"
if ! "$tauri" bundle --ci --bundles appimage --config tauri.package.json; then
  echo "package: the AppImage could not be built here (linuxdeploy comes from GitHub at bundling time); the .deb and .rpm are built" >&2
fi
ls -l ../target/release/bundle/*/*.{deb,rpm,AppImage} 2>/dev/null || true
