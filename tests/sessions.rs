//! The app's own session choices: which login method awsAuthRefresh uses,
//! warning thresholds from `config`, and how the awsAuthRefresh runner
//! decides that a login command worked.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn auth_refresh(home: &TestHome) -> Value {
    home.settings_json()["awsAuthRefresh"].clone()
}

#[test]
fn the_chosen_login_method_decides_auth_refresh() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings("{}");
    home.cli_ok(&["use", "--profile", "dev"]);
    assert_eq!(
        auth_refresh(&home),
        format!("{} login --profile dev", env!("CARGO_BIN_EXE_bedrock-tray")),
        "with no choice made, sso-session profiles log in natively"
    );

    home.cli_ok(&["config", "login-method", "command"]);
    home.cli_ok(&["use", "--profile", "prod"]);
    assert_eq!(auth_refresh(&home), "aws sso login --profile prod", "the user chose the AWS CLI");
    let shown: Value = serde_json::from_str(&home.cli_ok(&["config", "show"])).unwrap();
    assert_eq!(shown["login_method"], "command", "the choice is kept in the app's state file: {shown}");

    home.cli_ok(&["config", "login-method", "native"]);
    home.cli_ok(&["use", "--profile", "dev"]);
    assert_eq!(auth_refresh(&home), format!("{} login --profile dev", env!("CARGO_BIN_EXE_bedrock-tray")), "and back");
    assert!(
        home.cli(&["config", "login-method", "browser"]).status.code() == Some(2),
        "an unknown method is a usage error"
    );
}

#[test]
fn a_login_command_that_changes_nothing_is_not_a_success() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let token = write_token(&home, "corp", &in_seconds(3600), false);
    let before = std::fs::read(&token).unwrap();
    home.write_settings(
        &json!({"awsAuthRefresh": "echo pretending to log in", "env": {"AWS_PROFILE": "dev"}}).to_string(),
    );
    let out = home.cli(&["login", "--method", "command", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("without writing a new token"),
        "success is the token file changing: {}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&token).unwrap(), before, "the token file is untouched");
}

#[test]
fn an_auth_refresh_naming_our_login_runs_natively_instead_of_waiting_on_itself() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true}));
    home.cli_ok(&["config", "login-method", "command"]);
    home.write_settings(
        &json!({"awsAuthRefresh": "bedrock-tray login --profile dev", "env": {"AWS_PROFILE": "dev"}}).to_string(),
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["login", "--no-browser", "--device-code", "--profile", "dev"]);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    let started = Instant::now();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(60), "no 3-minute wait for our own lock: {:?}", started.elapsed());
    assert!(
        home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp")).exists(),
        "the native login wrote the token"
    );
}

#[test]
fn watch_warns_at_the_thresholds_from_config() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings("{}");
    write_token(&home, "corp", &in_seconds(20 * 60), false);
    home.cli_ok(&["config", "warn-minutes", "30"]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["watch", "--no-refresh"]).stdout(Stdio::piped()).stderr(Stdio::null());
    home.isolate(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).unwrap());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let found = loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(v) if v["type"] == "event" && v["event"]["event"] == "expires_soon" => break Some(v),
            Ok(_) => {}
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let event = found.expect("an expires_soon event within 10 s");
    assert_eq!(event["event"]["minutes"], 30, "20 minutes left is inside the configured 30-minute warning: {event}");
}

#[test]
fn ctrl_c_during_a_login_leaves_no_token_and_no_temp_file() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    // Never approved: the login polls until interrupted.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["login", "--profile", "dev", "--no-browser", "--device-code"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let mut stderr_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let prompt = stderr_lines.by_ref().map_while(Result::ok).find(|l| l.contains("confirm the code"));
    assert!(prompt.is_some(), "the login reached the approval step");
    wait_until(Duration::from_secs(10), "at least one CreateToken poll", || {
        fake.state()["requests"]["sso-oidc:CreateToken"].as_u64().unwrap_or(0) >= 1
    });
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    // Handled, not just killed by the signal's default action (which a
    // background job of a script ignores: the login then ran on).
    assert_eq!(exit.code(), Some(130), "an interrupted login says so and exits 130");
    let said: Vec<String> = stderr_lines.map_while(Result::ok).collect();
    assert!(said.iter().any(|l| l.contains("sign-in cancelled")), "{said:?}");
    let left: Vec<String> = std::fs::read_dir(home.sso_cache())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let token = bedrock_tray::sso::cache::token_file_name("corp");
    assert!(!left.contains(&token), "no token file after Ctrl-C: {left:?}");
    assert!(left.iter().all(|n| n.ends_with(".json") && !n.starts_with('.')), "no temp file left behind: {left:?}");
    assert!(left.len() <= 1, "at most the client registration, which botocore also caches: {left:?}");
}

#[test]
fn a_login_command_that_hangs_is_stopped_at_the_timeout() {
    let home = TestHome::new();
    let paths = home.paths();
    let target = bedrock_tray::sso::oidc::SessionTarget {
        session_name: Some("corp".into()),
        start_url: "https://corp.awsapps.com/start".into(),
        region: bedrock_tray::names::Region::new("eu-west-1").unwrap(),
        scopes: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let result = runtime.block_on(bedrock_tray::sso::login::run_refresh_command(
        &paths,
        &target,
        "sleep 30",
        &[],
        Duration::from_millis(500),
    ));
    let err = result.expect_err("a hanging login command fails");
    assert!(err.to_string().contains("did not finish within"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped at the timeout, not when the command ended: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn settings_in_a_folder_created_after_the_watcher_started_are_watched() {
    use bedrock_tray::watch::{SystemClock, WatchOptions, Watcher};
    let home = TestHome::new();
    std::fs::remove_dir(home.path().join(".claude")).unwrap();
    let paths = home.paths();
    let watcher = Watcher::spawn(
        paths,
        std::sync::Arc::new(SystemClock),
        WatchOptions { auto_refresh: false, ..Default::default() },
    )
    .unwrap();
    let mut snapshots = watcher.subscribe();
    let region = |s: &bedrock_tray::view::snapshot::Snapshot| s.status.as_ref().and_then(|st| st.region.clone());

    // A fresh laptop: the first write creates ~/.claude.
    std::fs::create_dir(home.path().join(".claude")).unwrap();
    home.write_settings(r#"{"env": {"AWS_REGION": "eu-west-1"}}"#);
    tokio::time::timeout(Duration::from_secs(5), snapshots.wait_for(|s| region(s).as_deref() == Some("eu-west-1")))
        .await
        .expect("the new settings file shows within 5 s")
        .unwrap();
    // Later edits inside the new folder are seen too. (The watcher syncs
    // its folder watches before each reading, so the reading above means
    // the new folder is watched.)
    home.write_settings(r#"{"env": {"AWS_REGION": "eu-central-1"}}"#);
    tokio::time::timeout(Duration::from_secs(5), snapshots.wait_for(|s| region(s).as_deref() == Some("eu-central-1")))
        .await
        .expect("an edit inside the folder created later shows within 5 s")
        .unwrap();
}

#[test]
fn the_aws_cli_reuses_the_client_registration_our_login_cached() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true}));
    let mut ours = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    ours.args(["login", "--profile", "dev", "--no-browser", "--device-code"]);
    home.isolate(&mut ours);
    fake.apply(&mut ours);
    let out = ours.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(fake.state()["requests"]["sso-oidc:RegisterClient"], 1);

    // AWS CLI 2.9's own `aws sso login`, its SSO-OIDC calls sent to the fake.
    let data = home.path().join("aws-data");
    aws_cli_endpoint_redirect(&data, &fake.url);
    let mut cli = Command::new(aws_cli());
    cli.args(["sso", "login", "--profile", "dev", "--no-browser"]).stdin(Stdio::null());
    home.isolate(&mut cli);
    cli.env("AWS_DATA_PATH", &data);
    let out = cli.output().unwrap();
    assert!(out.status.success(), "aws sso login against the fake: {}", text(&out));
    let state = fake.state();
    assert_eq!(
        state["requests"]["sso-oidc:RegisterClient"], 1,
        "the CLI found our registration under botocore's cache key and did not register again: {state}"
    );
    assert_eq!(state["requests"]["sso-oidc:StartDeviceAuthorization"], 2, "and it did sign in: {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_already_in_its_last_minutes_is_announced_even_to_a_late_subscriber() {
    use bedrock_tray::watch::{SessionEvent, SystemClock, WatchOptions, Watcher};
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    write_token(&home, "corp", &in_seconds(4 * 60), false);
    let paths = home.paths();
    let watcher = Watcher::spawn(
        paths,
        std::sync::Arc::new(SystemClock),
        WatchOptions { auto_refresh: false, ..Default::default() },
    )
    .unwrap();
    // The tray subscribes a moment after start: after the first reading
    // (the first wake-up is counted once it is done).
    wait_until_async(Duration::from_secs(5), "the watcher's first reading", || watcher.stats().wakeups >= 1).await;
    let mut events = watcher.events();
    let event = tokio::time::timeout(Duration::from_secs(2), events.recv()).await.expect("an event").unwrap();
    assert!(
        matches!(event, SessionEvent::ExpiresSoon { minutes: 5, refreshable: false, .. }),
        "4 minutes left at start must reach the tray as a 5-minute warning: {event:?}"
    );
}

/// The tray's "Renew session now" and "Sign out" are offered only when the
/// selected profile has a session to end, and click through to their own
/// actions.
#[test]
fn sign_out_and_renew_are_offered_only_with_a_session() {
    use bedrock_tray::view::menu::{self, MenuAction, MenuItem};
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let item = |id: &str| {
        let snapshot = bedrock_tray::view::snapshot::Snapshot::read(&home.paths(), time::OffsetDateTime::now_utc());
        let model = menu::tray(&snapshot, bedrock_tray::catalog::Catalog::builtin(), false);
        model
            .items
            .into_iter()
            .find_map(|i| match i {
                MenuItem::Action { id: found, text, enabled } if found == id => Some((text, enabled)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {id} item"))
    };
    let (renew, sign_out) = (MenuAction::RenewSession.id(), MenuAction::SignOut.id());
    assert_eq!(item(&sign_out), ("Sign out".to_string(), false), "no token: nothing to sign out of");
    assert!(!item(&renew).1, "nor to renew");
    write_token(&home, "corp", &in_seconds(3600), false);
    assert_eq!(item(&sign_out), ("Sign out".to_string(), true));
    assert_eq!(item(&renew), ("Renew session now".to_string(), true));
    assert_eq!(MenuAction::parse(&sign_out), Some(MenuAction::SignOut));
    assert_eq!(MenuAction::parse(&renew), Some(MenuAction::RenewSession));
}
