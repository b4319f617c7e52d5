//! `bedrock-tray use`: switching rewrites only the owned keys, keeps data
//! residency whole, and refuses bad input without touching the file.

use crate::util::*;
use serde_json::Value;

fn foreign_view(v: &Value) -> Value {
    // Everything the app does not own, in order.
    let owned_env = [
        "CLAUDE_CODE_USE_BEDROCK",
        "AWS_PROFILE",
        "AWS_REGION",
        "ANTHROPIC_MODEL",
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        "ANTHROPIC_DEFAULT_FABLE_MODEL",
        "ANTHROPIC_BEDROCK_REGION_PREFIX",
        "ANTHROPIC_SMALL_FAST_MODEL",
        "ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION",
        "CLAUDE_CODE_SUBAGENT_MODEL",
        "CLAUDE_CODE_EFFORT_LEVEL",
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS",
        "MAX_THINKING_TOKENS",
    ];
    let mut v = v.clone();
    let root = v.as_object_mut().unwrap();
    root.shift_remove("awsAuthRefresh");
    root.shift_remove("awsCredentialExport");
    if let Some(env) = root.get_mut("env").and_then(Value::as_object_mut) {
        for k in owned_env {
            env.shift_remove(k);
        }
    }
    v
}

#[test]
fn use_eu_opus_changes_only_owned_keys() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    let before: Value = serde_json::from_str(FOREIGN_SETTINGS).unwrap();

    let out = home.cli_ok(&["use", "--geo", "eu", "--model", "opus", "--profile", "dev"]);
    assert!(out.contains("env.ANTHROPIC_MODEL") && out.contains(&newest("opus", "eu")), "prints what changed: {out}");

    let after = home.settings_json();
    assert_eq!(foreign_view(&before), foreign_view(&after), "foreign keys keep value and order");
    let text = home.read_settings();
    let keys: Vec<&str> = after.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        &keys[..9],
        &[
            "$schema",
            "permissions",
            "env",
            "hooks",
            "statusLine",
            "includeCoAuthoredBy",
            "cleanupPeriodDays",
            "model",
            "nothing"
        ],
        "top-level order kept"
    );
    assert!(
        text.ends_with("}\n") && text.contains("\n  \"permissions\": {\n    \"allow\""),
        "2-space indent and trailing newline:\n{text}"
    );

    let env = &after["env"];
    assert_eq!(env["CLAUDE_CODE_USE_BEDROCK"], "1");
    assert_eq!(env["AWS_PROFILE"], "dev");
    assert_eq!(env["AWS_REGION"], "eu-central-1", "us-east-1 cannot call eu. profiles; dev's own region can");
    assert_eq!(env["ANTHROPIC_MODEL"], newest("opus", "eu").as_str(), "opus: the newest Opus the EU offers");
    assert_eq!(env["ANTHROPIC_DEFAULT_OPUS_MODEL"], newest("opus", "eu").as_str());
    assert_eq!(env["ANTHROPIC_DEFAULT_SONNET_MODEL"], newest("sonnet", "eu").as_str());
    assert_eq!(env["ANTHROPIC_DEFAULT_HAIKU_MODEL"], newest("haiku", "eu").as_str());
    assert!(env["ANTHROPIC_DEFAULT_FABLE_MODEL"].as_str().unwrap().starts_with("eu."), "every alias is pinned: {env}");
    assert_eq!(env["ANTHROPIC_BEDROCK_REGION_PREFIX"], "eu", "an alias we do not know fails closed");
    assert_eq!(
        env["ANTHROPIC_SMALL_FAST_MODEL"],
        newest("haiku", "eu").as_str(),
        "background model stays in the EU too"
    );
    assert_eq!(env["ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION"], "eu-central-1");
    assert_eq!(env["DISABLE_TELEMETRY"], 1, "a number stays a number");
    assert!(after["awsAuthRefresh"].as_str().unwrap().ends_with("--profile dev"));

    let status: Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(status["geography"], "eu");
    assert_eq!(status["model"], newest_key("opus", "eu").as_str());
    assert_eq!(status["model_id"], newest("opus", "eu").as_str());
    assert_eq!(status["small_model_id"], newest("haiku", "eu").as_str());
    assert_eq!(status["problems"], serde_json::json!([]), "every alias pinned in the EU: no problem");
    assert_eq!(status["profile"], "dev");
    assert_eq!(status["region"], "eu-central-1");
    assert_eq!(status["provider"], "bedrock");
}

#[test]
fn geography_switch_moves_every_model_and_the_region() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet", "--region", "eu-west-1"]);
    assert_eq!(home.settings_json()["env"]["AWS_REGION"], "eu-west-1", "an explicit EU region is kept");

    home.cli_ok(&["use", "--geo", "us"]);
    let env = home.settings_json()["env"].clone();
    for key in [
        "ANTHROPIC_MODEL",
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        "ANTHROPIC_DEFAULT_FABLE_MODEL",
        "ANTHROPIC_SMALL_FAST_MODEL",
    ] {
        assert!(env[key].as_str().unwrap().starts_with("us."), "{key} moved to us: {env}");
    }
    assert_eq!(env["ANTHROPIC_BEDROCK_REGION_PREFIX"], "us");
    assert!(
        env["ANTHROPIC_MODEL"].as_str().unwrap().starts_with("us.anthropic.claude-sonnet-"),
        "the model stays Sonnet"
    );
    let region = env["AWS_REGION"].as_str().unwrap();
    assert!(region.starts_with("us-"), "eu-west-1 cannot call us. profiles, so the region moved: {region}");
}

#[test]
fn unknown_choices_exit_2_list_valid_ones_and_write_nothing() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    for (args, expect) in [
        (&["use", "--model", "gpt-5"][..], "opus-4-6"),
        (&["use", "--geo", "mars"][..], "us, eu, global"),
        (&["use", "--profile", "nope"][..], "dev, keys, legacy, prod"),
        (&["use", "--geo", "eu", "--region", "us-east-1"][..], "eu-central-1"),
        (&["use", "--region", "not a region"][..], "region code"),
        (&["use", "--profile", "$(touch pwned)"][..], "only letters"),
    ] {
        let out = home.cli(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(stderr(&out).contains(expect), "{args:?} lists the valid choices: {}", stderr(&out));
        assert_eq!(home.read_settings(), FOREIGN_SETTINGS, "{args:?} wrote nothing");
    }
    assert!(!home.path().join("pwned").exists());
}

#[test]
fn malformed_settings_are_never_written() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let broken = "{\n  \"env\": {\n    \"AWS_REGION\": \"eu-west-1\"\n  \n  \"hooks\": {}\n}\n";
    home.write_settings(broken);
    let out = home.cli(&["use", "--model", "opus"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("settings.json") && err.contains("line 5") && err.contains("column"),
        "names file, line, column: {err}"
    );
    assert_eq!(home.read_settings(), broken, "nothing written");

    home.write_settings("{\"env\": \"CLAUDE_CODE_USE_BEDROCK=1\"}");
    let out = home.cli(&["use", "--model", "opus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"env\""), "{}", stderr(&out));
}

#[test]
fn missing_settings_file_and_folder_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let custom = home.path().join("elsewhere/deep/settings.json");
    home.cli_ok(&["use", "--settings", custom.to_str().unwrap(), "--model", "haiku", "--geo", "global"]);
    let mode = std::fs::metadata(&custom).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let v: Value = serde_json::from_slice(&std::fs::read(&custom).unwrap()).unwrap();
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], newest("haiku", "global").as_str());
    assert!(!home.settings().exists(), "--settings leaves the default file alone");
}

#[test]
fn profile_change_moves_auth_refresh_along() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(r#"{"awsAuthRefresh": "aws sso login --profile dev", "env": {"AWS_PROFILE": "dev"}}"#);
    home.cli_ok(&["use", "--profile", "prod"]);
    let v = home.settings_json();
    assert_eq!(
        v["awsAuthRefresh"], "aws sso login --profile prod",
        "a refresh command naming the old profile is a bug"
    );
    assert_eq!(v["env"]["AWS_PROFILE"], "prod");

    home.cli_ok(&["use", "--login-method", "native"]);
    assert_eq!(
        home.settings_json()["awsAuthRefresh"],
        format!("{} login --profile prod", env!("CARGO_BIN_EXE_bedrock-tray")),
        "the chosen method rewrites the command"
    );
    home.cli_ok(&["use", "--login-method", "command"]);
    assert_eq!(home.settings_json()["awsAuthRefresh"], "aws sso login --profile prod");

    home.cli_ok(&["use", "--profile", "keys"]);
    assert!(home.settings_json().get("awsAuthRefresh").is_none(), "static keys cannot log in: the SSO refresh goes");
}

#[test]
fn provider_round_trip_restores_the_bedrock_choice() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(FOREIGN_SETTINGS);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "opus"]);
    home.cli_ok(&["use", "--provider", "anthropic"]);
    let v = home.settings_json();
    assert!(v["env"].get("CLAUDE_CODE_USE_BEDROCK").is_none());
    assert!(v["env"].get("ANTHROPIC_MODEL").is_none(), "a Bedrock model ID would break the Anthropic API");
    assert_eq!(v["permissions"]["deny"][0], "Read(./.env)");
    let status: Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(status["provider"], "anthropic");

    home.cli_ok(&["use", "--provider", "bedrock"]);
    let env = home.settings_json()["env"].clone();
    assert_eq!(env["CLAUDE_CODE_USE_BEDROCK"], "1");
    assert_eq!(env["ANTHROPIC_MODEL"], newest("opus", "eu").as_str(), "the EU Opus choice came back");
    assert_eq!(env["ANTHROPIC_SMALL_FAST_MODEL"], newest("haiku", "eu").as_str());
}

#[test]
fn token_presets_and_idempotence() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&[
        "use",
        "--profile",
        "dev",
        "--model",
        "sonnet",
        "--max-output-tokens",
        "16384",
        "--max-thinking-tokens",
        "10000",
    ]);
    let env = home.settings_json()["env"].clone();
    assert_eq!(
        (env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"].as_str(), env["MAX_THINKING_TOKENS"].as_str()),
        (Some("16384"), Some("10000"))
    );
    let before = home.read_settings();
    let out = home.cli_ok(&["use", "--profile", "dev", "--model", "sonnet"]);
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(home.read_settings(), before);
    assert_eq!(home.cli(&["use", "--max-output-tokens", "0"]).status.code(), Some(2));
}

#[test]
fn symlinked_settings_stay_a_link() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let real = home.path().join("dotfiles/claude-settings.json");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, FOREIGN_SETTINGS).unwrap();
    std::os::unix::fs::symlink(&real, home.settings()).unwrap();
    home.cli_ok(&["use", "--model", "haiku"]);
    assert!(std::fs::symlink_metadata(home.settings()).unwrap().file_type().is_symlink());
    let v: Value = serde_json::from_slice(&std::fs::read(&real).unwrap()).unwrap();
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], newest("haiku", "us").as_str());
}

#[test]
fn credential_export_is_opt_in_remembered_and_follows_keyring_profiles() {
    let home = TestHome::new();
    let bin = env!("CARGO_BIN_EXE_bedrock-tray");
    home.write_aws_config(&format!(
        "{SSO_CONFIG}\n[profile kc]\ncredential_process = {bin} credential-process --profile kc\nregion = eu-west-1\n\n[profile kc2]\ncredential_process = {bin} credential-process --profile kc2\n"
    ));
    home.write_settings(FOREIGN_SETTINGS);
    let export = |v: &Value| v.get("awsCredentialExport").and_then(Value::as_str).map(str::to_string);
    let ours = |p: &str| format!("{bin} credential-process --profile {p} --export");

    home.cli_ok(&["use", "--profile", "kc"]);
    assert_eq!(export(&home.settings_json()), None, "never asked: a keyring profile alone does not set it");

    let out = home.cli_ok(&["use", "--profile", "kc", "--credential-export"]);
    assert!(out.contains("awsCredentialExport"), "the change is shown: {out}");
    assert_eq!(export(&home.settings_json()), Some(ours("kc")));

    home.cli_ok(&["use", "--profile", "kc2"]);
    assert_eq!(export(&home.settings_json()), Some(ours("kc2")), "remembered: it follows the next keyring profile");

    home.cli_ok(&["use", "--profile", "dev"]);
    assert_eq!(export(&home.settings_json()), None, "an SSO profile must not get another profile's keys");
    home.cli_ok(&["use", "--profile", "kc"]);
    assert_eq!(export(&home.settings_json()), Some(ours("kc")), "and it comes back for a keyring profile");
    home.cli_ok(&["use", "--model", "opus"]);
    assert_eq!(export(&home.settings_json()), Some(ours("kc")), "other switches keep it");

    home.cli_ok(&["use", "--no-credential-export"]);
    assert_eq!(export(&home.settings_json()), None);
    home.cli_ok(&["use", "--profile", "kc2"]);
    assert_eq!(export(&home.settings_json()), None, "off is remembered too");
    let after: Value = home.settings_json();
    assert_eq!(
        foreign_view(&serde_json::from_str(FOREIGN_SETTINGS).unwrap()),
        foreign_view(&after),
        "foreign keys untouched"
    );

    // A hand-written command that is not ours is left alone unless asked.
    let mut v = home.settings_json();
    v["awsCredentialExport"] = "/usr/local/bin/vault-export".into();
    home.write_settings(&serde_json::to_string_pretty(&v).unwrap());
    home.cli_ok(&["use", "--profile", "kc"]);
    assert_eq!(export(&home.settings_json()).as_deref(), Some("/usr/local/bin/vault-export"));

    // Refused: nothing is written, and the choice is not remembered.
    let fresh = TestHome::new();
    fresh.write_aws_config(SSO_CONFIG);
    fresh.write_settings("{}");
    let out = fresh.cli(&["use", "--credential-export"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("--profile"), "{}", text(&out));
    assert_eq!(fresh.read_settings(), "{}");
    assert!(!fresh.path().join(".config/bedrock-tray/state.json").exists(), "a refused switch remembers nothing");
}
