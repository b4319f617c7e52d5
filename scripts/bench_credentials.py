#!/usr/bin/env python3
"""Whole-process figures for keychain credentials and cost, side by side
with the AWS CLI where it does the same job.

- `bedrock-tray credential-process` with a cached session against
  `aws configure export-credentials --format process` for the same profile
  (which runs our credential_process itself: what every AWS client pays);
- `bedrock-tray usage` over synthetic transcripts: MB/s cold (no index),
  and the time of a refresh after one new message.

A private D-Bus session with an unlocked gnome-keyring holds the key; moto
(tests/moto_server.py) answers STS. Nothing touches the real HOME or AWS.
Usage: bench_credentials.py BEDROCK_TRAY [RUNS] [TRANSCRIPT_MB]
"""

import json
import os
import shutil
import subprocess
import sys
import time

from bench_common import isolated_env, median_ms, scratch_dir, session_bus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 21
MB = int(sys.argv[3]) if len(sys.argv) > 3 else 200
PY = os.path.join(ROOT, ".venv/bin/python")


def wait_file(path, proc, what):
    deadline = time.time() + 60
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)
    return open(path).read().strip()


def transcripts(home, megabytes):
    """Synthetic Claude Code transcripts: assistant messages of several
    models over 30 days, each streamed as two lines (counted once)."""
    models = ["eu.anthropic.claude-sonnet-4-6", "us.anthropic.claude-opus-4-6-v1", "global.anthropic.claude-haiku-4-5-20251001-v1:0"]
    target = megabytes * 1024 * 1024
    written, n = 0, 0
    project = os.path.join(home, ".claude/projects/-work-bench")
    os.makedirs(project)
    with open(os.path.join(project, "bench.jsonl"), "w") as f:
        while written < target:
            day = 1 + n % 28
            base = {"type": "assistant", "cwd": "/work/bench", "sessionId": "bench", "requestId": f"req_{n}",
                    "timestamp": f"2026-11-{day:02d}T10:00:00.000Z",
                    "message": {"id": f"msg_{n}", "role": "assistant", "model": models[n % 3],
                                "content": [{"type": "text", "text": "x" * 400}],
                                "usage": {"input_tokens": 1200, "output_tokens": 300, "cache_creation_input_tokens": 5000, "cache_read_input_tokens": 20000}}}
            for part in range(2):
                base["uuid"] = f"u{n}-{part}"
                line = json.dumps(base) + "\n"
                f.write(line)
                written += len(line)
            n += 1
    return os.path.join(project, "bench.jsonl"), written


def main():
    home = scratch_dir("bt-bench-creds-")
    procs = []
    try:
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/.aws/config", "w") as f:
            f.write("[profile static]\nregion = eu-central-1\n")
        bus, address = session_bus()
        procs.append(bus)
        env = isolated_env(home)
        env.update(XDG_DATA_HOME=f"{home}/.local/share", DBUS_SESSION_BUS_ADDRESS=address)
        keyring = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"], env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(keyring)
        # A non-empty password: an empty one creates no default collection.
        keyring.stdin.write(b"bench-password")
        keyring.stdin.close()
        deadline = time.time() + 15
        while b"boolean true" not in subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"], env=env, capture_output=True).stdout:
            if time.time() > deadline:
                raise RuntimeError("gnome-keyring did not start")
            time.sleep(0.05)
        port_file = f"{home}/moto.port"
        moto = subprocess.Popen([PY, os.path.join(ROOT, "tests/moto_server.py"), port_file], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(moto)
        env["AWS_ENDPOINT_URL_STS"] = f"http://127.0.0.1:{wait_file(port_file, moto, 'moto')}"

        subprocess.run([BIN, "credentials", "set", "--profile", "static"], env=env, check=True, capture_output=True,
                       input=b"AKIABENCHMARK0000001\nbenchSecretKey/0123456789abcdefghijklmnop\n")
        subprocess.run([BIN, "credential-process", "--profile", "static"], env=env, check=True, capture_output=True)
        ours = median_ms([BIN, "credential-process", "--profile", "static"], env, RUNS, check=True)
        theirs = median_ms(["/usr/bin/aws", "configure", "export-credentials", "--profile", "static", "--format", "process"], env, RUNS, check=True)
        print(f"median of {RUNS} runs, wall time, cached session in the keyring")
        print(f"  bedrock-tray credential-process --profile static   {ours:8.1f} ms")
        print(f"  aws configure export-credentials --format process  {theirs:8.1f} ms   ratio {theirs / ours:5.1f}x")

        path, size = transcripts(home, MB)
        t = time.perf_counter()
        subprocess.run([BIN, "usage", "--json"], env=env, check=True, capture_output=True)
        cold = time.perf_counter() - t
        with open(path) as f:
            first = f.readline()
        with open(path, "a") as f:
            f.write(first.replace('"msg_0"', '"msg_new"').replace('"req_0"', '"req_new"'))
        t = time.perf_counter()
        out = json.loads(subprocess.run([BIN, "usage", "--json"], env=env, check=True, capture_output=True).stdout)
        warm = time.perf_counter() - t
        print(f"  bedrock-tray usage, cold over {size / 1e6:.0f} MB   {cold:6.2f} s   {size / 1e6 / cold:6.0f} MB/s")
        print(f"  bedrock-tray usage after one new message        {warm * 1000:6.0f} ms   (read {out['read']['bytes']} bytes)")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(home, ignore_errors=True)


main()
