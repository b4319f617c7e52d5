#!/usr/bin/env bash
# Benchmarks: criterion for in-process figures, then whole processes side by
# side with the AWS CLI. Figures and the machine they came from go in
# benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p bedrock-tray
cargo bench -p bedrock-tray --bench core -- --warm-up-time 1 --measurement-time 5
.venv/bin/python scripts/bench_processes.py target/release/bedrock-tray "${BENCH_RUNS:-30}"
