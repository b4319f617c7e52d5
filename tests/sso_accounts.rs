//! `bedrock-tray accounts` against the fake IAM Identity Center portal:
//! every page, every account's roles, through throttling, and from cache.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::process::Command;

fn accounts_cmd(home: &TestHome, fake: &FakeAws, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.arg("accounts").args(args);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    cmd.output().unwrap()
}

/// Writes the token file for sso-session `corp` holding a token the fake
/// issued, as a login would.
fn signed_in(home: &TestHome, fake: &FakeAws) {
    let issued = fake.admin("issue_token", json!({}));
    let path = write_token(home, "corp", &in_seconds(3600), false);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["accessToken"] = issued["accessToken"].clone();
    std::fs::write(&path, v.to_string()).unwrap();
}

#[test]
fn lists_every_account_and_role_across_pages_and_throttling() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    let accounts: Vec<Value> = (0..230)
        .map(|i| json!({"accountId": format!("{:012}", 100_000_000_000u64 + i), "accountName": format!("team-{i:03}"), "emailAddress": format!("t{i}@example.com")}))
        .collect();
    let roles: serde_json::Map<String, Value> = (0..230)
        .map(|i| {
            (
                format!("{:012}", 100_000_000_000u64 + i),
                if i % 2 == 0 { json!(["Developer", "ReadOnly"]) } else { json!(["Developer"]) },
            )
        })
        .collect();
    fake.config(json!({
        "accounts": accounts,
        "roles": roles,
        // Four 429s in a row: more than one retry, fewer than our six attempts.
        "fail": {"sso:ListAccounts": {"code": "TooManyRequestsException", "count": 4}},
    }));
    signed_in(&home, &fake);

    let out = accounts_cmd(&home, &fake, &["--profile", "dev", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 230 + 115, "every role of every account, over 3 pages of accounts");
    assert_eq!(rows[0]["account_name"], "team-000");
    assert_eq!(rows[0]["role_name"], "Developer");
    let state = fake.state();
    assert_eq!(state["requests"]["sso:ListAccounts"], 4 + 3, "4 throttled attempts, then 3 pages");

    // A second run within the hour answers from the cache...
    let out = accounts_cmd(&home, &fake, &["--profile", "dev"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("team-229"), "{}", text(&out));
    assert_eq!(fake.state()["requests"]["sso:ListAccounts"], 7, "served from cache");
    // ...unless asked to refresh.
    assert!(accounts_cmd(&home, &fake, &["--profile", "dev", "--refresh"]).status.success());
    assert_eq!(fake.state()["requests"]["sso:ListAccounts"], 10);
}

#[test]
fn expired_session_and_non_sso_profiles_say_what_to_do() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    signed_in(&home, &fake);
    fake.admin("expire_access_tokens", json!({}));
    let out = accounts_cmd(&home, &fake, &["--profile", "dev", "--refresh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("log in again"), "{}", stderr(&out));

    let out = accounts_cmd(&home, &fake, &["--profile", "keys"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not use IAM Identity Center"), "{}", stderr(&out));

    std::fs::remove_dir_all(home.sso_cache()).unwrap();
    let out = accounts_cmd(&home, &fake, &["--profile", "dev", "--refresh"]);
    assert!(stderr(&out).contains("log in"), "{}", stderr(&out));
}

#[test]
fn network_faults_are_named_and_never_hang() {
    use crate::fault_proxy::{Fault, FaultProxy};
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"accounts": [{"accountId": "111122223333", "accountName": "dev"}], "roles": {"111122223333": ["Developer"]}}));
    signed_in(&home, &fake);
    let proxy = FaultProxy::start(fake.url.trim_start_matches("http://"));
    let proxy_url = proxy.url.clone();
    let run = |home: &TestHome| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(["accounts", "--profile", "dev", "--refresh"]);
        home.isolate(&mut cmd);
        fake.apply(&mut cmd);
        cmd.env("AWS_ENDPOINT_URL_SSO", &proxy_url);
        let started = std::time::Instant::now();
        (cmd.output().unwrap(), started.elapsed())
    };

    let (out, _) = run(&home);
    assert!(out.status.success(), "through a healthy proxy: {}", text(&out));

    proxy.set(Fault::Reset);
    let (out, took) = run(&home);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot reach IAM Identity Center"), "{}", stderr(&out));
    assert!(took < std::time::Duration::from_secs(60), "resets are retried, then reported: {took:?}");

    // A closed port: connection refused.
    proxy.set(Fault::Refuse);
    let (out, _) = run(&home);
    assert!(stderr(&out).contains("cannot reach"), "{}", stderr(&out));
}

#[test]
fn a_black_holed_endpoint_times_out_instead_of_hanging() {
    use crate::fault_proxy::{Fault, FaultProxy};
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    signed_in(&home, &fake);
    let proxy = FaultProxy::start(fake.url.trim_start_matches("http://"));
    proxy.set(Fault::BlackHole);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["accounts", "--profile", "dev", "--refresh"]);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL_SSO", &proxy.url);
    let started = std::time::Instant::now();
    let out = cmd.output().unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("cannot reach"), "{}", stderr(&out));
    assert!(took < std::time::Duration::from_secs(45), "the 30 s operation timeout fired: {took:?}");
}
