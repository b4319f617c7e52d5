#!/usr/bin/env python3
"""Measures the tray app as a user meets it, on its own Xvfb and private
D-Bus session with a StatusNotifier host (tests/sni_host.py) as the panel:

- launch to tray ready: until the app's item is registered with the host,
  i.e. the moment a panel shows the icon;
- RSS and CPU while idle with no window (never opened);
- RSS with the dashboard open (app + WebKit processes), opened from the
  tray menu's "Open dashboard";
- RSS, CPU and wake-ups (voluntary context switches) while idle after the
  dashboard was closed the way its close button closes it;
- menu click to settings.json rewritten (median of N clicks).

Usage: measure_tray.py APP CLI [IDLE_SECONDS] [CLICKS]
Prints one line per figure. Run by scripts/bench.sh (make bench).
"""

import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import SSO_CONFIG, isolated_env, session_bus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP, CLI = sys.argv[1], sys.argv[2]
IDLE = float(sys.argv[3]) if len(sys.argv) > 3 else 60
CLICKS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
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
            [os.path.join(ROOT, ".venv/bin/python"), os.path.join(ROOT, "tests/sni_host.py")],
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


def close_window(display_env, name):
    """WM_DELETE_WINDOW, as a window manager's close button sends it (with
    no window manager on Xvfb, nothing else would)."""
    wid = subprocess.run(["xdotool", "search", "--name", f"^{name}$"], env=display_env, capture_output=True, text=True).stdout.split()
    if not wid:
        raise RuntimeError("no dashboard window")
    x = ctypes.CDLL("libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x.XFlush.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]

    d = x.XOpenDisplay(display_env["DISPLAY"].encode())
    for w in wid:
        ev = ClientMessage(type=33, send_event=1, window=int(w), format=32, message_type=x.XInternAtom(d, b"WM_PROTOCOLS", 0))
        ev.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
        x.XSendEvent(d, int(w), 0, 0, ctypes.byref(ev))
    x.XFlush(d)


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
    home = tempfile.mkdtemp(prefix="bt-measure-")
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
        app = subprocess.Popen([APP], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.insert(0, app)
        host.ask("wait")
        print(f"launch to tray ready (icon registered with the panel): {(time.perf_counter() - started) * 1000:.0f} ms")
        time.sleep(2)
        cpu, wake, top = idle(app.pid, min(IDLE, 30))
        print(f"idle, window never opened: {rss_mb([app.pid] + descendants(app.pid)):.0f} MB RSS "
              f"({len(descendants(app.pid))} child processes), {cpu * 1000:.0f} ms CPU in {min(IDLE, 30):.0f} s, {wake:.1f} wake-ups/min ({top})")

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

        # The dashboard, from the menu.
        host.ask(f"click {find(host.ask('layout')['items'], 'Open dashboard')['id']}")
        deadline = time.time() + 30
        while not any(comm(p).startswith("WebKitWeb") for p in descendants(app.pid)):
            if time.time() > deadline:
                raise RuntimeError("the dashboard did not start WebKit")
            time.sleep(0.05)
        time.sleep(4)
        kids = descendants(app.pid)
        parts = ", ".join(f"{comm(p)} {rss_mb([p]):.0f}" for p in [app.pid] + kids)
        print(f"RSS, dashboard open: {rss_mb([app.pid] + kids):.0f} MB ({parts})")
        close_window(env, "bedrock-tray")
        deadline = time.time() + 15
        while any(comm(p) == "WebKitWebProcess" for p in descendants(app.pid)) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(3)
        kids = descendants(app.pid)
        left = ", ".join(comm(p) for p in kids) or "none"
        cpu, wake, top = idle(app.pid, IDLE)
        print(f"RSS idle after the dashboard was closed: {rss_mb([app.pid]):.0f} MB app, "
              f"{rss_mb([app.pid] + kids):.0f} MB with children (left: {left})")
        print(f"CPU idle over {IDLE:.0f} s with the window closed: {cpu * 1000:.0f} ms ({cpu / IDLE * 100:.3f} %), "
              f"{wake:.1f} wake-ups/min (voluntary context switches, all threads; most: {top})")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(home, ignore_errors=True)


main()
