//! The tray as a desktop panel sees it: the debug app on its own Xvfb and a
//! private D-Bus session, where `sni_host.py` plays the StatusNotifier host
//! (GNOME's AppIndicator extension, KDE, waybar). The test reads the menu
//! the app exports and clicks its items through the same D-Bus calls a
//! panel makes.

use crate::tray_e2e::{target_dir, xvfb, Killed};
use crate::util::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

struct Host {
    _child: Killed,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Host {
    fn start(bus: &str) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sni_host.py");
        let mut child = Command::new(python())
            .arg(script)
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test venv's python (scripts/setup.sh)");
        let (input, output) = (child.stdin.take().unwrap(), BufReader::new(child.stdout.take().unwrap()));
        let mut host = Self { _child: Killed(child), input, output };
        assert_eq!(host.read()["ready"], true, "the host owns the watcher name");
        host
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("host said {line:?}: {e}"))
    }

    fn ask(&mut self, command: &str) -> Value {
        writeln!(self.input, "{command}").unwrap();
        let answer = self.read();
        assert!(answer.get("error").is_none(), "{command}: {answer}");
        answer
    }

    fn layout(&mut self) -> Value {
        self.ask("layout")
    }
}

/// The menu item whose label starts with `label`, searched depth first.
fn find<'a>(items: &'a Value, label: &str) -> Option<&'a Value> {
    items.as_array()?.iter().find_map(|i| {
        if i["label"].as_str().is_some_and(|l| l.starts_with(label)) {
            Some(i)
        } else {
            find(&i["children"], label)
        }
    })
}

fn item<'a>(layout: &'a Value, label: &str) -> &'a Value {
    find(&layout["items"], label).unwrap_or_else(|| panic!("no menu item {label:?} in {layout}"))
}

fn checked(layout: &Value, label: &str) -> bool {
    item(layout, label)["toggle_state"] == 1
}

/// Polls the menu until `want` holds; returns how long it took.
fn wait_menu(host: &mut Host, within: Duration, want: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let layout = host.layout();
        if want(&layout) {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "the menu still shows {layout}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_panel_shows_the_menu_and_its_clicks_switch_settings() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet-4-6"]);
    write_token(&home, "corp", &in_seconds(8 * 3600), false);
    let today = write_transcript_today(&home, 1_000_000, 100_000);

    let (_x, display) = xvfb();
    let (_bus, bus) = session_bus();
    let mut host = Host::start(&bus);
    let mut app = tray_app(&home, &display, &bus);
    let mut app = Killed(app.spawn().expect("scripts/test.sh builds the app first"));
    host.ask("wait");

    // The first line summarises; the check marks are the selection.
    let layout = host.layout();
    let summary = layout["items"][0]["label"].as_str().unwrap().to_string();
    assert!(summary.starts_with("Sonnet 4.6 · EU · dev ·") && summary.contains("left"), "{summary}");
    // Spend arrives from the first transcript scan, just after start.
    wait_menu(&mut host, Duration::from_secs(5), |l| {
        l["items"][0]["label"].as_str().is_some_and(|s| s.contains(&format!("${today:.2} today")))
    });
    let layout = host.layout();
    assert_eq!(layout["items"][0]["enabled"], false, "the summary is not clickable");
    assert!(checked(&layout, "Claude Sonnet 4.6") && !checked(&layout, "Claude Opus 4.6"));
    assert!(checked(&layout, "EU") && checked(&layout, "dev") && checked(&layout, "Amazon Bedrock"));
    let india = item(&layout, "India");
    assert_eq!(india["enabled"], false, "no Sonnet 4.6 profile in India: {india}");
    assert!(india["label"].as_str().unwrap().contains("no Claude Sonnet 4.6"), "the reason is shown");
    let icon_ok = host.ask("item")["icon"].clone();

    // A click on Opus: settings.json changes (our keys only) and the menu
    // follows, in place: same item ids, same layout revision.
    let opus = item(&layout, "Claude Opus 4.6")["id"].as_i64().unwrap();
    let clicked = Instant::now();
    host.ask(&format!("click {opus}"));
    while home.settings_json()["env"]["ANTHROPIC_MODEL"] != "eu.anthropic.claude-opus-4-6-v1" {
        assert!(clicked.elapsed() < Duration::from_secs(5), "settings.json unchanged: {}", home.read_settings());
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!("menu click to settings.json rewritten: {:?} (debug build)", clicked.elapsed());
    let v = home.settings_json();
    assert_eq!(v["permissions"]["deny"][0], "Read(./.env)", "foreign keys kept");
    assert_eq!(v["env"]["ANTHROPIC_SMALL_FAST_MODEL"], newest("haiku", "eu").as_str());
    wait_menu(&mut host, Duration::from_secs(2), |l| checked(l, "Claude Opus 4.6") && !checked(l, "Claude Sonnet 4.6"));
    let after = host.layout();
    assert_eq!(item(&after, "Claude Opus 4.6")["id"], opus, "updated in place, not rebuilt");
    assert_eq!(after["revision"], layout["revision"], "an open menu would not close");

    // Geography from the menu: every model follows.
    let us = item(&after, "US")["id"].as_i64().unwrap();
    host.ask(&format!("click {us}"));
    wait_menu(&mut host, Duration::from_secs(5), |l| checked(l, "US") && !checked(l, "EU"));
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_MODEL"], "us.anthropic.claude-opus-4-6-v1");

    // A change made elsewhere (a terminal, a hand edit) shows within a second.
    home.cli_ok(&["use", "--model", "haiku-4-5"]);
    let took = wait_menu(&mut host, Duration::from_secs(3), |l| checked(l, "Claude Haiku 4.5"));
    assert!(took < Duration::from_secs(1), "shown after {took:?}");

    // The session expires: the icon changes and the summary says so.
    write_token(&home, "corp", &in_seconds(-60), false);
    wait_menu(&mut host, Duration::from_secs(3), |l| {
        l["items"][0]["label"].as_str().is_some_and(|s| s.contains("expired"))
    });
    assert_ne!(host.ask("item")["icon"], icon_ok, "the error icon replaces the ok icon");

    // Quit ends the app.
    let quit = item(&host.layout(), "Quit")["id"].as_i64().unwrap();
    host.ask(&format!("click {quit}"));
    let started = Instant::now();
    while app.0.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(5), "the app is still running after Quit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn with_no_tray_host_the_app_runs_and_a_second_launch_opens_its_dashboard() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let (_x, display) = xvfb();
    // A session bus (single instance needs one) but no StatusNotifier host.
    let (_bus, bus) = session_bus();
    let app = |args: &[&str]| {
        let mut c = tray_app(&home, &display, &bus);
        c.args(args);
        c
    };
    let dashboards = || {
        let out = Command::new("xdotool")
            .args(["search", "--name", "^bedrock-tray$"])
            .env("DISPLAY", &display)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let mut first = Killed(app(&[]).spawn().unwrap());
    std::thread::sleep(Duration::from_secs(2));
    assert!(first.0.try_wait().unwrap().is_none(), "no tray host is no reason to exit");
    assert_eq!(dashboards(), 0, "tray only: no window at start");

    let mut second = Killed(app(&[]).spawn().unwrap());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = second.0.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the second launch is still running: two instances");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "the second launch hands over and exits: {status:?}");
    while dashboards() == 0 {
        // A dashboard process starts (WebKit and all): as long as the
        // other waits for a window here.
        assert!(started.elapsed() < Duration::from_secs(30), "the first instance opened no dashboard");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(first.0.try_wait().unwrap().is_none(), "the first instance keeps running");
}

/// The case, in the real app: the selected profile's session has
/// ten hours left, another profile's session has expired. The app must
/// open no sign-in page: no login reaches IAM Identity Center and no
/// browser is started. The wait ends when the app has handled the expired
/// session's event (its log says so), not after a fixed time; the rule
/// itself, over time, is `sso::auto_sign_in`'s unit tests.
#[test]
fn an_expired_unused_session_opens_no_sign_in_page_while_the_selected_one_is_valid() {
    use crate::harness::FakeAws;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    write_token(&home, "corp", &in_seconds(10 * 3600), false);
    write_token(&home, "https://legacy.awsapps.com/start", &in_seconds(-3600), false);
    let fake = FakeAws::start();
    // A browser stand-in: any page the app opens is recorded here.
    let bin = home.path().join("spy-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = home.path().join("opened.txt");
    for opener in ["xdg-open", "sensible-browser", "x-www-browser"] {
        let spy = bin.join(opener);
        std::fs::write(&spy, format!("#!/bin/sh\necho \"$@\" >> '{}'\n", opened.display())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (_x, display) = xvfb();
    let (_bus, bus) = session_bus();
    let mut app = Command::new(target_dir().join("bedrock-tray-app"));
    home.isolate(&mut app);
    fake.apply(&mut app);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    app.env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .env("PATH", path)
        .env("BROWSER", bin.join("xdg-open"))
        .env("BEDROCK_TRAY_LOG", "info")
        .env_remove("BEDROCK_TRAY_NO_AUTO_LOGIN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut app = Killed(app.spawn().expect("scripts/test.sh builds the app first"));
    let stderr = app.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let sign_ins = |state: &Value| -> Vec<String> {
        state["requests"].as_object().unwrap().keys().filter(|k| k.starts_with("sso-oidc:")).cloned().collect()
    };
    // Wait until the app has handled the expired session's event (its log
    // says how), or until a sign-in shows up, whichever comes first.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut handled = None;
    while handled.is_none() && sign_ins(&fake.state()).is_empty() && !opened.exists() {
        assert!(Instant::now() < deadline, "the app never reported the expired legacy session");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            if line.contains("session event") && line.contains("Expired") && line.contains("legacy") {
                handled = Some(line);
            }
        }
    }
    let state = fake.state();
    assert!(sign_ins(&state).is_empty(), "no sign-in reached IAM Identity Center: {state}");
    assert!(!opened.exists(), "no page was opened: {:?}", std::fs::read_to_string(&opened));
    let handled = handled.unwrap();
    assert!(handled.contains("reaction=Notify"), "a notification only: {handled}");
    assert!(app.0.try_wait().unwrap().is_none(), "the app keeps running");
}

/// The processes below `pid`, depth first.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let kids = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        for k in kids.split_whitespace().filter_map(|k| k.parse().ok()) {
            out.push(k);
            todo.push(k);
        }
    }
    out
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string()
}

fn parent_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse().ok())
}

fn has_arg(pid: u32, arg: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == arg.as_bytes()))
}

/// Every WebKit process of this test, wherever it sits in the process tree
/// (an orphan is re-parented away from the app): those with our HOME.
fn webkit_processes(home: &Path) -> Vec<u32> {
    let ours = format!("HOME={}", home.display()).into_bytes();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| comm(*p).starts_with("WebKit"))
        .filter(|p| std::fs::read(format!("/proc/{p}/environ")).is_ok_and(|e| e.split(|b| *b == 0).any(|v| v == ours)))
        .collect()
}

/// The debug tray app in `home`, on `display` and the session bus `bus`,
/// quiet, and never signing in by itself.
fn tray_app(home: &TestHome, display: &str, bus: &str) -> Command {
    let mut app = Command::new(target_dir().join("bedrock-tray-app"));
    home.isolate(&mut app);
    app.env("DISPLAY", display)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("BEDROCK_TRAY_NO_AUTO_LOGIN", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    app
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_dashboard_opens_in_a_process_of_its_own_and_closing_it_ends_webkit() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let (_x, display) = xvfb();
    let (_bus, bus) = session_bus();
    let mut host = Host::start(&bus);
    let mut app = tray_app(&home, &display, &bus);
    let mut app = Killed(app.spawn().expect("scripts/test.sh builds the app first"));
    let tray = app.0.id();
    host.ask("wait");
    let windows = |visible: bool| {
        let mut search = Command::new("xdotool");
        search.arg("search");
        if visible {
            search.arg("--onlyvisible");
        }
        let out = search.args(["--name", "^bedrock-tray$"]).env("DISPLAY", &display).output().unwrap();
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect::<Vec<_>>()
    };
    // Started by the tray itself: a dashboard's own child caught between
    // fork and exec (WebKit starting a helper) also shows `--dashboard`.
    let dashboards = || {
        descendants(tray)
            .into_iter()
            .filter(|p| has_arg(*p, "--dashboard") && parent_of(*p) == Some(tray))
            .collect::<Vec<_>>()
    };
    assert!(descendants(tray).is_empty() && webkit_processes(home.path()).is_empty(), "tray only: no WebKit");

    // From the menu: a window, in a dashboard process; WebKit runs below
    // that process, never below the tray itself.
    let open = item(&host.layout(), "Open dashboard")["id"].as_i64().unwrap();
    host.ask(&format!("click {open}"));
    wait_until("no dashboard window", Duration::from_secs(30), || !windows(true).is_empty());
    let dashboard = dashboards();
    assert_eq!(dashboard.len(), 1, "one dashboard process");
    wait_until("the dashboard started no WebKit", Duration::from_secs(30), || {
        !webkit_processes(home.path()).is_empty()
    });
    let under_dashboard = descendants(dashboard[0]);
    for p in webkit_processes(home.path()) {
        assert!(under_dashboard.contains(&p), "{} ({p}) runs below the dashboard process", comm(p));
    }
    let tray_own: Vec<u32> = std::fs::read_to_string(format!("/proc/{tray}/task/{tray}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|k| k.parse().ok())
        .collect();
    assert_eq!(tray_own, dashboard, "the tray's only child is the dashboard process");

    // Opening it again brings the hidden window back: no second process.
    // Hidden for a whole second first: on a loaded machine the dashboard
    // may still be showing its new window (the webview is attached after
    // the window maps) and map it again after an early unmap.
    wait_until("the window is still mapped", Duration::from_secs(20), || {
        for w in windows(true) {
            let unmapped = Command::new("xdotool").args(["windowunmap", &w]).env("DISPLAY", &display).status().unwrap();
            assert!(unmapped.success());
        }
        std::thread::sleep(Duration::from_secs(1));
        windows(true).is_empty()
    });
    host.ask(&format!("click {open}"));
    wait_until("the open dashboard did not come back", Duration::from_secs(10), || !windows(true).is_empty());
    assert_eq!(dashboards(), dashboard, "the same dashboard process, no second one");

    // Its close button ends the dashboard process and every WebKit process.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/close_window.py");
    let closed = Command::new(python()).arg(script).arg("bedrock-tray").env("DISPLAY", &display).status().unwrap();
    assert!(closed.success(), "a dashboard window to close");
    wait_until("the dashboard process still runs", Duration::from_secs(15), || dashboards().is_empty());
    wait_until("WebKit processes are left", Duration::from_secs(15), || webkit_processes(home.path()).is_empty());
    assert!(app.0.try_wait().unwrap().is_none(), "the tray keeps running");
    assert!(windows(false).is_empty(), "no window left");
}

#[test]
fn on_an_empty_home_the_tray_starts_the_dashboard_on_its_wizard() {
    let home = TestHome::new();
    let (_x, display) = xvfb();
    let (_bus, bus) = session_bus();
    let mut host = Host::start(&bus);
    let mut app = tray_app(&home, &display, &bus);
    let app = Killed(app.spawn().expect("scripts/test.sh builds the app first"));
    host.ask("wait");
    let tray = app.0.id();
    wait_until("no dashboard process on first run", Duration::from_secs(30), || {
        descendants(tray).iter().any(|p| has_arg(*p, "--dashboard"))
    });
    wait_until("no dashboard window on first run", Duration::from_secs(30), || {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^bedrock-tray$"])
            .env("DISPLAY", &display)
            .output()
            .unwrap();
        !out.stdout.is_empty()
    });
}
