//! End to end: the real tray app in a real WebKit under Xvfb, driven by
//! tauri-driver + WebKitWebDriver over plain W3C WebDriver HTTP, with a
//! temporary HOME. Screenshots of each step go to a folder the test prints.

use crate::harness::http_json;
use crate::util::{in_seconds, write_token, TestHome, FOREIGN_SETTINGS, SSO_CONFIG};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills and reaps a child when the test ends, pass or fail.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn xvfb() -> (Reaped, String) {
    let n = (90..200)
        .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists() && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .expect("a free X display number");
    let child = Command::new("Xvfb")
        .args([format!(":{n}").as_str(), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (apt package xvfb; run scripts/setup.sh)");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let start = Instant::now();
    while !socket.exists() {
        assert!(start.elapsed() < Duration::from_secs(10), "Xvfb :{n} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Reaped(child), format!(":{n}"))
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let local = home.join(".cargo/bin/tauri-driver");
    if local.exists() {
        local
    } else {
        PathBuf::from("tauri-driver")
    }
}

fn app_binary() -> PathBuf {
    // target/debug/deps/tests-<hash> -> target/debug/bedrock-tray-app
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().and_then(Path::parent).unwrap().join("bedrock-tray-app");
    assert!(path.exists(), "{} missing: run `cargo build --workspace` first (scripts/test.sh does)", path.display());
    path
}

struct Session {
    base: String,
    id: String,
    shots: PathBuf,
    step: usize,
}

impl Session {
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.id)
    }
    /// One WebDriver call. WebKitWebDriver now and then drops a connection
    /// without answering (seen under load on two cores): retry a few times.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        for _ in 0..4 {
            if let Ok(v) = std::panic::catch_unwind(|| http_json(method, &self.url(path), body)) {
                return v;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        http_json(method, &self.url(path), body)
    }
    fn find(&self, css: &str) -> String {
        let v = self.call("POST", "/element", Some(&json!({"using": "css selector", "value": css})));
        v["value"][ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }
    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/text"), None)["value"].as_str().unwrap_or_default().to_string()
    }
    fn property(&self, css: &str, name: &str) -> Value {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/property/{name}"), None)["value"].clone()
    }
    /// Chooses `value` in the select `css` as a user does: the option is
    /// selected and the select fires `change`. (WebKitWebDriver's click on
    /// an `<option>` drops the connection, so the choice is scripted.)
    fn choose(&self, css: &str, value: &str) {
        let script = "const s = document.querySelector(arguments[0]); s.focus(); s.value = arguments[1]; \
                      if (s.value !== arguments[1]) throw new Error('no option ' + arguments[1]); \
                      s.dispatchEvent(new Event('change', {bubbles: true}));";
        self.call("POST", "/execute/sync", Some(&json!({"script": script, "args": [css, value]})));
    }
    /// Saves a PNG of the window as `NN-name.png`.
    fn screenshot(&mut self, name: &str) {
        let v = self.call("GET", "/screenshot", None);
        let png = base64_decode(v["value"].as_str().expect("base64 screenshot"));
        self.step += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
    /// Waits until `check` holds, up to `limit`; returns the time it took.
    fn wait(&self, limit: Duration, what: &str, mut check: impl FnMut(&Self) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            // A query while the page (re)loads may get a dropped connection.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(self))).unwrap_or(false) {
                return start.elapsed();
            }
            assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Standard base64 (the screenshot endpoint's encoding), without a crate.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "tauri-driver did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn model_id(model: &str, geo: &str) -> String {
    let c = bedrock_tray::catalog::Catalog::builtin();
    let (m, _) = c.model(model).unwrap();
    m.profile_id(geo).unwrap().to_string()
}

#[test]
fn dashboard_shows_switches_and_follows_the_files() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    write_token(&home, "corp", &in_seconds(2 * 3600), false);
    let out = home.cli(&["use", "--profile", "dev", "--model", "sonnet", "--geo", "eu"]);
    assert!(out.status.success(), "setup `use` must succeed: {}", crate::util::stderr(&out));
    let before = home.settings_json();

    let shots = std::env::temp_dir().join(format!("bedrock-tray-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&shots).unwrap();
    eprintln!("screenshots and the driver's log in {}", shots.display());
    let (_x, display) = xvfb();
    let port = free_port();
    let mut driver = Command::new(tauri_driver());
    driver
        .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
        .env("DISPLAY", &display)
        .env("BEDROCK_TRAY_NO_AUTO_LOGIN", "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(shots.join("tauri-driver.log")).unwrap());
    home.isolate(&mut driver);
    let _driver = Reaped(driver.spawn().expect("tauri-driver: run scripts/setup.sh (cargo install tauri-driver --locked)"));
    wait_for_port(port);
    let base = format!("http://127.0.0.1:{port}");
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "wry",
        "tauri:options": {"application": app_binary(), "args": ["--open-dashboard"]}
    }}});
    // tauri-driver listens before its WebKitWebDriver does: retry briefly.
    let start = Instant::now();
    let created = loop {
        match std::panic::catch_unwind(|| http_json("POST", &format!("{base}/session"), Some(&caps))) {
            Ok(v) => break v,
            Err(_) if start.elapsed() < Duration::from_secs(15) => std::thread::sleep(Duration::from_millis(250)),
            Err(e) => std::panic::resume_unwind(e),
        }
    };
    let id = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
    let mut s = Session { base: base.clone(), id, shots, step: 0 };

    // 1. The dashboard shows the selection written by the CLI.
    s.wait(Duration::from_secs(10), "dashboard renders the snapshot", |s| s.text("#model-id") != "–");
    assert_eq!(s.text("#model-id"), model_id("sonnet", "eu"), "the inference profile ID is the one in settings.json");
    assert!(s.text("#model-name").contains("Sonnet"), "the model's name is shown");
    assert_eq!(s.property("#profile", "value"), json!("dev"), "the selected profile is selected");
    assert_eq!(s.property("#geography", "value"), json!("eu"), "the geography select follows the model ID's prefix");
    assert_eq!(s.text("#provider"), "Amazon Bedrock");
    s.screenshot("selection");

    // 2. Opus + US from the UI rewrites settings.json, owned keys only.
    let clicked = Instant::now();
    s.choose("#model", "opus");
    s.wait(Duration::from_secs(5), "model switched to Opus", |_| {
        home.settings_json()["env"]["ANTHROPIC_MODEL"].as_str() == Some(&model_id("opus", "eu"))
    });
    let model_latency = clicked.elapsed();
    s.choose("#geography", "us");
    s.wait(Duration::from_secs(5), "geography switched to US", |_| {
        home.settings_json()["env"]["ANTHROPIC_MODEL"].as_str() == Some(&model_id("opus", "us"))
    });
    eprintln!("UI click to settings.json rewritten: {model_latency:?}");
    let after = home.settings_json();
    for key in ["permissions", "hooks", "statusLine", "includeCoAuthoredBy", "cleanupPeriodDays", "model", "nothing", "$schema"] {
        assert_eq!(after[key], before[key], "{key} is not ours and must survive the switch");
    }
    for key in ["FOO_TOKEN_LIMIT", "DISABLE_TELEMETRY"] {
        assert_eq!(after["env"][key], before["env"][key], "env.{key} is not ours and must survive");
    }
    assert!(after["env"]["AWS_REGION"].as_str().unwrap().starts_with("us-"), "the region moves with the geography (residency)");
    s.wait(Duration::from_secs(2), "UI follows the switch", |s| s.text("#model-id") == model_id("opus", "us"));
    s.screenshot("opus-us");

    // 3. A hand edit of settings.json shows within a second.
    let mut edited = home.settings_json();
    let haiku = model_id("haiku", "us");
    edited["env"]["ANTHROPIC_MODEL"] = json!(haiku);
    let written = Instant::now();
    std::fs::write(home.settings(), serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    s.wait(Duration::from_secs(1), "hand edit shown", |s| s.text("#model-id") == haiku);
    eprintln!("hand edit to UI: {:?}", written.elapsed());
    assert!(s.text("#model-name").contains("Haiku"), "the name follows the ID");
    s.screenshot("hand-edit");

    // 4. A token three minutes from expiry: warning state and countdown.
    write_token(&home, "corp", &in_seconds(180), false);
    s.wait(Duration::from_secs(3), "warning shown", |s| s.property("#countdown", "className").as_str() == Some("countdown warning"));
    let countdown = s.text("#countdown");
    assert!(countdown.starts_with("02:") || countdown.starts_with("03:00"), "about three minutes left: {countdown}");
    assert!(s.text("#state").contains("expiring"), "the state line says why: {}", s.text("#state"));
    let first = s.text("#countdown");
    std::thread::sleep(Duration::from_millis(2100));
    assert_ne!(s.text("#countdown"), first, "the countdown ticks between snapshots");
    s.screenshot("expiring");

    http_json("DELETE", &s.url(""), None);
}
