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
    assert_eq!(auth_refresh(&home), "bedrock-tray login --profile dev", "with no choice made, sso-session profiles log in natively");

    home.cli_ok(&["config", "login-method", "command"]);
    home.cli_ok(&["use", "--profile", "prod"]);
    assert_eq!(auth_refresh(&home), "aws sso login --profile prod", "the user chose the AWS CLI");
    let shown: Value = serde_json::from_str(&home.cli_ok(&["config", "show"])).unwrap();
    assert_eq!(shown["login_method"], "command", "the choice is kept in the app's state file: {shown}");

    home.cli_ok(&["config", "login-method", "native"]);
    home.cli_ok(&["use", "--profile", "dev"]);
    assert_eq!(auth_refresh(&home), "bedrock-tray login --profile dev", "and back");
    assert!(home.cli(&["config", "login-method", "browser"]).status.code() == Some(2), "an unknown method is a usage error");
}

#[test]
fn a_login_command_that_changes_nothing_is_not_a_success() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let token = write_token(&home, "corp", &in_seconds(3600), false);
    let before = std::fs::read(&token).unwrap();
    home.write_settings(&json!({"awsAuthRefresh": "echo pretending to log in", "env": {"AWS_PROFILE": "dev"}}).to_string());
    let out = home.cli(&["login", "--method", "command", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("without writing a new token"), "success is the token file changing: {}", stderr(&out));
    assert_eq!(std::fs::read(&token).unwrap(), before, "the token file is untouched");
}

#[test]
fn an_auth_refresh_naming_our_login_runs_natively_instead_of_waiting_on_itself() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true}));
    home.cli_ok(&["config", "login-method", "command"]);
    home.write_settings(&json!({"awsAuthRefresh": "bedrock-tray login --profile dev", "env": {"AWS_PROFILE": "dev"}}).to_string());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["login", "--no-browser", "--profile", "dev"]);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    let started = Instant::now();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(60), "no 3-minute wait for our own lock: {:?}", started.elapsed());
    assert!(home.sso_cache().join(bedrock_tray::sso_cache::token_file_name("corp")).exists(), "the native login wrote the token");
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
