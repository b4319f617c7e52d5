//! `bedrock-tray doctor`: the whole setup checked end to end, in order,
//! one [`Check`] per link with its fix. The probes come last (see
//! [`crate::probe`]).

use crate::aws::profiles::{AwsProfile, AwsProfiles, CredentialSource};
use crate::catalog::Catalog;
use crate::claude::layers::{self, Layer, Layers};
use crate::claude::selection::{Provider, Selection};
use crate::claude::settings::SettingsDoc;
use crate::paths::Paths;
use crate::probe::{Outcome, ProbeReport, ProbeTarget};
use crate::problem::Problem;
use crate::sso::cache::{SessionState, SessionStatus};
use crate::view::status::RivalProvider;
use serde::Serialize;
use std::process::Command;
use time::OffsetDateTime;

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Ok,
    Warn,
    Fail,
    Skip,
}

/// One line of the doctor's report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub mark: Mark,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &str, detail: impl Into<String>) -> Self {
        Self { name: name.into(), mark: Mark::Ok, detail: detail.into(), fix: None }
    }
    fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { name: name.into(), mark: Mark::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }
    fn warn(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { name: name.into(), mark: Mark::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }
    fn skip(name: &str, detail: impl Into<String>) -> Self {
        Self { name: name.into(), mark: Mark::Skip, detail: detail.into(), fix: None }
    }
}

/// Everything the doctor found.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
    pub probe: Option<ProbeReport>,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.mark != Mark::Fail)
    }
}

/// The first line of `program --version`, or `None` when it cannot run.
pub fn tool_version(program: &str) -> Option<String> {
    use std::io::Read;
    let mut child = Command::new(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read(Box::new(child.stdout.take()?));
    let stderr = read(Box::new(child.stderr.take()?));
    // A tool that hangs (a broken install waiting on the network or a
    // prompt) must not hang doctor: past the deadline it counts as absent.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().ok()? {
            break status;
        }
        if started.elapsed() > VERSION_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            tracing::warn!("`{program} --version` did not answer within {} s", VERSION_DEADLINE.as_secs());
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let (out, err) = (stdout.join().ok()?, stderr.join().ok()?);
    let text = if out.is_empty() { err } else { out };
    let line = String::from_utf8_lossy(&text).lines().next()?.trim().to_string();
    status.success().then_some(line)
}

/// How long `--version` of a tool may take.
const VERSION_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// The checks before the probes, and the probe target they found (if the
/// setup names one). `aws` and `claude` are the `--version` lines of the
/// tools (`None`: not found).
pub fn setup_checks(
    paths: &Paths,
    aws: Option<&str>,
    claude: Option<&str>,
    profile_override: Option<&str>,
    now: OffsetDateTime,
) -> (Vec<Check>, Option<ProbeTarget>) {
    let mut checks = tool_checks(aws, claude);
    let (doc, settings_layers) = match Layers::read(paths, None) {
        Ok(layers) => {
            checks.push(Check::ok("settings", paths.claude_settings.display().to_string()));
            checks.push(layers_check(&layers));
            // What Claude Code uses is the merged view, not our file alone.
            (layers.merged(), layers)
        }
        Err(e) => {
            checks.push(Check::fail("settings", paths.claude_settings.display().to_string(), e.to_string()));
            return (checks, None);
        }
    };
    let catalog = &Catalog::load(paths);
    let state = crate::app_state::AppState::load(&paths.app_state()).unwrap_or_default();
    let sel = Selection::read(&doc, catalog).with_state(&state);
    let rival = sel.rival.and_then(|switch| RivalProvider::of(switch, &settings_layers));
    if sel.provider.is_bedrock() {
        checks.push(Check::ok("provider", sel.provider.label()));
    } else if let Some(rival) = rival {
        let problem = rival.problem();
        checks.push(Check::fail("provider", problem.what(), problem.action()));
    } else {
        checks.push(Check::fail(
            "provider",
            "Claude Code uses the Anthropic API",
            "run `bedrock-tray use --provider bedrock` to use Amazon Bedrock",
        ));
    }

    region_checks(&sel, &mut checks);
    small_model_check(&sel, catalog, &mut checks);
    alias_check(&doc, &sel, &mut checks);
    if sel.provider == Provider::BedrockApiKey && doc.get(crate::claude::settings::OwnedKey::BearerToken).is_none() {
        // Claude Code 2.1.332 reads AWS_BEARER_TOKEN_BEDROCK from its
        // environment or a settings file only.
        checks.push(Check::warn(
            "api key",
            "not in the settings: Claude Code takes AWS_BEARER_TOKEN_BEDROCK from the shell it starts in",
            "start Claude Code from a shell with `export AWS_BEARER_TOKEN_BEDROCK=\"$(bedrock-tray api-key print)\"`, or run `bedrock-tray use --provider bedrock-api-key --write-key-to-settings`",
        ));
    }
    if sel.provider.is_bedrock() && !sel.provider.uses_aws_profile() {
        // No AWS profile to check: the provider's own probe follows
        // (see [`access_target`]).
        checks.extend(plaintext_key_checks(paths));
        checks.extend(secret_backup_checks(paths));
        checks.extend(program_checks(paths));
        return (checks, None);
    }
    let profile_name = profile_override.map(str::to_string).or(sel.profile.clone());
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials);
    let profile = profile_check(paths, profile_name.as_ref(), &profiles, &mut checks);
    if let Some(name) = &profile_name {
        auth_refresh_check(&sel, name, profile.as_ref(), &mut checks);
        credential_export_check(&doc, name, &mut checks);
    }
    if let Some(p) = &profile {
        session_checks(paths, p, now, &mut checks);
    }
    checks.extend(plaintext_key_checks(paths));
    checks.extend(secret_backup_checks(paths));
    checks.extend(program_checks(paths));

    let region = sel.region.clone().or_else(|| {
        let p = profiles.as_ref().ok()?;
        p.region_of(profile_name.as_deref()?).map(|r| r.to_string())
    });
    let target = match (profile_name, region) {
        (Some(profile), Some(region)) => Some(ProbeTarget { profile, region, model_id: sel.model_id }),
        _ => None,
    };
    (checks, target)
}

/// What the provider probe of the API-key or gateway provider checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessTarget {
    /// The API key `name` from the keyring (or the settings' copy), against
    /// Bedrock in `region`; `model_id` is what `--invoke` calls.
    ApiKey { name: String, region: String, in_settings: bool, model_id: Option<String> },
    /// The gateway at `url`.
    Gateway { url: String },
}

/// The provider probe the selection calls for, if its provider is the
/// API key or a gateway.
pub fn access_target(paths: &Paths) -> Option<AccessTarget> {
    let doc = Layers::read(paths, None).ok()?.merged();
    let state = crate::app_state::AppState::load(&paths.app_state()).unwrap_or_default();
    let catalog = Catalog::load(paths);
    let sel = Selection::read(&doc, &catalog).with_state(&state);
    match sel.provider {
        Provider::BedrockApiKey => Some(AccessTarget::ApiKey {
            name: crate::switch::api_key_name(&crate::switch::UseRequest::default(), &state),
            region: sel.region.unwrap_or_else(|| "us-east-1".into()),
            in_settings: doc.get(crate::claude::settings::OwnedKey::BearerToken).is_some(),
            model_id: sel.model_id.clone(),
        }),
        Provider::Gateway => {
            doc.get(crate::claude::settings::OwnedKey::BedrockBaseUrl).map(|url| AccessTarget::Gateway { url })
        }
        _ => None,
    }
}

/// The provider probe's result as a doctor check.
pub fn access_check(check: &crate::probe::access::AccessCheck) -> Check {
    if check.ok {
        Check::ok(check.name, check.detail.clone())
    } else {
        Check::fail(check.name, check.detail.clone(), check.fix.clone().unwrap_or_default())
    }
}

/// Whether a layer above the user's settings (managed settings, above all)
/// sets keys we own, or a managed or project file cannot be read.
fn layers_check(layers: &Layers) -> Check {
    let overridden = layers.overridden_above(Layer::User);
    let mut detail = layers::override_message(&overridden);
    detail.extend(layers.unreadable.iter().cloned());
    if detail.is_empty() {
        return Check::ok("settings layers", "no other settings file overrides ours");
    }
    let fix = if overridden.iter().any(|s| s.layer == Layer::Managed) {
        "these values are your organisation's policy: ask your administrator to change them"
    } else {
        "fix or remove the file named above"
    };
    Check::warn("settings layers", detail.join("; "), fix)
}

/// The AWS CLI and Claude Code, from their `--version` lines.
fn tool_checks(aws: Option<&str>, claude: Option<&str>) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(match aws {
        Some(v) if v.starts_with("aws-cli/1.") => {
            Check::warn("aws cli", v, "AWS CLI v1 cannot use [sso-session]: install AWS CLI v2")
        }
        Some(v) => Check::ok("aws cli", v),
        None => Check::fail("aws cli", "not found", "install AWS CLI v2 (https://docs.aws.amazon.com/cli/)"),
    });
    checks.push(match claude {
        Some(v) => Check::ok("claude code", v),
        None => {
            Check::fail("claude code", "not found", "install Claude Code: npm install -g @anthropic-ai/claude-code")
        }
    });
    checks
}

/// The region lies inside the model's geography.
fn region_checks(sel: &Selection<'_>, checks: &mut Vec<Check>) {
    match (sel.geography, sel.region.as_deref(), sel.model_id.as_deref()) {
        (_, None, _) => {
            checks.push(Check::fail("region", "AWS_REGION unset", "run `bedrock-tray use --region REGION`"))
        }
        (Some(geo), Some(region), Some(id)) if !geo.serves(region) => checks.push(Check::fail(
            "region",
            format!("{id} from {region}"),
            Problem::WrongRegion {
                geography: geo.key.clone(),
                geography_name: geo.name.clone(),
                region: region.to_string(),
            }
            .fix(),
        )),
        (Some(geo), Some(region), _) => checks.push(Check::ok("region", format!("{region} serves {}", geo.name))),
        (None, Some(region), None) => {
            checks.push(Check::fail("model", "no model selected", Problem::NoModelSelected.action()));
            checks.push(Check::ok("region", region));
        }
        (None, Some(region), Some(id)) => checks.push(Check::warn(
            "region",
            format!("{id} in {region}"),
            "the catalog does not know this model's geography: check it is callable from the region",
        )),
    }
}

/// The small model is in the main model's geography.
fn small_model_check(sel: &Selection<'_>, catalog: &Catalog, checks: &mut Vec<Check>) {
    if let (Some(main), Some(small)) = (sel.geography, sel.small_model_id.as_deref()) {
        match catalog.geography_of_id(small) {
            Some(g) if g.key != main.key => checks.push(Check::fail(
                "small model",
                format!("{small} is {} while the main model is {}", g.name, main.name),
                format!("run `bedrock-tray use --geo {}` to move both models to one geography", main.key),
            )),
            _ => checks.push(Check::ok("small model", small)),
        }
    }
}

/// Every alias Claude Code resolves is pinned inside the geography.
fn alias_check(doc: &SettingsDoc, sel: &Selection<'_>, checks: &mut Vec<Check>) {
    let Some(geo) = sel.geography.filter(|_| sel.model_id.is_some()) else { return };
    let aliases = crate::view::status::alias_status(doc, Some(&geo.key));
    let loose: Vec<&str> = aliases.iter().filter(|a| !a.inside).map(|a| a.alias).collect();
    if loose.is_empty() {
        checks.push(Check::ok("aliases", format!("opus, sonnet, haiku and fable pinned in {}", geo.name)));
    } else {
        let problem = Problem::AliasesOutsideGeography {
            aliases: loose.join(", "),
            geography: geo.key.clone(),
            geography_name: geo.name.clone(),
        };
        checks.push(Check::fail("aliases", problem.what(), problem.action()));
    }
}

/// The selected profile exists in the AWS config.
fn profile_check(
    paths: &Paths,
    profile_name: Option<&String>,
    profiles: &Result<AwsProfiles, crate::aws::profiles::ProfilesError>,
    checks: &mut Vec<Check>,
) -> Option<AwsProfile> {
    match (profile_name, profiles) {
        (None, _) => {
            checks.push(Check::fail("profile", "AWS_PROFILE unset", Problem::NoProfileSelected.action()));
            None
        }
        (Some(_), Err(e)) => {
            checks.push(Check::fail("profile", paths.aws_config.display().to_string(), e.to_string()));
            None
        }
        (Some(name), Ok(p)) => match p.get(name) {
            Some(profile) => {
                checks.push(Check::ok("profile", format!("{name} ({})", profile.credentials.label())));
                Some(profile.clone())
            }
            None => {
                checks.push(Check::fail(
                    "profile",
                    format!("{name} not in {}", paths.aws_config.display()),
                    Problem::ProfileNotFound { profile: name.clone() }.action(),
                ));
                None
            }
        },
    }
}

/// awsAuthRefresh names the selected profile.
fn auth_refresh_check(sel: &Selection<'_>, name: &String, profile: Option<&AwsProfile>, checks: &mut Vec<Check>) {
    match sel.auth_refresh.as_deref() {
        Some(cmd) => match profile_argument(cmd) {
            Some(named) if named != *name => checks.push(Check::fail(
                "awsAuthRefresh",
                format!("`{cmd}` logs in profile {named}, not {name}"),
                format!("run `bedrock-tray use --profile {name}` to rewrite it"),
            )),
            _ => checks.push(Check::ok("awsAuthRefresh", cmd)),
        },
        None if profile.is_some_and(|p| p.credentials.is_sso()) => checks.push(Check::warn(
            "awsAuthRefresh",
            "unset: Claude Code cannot log in by itself",
            format!("run `bedrock-tray use --profile {name}` to set it"),
        )),
        None => {}
    }
}

/// Our awsCredentialExport hands out the selected profile's credentials:
/// Claude Code uses them before AWS_PROFILE, so another profile's would
/// silently send requests to another account.
fn credential_export_check(doc: &SettingsDoc, name: &String, checks: &mut Vec<Check>) {
    if let Some(cmd) = doc.get(crate::claude::settings::OwnedKey::CredentialExport) {
        match crate::aws::keychain::credential_process_profile(&cmd) {
            Some(named) if named != name.as_str() => checks.push(Check::fail(
                "awsCredentialExport",
                format!("exports profile {named}'s credentials while AWS_PROFILE is {name}"),
                format!("run `bedrock-tray use --profile {name} --credential-export` (or --no-credential-export)"),
            )),
            _ => checks.push(Check::ok("awsCredentialExport", cmd.clone())),
        }
    }
}

/// The profile's SSO session, and its form.
fn session_checks(paths: &Paths, p: &AwsProfile, now: OffsetDateTime, checks: &mut Vec<Check>) {
    let s = SessionStatus::of_profile(&paths.sso_cache_dir, &p.credentials, now);
    let login = Problem::SsoSessionExpired { profile: p.name.clone() }.action();
    checks.push(match s.state {
        SessionState::NotSso => Check::skip("session", "not an SSO profile"),
        SessionState::Expired => Check::fail("session", "SSO session expired", login),
        SessionState::Missing => Check::fail("session", s.reason.unwrap_or_else(|| "no SSO token".into()), login),
        SessionState::Expiring => Check::warn(
            "session",
            format!("expires in {} min", s.seconds_left.unwrap_or(0) / 60),
            if s.refreshable { "it will be refreshed".to_string() } else { login },
        ),
        SessionState::Valid => Check::ok("session", format!("valid, {} min left", s.seconds_left.unwrap_or(0) / 60)),
    });
    if matches!(p.credentials, CredentialSource::LegacySso { .. }) {
        checks.push(Check::warn(
            "sso form",
            "legacy sso_start_url profile: re-login every 8 hours",
            "move it to an [sso-session] block with sso_registration_scopes = sso:account:access",
        ));
    }
}

/// One warning per profile whose secret key is in plain text, naming the
/// files (never the key) and the import that moves it into the keyring.
pub fn plaintext_key_checks(paths: &Paths) -> Vec<Check> {
    let found = crate::aws::plaintext_keys::find(paths);
    crate::aws::plaintext_keys::profiles(paths)
        .into_iter()
        .map(|profile| {
            let files: Vec<String> =
                found.iter().filter(|k| k.profile == profile).map(|k| k.file.display().to_string()).collect();
            Check::warn(
                "plaintext key",
                format!("profile {profile}: aws_secret_access_key in plain text in {}", files.join(" and ")),
                format!("bedrock-tray credentials import --profile {profile}"),
            )
        })
        .collect()
}

/// One warning per backup of the AWS files that still holds a secret
/// key in clear (older `credentials import` runs kept them so).
pub fn secret_backup_checks(paths: &Paths) -> Vec<Check> {
    crate::aws::plaintext_keys::backups_with_secrets(paths)
        .into_iter()
        .map(|backup| {
            Check::warn(
                "plaintext key backup",
                format!("{} is a backup that holds a secret key in plain text", backup.display()),
                format!(
                    "check the key is in the keyring (`bedrock-tray status`), then delete it: rm '{}'",
                    backup.display()
                ),
            )
        })
        .collect()
}

/// One line per command of ours that is written (`awsAuthRefresh`,
/// `awsCredentialExport`, `credential_process`): its program exists and
/// runs (`--version`), and is named by an absolute path, so a Claude Code
/// started from a desktop launcher (`PATH=/usr/bin:/bin`) finds it too.
pub fn program_checks(paths: &Paths) -> Vec<Check> {
    let path_var = std::env::var_os("PATH");
    crate::repair::written_commands(paths)
        .into_iter()
        .map(|(setting, cmd)| {
            let name = format!("program of {setting}");
            let program = crate::program_path::program_of(&cmd).unwrap_or_default();
            match crate::program_path::program_runs(&cmd, path_var.as_deref()) {
                Err(why) => Check::fail(&name, why, "run `bedrock-tray repair` to point it at the installed CLI"),
                Ok(_) if !std::path::Path::new(&program).is_absolute() => Check::warn(
                    &name,
                    format!("`{program}` is found on this PATH only: Claude Code started from a desktop launcher may not find it"),
                    "run `bedrock-tray repair` to name it by its absolute path",
                ),
                Ok(found) => Check::ok(&name, found.display().to_string()),
            }
        })
        .collect()
}

/// The probe results as doctor lines.
pub fn probe_checks(report: &ProbeReport) -> Vec<Check> {
    report
        .results
        .iter()
        .map(|r| Check {
            name: format!("probe {}", r.name.label()),
            mark: match r.outcome {
                Outcome::Ok => Mark::Ok,
                Outcome::Failed => Mark::Fail,
                Outcome::Skipped if r.cause.is_some() => Mark::Fail,
                Outcome::Skipped => Mark::Skip,
            },
            detail: format!("{} ({} ms)", if r.summary.is_empty() { "failed" } else { &r.summary }, r.latency_ms),
            fix: r.fix.clone(),
        })
        .collect()
}

/// The value of `--profile` in a command line.
fn profile_argument(cmd: &str) -> Option<String> {
    let mut words = cmd.split_whitespace();
    while let Some(w) = words.next() {
        if w == "--profile" {
            return words.next().map(str::to_string);
        }
        if let Some(v) = w.strip_prefix("--profile=") {
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn credential_export_for_another_profile_fails() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile kc]\ncredential_process = bedrock-tray credential-process --profile kc\n",
        )
        .unwrap();
        let paths = crate::paths::Paths::under_home(home);
        let check = |export_profile: &str| {
            let settings = serde_json::json!({
                "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "kc", "AWS_REGION": "us-east-1"},
                "awsCredentialExport": format!("bedrock-tray credential-process --profile {export_profile} --export"),
            });
            std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();
            let (checks, _) =
                super::setup_checks(&paths, Some("aws-cli/2.9"), Some("2.1"), None, time::OffsetDateTime::now_utc());
            checks.into_iter().find(|c| c.name == "awsCredentialExport").unwrap()
        };
        assert_eq!(check("kc").mark, super::Mark::Ok);
        let wrong = check("other");
        assert_eq!(wrong.mark, super::Mark::Fail, "{wrong:?}");
        assert!(wrong.fix.unwrap().contains("use --profile kc --credential-export"));
    }

    #[test]
    fn plaintext_keys_warn_with_the_import_command_and_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(
            home.join(".aws/credentials"),
            "[dev]\naws_access_key_id = AKIAX\naws_secret_access_key = hunter2-secret\n",
        )
        .unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile dev]\nregion = eu-west-1\n[profile ops]\naws_secret_access_key = other-secret\n",
        )
        .unwrap();
        std::fs::write(home.join(".claude/settings.json"), "{}").unwrap();
        let paths = crate::paths::Paths::under_home(home);
        let (checks, _) =
            super::setup_checks(&paths, Some("aws-cli/2.9"), Some("2.1"), None, time::OffsetDateTime::now_utc());
        let warned: Vec<_> = checks.iter().filter(|c| c.name == "plaintext key").collect();
        assert_eq!(warned.len(), 2, "one warning per profile: {checks:?}");
        assert!(warned.iter().all(|c| c.mark == super::Mark::Warn));
        assert_eq!(warned[0].fix.as_deref(), Some("bedrock-tray credentials import --profile dev"));
        assert_eq!(warned[1].fix.as_deref(), Some("bedrock-tray credentials import --profile ops"));
        let all = serde_json::to_string(&checks).unwrap();
        assert!(!all.contains("hunter2") && !all.contains("other-secret"), "no secret in the report: {all}");
    }

    #[test]
    fn doctor_warns_of_old_backups_holding_secrets_without_showing_them() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(home.join(".aws/credentials"), "").unwrap();
        std::fs::write(home.join(".claude/settings.json"), "{}").unwrap();
        let old = home.join(".aws/credentials.bak-20260101T000000Z");
        std::fs::write(&old, "[dev]\naws_access_key_id = AKIAX\naws_secret_access_key = hunter2-secret\n").unwrap();
        let paths = crate::paths::Paths::under_home(home);
        let (checks, _) =
            super::setup_checks(&paths, Some("aws-cli/2.9"), Some("2.1"), None, time::OffsetDateTime::now_utc());
        let warned: Vec<_> = checks.iter().filter(|c| c.name == "plaintext key backup").collect();
        assert_eq!(warned.len(), 1, "{checks:?}");
        assert!(warned[0].detail.contains("credentials.bak-20260101T000000Z"));
        let all = serde_json::to_string(&checks).unwrap();
        assert!(!all.contains("hunter2"), "{all}");
    }

    #[test]
    fn profile_argument_reads_both_forms() {
        assert_eq!(super::profile_argument("aws sso login --profile dev").as_deref(), Some("dev"));
        assert_eq!(super::profile_argument("aws sso login --profile=prod").as_deref(), Some("prod"));
        assert_eq!(super::profile_argument("aws sso login"), None);
    }
}
