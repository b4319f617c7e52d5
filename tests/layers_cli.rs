//! Claude Code's settings layers seen from the CLI: managed settings that
//! fix a key, a project's own selection (`use --project`), and scoped
//! credentials (`use --scoped-credentials`).

use crate::util::*;
use serde_json::Value;

fn status_json(home: &TestHome, args: &[&str]) -> Value {
    let mut all = vec!["status", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&home.cli_ok(&all)).unwrap()
}

#[test]
fn managed_settings_that_fix_the_model_are_named_and_win() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let managed = home.managed_settings();
    std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
    std::fs::write(&managed, r#"{"env": {"ANTHROPIC_MODEL": "eu.anthropic.claude-opus-4-6-v1"}}"#).unwrap();

    let s = status_json(&home, &[]);
    assert_eq!(s["model"], "opus-4-6", "the model in effect is the policy's: {s}");
    assert_eq!(s["fixed_by_policy"], serde_json::json!(["env.ANTHROPIC_MODEL"]));
    let overridden = s["overridden"].as_array().unwrap();
    assert_eq!(overridden.len(), 1, "{s}");
    assert_eq!(overridden[0]["layer"], "managed");
    assert_eq!(overridden[0]["path"], managed.to_str().unwrap());
    let source = |key: &str| s["sources"].as_array().unwrap().iter().find(|x| x["key"] == key).cloned().unwrap();
    assert_eq!(source("env.AWS_PROFILE")["path"], home.settings().to_str().unwrap());

    let human = home.cli_ok(&["status"]);
    assert!(
        human.contains("set by your organisation's managed settings") && human.contains("ANTHROPIC_MODEL"),
        "{human}"
    );
    let doctor = text(&home.cli(&["doctor", "--json"]));
    assert!(doctor.contains("organisation's managed settings") && doctor.contains("ANTHROPIC_MODEL"), "{doctor}");

    // A later drop-in wins over the base file, as in Claude Code.
    let drop_in = managed.parent().unwrap().join("managed-settings.d/50-team.json");
    std::fs::create_dir_all(drop_in.parent().unwrap()).unwrap();
    std::fs::write(&drop_in, r#"{"env": {"ANTHROPIC_MODEL": "eu.anthropic.claude-haiku-4-5-20251001-v1:0"}}"#).unwrap();
    let s = status_json(&home, &[]);
    assert_eq!(s["model"], "haiku-4-5");
    assert_eq!(s["overridden"][0]["path"], drop_in.to_str().unwrap());
}

#[test]
fn use_project_writes_only_the_projects_local_file() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let user_before = home.read_settings();
    let repo = home.path().join("repo");
    let local = repo.join(".claude/settings.local.json");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, r#"{"permissions": {"allow": ["Bash(ls)"]}, "env": {"FOO": "1"}}"#).unwrap();

    let out = home.cli_ok(&["use", "--project", repo.to_str().unwrap(), "--geo", "us", "--model", "opus"]);
    assert!(out.contains("settings.local.json"), "names the file it wrote: {out}");
    assert_eq!(home.read_settings(), user_before, "the user's settings are untouched");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&local).unwrap()).unwrap();
    assert_eq!(v["permissions"]["allow"][0], "Bash(ls)", "other keys are kept");
    assert_eq!(v["env"]["FOO"], "1");
    assert!(v["env"]["ANTHROPIC_MODEL"].as_str().unwrap().starts_with("us.anthropic.claude-opus"), "{v}");
    assert_eq!(v["env"]["AWS_REGION"], "us-east-1");
    assert!(v["env"].get("AWS_PROFILE").is_none(), "the inherited profile is not copied: {v}");

    let s = status_json(&home, &["--dir", repo.to_str().unwrap()]);
    assert_eq!((s["model"].as_str(), s["geography"].as_str()), (Some(newest_key("opus", "us").as_str()), Some("us")));
    assert_eq!(s["settings_path"], local.to_str().unwrap());
    let source = |key: &str| s["sources"].as_array().unwrap().iter().find(|x| x["key"] == key).cloned().unwrap();
    assert_eq!(source("env.ANTHROPIC_MODEL")["path"], local.to_str().unwrap());
    assert_eq!(source("env.AWS_PROFILE")["path"], home.settings().to_str().unwrap());
    let elsewhere = status_json(&home, &[]);
    assert_eq!(
        (elsewhere["model"].as_str(), elsewhere["geography"].as_str()),
        (Some(newest_key("sonnet", "eu").as_str()), Some("eu"))
    );

    home.cli_ok(&["use", "--project", repo.to_str().unwrap(), "--clear"]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&local).unwrap()).unwrap();
    assert_eq!(v, serde_json::json!({"permissions": {"allow": ["Bash(ls)"]}, "env": {"FOO": "1"}}));
    let s = status_json(&home, &["--dir", repo.to_str().unwrap()]);
    assert_eq!(s["model"], newest_key("sonnet", "eu").as_str(), "the project follows the user again");

    let out = home.cli(&["use", "--clear", "--model", "opus", "--project", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = home.cli(&["use", "--project", home.path().join("missing").to_str().unwrap(), "--model", "opus"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("not a folder"));
}

#[test]
fn scoped_credentials_leave_aws_profile_out_of_env() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    home.cli_ok(&["use", "--scoped-credentials"]);
    let v = home.settings_json();
    assert!(v["env"].get("AWS_PROFILE").is_none(), "{v}");
    let export = v["awsCredentialExport"].as_str().unwrap();
    assert!(export.ends_with("credential-process --profile dev --export"), "{export}");
    let s = status_json(&home, &[]);
    assert_eq!(s["profile"], "dev", "the profile is read from the export command");
    assert!(s["problems"].as_array().unwrap().is_empty(), "{s}");

    // Remembered: a later switch keeps it scoped and follows the profile.
    home.write_aws_config(&format!("{SSO_CONFIG}\n[profile prod]\nsso_session = corp\nsso_account_id = 444455556666\nsso_role_name = Developer\nregion = eu-west-1\n"));
    home.cli_ok(&["use", "--profile", "prod"]);
    let v = home.settings_json();
    assert!(v["env"].get("AWS_PROFILE").is_none(), "{v}");
    assert!(v["awsCredentialExport"].as_str().unwrap().contains("--profile prod --export"), "{v}");

    home.cli_ok(&["use", "--no-scoped-credentials"]);
    let v = home.settings_json();
    assert_eq!(v["env"]["AWS_PROFILE"], "prod");
    assert!(v.get("awsCredentialExport").is_none(), "{v}");
}

#[test]
fn another_providers_switch_is_named_and_the_anthropic_choice_removes_it() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    // As Claude Code's own Mantle setup (or a hand edit) leaves it.
    home.write_settings(
        r#"{"env": {"CLAUDE_CODE_USE_MANTLE": "1", "CLAUDE_CODE_USE_VERTEX": "1", "AWS_REGION": "us-east-1"}, "theme": "dark"}"#,
    );
    let s = status_json(&home, &[]);
    assert_eq!(s["provider"], "anthropic", "no Bedrock switch: {s}");
    // Claude Code tries Mantle before Vertex.
    assert_eq!(s["rival_provider"]["label"], "Amazon Bedrock (Mantle)", "{s}");
    assert_eq!(s["rival_provider"]["source"]["key"], "env.CLAUDE_CODE_USE_MANTLE");
    assert_eq!(s["rival_provider"]["source"]["path"], home.settings().to_str().unwrap());
    let human = home.cli_ok(&["status"]);
    assert!(human.contains("Provider  Amazon Bedrock (Mantle) (env.CLAUDE_CODE_USE_MANTLE"), "{human}");
    assert!(human.contains("Claude Code uses Amazon Bedrock (Mantle), not the Anthropic API"), "{human}");
    let doctor: Value = serde_json::from_slice(&home.cli(&["doctor", "--json"]).stdout).unwrap();
    let check = doctor["checks"].as_array().unwrap().iter().find(|c| c["name"] == "provider").cloned().unwrap();
    assert_eq!(check["mark"], "fail", "{check}");
    assert!(check["detail"].as_str().unwrap().contains("Amazon Bedrock (Mantle)"), "{check}");

    // Choosing the Anthropic API takes both switches out, nothing else.
    let out = home.cli_ok(&["use", "--provider", "anthropic"]);
    assert!(out.contains("CLAUDE_CODE_USE_MANTLE"), "the removal is reported: {out}");
    let v = home.settings_json();
    assert_eq!(v["env"].get("CLAUDE_CODE_USE_MANTLE"), None, "{v}");
    assert_eq!(v["env"].get("CLAUDE_CODE_USE_VERTEX"), None, "{v}");
    assert_eq!(v["env"]["AWS_REGION"], "us-east-1", "not ours to remove under the Anthropic API: {v}");
    assert_eq!(v["theme"], "dark");
    let s = status_json(&home, &[]);
    assert_eq!(s["rival_provider"], Value::Null, "{s}");
    assert!(!s["problems"].to_string().contains("Mantle"), "{s}");

    // Under Bedrock a leftover switch changes nothing (Bedrock wins), so
    // it stays, and nothing is reported.
    let mut v = home.settings_json();
    v["env"]["CLAUDE_CODE_USE_VERTEX"] = "1".into();
    home.write_settings(&v.to_string());
    home.cli_ok(&["use", "--provider", "bedrock", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    assert_eq!(home.settings_json()["env"]["CLAUDE_CODE_USE_VERTEX"], "1");
    let s = status_json(&home, &[]);
    assert_eq!(s["provider"], "bedrock");
    assert_eq!(s["rival_provider"], Value::Null, "{s}");
}

#[test]
fn another_providers_switch_in_managed_settings_is_named_with_its_file() {
    let home = TestHome::new();
    let managed = home.managed_settings();
    std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
    std::fs::write(&managed, r#"{"env": {"CLAUDE_CODE_USE_VERTEX": "1"}}"#).unwrap();
    home.cli_ok(&["use", "--provider", "anthropic"]);
    assert_eq!(std::fs::read_to_string(&managed).unwrap(), r#"{"env": {"CLAUDE_CODE_USE_VERTEX": "1"}}"#);
    let s = status_json(&home, &[]);
    assert_eq!(s["rival_provider"]["label"], "Google Vertex AI", "{s}");
    assert_eq!(s["rival_provider"]["source"]["layer"], "managed");
    let problems = s["problems"].to_string();
    assert!(problems.contains(&format!("remove the switch from {}", managed.display())), "{problems}");
}
