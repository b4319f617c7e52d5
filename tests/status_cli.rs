//! `status`, `profiles` and `models`: what the user sees, from the files.

use crate::util::*;
use serde_json::Value;

#[test]
fn status_json_reports_selection_and_session() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    write_token(&home, "corp", &in_seconds(600), true);

    let s: Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(s["settings_path"], home.settings().to_str().unwrap());
    assert_eq!(s["model"], newest_key("sonnet", "eu").as_str(), "sonnet: the newest EU Sonnet");
    let aliases = s["aliases"].as_array().unwrap();
    assert_eq!(aliases.len(), 4, "opus, sonnet, haiku, fable: {s}");
    assert!(aliases.iter().all(|a| a["inside"] == true), "every alias pinned in the EU: {s}");
    let session = &s["session"];
    assert_eq!(session["state"], "expiring", "10 minutes left is under the 15-minute refresh window");
    assert_eq!(session["refreshable"], true);
    let left = session["seconds_left"].as_i64().unwrap();
    assert!((590..=600).contains(&left), "{left}");
    assert!(session["expires_at"].as_str().unwrap().ends_with('Z'));
    let human = home.cli_ok(&["status"]);
    assert!(human.contains("expiring") && human.contains("min left"), "{human}");
    assert!(
        !human.contains("test-access-token") && !serde_json::to_string(&s).unwrap().contains("test-access-token"),
        "never shows the token"
    );
}

#[test]
fn status_states_for_expired_missing_corrupt_and_static() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev"]);
    let state = |home: &TestHome| -> Value {
        serde_json::from_str::<Value>(&home.cli_ok(&["status", "--json"])).unwrap()["session"].clone()
    };

    assert_eq!(state(&home)["state"], "missing");
    let path = write_token(&home, "corp", "2020-01-01T00:00:00Z", false);
    let s = state(&home);
    assert_eq!((s["state"].as_str(), s["refreshable"].as_bool()), (Some("expired"), Some(false)));

    std::fs::write(&path, "{\"accessToken\": \"abc\", \"expiresAt\": \"2030-01").unwrap();
    let s = state(&home);
    assert_eq!(s["state"], "missing");
    assert!(s["reason"].as_str().unwrap().contains("corrupt"), "{s}");

    write_token(&home, "corp", "2099-01-01T00:00:00.123Z", false);
    assert_eq!(state(&home)["state"], "valid", "Claude Code's millisecond format parses");

    home.cli_ok(&["use", "--profile", "keys"]);
    assert_eq!(state(&home)["state"], "not_sso");
}

#[test]
fn status_flags_a_region_outside_the_geography() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev", "AWS_REGION": "us-east-1", "ANTHROPIC_MODEL": "eu.anthropic.claude-opus-4-6-v1"}}"#);
    let s: Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    let problems = s["problems"].to_string();
    assert!(problems.contains("us-east-1") && problems.contains("--geo eu"), "{problems}");
}

#[test]
fn profiles_lists_every_profile_with_session_state() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    write_token(&home, "corp", &in_seconds(3 * 3600), true);
    write_token(&home, "https://legacy.awsapps.com/start", "2020-01-01T00:00:00Z", false);
    let rows: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    let by_name = |n: &str| rows.as_array().unwrap().iter().find(|r| r["name"] == n).unwrap().clone();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert_eq!(by_name("dev")["session"]["state"], "valid");
    assert_eq!(by_name("dev")["sso_session"], "corp");
    assert_eq!(by_name("prod")["session"]["state"], "valid", "profiles sharing an sso-session share its token");
    assert_eq!(by_name("legacy")["session"]["state"], "expired");
    assert_eq!(by_name("keys")["credentials"], "static keys");
    let human = home.cli_ok(&["profiles"]);
    assert!(human.contains("dev") && human.contains("eu-central-1") && human.contains("h "), "{human}");
}

#[test]
fn broken_aws_config_is_a_clear_error() {
    let home = TestHome::new();
    home.write_aws_config("[profile ok]\nregion = eu-west-1\nnot a property line\n");
    let out = home.cli(&["profiles"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("config") && stderr(&out).contains("line 3"), "{}", stderr(&out));
    let out = home.cli(&["use", "--profile", "ok"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!home.settings().exists(), "nothing written");
}

#[test]
fn models_lists_the_catalog() {
    let home = TestHome::new();
    let m: Value = serde_json::from_str(&home.cli_ok(&["models", "--json"])).unwrap();
    let models = m["models"].as_array().unwrap();
    let keys: Vec<&str> = models.iter().map(|x| x["key"].as_str().unwrap()).collect();
    let opus: Vec<&&str> = keys.iter().filter(|k| k.starts_with("opus-")).collect();
    assert!(opus.len() > 1 && opus[0] == &newest_key("opus", "us"), "each family newest first: {keys:?}");
    assert!(models.iter().all(|x| x["source"] == "built-in"), "nothing read from an account yet");
    assert_eq!(m["listings"], serde_json::json!([]));
    let human = home.cli_ok(&["models"]);
    assert!(human.contains("Claude Opus 4.6") && human.contains("eu-central-1"), "{human}");
    assert!(human.contains("not read from the account yet"), "{human}");
}

#[test]
fn check_preset_accepts_the_example_and_names_a_bad_field() {
    let home = TestHome::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/example.toml");
    let out = home.cli_ok(&["check-preset", example.to_str().unwrap()]);
    assert!(out.contains("valid preset for Example Corp"), "{out}");
    let bad = home.path().join("bad.toml");
    let text = std::fs::read_to_string(&example).unwrap().replace("\"111122223333\"", "\"12\"");
    std::fs::write(&bad, text).unwrap();
    let out = home.cli(&["check-preset", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("teams.platform.account_id"), "{}", stderr(&out));
}
