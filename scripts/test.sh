#!/usr/bin/env bash
# Builds everything and runs every test: unit, property, integration
# (real AWS CLI, botocore, moto, local fakes). Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export BEDROCK_TRAY_PYTHON="${BEDROCK_TRAY_PYTHON:-$PWD/.venv/bin/python}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Keep proptest quick in CI; `PROPTEST_CASES=10000 make test` digs deeper.
export PROPTEST_CASES="${PROPTEST_CASES:-256}"

cargo build --workspace --all-targets
cargo test --workspace --no-fail-fast

# A short run of every fuzz target (`make fuzz` runs a long one).
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz.sh
