//! End to end, in the real app and a real WebKit: Xvfb, tauri-driver and
//! WebKitWebDriver drive the debug build of the tray app with a temporary
//! HOME. Screenshots of each step are saved (the path is printed).

use crate::harness::http_request;
use crate::util::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn target_dir() -> PathBuf {
    // tests-<hash> lives in target/debug/deps.
    std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf()
}

fn tauri_driver() -> PathBuf {
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::home_dir().unwrap().join(".cargo"))
        .join("bin/tauri-driver");
    assert!(home_bin.exists(), "{} missing: run scripts/setup.sh", home_bin.display());
    home_bin
}

/// Starts Xvfb on a display it picks itself and returns `:N`.
pub fn xvfb() -> (Killed, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (scripts/setup.sh installs xvfb)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Killed(child), format!(":{}", line.trim()))
}

struct Session {
    url: String,
    shots: PathBuf,
    step: usize,
}

impl Session {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        // tauri-driver now and then closes a connection without an answer;
        // every command here is safe to send again.
        for _ in 0..5 {
            let (status, value) = http_request(method, &format!("{}{path}", self.url), body.as_ref());
            if status != 0 {
                assert!((200..300).contains(&status), "{method} {path}: HTTP {status}: {value}");
                return value["value"].clone();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{method} {path}: no answer from tauri-driver");
    }

    /// A command that may fail transiently (an element replaced by a
    /// re-render is stale): `None` then.
    fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let (status, value) = http_request(method, &format!("{}{path}", self.url), body.as_ref());
        (200..300).contains(&status).then(|| value["value"].clone())
    }

    fn text(&self, css: &str) -> String {
        for _ in 0..20 {
            let found = self.try_cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
            let id = found
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(text) = id.and_then(|id| self.try_cmd("GET", &format!("/element/{id}/text"), None)) {
                return text.as_str().unwrap_or_default().to_string();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("cannot read {css}");
    }

    /// Picks an option of a select as a user would: the value changes and
    /// a `change` event fires. (Clicking an <option> through
    /// WebKitWebDriver opens a native popup and is flaky under load.)
    fn choose(&self, select: &str, value: &str) {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "const s = document.querySelector(arguments[0]); s.focus(); s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));",
                "args": [select, value],
            })),
        );
    }

    /// Runs `script` in the page with `args` and returns its value.
    fn script(&self, script: &str, args: Value) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": args})))
    }

    /// Clicks the element as a user would (WebDriver's element click).
    fn click(&self, css: &str) {
        let found = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        let id =
            found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id").to_string();
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Waits until `css` matches an element that is displayed.
    fn wait_shown(&self, css: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let visible = "const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null;";
        while self.script(visible, json!([css])) != json!(true) {
            assert!(Instant::now() < deadline, "{css} is not shown");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `css`'s text satisfies `want`.
    fn wait_text(&self, css: &str, within: Duration, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let t = self.text(css);
            if want(&t) {
                return t;
            }
            assert!(Instant::now() < deadline, "{css} still shows {t:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&mut self, name: &str) {
        let b64 = self.cmd("GET", "/screenshot", None);
        self.step += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, base64_decode(b64.as_str().unwrap())).unwrap();
    }
}

/// Standard base64 (the WebDriver screenshot encoding), without a crate.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => 0,
    };
    let bytes: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().take_while(|c| **c != b'=').count();
        let v: Vec<u32> = chunk.iter().map(|c| u32::from(value(*c))).collect();
        let word = v.iter().chain(std::iter::repeat(&0)).take(4).fold(0u32, |acc, x| (acc << 6) | x);
        let three = [(word >> 16) as u8, (word >> 8) as u8, word as u8];
        out.extend_from_slice(&three[..n.saturating_sub(1)]);
    }
    out
}

/// The app under tauri-driver, with the guards that stop it.
struct Running {
    s: Session,
    base: String,
    id: String,
    _driver: Killed,
    _x: Killed,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = http_request("DELETE", &format!("{}/session/{}", self.base, self.id), None);
    }
}

/// Launches the debug app in a WebDriver session, on its own Xvfb, in
/// `home` (plus whatever `env` adds to the driver's environment, which the
/// app inherits). Screenshots go to target/debug/e2e-screenshots/`shots`.
fn launch(home: &TestHome, args: &[&str], shots: &str, env: impl FnOnce(&mut Command)) -> Running {
    let app = target_dir().join("bedrock-tray-app");
    assert!(app.exists(), "{} missing: scripts/test.sh builds the workspace first", app.display());

    let (x, display) = xvfb();
    let (port, native) = (free_port(), free_port());
    let mut driver = Command::new(tauri_driver());
    driver
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", &display)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    home.isolate(&mut driver);
    // A sign-in page opens through xdg-open; nothing to open it here.
    driver.env("BROWSER", "true");
    env(&mut driver);
    let driver = Killed(driver.spawn().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    // Both tauri-driver and the WebKitWebDriver it starts must listen before
    // a session request can be proxied.
    let deadline = Instant::now() + Duration::from_secs(30);
    for p in [port, native] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(Instant::now() < deadline, "the WebDriver on port {p} did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app, "args": args}}}});
    let mut id = None;
    for _ in 0..5 {
        let (status, created) = http_request("POST", &format!("{base}/session"), Some(&capabilities));
        if status != 0 {
            assert!((200..300).contains(&status), "new session: HTTP {status}: {created}");
            id = created["value"]["sessionId"].as_str().map(str::to_string);
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let id = id.expect("a WebDriver session");
    let shots = target_dir().join("e2e-screenshots").join(shots);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    eprintln!("screenshots: {}", shots.display());
    Running { s: Session { url: format!("{base}/session/{id}"), shots, step: 0 }, base, id, _driver: driver, _x: x }
}

#[test]
fn the_dashboard_shows_switches_and_follows_the_files() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet-4-6"]);
    write_token(&home, "corp", &in_seconds(3 * 60 + 30), false);
    let today = write_transcript_today(&home, 1_000_000, 100_000);
    home.cli_ok(&["config", "budget", "10"]);
    std::fs::write(home.path().join(".aws/credentials"), "[legacy]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").unwrap();
    // The dashboard process itself: the one with the window to attach to.
    let mut run = launch(&home, &["--dashboard"], "dashboard", |_| {});
    let s = &mut run.s;

    // The selection and the session's warning state.
    s.wait_text("#summary", Duration::from_secs(20), |t| {
        t.contains("Sonnet 4.6") && t.contains("EU") && t.contains("dev")
    });
    assert_eq!(s.text("#model-id"), "eu.anthropic.claude-sonnet-4-6");
    assert_eq!(s.text("#session-state"), "expiring", "3 minutes left");
    let countdown = s.wait_text("#countdown", Duration::from_secs(3), |t| t.contains("min"));
    assert!(countdown.starts_with("3 min") || countdown.starts_with("2 min"), "{countdown}");
    s.screenshot("selection-and-warning");

    // Cost against the budget, and the profile with a plaintext key.
    s.wait_text("#cost-today", Duration::from_secs(5), |t| t == format!("${today:.2}"));
    let budget = s.text("#cost-budget");
    assert!(budget.contains(&format!("{:.0} % used", today / 10.0 * 100.0)), "{budget}");
    let offer = s.text("#keys button");
    assert!(offer.contains("legacy"), "the import is offered: {offer}");
    assert!(
        !s.script("return document.body.innerText;", json!([])).as_str().unwrap().contains("wJalrXUtnFEMI"),
        "no secret shown"
    );
    s.script("document.querySelector('#cost-h').scrollIntoView();", json!([]));
    s.screenshot("cost-and-keys");
    s.script("window.scrollTo(0, 0);", json!([]));

    // Opus + US from the UI: settings.json changes, owned keys only.
    s.choose("#model", "opus-4-6");
    s.wait_text("#model-id", Duration::from_secs(5), |t| t == "eu.anthropic.claude-opus-4-6-v1");
    s.choose("#geography", "us");
    s.wait_text("#model-id", Duration::from_secs(5), |t| t == "us.anthropic.claude-opus-4-6-v1");
    let v = home.settings_json();
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], "us.anthropic.claude-opus-4-6-v1");
    assert_eq!(v["env"]["ANTHROPIC_SMALL_FAST_MODEL"], newest("haiku", "us").as_str());
    assert_eq!(v["permissions"]["deny"][0], "Read(./.env)", "foreign keys kept");
    assert_eq!(v["hooks"]["PreToolUse"][0]["matcher"], "Bash");
    s.screenshot("opus-us-chosen");

    // A hand edit of settings.json shows without a reload: the page never
    // polls, so only the file watcher's event can bring it. (Its latency
    // is measured by benches, not asserted here.)
    let mut v = home.settings_json();
    v["env"]["ANTHROPIC_MODEL"] = "us.anthropic.claude-haiku-4-5-20251001-v1:0".into();
    let t = Instant::now();
    home.write_settings(&serde_json::to_string_pretty(&v).unwrap());
    s.wait_text("#model-id", Duration::from_secs(15), |t| t == "us.anthropic.claude-haiku-4-5-20251001-v1:0");
    eprintln!("hand edit shown after {:?}", t.elapsed());
    s.screenshot("hand-edit");

    // The other ways in: not offered without a key or a gateway; a gateway
    // chosen from the CLI shows as the way in.
    let disabled =
        "return [...document.querySelectorAll('#provider option')].filter(o => o.disabled).map(o => o.value);";
    assert_eq!(s.script(disabled, json!([])), json!(["bedrock-api-key", "gateway"]));
    home.cli_ok(&["use", "--gateway-url", "http://127.0.0.1:9/bedrock"]);
    s.wait_text("#access", Duration::from_secs(3), |t| t == "LLM gateway http://127.0.0.1:9/bedrock");
    assert_eq!(s.script("return document.querySelector('#provider').value;", json!([])), json!("gateway"));
    assert_eq!(s.script(disabled, json!([])), json!(["bedrock-api-key"]), "the gateway is known now");
    let profile = "return document.querySelector('#profile').selectedOptions[0].textContent;";
    assert!(s.script(profile, json!([])).as_str().unwrap().contains("not used"), "no profile shown as chosen");
    s.screenshot("gateway");
}

#[test]
fn the_first_run_wizard_onboards_an_empty_home_from_a_preset() {
    let home = TestHome::new();
    let fake = crate::harness::FakeAws::start();
    fake.config(TWO_ACCOUNTS.clone());
    // Opus 4.6 is not offered in the region the preset picks for EU.
    let offered = [
        "eu.anthropic.claude-sonnet-4-6",
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ];
    fake.config(json!({"inference_profiles": {"eu-central-1": offered}}));
    // The dashboard process, as the tray starts it on an empty HOME (see
    // tray_host's first-run test); it opens on the wizard by itself.
    let mut run = launch(&home, &["--dashboard"], "wizard", |cmd| fake.apply(cmd));
    let s = &mut run.s;
    s.wait_shown("#wizard", Duration::from_secs(20));
    assert!(s.text("#wiz-reason").contains("not set up for Amazon Bedrock"), "{}", s.text("#wiz-reason"));
    s.screenshot("first-run");

    // The preset as a picked file: the same change event a file dialog fires.
    s.script(
        "const input = document.querySelector('#wiz-file'); const dt = new DataTransfer(); \
         dt.items.add(new File([arguments[0]], 'team.toml')); input.files = dt.files; \
         input.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([TEAM_PRESET]),
    );
    s.wait_text("#wiz-org", Duration::from_secs(5), |t| t.contains("Example Corp"));
    s.choose("#wiz-model", "sonnet-4-6");
    s.choose("#wiz-geo", "eu");
    s.screenshot("choices");
    s.click("#wiz-start");

    // Sign-in: the code shows; the user approves it on the AWS page.
    let code = s.wait_text("#wiz-code", Duration::from_secs(20), |t| !t.is_empty());
    s.screenshot("sign-in-code");
    fake.admin("approve", json!({"user_code": code}));

    // No team chosen: the reachable accounts and roles are offered.
    s.wait_shown("#wiz-roles button", Duration::from_secs(20));
    let offered =
        s.script("return [...document.querySelectorAll('#wiz-roles button')].map(b => b.textContent);", json!([]));
    assert_eq!(offered.as_array().unwrap().len(), 3, "every account and role: {offered}");
    s.screenshot("choose-account");
    s.click("#wiz-roles button[data-account='444455556666'][data-role='ClaudeCodeBedrock']");

    let shown = |s: &Session| s.script("return document.querySelector('#wizard').innerText;", json!([]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.text("#wiz-result").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the wizard did not finish; it shows:\n{}",
            shown(s).as_str().unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let result = s.text("#wiz-result");
    assert!(result.contains("claude-bedrock"), "{result}");
    s.screenshot("done");

    let v = home.settings_json();
    assert_eq!(v["env"]["AWS_PROFILE"], "claude-bedrock");
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], "eu.anthropic.claude-sonnet-4-6");
    assert_eq!(v["env"]["CLAUDE_CODE_USE_BEDROCK"], "1");
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    assert!(config.contains("[sso-session example-corp]"), "{config}");
    assert!(config.contains("[profile claude-bedrock]\nsso_session = example-corp\nsso_account_id = 444455556666\nsso_role_name = ClaudeCodeBedrock\n"), "{config}");
    let status: Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(status["session"]["state"], "valid", "signed in: {status}");

    // Back on the dashboard, which shows the new selection.
    s.click("#wiz-finish");
    s.wait_text("#summary", Duration::from_secs(5), |t| {
        t.contains("Sonnet 4.6") && t.contains("EU") && t.contains("claude-bedrock")
    });
    // Finishing runs the connection check: identity, and the models the
    // region does not offer are disabled with the reason.
    s.wait_text("#arn", Duration::from_secs(20), |t| t.starts_with("arn:aws:sts::"));
    // The check re-read the region's models: Opus 4.6, which this account
    // does not list in the EU, is disabled with the reason.
    let deadline = Instant::now() + Duration::from_secs(10);
    let opus = loop {
        let o = s.script(
            "const o = document.querySelector('#model option[value=\"opus-4-6\"]'); return [o.disabled, o.textContent];",
            json!([]),
        );
        if o[0] == true || Instant::now() > deadline {
            break o;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(opus, json!([true, "Claude Opus 4.6 (no EU profile)"]), "{opus}");
    let sonnet = s.script("return document.querySelector('#model option[value=\"sonnet-4-6\"]').disabled;", json!([]));
    assert_eq!(sonnet, json!(false));
    s.screenshot("dashboard");
}
