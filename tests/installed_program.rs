//! The commands we write for other programs (`awsAuthRefresh`,
//! `credential_process`, `awsCredentialExport`) name the CLI by an absolute
//! path that runs from a minimal `PATH`, and `repair` points stale ones at
//! it again.

use crate::util::{TestHome, SSO_CONFIG};
use bedrock_tray::doctor::{program_checks, Mark};
use std::process::Command;

const CLI: &str = env!("CARGO_BIN_EXE_bedrock-tray");

/// Runs `command` the way a desktop launcher's Claude Code would: a shell
/// with nothing but `PATH=/usr/bin:/bin`.
fn minimal_shell(command: &str) -> std::process::Output {
    Command::new("env").args(["-i", "PATH=/usr/bin:/bin", "sh", "-c", command]).output().unwrap()
}

#[test]
fn use_writes_an_absolute_program_that_runs_from_a_minimal_path() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings("{}");
    home.cli_ok(&["use", "--profile", "dev"]);
    let refresh = home.settings_json()["awsAuthRefresh"].as_str().unwrap().to_string();
    let program = bedrock_tray::program_path::program_of(&refresh).unwrap();
    assert!(std::path::Path::new(&program).is_absolute(), "a bare name is not found from a launcher: {refresh}");
    let word = refresh.strip_suffix(" login --profile dev").expect("our login for the profile");
    let out = minimal_shell(&format!("{word} --version"));
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("bedrock-tray "),
        "{word} runs under PATH=/usr/bin:/bin: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Where no package is installed, the bare name is what would have failed.
    if !["/usr/bin/bedrock-tray", "/bin/bedrock-tray"].iter().any(|p| std::path::Path::new(p).exists()) {
        assert!(!minimal_shell("bedrock-tray --version").status.success(), "a bare name is not found there");
    }
}

#[test]
fn repair_points_stale_commands_at_the_cli_and_doctor_flags_them_until_then() {
    let home = TestHome::new();
    home.write_aws_config(&format!(
        "{SSO_CONFIG}\n[profile kc]\ncredential_process = /gone/bedrock-tray credential-process --profile kc\n\n[profile vault]\ncredential_process = /bin/true\n"
    ));
    home.write_settings(
        r#"{"awsAuthRefresh": "/opt/old/bedrock-tray login --profile dev", "env": {"AWS_PROFILE": "dev"}}"#,
    );
    let paths = home.paths();
    let before = program_checks(&paths);
    assert_eq!(before.len(), 2, "one line per command of ours, none for /bin/true: {before:?}");
    assert!(
        before
            .iter()
            .all(|c| c.mark == Mark::Fail && c.fix.as_deref().is_some_and(|f| f.contains("bedrock-tray repair"))),
        "{before:?}"
    );

    let out = home.cli_ok(&["repair"]);
    assert_eq!(out.lines().count(), 2, "each repaired command is named: {out}");
    assert_eq!(
        home.settings_json()["awsAuthRefresh"],
        format!("{CLI} login --profile dev"),
        "the arguments are kept, the program is the installed CLI"
    );
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    assert!(config.contains(&format!("credential_process = {CLI} credential-process --profile kc\n")), "{config}");
    assert!(config.contains("credential_process = /bin/true\n"), "not ours: untouched");

    let after = program_checks(&paths);
    assert!(after.iter().all(|c| c.mark == Mark::Ok), "{after:?}");
    assert!(home.cli_ok(&["repair"]).contains("already"), "a second repair changes nothing");
}
