//! Tokens and secrets never reach logs, output or command lines, even at
//! trace level, through a full login, refresh and account listing.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::process::Command;

#[test]
fn no_secret_in_logs_output_or_files_modes() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({"auto_approve": true, "accounts": [{"accountId": "111122223333", "accountName": "dev"}], "roles": {"111122223333": ["Developer"]}}));
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu"]);

    let mut transcript = String::new();
    let settings_for = |args: &[&str]| if args[0] == "refresh" { "aws_smithy_runtime=trace,aws_sdk_ssooidc=trace,trace" } else { "trace" };
    for args in [
        &["login", "--profile", "dev", "--no-browser"][..],
        &["refresh", "--profile", "dev"][..],
        &["accounts", "--profile", "dev", "--refresh", "--json"][..],
        &["status", "--json"][..],
        &["profiles", "--json"][..],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(args).env("BEDROCK_TRAY_LOG", settings_for(args));
        home.isolate(&mut cmd);
        fake.apply(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        transcript.push_str(&String::from_utf8_lossy(&out.stdout));
        transcript.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(transcript.contains("signed in") && transcript.contains("refreshed silently"), "our own trace logs are on: {transcript}");
    assert!(transcript.contains("<redacted>"), "secrets show as redacted in logs");

    let cache = home.sso_cache();
    let mut secrets = Vec::new();
    for entry in std::fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{}", path.display());
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for key in ["accessToken", "refreshToken", "clientSecret"] {
            if let Some(s) = v.get(key).and_then(Value::as_str) {
                secrets.push((key, s.to_string()));
            }
        }
    }
    assert!(secrets.len() >= 4, "token and registration files hold the secrets: {secrets:?}");
    for (key, secret) in &secrets {
        assert!(!transcript.contains(secret.as_str()), "{key} leaked into logs or output");
    }
}
