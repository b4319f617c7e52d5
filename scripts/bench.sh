#!/usr/bin/env bash
# Benchmarks: criterion for in-process figures, then whole processes side by
# side with the AWS CLI (status, profiles, credential-process, usage), then the tray app's start-up and idle cost
# (BEDROCK_TRAY_IDLE_SECONDS, default 300), the dashboard opened and closed five
# times from the menu (a process of its own) and click-to-visible. Figures and the machine they came
# from go in benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p bedrock-tray -p bedrock-tray-app
cargo bench -p bedrock-tray --bench core -- --warm-up-time 1 --measurement-time 5
.venv/bin/python scripts/bench_processes.py target/release/bedrock-tray "${BENCH_RUNS:-30}"
.venv/bin/python scripts/measure_tray.py target/release/bedrock-tray-app target/release/bedrock-tray "${BEDROCK_TRAY_IDLE_SECONDS:-300}"
.venv/bin/python scripts/bench_credentials.py target/release/bedrock-tray "${BENCH_RUNS:-21}" "${BENCH_TRANSCRIPT_MB:-200}"
