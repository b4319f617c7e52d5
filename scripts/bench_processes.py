"""Whole-process timings, side by side with the peer tool where there is one.

Usage: python scripts/bench_processes.py BEDROCK_TRAY_BINARY [RUNS]
Builds a temporary HOME (an SSO profile with a valid token), runs each pair
of commands RUNS times alternately, and prints medians and ratios. Timing
whole processes is what a user (or a shell prompt, or Claude Code calling a
credential process) actually waits for.
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

from bench_common import SSO_CONFIG, isolated_env, median_ms, scratch_dir

BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
AWS = "/usr/bin/aws"


def make_home() -> dict:
    home = scratch_dir("bt-bench-")
    os.makedirs(f"{home}/.aws/sso/cache")
    os.makedirs(f"{home}/.claude")
    with open(f"{home}/.aws/config", "w") as f:
        f.write(SSO_CONFIG)
    name = hashlib.sha1(b"corp").hexdigest()
    with open(f"{home}/.aws/sso/cache/{name}.json", "w") as f:
        json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                   "accessToken": "x", "expiresAt": "2099-01-01T00:00:00Z"}, f)
    env = isolated_env(home)
    subprocess.run([BIN, "use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"], env=env,
                   check=True, capture_output=True)
    return env


def hand_edit_latency(env: dict, runs: int) -> list:
    """Milliseconds from a hand edit of settings.json (written whole, as an
    editor saves) to `watch` printing the new model, `runs` times."""
    watch = subprocess.Popen([BIN, "watch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        json.loads(watch.stdout.readline())  # the first snapshot
        path = f"{env['CLAUDE_CONFIG_DIR']}/settings.json"
        samples = []
        for i in range(runs):
            with open(path) as f:
                settings = json.load(f)
            want, model_id = [("opus-4-6", "eu.anthropic.claude-opus-4-6-v1"),
                              ("haiku-4-5", "eu.anthropic.claude-haiku-4-5-20251001-v1:0")][i % 2]
            settings["env"]["ANTHROPIC_MODEL"] = model_id
            t = time.perf_counter()
            with open(path, "w") as f:
                json.dump(settings, f, indent=2)
            for line in watch.stdout:
                if json.loads(line).get("status", {}).get("model") == want:
                    break
            samples.append((time.perf_counter() - t) * 1000)
        return samples
    finally:
        watch.kill()
        watch.wait()


def main() -> None:
    env = make_home()
    pairs = [
        ("status --json", [BIN, "status", "--json"], "aws configure list --profile dev", [AWS, "configure", "list", "--profile", "dev"]),
        ("use (switch model)", [BIN, "use", "--model", "opus"], None, None),
        ("profiles --json", [BIN, "profiles", "--json"], "aws configure list-profiles", [AWS, "configure", "list-profiles"]),
    ]
    print(f"median of {RUNS} runs each, wall time")
    for name, cmd, peer_name, peer in pairs:
        ours = median_ms(cmd, env, RUNS)
        if peer:
            theirs = median_ms(peer, env, RUNS)
            print(f"  bedrock-tray {name:<22} {ours:8.2f} ms   {peer_name:<36} {theirs:8.1f} ms   ratio {theirs / ours:6.1f}x")
        else:
            print(f"  bedrock-tray {name:<22} {ours:8.2f} ms")
    edits = hand_edit_latency(env, RUNS)
    print(f"  hand edit of settings.json to `watch` output: median {statistics.median(edits):.0f} ms, "
          f"max {max(edits):.0f} ms ({RUNS} edits; the file event, then a 150 ms debounce)")


if __name__ == "__main__":
    main()
