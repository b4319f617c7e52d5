#!/usr/bin/env bash
# Builds everything and runs every test: unit, property, integration
# (real AWS CLI, botocore, moto, local fakes), the tray app end to end, and a
# short run of every fuzz target. Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export BEDROCK_TRAY_PYTHON="${BEDROCK_TRAY_PYTHON:-$PWD/.venv/bin/python}"
# The pinned Claude Code that scripts/setup.sh installs (tests/claude_code.rs).
export BEDROCK_TRAY_CLAUDE="${BEDROCK_TRAY_CLAUDE:-$PWD/.cache/claude-code/claude}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Keep proptest quick in CI; `PROPTEST_CASES=10000 make test` digs deeper.
export PROPTEST_CASES="${PROPTEST_CASES:-256}"
# A full run builds each workspace crate a few times (check, test, app);
# incremental caches would only add gigabytes to a clean clone's target/.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Style and lints first: a diff never mixes formatting with behaviour, and
# every warning is an error (lints are declared once in Cargo.toml).
cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --all --check
cargo clippy --workspace --all-targets -- -D warnings

# Dependencies: licenses, banned crates, registries (deny.toml). The
# advisory database is a git repository on GitHub, which the build machines
# cannot reach, so `advisories` runs only when BEDROCK_TRAY_DENY_ADVISORIES=1
# (on a machine that can fetch it).
checks=(licenses bans sources)
[ "${BEDROCK_TRAY_DENY_ADVISORIES:-0}" = 1 ] && checks+=(advisories)
# --workspace: the tray app's tree (Tauri, GTK, WebKit) too, not just the
# core's.
cargo deny --workspace --log-level error check "${checks[@]}"

cargo build --workspace --all-targets
# Not under -e: a failing test must still reach the closing line below.
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# A short run of every fuzz target (`make fuzz` runs a long one).
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz.sh

# One closing line over every test binary (cargo prints one per binary,
# and the last ones are the empty doc-test and app binaries).
passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo "tests: $passed passed, $failed failed"
exit "$status"
