//! The watcher: session transitions under a controllable clock, silent
//! refresh before expiry, and changes made by other tools picked up from
//! file events.

use crate::harness::{moto, FakeAws};
use crate::util::*;
use bedrock_tray::watch::{Clock, SessionEvent, WatchOptions, Watcher};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

struct TestClock(Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

async fn next_event(events: &mut tokio::sync::broadcast::Receiver<SessionEvent>) -> SessionEvent {
    tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("an event within 5 s").unwrap()
}

#[tokio::test]
async fn transitions_follow_a_controllable_clock() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let start = OffsetDateTime::now_utc();
    write_token(
        &home,
        "corp",
        &bedrock_tray::sso::cache::format_cli_timestamp(start + time::Duration::minutes(20)),
        false,
    );
    let clock = Arc::new(TestClock(Mutex::new(start)));
    let watcher =
        Watcher::spawn(home.paths(), clock.clone(), WatchOptions { warn_minutes: vec![15, 5], auto_refresh: false })
            .unwrap();
    let mut events = watcher.events();

    let set = |m: i64| *clock.0.lock().unwrap() = start + time::Duration::minutes(m);
    set(6); // 14 minutes left
    watcher.poke();
    match next_event(&mut events).await {
        SessionEvent::ExpiresSoon { minutes: 15, profiles, refreshable: false, .. } => {
            assert_eq!(profiles, ["dev", "prod"])
        }
        other => panic!("{other:?}"),
    }
    set(16); // 4 minutes left
    watcher.poke();
    assert!(matches!(next_event(&mut events).await, SessionEvent::ExpiresSoon { minutes: 5, .. }));
    set(21);
    watcher.poke();
    assert!(matches!(next_event(&mut events).await, SessionEvent::Expired { .. }));
    let snapshot = watcher.subscribe().borrow().clone();
    assert_eq!(snapshot.profiles.iter().find(|p| p.name == "dev").unwrap().session.state.as_str(), "expired");
}

#[tokio::test]
async fn a_corrupt_token_file_is_missing_with_a_reason_not_a_crash() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let path = write_token(&home, "corp", &in_seconds(3600), false);
    let watcher =
        Watcher::spawn(home.paths(), Arc::new(bedrock_tray::watch::SystemClock), WatchOptions::default()).unwrap();
    let mut snapshots = watcher.subscribe();
    std::fs::write(&path, "{\"accessToken\": \"abc\", \"expiresAt\": \"20").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        tokio::time::timeout(Duration::from_secs(5), snapshots.changed()).await.unwrap().unwrap();
        let s = snapshots.borrow_and_update().clone();
        let dev = s.profiles.iter().find(|p| p.name == "dev").unwrap();
        if dev.session.state.as_str() == "missing" {
            assert!(dev.session.reason.as_deref().unwrap().contains("corrupt"), "{:?}", dev.session.reason);
            break;
        }
        assert!(Instant::now() < deadline);
    }
}

/// A running `bedrock-tray watch` whose output lines arrive on a channel.
struct WatchProcess {
    child: Child,
    lines: std::sync::mpsc::Receiver<Value>,
}

impl WatchProcess {
    fn start(home: &TestHome, fake: &FakeAws) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.arg("watch").stdout(Stdio::piped()).stderr(Stdio::null());
        home.isolate(&mut cmd);
        fake.apply(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).expect("every line is JSON")).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// Waits for a line matching `want`, up to `within`.
    fn wait_for(&self, within: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if want(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("no matching line within {within:?}"),
            }
        }
    }
}

impl Drop for WatchProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn session_state(line: &Value, profile: &str) -> Option<String> {
    line["profiles"].as_array()?.iter().find(|p| p["name"] == profile)?["session"]["state"].as_str().map(str::to_string)
}

#[test]
fn an_expiring_session_is_refreshed_before_it_expires_and_botocore_uses_it() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true, "token_expires_in": 600, "accounts": [{"accountId": "111122223333", "accountName": "dev"}], "roles": {"111122223333": ["Developer"]}}));
    let mut login = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    login.args(["login", "--profile", "dev", "--no-browser", "--device-code"]);
    home.isolate(&mut login);
    fake.apply(&mut login);
    assert!(login.output().unwrap().status.success());
    fake.config(json!({"token_expires_in": 28800}));

    // Ten minutes left and a refresh token: the watcher refreshes at once.
    let started = Instant::now();
    let watch = WatchProcess::start(&home, &fake);
    watch.wait_for(Duration::from_secs(20), |l| l["type"] == "event" && l["event"]["event"] == "refreshed");
    let refreshed_in = started.elapsed();
    let rows: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    let dev = rows.as_array().unwrap().iter().find(|p| p["name"] == "dev").unwrap();
    assert_eq!(dev["session"]["state"], "valid");
    assert!(dev["session"]["seconds_left"].as_i64().unwrap() > 7 * 3600, "{dev}");
    eprintln!("refreshed {refreshed_in:?} after the watcher started inside the 15-minute window");

    let mut c = Command::new(python());
    c.arg("-c").arg("import boto3; print(boto3.Session(profile_name='dev').client('sts', region_name='us-east-1').get_caller_identity()['Account'])");
    home.isolate(&mut c);
    fake.apply(&mut c);
    c.env("AWS_ENDPOINT_URL_STS", &moto().url);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn changes_by_other_tools_show_up_from_file_events_without_polling() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let fake = FakeAws::start();
    let watch = WatchProcess::start(&home, &fake);
    let first = watch.wait_for(Duration::from_secs(10), |l| l["type"] == "snapshot");
    assert_eq!(session_state(&first, "dev").as_deref(), Some("missing"));

    // botocore (as `aws sso login` would) writes the token file.
    let mut c = Command::new(python());
    c.arg("-c").arg(format!(
        "import os, botocore.utils as u\n\
         cache = u.JSONFileCache(os.path.expanduser('~/.aws/sso/cache'))\n\
         u.SSOTokenLoader(cache).save_token('https://corp.awsapps.com/start', {{'accessToken': 'x', 'expiresAt': '{}'}}, session_name='corp')",
        in_seconds(4 * 3600)
    ));
    home.isolate(&mut c);
    // With no session to time, the watcher's timer sleeps 60 s: a change
    // seen well within that came from the file event. (How fast is a
    // benchmark's question, not a test's.)
    let t = Instant::now();
    assert!(c.output().unwrap().status.success());
    watch.wait_for(Duration::from_secs(15), |l| session_state(l, "dev").as_deref() == Some("valid"));
    eprintln!("token file seen after {:?}", t.elapsed());

    // A hand edit of settings.json.
    let mut v = home.settings_json();
    v["env"]["ANTHROPIC_MODEL"] = "eu.anthropic.claude-opus-4-6-v1".into();
    let t = Instant::now();
    home.write_settings(&serde_json::to_string_pretty(&v).unwrap());
    watch.wait_for(Duration::from_secs(15), |l| l["status"]["model"] == "opus-4-6");
    eprintln!("hand edit seen after {:?}", t.elapsed());
}

#[test]
fn a_dead_refresh_token_asks_for_a_login() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true, "token_expires_in": 300}));
    let mut login = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    login.args(["login", "--profile", "dev", "--no-browser", "--device-code"]);
    home.isolate(&mut login);
    fake.apply(&mut login);
    assert!(login.output().unwrap().status.success());
    fake.admin("revoke_refresh_tokens", json!({}));
    let watch = WatchProcess::start(&home, &fake);
    let line =
        watch.wait_for(Duration::from_secs(20), |l| l["type"] == "event" && l["event"]["event"] == "login_needed");
    assert!(line["event"]["reason"].as_str().unwrap().contains("log in"), "{line}");
    assert_eq!(fake.state()["requests"]["sso-oidc:CreateToken"], 2, "one login, one refused refresh, no retry storm");
}

/// The case over a working day on the test clock: the selected
/// profile (dev, session corp) has ten hours left, legacy expired an hour
/// ago. The tray's rule (`AutoSignIn`) fed every event the watcher emits
/// starts no sign-in for legacy, at start or in the first two minutes or
/// later, and exactly one for corp when it expires, however often that
/// expiry is seen again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_day_only_the_selected_sessions_expiry_starts_a_sign_in_and_once() {
    use bedrock_tray::sso::auto_sign_in::{AutoSignIn, Reaction};
    use bedrock_tray::view::snapshot::Snapshot;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let start = OffsetDateTime::now_utc();
    let at = |d: time::Duration| bedrock_tray::sso::cache::format_cli_timestamp(start + d);
    write_token(&home, "corp", &at(time::Duration::hours(10)), false);
    write_token(&home, "https://legacy.awsapps.com/start", &at(time::Duration::hours(-1)), false);
    let clock = Arc::new(TestClock(Mutex::new(start)));
    let watcher =
        Watcher::spawn(home.paths(), clock.clone(), WatchOptions { auto_refresh: false, ..Default::default() })
            .unwrap();
    let mut events = watcher.events();
    let mut rule = AutoSignIn::default();
    let mut log: Vec<(String, Reaction)> = Vec::new();
    // Moves the clock, lets the watcher re-read (its next wake-up is
    // counted once that reading is done) and feeds the events to the rule.
    let mut step = async |d: time::Duration, log: &mut Vec<(String, Reaction)>| {
        *clock.0.lock().unwrap() = start + d;
        let before = watcher.stats().wakeups;
        watcher.poke();
        wait_until_async(Duration::from_secs(5), "the watcher's reading", || watcher.stats().wakeups > before).await;
        while let Ok(event) = events.try_recv() {
            let snapshot = Snapshot::read(&home.paths(), clock.now());
            let reaction = rule.react(&event, &snapshot);
            let name = serde_json::to_value(&event).unwrap();
            log.push((format!("{} {}", name["event"], name["session"]), reaction));
        }
    };
    for minutes in [0, 1, 2, 60, 9 * 60 + 50, 9 * 60 + 58, 10 * 60 + 1, 10 * 60 + 2, 11 * 60] {
        step(time::Duration::minutes(minutes), &mut log).await;
    }
    let sign_ins: Vec<&String> = log.iter().filter(|(_, r)| *r == Reaction::SignIn).map(|(e, _)| e).collect();
    assert_eq!(sign_ins, ["\"expired\" \"corp\""], "one sign-in, for the selected session's expiry: {log:?}");
    assert!(
        log.iter().any(|(e, r)| e == "\"expired\" \"legacy\"" && *r == Reaction::Notify),
        "legacy's expiry is reported, as a notification only: {log:?}"
    );
    // The same expiry seen again (a restarted watcher re-announces it).
    let again = SessionEvent::Expired { session: "corp".into(), profiles: vec!["dev".into(), "prod".into()] };
    let snapshot = Snapshot::read(&home.paths(), clock.now());
    assert_eq!(rule.react(&again, &snapshot), Reaction::Notify, "never in a loop");
}
