"""What the benchmark scripts share: a throw-away HOME's environment, the
SSO profile they measure with, a private D-Bus session, and timing."""

import atexit
import os
import shutil
import statistics
import subprocess
import tempfile
import time

SSO_CONFIG = """[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-central-1
"""


def isolated_env(home):
    """This process's environment with every file location under `home` and
    nothing of the user's AWS, Claude Code, bedrock-tray or D-Bus setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLAUDE_", "BEDROCK_TRAY_", "DBUS_"))}
    env.update(HOME=home, AWS_CONFIG_FILE=f"{home}/.aws/config", AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials",
               CLAUDE_CONFIG_DIR=f"{home}/.claude", BEDROCK_TRAY_CONFIG_DIR=f"{home}/.config/bedrock-tray")
    return env


def scratch_dir(prefix, parent=None):
    """A new temporary folder, removed when the script exits."""
    folder = tempfile.mkdtemp(prefix=prefix, dir=parent)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def session_bus():
    """A private D-Bus session bus: the process (kill it when done) and its
    address. Its socket goes in a fresh temporary folder: the stock session
    config would leave a /tmp/dbus-* socket behind."""
    folder = scratch_dir("bt-bus-", "/tmp")  # a socket path must fit in 108 bytes
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                            f"--address=unix:path={folder}/bus"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return bus, bus.stdout.readline().strip()


def median_ms(cmd, env, runs, check=False):
    """Median wall time of `runs` runs of `cmd`; with `check`, a failing run
    is an error (some peers fail by design here, without network)."""
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True)
        samples.append((time.perf_counter() - t) * 1000)
        if check and out.returncode != 0:
            raise RuntimeError(f"{cmd}: {out.stderr.decode()}")
    return statistics.median(samples)
