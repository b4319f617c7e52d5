#!/usr/bin/env python3
"""Measures the tray app as a user meets it, on its own Xvfb and private
D-Bus session with a StatusNotifier host (tests/sni_host.py) as the panel:

- launch to tray ready: until the app's item is registered with the host,
  i.e. the moment a panel shows the icon;
- memory just after start-up, then, once the tray has given back its
  start-up pages (10 quiet seconds, src-tauri/src/working_set.rs),
- idle with the window never opened: the tray process's RSS, PSS and
  anonymous memory (/proc/PID/smaps_rollup), its WebKit processes (there
  should be none), CPU ticks and wake-ups, and where every MB goes,
  mapping by mapping (/proc/PID/smaps);
- menu click to settings.json rewritten (median of N clicks);
- the dashboard opened from the menu and closed as its close button
  closes it, five times: click to window visible (the dashboard is a
  process of its own), the process tree while open, that a second "Open
  dashboard" brings the open one forward instead of starting another, and
  the WebKit processes left after each close;
- the same idle figures after the five cycles.

Usage: measure_tray.py APP CLI [IDLE_SECONDS] [CLICKS]
Prints one line per figure. Run by scripts/bench.sh (make bench).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from bench_common import SSO_CONFIG, isolated_env, scratch_dir, session_bus

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from close_window import close_window  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP, CLI = sys.argv[1], sys.argv[2]
IDLE = float(sys.argv[3]) if len(sys.argv) > 3 else 60
CLICKS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
# The tray's quiet period before it gives back its pages, plus a margin.
SETTLE = 12
TICK = os.sysconf("SC_CLK_TCK")



def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pids):
    return sum(status(p, "VmRSS") for p in pids) / 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


class Host:
    def __init__(self, env):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests/sni_host.py")],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.read()["ready"]

    def read(self):
        return json.loads(self.proc.stdout.readline())

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.read()
        if "error" in answer:
            raise RuntimeError(f"{command}: {answer['error']}")
        return answer


def find(items, label):
    for i in items:
        if i.get("label", "").startswith(label):
            return i
        hit = find(i["children"], label)
        if hit:
            return hit
    return None


def rollup(pid):
    """RSS, PSS and anonymous memory in MB from /proc/PID/smaps_rollup."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if parts[0] in ("Rss:", "Pss:", "Anonymous:"):
                    out[parts[0][:-1]] = int(parts[1]) / 1024
    except OSError:
        pass
    return out


def by_mapping(pid):
    """PSS, RSS and anonymous kB per mapped file (anonymous mappings,
    heap and stacks under their own names), from /proc/PID/smaps."""
    out, name = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else "[anonymous]"
                if name.startswith("[stack"):
                    name = "[stacks]"
                continue
            key = {"Rss:": 1, "Pss:": 0, "Anonymous:": 2}.get(parts[0])
            if key is not None:
                out.setdefault(name, [0, 0, 0])[key] += int(parts[1])
    return out


def webkit_processes(home):
    """WebKit processes of this run wherever they are in the process tree
    (an orphan is re-parented away from the app): those whose HOME is ours."""
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or not comm(p).startswith("WebKit"):
            continue
        try:
            with open(f"/proc/{p}/environ", "rb") as f:
                if f"HOME={home}".encode() in f.read().split(b"\0"):
                    found.append(int(p))
        except OSError:
            pass
    return found


def dashboards(pid):
    """The dashboard processes among the app's descendants."""
    out = []
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if b"--dashboard" in f.read().split(b"\0"):
                    out.append(p)
        except OSError:
            pass
    return out


def visible_windows(env, name):
    return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{name}$"], env=env,
                          capture_output=True, text=True).stdout.split()


def wait_for(what, check, seconds=30, step=0.005):
    deadline = time.time() + seconds
    while not check():
        if time.time() > deadline:
            raise RuntimeError(what)
        time.sleep(step)


def thread_wakeups(pid):
    """Voluntary context switches per thread (how often each woke up),
    keyed by thread id and name."""
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        out[(t, comm(f"{pid}/task/{t}"))] = status(f"{pid}/task/{t}", "voluntary_ctxt_switches")
    return out


def idle(pid, seconds):
    """CPU seconds and wake-ups per minute over `seconds`, with the
    threads that woke most. Threads that exit in between are not counted;
    new ones count from zero."""
    cpu0, before = cpu_seconds(pid), thread_wakeups(pid)
    time.sleep(seconds)
    after = thread_wakeups(pid)
    per = {k: v - before.get(k, 0) for k, v in after.items()}
    busiest = sorted(((n, k[1]) for k, n in per.items() if n > 0), reverse=True)[:3]
    top = ", ".join(f"{name} {n * 60 / seconds:.0f}" for n, name in busiest) or "none"
    return cpu_seconds(pid) - cpu0, sum(per.values()) * 60 / seconds, top


def main():
    home = scratch_dir("bt-measure-")
    procs = []
    try:
        os.makedirs(f"{home}/.aws/sso/cache")
        os.makedirs(f"{home}/.claude")
        with open(f"{home}/.aws/config", "w") as f:
            f.write(SSO_CONFIG)
        env = isolated_env(home)
        env["BEDROCK_TRAY_NO_AUTO_LOGIN"] = "1"
        subprocess.run([CLI, "use", "--profile", "dev", "--model", "sonnet", "--geo", "eu"], env=env, check=True, capture_output=True)

        xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(xvfb)
        env["DISPLAY"] = ":" + xvfb.stdout.readline().strip()
        bus, env["DBUS_SESSION_BUS_ADDRESS"] = session_bus()
        procs.append(bus)
        host = Host(env)
        procs.append(host.proc)

        started = time.perf_counter()
        log = open(os.environ["MEASURE_TRAY_LOG"], "w") if os.environ.get("MEASURE_TRAY_LOG") else subprocess.DEVNULL
        app = subprocess.Popen([APP], env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        procs.insert(0, app)
        host.ask("wait")
        print(f"launch to tray ready (icon registered with the panel): {(time.perf_counter() - started) * 1000:.0f} ms")
        time.sleep(2)
        start_up = rollup(app.pid)
        print(f"just after start-up: tray {start_up['Rss']:.1f} MB RSS, {start_up['Pss']:.1f} MB PSS, "
              f"{start_up['Anonymous']:.1f} MB anonymous")
        # The tray gives back its start-up pages after 10 quiet seconds
        # (src-tauri/src/working_set.rs); idle is measured after that.
        time.sleep(SETTLE)
        first = report_idle("window never opened", app.pid, home, min(IDLE, 30))
        first_tree = rss_mb([app.pid] + descendants(app.pid))
        print("where the tray's memory goes (PSS / RSS / anonymous, MB, /proc/PID/smaps):")
        table = by_mapping(app.pid)
        shown = sorted(table.items(), key=lambda kv: -kv[1][0])
        rest = [0, 0, 0]
        for name, (pss, rss, anon) in shown:
            if pss >= 256:
                print(f"  {pss / 1024:6.1f} {rss / 1024:6.1f} {anon / 1024:6.1f}  {name}")
            else:
                rest = [a + b for a, b in zip(rest, (pss, rss, anon))]
        print(f"  {rest[0] / 1024:6.1f} {rest[1] / 1024:6.1f} {rest[2] / 1024:6.1f}  "
              f"{sum(1 for _, v in shown if v[0] < 256)} other mappings under 0.25 MB PSS each")

        # Menu click to settings.json rewritten, alternating two models.
        settings = f"{home}/.claude/settings.json"
        layout = host.ask("layout")
        ids = [find(layout["items"], m)["id"] for m in ("Claude Opus 4.6", "Claude Sonnet 4.6")]
        took = []
        for n in range(CLICKS):
            before = open(settings).read()
            t0 = time.perf_counter()
            host.ask(f"click {ids[n % 2]}")
            while open(settings).read() == before:
                if time.perf_counter() - t0 > 5:
                    raise RuntimeError("a click did not rewrite settings.json")
                time.sleep(0.0005)
            took.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.05)
        print(f"menu click to settings.json rewritten: median {statistics.median(took):.1f} ms, max {max(took):.1f} ms ({CLICKS} clicks)")
        time.sleep(2)

        # The dashboard, from the menu, five times.
        open_id = find(host.ask("layout")["items"], "Open dashboard")["id"]
        visible, left_after = [], []
        for cycle in range(5):
            t0 = time.perf_counter()
            host.ask(f"click {open_id}")
            wait_for("the dashboard did not show", lambda: visible_windows(env, "bedrock-tray"))
            visible.append((time.perf_counter() - t0) * 1000)
            if cycle == 0:
                wait_for("the dashboard did not start WebKit",
                         lambda: any(comm(p).startswith("WebKitWeb") for p in descendants(app.pid)), step=0.05)
                time.sleep(4)
                kids = descendants(app.pid)
                parts = ", ".join(f"{comm(p)} {rss_mb([p]):.0f}" for p in [app.pid] + kids)
                print(f"RSS, dashboard open: {rss_mb([app.pid] + kids):.0f} MB ({parts})")
                # A second "Open dashboard" brings it forward: no second process.
                host.ask(f"click {open_id}")
                time.sleep(2)
                print(f"a second \"Open dashboard\" while open: {len(dashboards(app.pid))} dashboard process(es), "
                      f"{len(visible_windows(env, 'bedrock-tray'))} window(s)")
            else:
                time.sleep(1)
            close_window(env["DISPLAY"], "bedrock-tray")
            wait_for("the dashboard process did not exit", lambda: not dashboards(app.pid), seconds=15, step=0.05)
            try:
                wait_for("", lambda: not webkit_processes(home), seconds=15, step=0.05)
            except RuntimeError:
                pass  # counted below
            left_after.append(len(webkit_processes(home)))
        print(f"click to dashboard visible (window mapped), 5 cycles: median {statistics.median(visible):.0f} ms, "
              f"max {max(visible):.0f} ms ({', '.join(f'{v:.0f}' for v in visible)})")
        print(f"WebKit processes left after each close: {left_after}")
        time.sleep(SETTLE)
        after = report_idle("after 5 dashboard open/close cycles", app.pid, home, IDLE)
        tree = rss_mb([app.pid] + descendants(app.pid))
        print(f"app process tree RSS: {first_tree:.1f} MB at first idle, {tree:.1f} MB after 5 cycles "
              f"({tree - first_tree:+.1f} MB); tray RSS first idle {first['Rss']:.1f} MB, now {after['Rss']:.1f} MB")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(home, ignore_errors=True)


def report_idle(label, pid, home, seconds):
    cpu, wake, top = idle(pid, seconds)
    ticks = round(cpu * TICK)
    mem = rollup(pid)
    kids = descendants(pid)
    print(f"idle, {label}: tray {mem['Rss']:.1f} MB RSS, {mem['Pss']:.1f} MB PSS, {mem['Anonymous']:.1f} MB anonymous; "
          f"{len(kids)} child processes, {len(webkit_processes(home))} WebKit processes; "
          f"{ticks} CPU ticks ({cpu * 1000:.0f} ms) in {seconds:.0f} s, {wake:.1f} wake-ups/min ({top})")
    return mem


main()
