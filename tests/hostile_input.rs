//! Names and files crafted to break out: refused or kept inert, never
//! executed or written into another key or file.

use crate::util::*;
use serde_json::Value;

const HOSTILE: &[&str] = &[
    "dev; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "dev\n[profile evil]",
    "dev\"quoted'",
    "../../etc/passwd",
    "dev name",
    "dév",
    "--profile=prod",
];

#[test]
fn hostile_names_on_the_command_line_are_refused_and_nothing_runs() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    for bad in HOSTILE {
        for flag in ["--profile", "--region", "--model", "--geo"] {
            let out = home.cli(&["use", flag, bad]);
            assert_eq!(out.status.code(), Some(2), "{flag} {bad:?}: {}", text(&out));
            assert_eq!(home.read_settings(), FOREIGN_SETTINGS, "{flag} {bad:?} wrote nothing");
        }
    }
    assert!(!home.path().join("PWNED").exists() && !std::env::current_dir().unwrap().join("PWNED").exists());
}

#[test]
fn hostile_values_already_in_settings_stay_inert() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    // A hand-edited (or malicious) settings file: our switch must not
    // propagate these values into the refresh command or anywhere else.
    home.write_settings(
        r#"{"env": {"AWS_PROFILE": "$(touch PWNED)", "AWS_REGION": "eu-west-1; touch PWNED", "ANTHROPIC_MODEL": "eu.anthropic.claude-opus-4-6-v1"}}"#,
    );
    home.cli_ok(&["use", "--model", "sonnet"]);
    let v = home.settings_json();
    assert_eq!(v["env"]["AWS_REGION"], "eu-central-1", "an invalid region is replaced by the geography's default");
    assert!(v.get("awsAuthRefresh").is_none(), "no refresh command is built from an unknown profile name");
    let status = home.cli_ok(&["status", "--json"]);
    assert!(status.contains("is not in"), "status names the unknown profile as a problem: {status}");
    assert!(!home.path().join("PWNED").exists());
}

#[test]
fn hostile_profile_names_in_the_aws_config_are_ignored_as_the_sdk_does() {
    let home = TestHome::new();
    home.write_aws_config("[profile ok]\nregion = eu-west-1\n\n[profile dollar$(touch PWNED)]\nregion = eu-west-1\n");
    let rows: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    // The SDK's parser drops a profile whose name it finds invalid; we see
    // the file exactly as every SDK-based tool does.
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ok"]);
    let out = home.cli(&["use", "--profile", "dollar$(touch PWNED)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!home.settings().exists());
    assert!(!home.path().join("PWNED").exists());
}

#[test]
fn a_huge_settings_file_is_refused_without_reading_it_all() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let mut big = String::from("{\"padding\": \"");
    big.push_str(&"x".repeat(20 * 1024 * 1024));
    big.push_str("\"}\n");
    home.write_settings(&big);
    let out = home.cli(&["use", "--model", "opus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("too large"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(home.settings()).unwrap().len(), big.len() as u64, "untouched");
}

#[test]
fn ten_thousand_profiles_are_listed() {
    let home = TestHome::new();
    let mut config =
        String::from("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n");
    for i in 0..10_000 {
        config.push_str(&format!(
            "[profile p{i}]\nsso_session = corp\nsso_account_id = {:012}\nsso_role_name = Dev\n\n",
            i
        ));
    }
    home.write_aws_config(&config);
    let rows: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 10_000);
    home.cli_ok(&["use", "--profile", "p9999", "--geo", "eu"]);
    assert_eq!(home.settings_json()["env"]["AWS_PROFILE"], "p9999");
}
