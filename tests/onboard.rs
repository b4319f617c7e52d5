//! `bedrock-tray onboard` from an empty HOME against the fake portal: the
//! config blocks, the settings, idempotence, conflicts, broken presets, and
//! the real AWS CLI reading what was written.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

struct Setup {
    home: TestHome,
    fake: FakeAws,
    preset: PathBuf,
}

fn setup(preset: &str) -> Setup {
    let home = TestHome::new();
    let fake = FakeAws::start();
    fake.config(TWO_ACCOUNTS.clone());
    let path = home.path().join("team.toml");
    std::fs::write(&path, preset).unwrap();
    Setup { home, fake, preset: path }
}

/// Signs the sso-session in, as the login step would.
fn signed_in(s: &Setup) {
    let issued = s.fake.admin("issue_token", json!({}));
    let path = write_token(&s.home, "example-corp", &in_seconds(8 * 3600), true);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["accessToken"] = issued["accessToken"].clone();
    v["startUrl"] = "https://example-corp.awsapps.com/start".into();
    std::fs::write(&path, v.to_string()).unwrap();
}

fn onboard(s: &Setup, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["onboard", "--preset", s.preset.to_str().unwrap(), "--yes"]).args(extra);
    s.home.isolate(&mut cmd);
    s.fake.apply(&mut cmd);
    cmd.output().unwrap()
}

const EXISTING_CONFIG: &str = "# my own config: keep me\n[default]\nregion = us-east-1\n\n[profile personal]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n# end\n";

#[test]
fn onboarding_with_a_team_writes_config_and_settings_and_is_idempotent() {
    let s = setup(TEAM_PRESET);
    s.home.write_aws_config(EXISTING_CONFIG);
    s.home.write_settings(FOREIGN_SETTINGS);
    signed_in(&s);

    let out = onboard(&s, &["--team", "platform"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Onboarded: profile claude-bedrock"), "{}", text(&out));

    let config = std::fs::read_to_string(s.home.aws_config()).unwrap();
    assert!(config.starts_with(EXISTING_CONFIG), "the old config is kept byte for byte:\n{config}");
    assert!(config.contains("[sso-session example-corp]\nsso_start_url = https://example-corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"), "{config}");
    assert!(config.contains("[profile claude-bedrock]\nsso_session = example-corp\nsso_account_id = 111122223333\nsso_role_name = ClaudeCodeBedrock\nregion = eu-central-1\n"), "{config}");
    let backups: Vec<_> = std::fs::read_dir(s.home.path().join(".aws"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("config.bak-"))
        .collect();
    assert_eq!(backups.len(), 1, "one timestamped backup");

    let v = s.home.settings_json();
    assert_eq!(v["env"]["AWS_PROFILE"], "claude-bedrock");
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], newest("opus", "eu").as_str());
    assert_eq!(v["env"]["AWS_REGION"], "eu-central-1");
    assert_eq!(v["env"]["CLAUDE_CODE_MAX_OUTPUT_TOKENS"], "16384");
    assert_eq!(v["awsAuthRefresh"], "aws sso login --profile claude-bedrock", "the preset's login method");
    assert_eq!(v["permissions"]["deny"][0], "Read(./.env)", "foreign settings kept");
    let status: Value = serde_json::from_str(&s.home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(status["session"]["state"], "valid");

    // The real AWS CLI reads the profile we wrote (`configure list` would
    // also fetch credentials, which needs the network).
    for (key, want) in [("region", "eu-central-1"), ("sso_session", "example-corp"), ("sso_account_id", "111122223333")]
    {
        let out = s.home.aws(&["configure", "get", key, "--profile", "claude-bedrock"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want, "{key}: {}", text(&out));
    }

    // Same inputs again: nothing changes, and it says so.
    let config_before = std::fs::read(s.home.aws_config()).unwrap();
    let settings_before = s.home.read_settings();
    let out = onboard(&s, &["--team", "platform"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"), "{}", text(&out));
    assert_eq!(std::fs::read(s.home.aws_config()).unwrap(), config_before);
    assert_eq!(s.home.read_settings(), settings_before);
}

#[test]
fn a_conflicting_block_is_refused_and_force_replaces_it() {
    let s = setup(TEAM_PRESET);
    let mine = "[profile claude-bedrock]\nsso_session = example-corp\nsso_account_id = 999999999999\nsso_role_name = Admin\nregion = eu-central-1\n";
    s.home.write_aws_config(mine);
    signed_in(&s);
    let out = onboard(&s, &["--team", "platform"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("sso_account_id is 999999999999") && stderr(&out).contains("--force"),
        "{}",
        stderr(&out)
    );
    let config = std::fs::read_to_string(s.home.aws_config()).unwrap();
    assert!(config.contains("999999999999"), "the user's block is untouched");
    assert!(!s.home.settings().exists(), "no later step ran");

    let out = onboard(&s, &["--team", "platform", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read_to_string(s.home.aws_config()).unwrap().contains("sso_account_id = 111122223333"));
}

#[test]
fn a_broken_preset_is_refused_before_any_file_is_touched() {
    let s = setup(&TEAM_PRESET.replace("account_id = \"111122223333\"", "account_id = \"oops\""));
    let out = onboard(&s, &["--team", "platform"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("teams.platform.account_id"), "{}", stderr(&out));
    assert!(!s.home.aws_config().exists() && !s.home.settings().exists(), "nothing written");
}

#[test]
fn without_a_team_the_account_is_chosen_from_what_the_session_reaches() {
    let s = setup(TEAM_PRESET);
    signed_in(&s);
    // Three roles reachable and --yes: it cannot ask, so it lists the choices.
    let out = onboard(&s, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("--account 444455556666 --role ReadOnly"), "{err}");
    assert!(!s.home.settings().exists(), "settings untouched until a choice is made");

    let out = onboard(&s, &["--account", "444455556666", "--role", "ClaudeCodeBedrock", "--all-roles"]);
    assert!(out.status.success(), "{}", text(&out));
    let config = std::fs::read_to_string(s.home.aws_config()).unwrap();
    for name in ["backend.claudecodebedrock", "backend.readonly", "platform.claudecodebedrock", "claude-bedrock"] {
        assert!(config.contains(&format!("[profile {name}]")), "{name}: {config}");
    }
    let profiles: Value = serde_json::from_str(&s.home.cli_ok(&["profiles", "--json"])).unwrap();
    assert_eq!(profiles.as_array().unwrap().len(), 4);
    assert_eq!(s.home.settings_json()["env"]["AWS_PROFILE"], "claude-bedrock");
}

#[test]
fn from_an_empty_home_onboarding_needs_only_the_browser_approval() {
    let s = setup(TEAM_PRESET);
    let child = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(["onboard", "--preset", s.preset.to_str().unwrap(), "--team", "platform", "--yes", "--no-browser"]);
        s.home.isolate(&mut cmd);
        s.fake.apply(&mut cmd);
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    let started = std::time::Instant::now();
    while s.fake.state()["devices"].as_array().is_none_or(|d| d.is_empty()) {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "no sign-in started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(s.home.aws_config().exists(), "the config step before the login is complete");
    s.fake.admin("approve", json!({}));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let status: Value = serde_json::from_str(&s.home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(status["session"]["state"], "valid", "{status}");
    assert_eq!(status["model_id"], newest("opus", "eu").as_str());
    assert!(status["problems"].as_array().unwrap().is_empty(), "{status}");
    let err = stderr(&out);
    assert!(err.contains("Sign in") && err.contains("Claude Code settings"), "each step is announced: {err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verified: credentials, identity and Bedrock access work"),
        "the probes pass: {}",
        text(&out)
    );

    // The real AWS CLI signs in with the written profile and our token.
    let data = s.home.path().join("aws-data");
    aws_cli_endpoint_redirect(&data, &s.fake.url);
    let mut c = Command::new(aws_cli());
    c.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "claude-bedrock",
        "--endpoint-url",
        &crate::harness::moto().url,
    ]);
    s.home.isolate(&mut c);
    c.env("AWS_DATA_PATH", &data);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn model_and_geography_can_differ_from_the_preset_within_what_it_allows() {
    let s = setup(TEAM_PRESET);
    signed_in(&s);
    // Not in allowed_models, and a geography without that model: refused
    // before anything is written.
    for (args, names) in [(&["--model", "fable"][..], "allowed"), (&["--geo", "mars"][..], "mars")] {
        let out = onboard(&s, &[&["--team", "platform"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(stderr(&out).contains(names), "{}", stderr(&out));
        assert!(!s.home.aws_config().exists() && !s.home.settings().exists(), "nothing written");
    }
    let out = onboard(&s, &["--team", "platform", "--model", "sonnet", "--geo", "us"]);
    assert!(out.status.success(), "{}", text(&out));
    let v = s.home.settings_json();
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], newest("sonnet", "us").as_str(), "sonnet: the newest US Sonnet");
    let region = v["env"]["AWS_REGION"].as_str().unwrap().to_string();
    assert!(region.starts_with("us-"), "a US source region for US profiles: {region}");
    assert!(
        std::fs::read_to_string(s.home.aws_config()).unwrap().contains(&format!("region = {region}")),
        "the profile's region matches"
    );
}

#[test]
fn a_preset_asking_for_device_codes_makes_later_logins_use_them() {
    let preset = TEAM_PRESET.replace("[defaults]\n", "[defaults]\ndevice_code = true\n");
    assert!(preset.contains("device_code = true"), "the preset has a [defaults] table");
    let s = setup(&preset);
    signed_in(&s);
    let out = onboard(&s, &["--team", "platform"]);
    assert!(out.status.success(), "{}", text(&out));

    // The session ends; the next login follows the preset: a device code,
    // no browser redirect to wait for.
    std::fs::remove_file(s.home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("example-corp"))).unwrap();
    s.fake.config(json!({"auto_approve": true}));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["login", "--profile", "claude-bedrock", "--no-browser", "--method", "native"]);
    s.home.isolate(&mut cmd);
    s.fake.apply(&mut cmd);
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the login waits for a browser: the preset's device_code was not followed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let state = s.fake.state();
    assert_eq!(state["requests"]["sso-oidc:StartDeviceAuthorization"], 1, "{state}");
    assert!(state["requests"].get("sso-oidc:Authorize").is_none());
}

#[test]
fn onboarding_from_an_https_preset_and_refusing_http() {
    let s = setup(TEAM_PRESET);
    signed_in(&s);
    let server = crate::harness::HttpsFiles::start();
    std::fs::write(server.root.join("team.toml"), TEAM_PRESET).unwrap();
    let run = |preset: &str, extra: &[&str], trusted: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(["onboard", "--preset", preset, "--yes", "--team", "platform"]).args(extra);
        s.home.isolate(&mut cmd);
        s.fake.apply(&mut cmd);
        if trusted {
            server.trust(&mut cmd);
        }
        cmd.output().unwrap()
    };
    let url = format!("{}/team.toml", server.url);

    // Refused, and nothing written: plain http, a wrong digest, an
    // untrusted certificate, a body over the cap, a redirect to http.
    let http = url.replacen("https://", "http://", 1);
    let out = run(&http, &[], true);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("only downloaded over https"), "{}", text(&out));
    let out = run(&url, &["--sha256", &"0".repeat(64)], true);
    assert!(!out.status.success() && stderr(&out).contains("SHA-256"), "{}", text(&out));
    let out = run(&url, &[], false);
    assert!(!out.status.success(), "a certificate nobody trusts is refused: {}", text(&out));
    let out = run(&format!("{}/big", server.url), &[], true);
    assert!(!out.status.success() && stderr(&out).contains("larger than"), "{}", text(&out));
    let out = run(&format!("{}/redirect-http", server.url), &[], true);
    assert!(!out.status.success(), "a redirect to http is refused: {}", text(&out));
    assert!(!s.home.aws_config().exists(), "nothing was written");

    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(TEAM_PRESET.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let out = run(&url, &["--sha256", &digest], true);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.home.settings_json()["env"]["AWS_PROFILE"], "claude-bedrock");
}

#[test]
fn onboarding_without_a_preset_uses_the_managed_one() {
    let s = setup(TEAM_PRESET);
    signed_in(&s);
    let managed = s.home.path().join("etc/bedrock-tray/preset.toml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["onboard", "--yes", "--team", "platform"]);
    s.home.isolate(&mut cmd);
    s.fake.apply(&mut cmd);
    cmd.env("BEDROCK_TRAY_MANAGED_PRESET", &managed);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("no managed preset at"), "{}", text(&out));
    std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
    std::fs::write(&managed, TEAM_PRESET).unwrap();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.home.settings_json()["env"]["AWS_PROFILE"], "claude-bedrock");
}
