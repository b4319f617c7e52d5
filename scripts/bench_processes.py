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
import tempfile
import time

BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
AWS = "/usr/bin/aws"


def make_home() -> dict:
    home = tempfile.mkdtemp(prefix="bt-bench-")
    os.makedirs(f"{home}/.aws/sso/cache")
    os.makedirs(f"{home}/.claude")
    with open(f"{home}/.aws/config", "w") as f:
        f.write(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
            "sso_registration_scopes = sso:account:access\n\n"
            "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-central-1\n"
        )
    name = hashlib.sha1(b"corp").hexdigest()
    with open(f"{home}/.aws/sso/cache/{name}.json", "w") as f:
        json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                   "accessToken": "x", "expiresAt": "2099-01-01T00:00:00Z"}, f)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, CLAUDE_CONFIG_DIR=f"{home}/.claude", AWS_CONFIG_FILE=f"{home}/.aws/config",
               BEDROCK_TRAY_CONFIG_DIR=f"{home}/.config/bedrock-tray")
    subprocess.run([BIN, "use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"], env=env,
                   check=True, capture_output=True)
    return env


def median_ms(cmd, env) -> float:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    env = make_home()
    pairs = [
        ("status --json", [BIN, "status", "--json"], "aws configure list --profile dev", [AWS, "configure", "list", "--profile", "dev"]),
        ("use (switch model)", [BIN, "use", "--model", "opus"], None, None),
        ("profiles --json", [BIN, "profiles", "--json"], "aws configure list-profiles", [AWS, "configure", "list-profiles"]),
    ]
    print(f"median of {RUNS} runs each, wall time")
    for name, cmd, peer_name, peer in pairs:
        ours = median_ms(cmd, env)
        if peer:
            theirs = median_ms(peer, env)
            print(f"  bedrock-tray {name:<22} {ours:8.2f} ms   {peer_name:<36} {theirs:8.1f} ms   ratio {theirs / ours:6.1f}x")
        else:
            print(f"  bedrock-tray {name:<22} {ours:8.2f} ms")


if __name__ == "__main__":
    main()
