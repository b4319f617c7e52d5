#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS each (default 10: the short
# run in `make test`; `make fuzz` runs 600). With FUZZ_GROW_CORPUS=1 (make
# fuzz) new interesting inputs are added to fuzz/corpus/<target>/; otherwise
# they go to a temporary folder and the committed corpus is only read, so a
# test run leaves the checkout clean. A crash fails the run and is saved
# under fuzz/artifacts/.
#
# The toolchain here is stable only; cargo-fuzz needs nightly flags, which
# RUSTC_BOOTSTRAP=1 unlocks on stable. No sanitizer (-s none): they need a
# nightly-built std; panics and aborts are still caught.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-10}"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in settings_patch token_cache aws_config preset transcript config_edit; do
  echo "fuzz: $target for ${seconds}s"
  corpora=("corpus/$target")
  if [ "${FUZZ_GROW_CORPUS:-0}" != 1 ]; then
    mkdir -p "$scratch/$target"
    corpora=("$scratch/$target" "corpus/$target")
  fi
  cargo fuzz run -s none "$target" "${corpora[@]}" -- -max_total_time="$seconds" -max_len=4096 2>&1 \
    | grep -E '^(Done|INFO: seed corpus)|panicked|deadly|ERROR' || true
  [ -z "$(ls -A artifacts/$target 2>/dev/null)" ] || { echo "fuzz: $target crashed: see fuzz/artifacts/$target" >&2; exit 1; }
done
