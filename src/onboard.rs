//! Onboarding a new laptop from a team preset: the AWS config blocks, the
//! login, the account and role, Claude Code's settings, and a check — each
//! step atomic, the whole idempotent (a second run changes nothing and
//! says so).

use crate::aws::blocks::{self, Block, BlockOutcome};
use crate::aws::ini::Section;
use crate::aws::profiles::AwsProfiles;
use crate::catalog::Catalog;
use crate::names::{ProfileName, Region};
use crate::paths::Paths;
use crate::preset::Preset;
use crate::sso::accounts::{self, AccountRole};
use crate::sso::cache::{self, SessionState, SessionStatus};
use crate::switch::{self, UseRequest};
use time::OffsetDateTime;

/// What the user chose on the command line (or in the wizard).
#[derive(Debug, Clone, Default)]
pub struct OnboardRequest {
    pub team: Option<String>,
    pub profile: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    /// Write one profile per reachable account and role.
    pub all_roles: bool,
    /// Replace a conflicting config block instead of stopping.
    pub force: bool,
    /// Model and geography instead of the preset's defaults.
    pub model: Option<String>,
    pub geography: Option<String>,
}

/// A step's report, as it happens.
pub trait Progress {
    fn step(&mut self, title: &str);
    fn detail(&mut self, line: &str);
    /// Picks one of `roles` (interactive), or `None` to stop.
    fn choose(&mut self, roles: &[AccountRole]) -> Option<usize>;
}

/// How the login step reaches the user when the preset's SSO session has
/// no valid token: where the sign-in code goes, and whether the browser
/// opens on the approval page.
pub struct SignIn<'a> {
    pub prompt: &'a mut (dyn crate::sso::login::LoginPrompt + Send),
    pub open_browser: bool,
}

/// Why onboarding stopped; files written by completed steps stay.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    #[error("no team {0:?} in the preset; choose one of: {1}")]
    UnknownTeam(String, String),
    #[error(transparent)]
    Name(#[from] crate::names::InvalidName),
    #[error(transparent)]
    Config(#[from] blocks::BlockError),
    #[error(transparent)]
    Profiles(#[from] crate::aws::profiles::ProfilesError),
    #[error("login failed: {0}")]
    Login(String),
    #[error(transparent)]
    Accounts(#[from] accounts::AccountsError),
    #[error("the SSO session reaches no account with a role: ask your AWS admin for an assignment")]
    NoAccounts,
    #[error("several accounts and roles are reachable; pick one with --account ID --role NAME (or --team):\n{0}")]
    ChoiceNeeded(String),
    #[error("account {0} with role {1} is not reachable with this SSO session")]
    NotReachable(String, String),
    #[error(transparent)]
    Use(#[from] switch::UseError),
    #[error(transparent)]
    State(#[from] crate::app_state::AppStateError),
    #[error("{0}")]
    Choice(String),
}

impl OnboardError {
    /// The user asked for something impossible (as opposed to a failure of
    /// the machine, the network or AWS).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::UnknownTeam(..) | Self::Name(_) | Self::ChoiceNeeded(_) | Self::NotReachable(..) | Self::Choice(_)
        )
    }
}

/// The model and geography to select: the request's, else the preset's,
/// checked against the catalog and the preset's allowed models.
fn model_and_geography(
    preset: &Preset,
    request: &OnboardRequest,
    catalog: &Catalog,
) -> Result<(String, String), OnboardError> {
    let geography = request.geography.clone().unwrap_or_else(|| preset.defaults.geography.clone());
    let model = request.model.clone().unwrap_or_else(|| preset.defaults.model.clone());
    let geo = catalog.geography(&geography).map_err(|e| OnboardError::Choice(e.to_string()))?;
    let allowed = |m: &crate::catalog::Model| {
        if crate::preset::model_allowed(&preset.allowed_models, catalog, &m.key) {
            return Ok(());
        }
        Err(OnboardError::Choice(format!(
            "{} is not allowed by {}'s preset; choose one of: {}",
            m.name,
            preset.organisation,
            preset.allowed_models.join(", ")
        )))
    };
    // Allowed first (a family allows every version), then offered here.
    allowed(catalog.model(&model).map_err(|e| OnboardError::Choice(e.to_string()))?.0)?;
    allowed(catalog.model_in(&model, geo).map_err(|e| OnboardError::Choice(e.to_string()))?)?;
    // The name as asked (`opus`): the settings step resolves it again
    // against what the account lists by then.
    Ok((model.trim().to_string(), geo.key.clone()))
}

/// What onboarding did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OnboardSummary {
    pub profile: String,
    pub profiles_written: Vec<String>,
    pub config_changed: bool,
    pub settings_changed: usize,
    /// Whether credentials, identity and Bedrock checked out.
    pub probes_passed: bool,
    pub to_do: Vec<String>,
}

fn sso_session_block(preset: &Preset) -> Block {
    Block {
        section: Section::sso_session(&preset.sso.session_name),
        properties: vec![
            ("sso_start_url".into(), preset.sso.start_url.clone()),
            ("sso_region".into(), preset.sso.region.to_string()),
            ("sso_registration_scopes".into(), preset.sso.registration_scopes.join(",")),
        ],
    }
}

fn profile_block(preset: &Preset, name: &ProfileName, account_id: &str, role: &str, region: &str) -> Block {
    Block {
        section: Section::config_profile(name),
        properties: vec![
            ("sso_session".into(), preset.sso.session_name.to_string()),
            ("sso_account_id".into(), account_id.into()),
            ("sso_role_name".into(), role.into()),
            ("region".into(), region.into()),
        ],
    }
}

/// A profile name for an account and role, as aws-sso-util derives them:
/// account name and role, lower-case, anything else folded to '-'.
pub fn derived_profile_name(role: &AccountRole) -> String {
    let slug = |text: &str| -> String {
        let mut out = String::new();
        for c in text.to_lowercase().chars() {
            let c = if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' };
            if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
                out.push(c);
            }
        }
        out.trim_end_matches('-').to_string()
    };
    let account = match slug(&role.account_name) {
        s if s.is_empty() => role.account_id.clone(),
        s => s,
    };
    format!("{account}.{}", slug(&role.role_name))
}

/// Why this machine needs onboarding, or `None` when Claude Code already
/// has a usable Bedrock setup. `remembered_bedrock`: the user switched to
/// the Anthropic API on purpose and has a Bedrock setup to come back to.
pub fn setup_needed(snapshot: &crate::view::snapshot::Snapshot, remembered_bedrock: bool) -> Option<String> {
    // Unreadable settings are an error to fix, not a machine to set up.
    let status = snapshot.status.as_ref()?;
    match (&status.provider, &status.profile) {
        (crate::claude::selection::Provider::Anthropic, _) if remembered_bedrock => None,
        (crate::claude::selection::Provider::Anthropic, _) => {
            Some("Claude Code is not set up for Amazon Bedrock yet".into())
        }
        (crate::claude::selection::Provider::Bedrock, None) => {
            Some("Claude Code uses Bedrock but no AWS profile is selected".into())
        }
        (crate::claude::selection::Provider::Bedrock, Some(p)) if !snapshot.profiles.iter().any(|r| &r.name == p) => {
            Some(format!("the selected AWS profile {p:?} is not in your AWS config"))
        }
        _ => None,
    }
}

/// Runs the onboarding steps in order.
///
/// # Errors
/// [`OnboardError`] naming the step's problem; earlier steps' files stay
/// complete, later ones untouched.
pub async fn run(
    paths: &Paths,
    preset: &Preset,
    request: &OnboardRequest,
    progress: &mut dyn Progress,
    sign_in: SignIn<'_>,
    now: OffsetDateTime,
) -> Result<OnboardSummary, OnboardError> {
    let catalog = &Catalog::load(paths);
    let stamp = crate::atomic_file::backup_stamp(now);
    let mut summary = OnboardSummary::default();
    let (model, geography) = model_and_geography(preset, request, catalog)?;
    let region = preset.region_for(&geography, catalog).expect("a checked geography is in the catalog");

    let team = match &request.team {
        Some(t) => Some(preset.teams.get(t).ok_or_else(|| {
            OnboardError::UnknownTeam(t.clone(), preset.teams.keys().cloned().collect::<Vec<_>>().join(", "))
        })?),
        None => None,
    };
    let profile_name = match (&request.profile, team.and_then(|t| t.profile.as_ref())) {
        (Some(p), _) => ProfileName::new(p.as_str())?,
        (None, Some(p)) => p.clone(),
        (None, None) => preset.defaults.profile.clone(),
    };
    summary.profile = profile_name.to_string();

    prerequisites(progress, &mut summary);

    progress.step(&format!("AWS config: [sso-session {}] in {}", preset.sso.session_name, paths.aws_config.display()));
    let mut blocks = vec![sso_session_block(preset)];
    if let Some(t) = team {
        blocks.push(profile_block(preset, &profile_name, &t.account_id, &t.role_name, region.as_str()));
    }
    report_blocks(progress, &mut summary, &blocks, blocks::ensure(&paths.aws_config, &blocks, request.force, &stamp)?);

    let session_profile = sso_session_source(preset);
    sign_in_step(paths, preset, &session_profile, sign_in, progress, now).await?;

    if team.is_none() {
        let blocks =
            account_step(paths, preset, request, &session_profile, &profile_name, region.as_str(), progress, now)
                .await?;
        report_blocks(
            progress,
            &mut summary,
            &blocks,
            blocks::ensure(&paths.aws_config, &blocks, request.force, &stamp)?,
        );
    }

    models_step(paths, &profile_name, &region, progress, now).await;

    progress.step(&format!("Claude Code settings: {}", paths.claude_settings.display()));
    let changes = switch::run(
        paths,
        &UseRequest {
            model: Some(model),
            geography: Some(geography),
            profile: Some(profile_name.to_string()),
            region: Some(region.to_string()),
            provider: Some(crate::claude::selection::Provider::Bedrock),
            max_output_tokens: preset.max_output_tokens,
            max_thinking_tokens: preset.max_thinking_tokens,
            login_method: Some(preset.defaults.login_method),
            credential_export: None,
            effort: preset.effort,
            ..UseRequest::default()
        },
    )?;
    if preset.defaults.device_code {
        // The team signs in with device codes: later logins (CLI and tray) follow.
        if let Err(e) = crate::app_state::AppState::update(&paths.app_state(), |s| s.device_code = Some(true)) {
            tracing::warn!("cannot remember the device-code choice: {e}");
        }
    }
    summary.settings_changed = changes.len();
    if changes.is_empty() {
        progress.detail("already set");
    }
    for c in &changes {
        progress.detail(&format!("{}: {}", c.key, c.new.as_deref().unwrap_or("(removed)")));
    }

    check_step(paths, &profile_name, progress, &mut summary, now).await?;
    Ok(summary)
}

/// The "Prerequisites" step: Claude Code (needed) and the AWS CLI (optional).
fn prerequisites(progress: &mut dyn Progress, summary: &mut OnboardSummary) {
    progress.step("Prerequisites");
    match crate::doctor::tool_version("claude") {
        Some(v) => progress.detail(&format!("Claude Code: {v}")),
        None => {
            progress.detail("Claude Code: not found");
            summary.to_do.push("install Claude Code: npm install -g @anthropic-ai/claude-code".into());
        }
    }
    match crate::doctor::tool_version("aws") {
        Some(v) => progress.detail(&format!("AWS CLI: {v} (optional)")),
        None => progress.detail("AWS CLI: not found (optional: bedrock-tray signs in by itself)"),
    }
}

/// The preset's SSO session, as a credential source (no account or role).
fn sso_session_source(preset: &Preset) -> crate::aws::profiles::CredentialSource {
    crate::aws::profiles::CredentialSource::Sso {
        sso_session: preset.sso.session_name.to_string(),
        start_url: preset.sso.start_url.clone(),
        sso_region: preset.sso.region.to_string(),
        account_id: None,
        role_name: None,
        registration_scopes: preset.sso.registration_scopes.clone(),
    }
}

/// The "Sign in" step: a device-code login unless the session is valid.
/// Reads the models the account offers (as `models --refresh` does), so
/// `opus` means the newest Opus this account can call; on failure the
/// built-in list stands and the check step says what is wrong.
async fn models_step(
    paths: &Paths,
    profile: &ProfileName,
    region: &Region,
    progress: &mut dyn Progress,
    now: OffsetDateTime,
) {
    progress.step("Models the account offers");
    let target = crate::probe::ProbeTarget { profile: profile.to_string(), region: region.to_string(), model_id: None };
    let report = crate::probe::models::refresh(paths, &target, &crate::probe::ProbeOptions::default(), now).await;
    for r in &report.regions {
        match (&r.error, r.claude_profiles) {
            (None, Some(n)) => progress.detail(&format!("{}: {n} Claude inference profiles", r.region)),
            (Some(e), _) if r.selected => {
                progress.detail(&format!("{}: not read ({e}); using the built-in list", r.region))
            }
            _ => {}
        }
    }
}

async fn sign_in_step(
    paths: &Paths,
    preset: &Preset,
    session_profile: &crate::aws::profiles::CredentialSource,
    sign_in: SignIn<'_>,
    progress: &mut dyn Progress,
    now: OffsetDateTime,
) -> Result<(), OnboardError> {
    progress.step("Sign in to IAM Identity Center");
    let status = SessionStatus::of_profile(&paths.sso_cache_dir, session_profile, now);
    if matches!(status.state, SessionState::Valid | SessionState::Expiring) {
        progress.detail("already signed in");
    } else {
        let target = crate::sso::oidc::SessionTarget {
            session_name: Some(preset.sso.session_name.to_string()),
            start_url: preset.sso.start_url.clone(),
            region: preset.sso.region.clone(),
            scopes: Some(preset.sso.registration_scopes.clone()),
        };
        crate::sso::login::device_login(paths, &target, sign_in.prompt, sign_in.open_browser)
            .await
            .map_err(|e| OnboardError::Login(e.to_string()))?;
        progress.detail("signed in");
    }
    Ok(())
}

/// The "Accounts and roles" step (no team in the preset): the account and
/// role the user picks, and with `all_roles` every other one, as profile
/// blocks to write.
#[allow(clippy::too_many_arguments)]
async fn account_step(
    paths: &Paths,
    preset: &Preset,
    request: &OnboardRequest,
    session_profile: &crate::aws::profiles::CredentialSource,
    profile_name: &ProfileName,
    region: &str,
    progress: &mut dyn Progress,
    now: OffsetDateTime,
) -> Result<Vec<Block>, OnboardError> {
    progress.step("Accounts and roles");
    let token_path = cache::token_path(&paths.sso_cache_dir, session_profile).expect("sso source");
    let token = cache::read_token(&token_path).map_err(|e| OnboardError::Login(e.to_string()))?;
    let roles = match accounts::cached(&paths.app_dir, &preset.sso.start_url, time::Duration::hours(1), now) {
        Some(r) => r,
        None => {
            let r = accounts::list(&accounts::portal_client(&preset.sso.region).await, &token.access_token).await?;
            accounts::store(&paths.app_dir, &preset.sso.start_url, &r, now);
            r
        }
    };
    if roles.is_empty() {
        return Err(OnboardError::NoAccounts);
    }
    let mut blocks = Vec::new();
    if request.all_roles {
        for r in &roles {
            blocks.push(profile_block(
                preset,
                &ProfileName::new(derived_profile_name(r))?,
                &r.account_id,
                &r.role_name,
                region,
            ));
        }
    }
    let chosen = pick(&roles, request, progress)?;
    progress.detail(&format!("{} ({}) as {}", chosen.account_name, chosen.account_id, chosen.role_name));
    blocks.push(profile_block(preset, profile_name, &chosen.account_id, &chosen.role_name, region));
    Ok(blocks)
}

/// The "Check" step: what status finds wrong, and the probes.
async fn check_step(
    paths: &Paths,
    profile_name: &ProfileName,
    progress: &mut dyn Progress,
    summary: &mut OnboardSummary,
    now: OffsetDateTime,
) -> Result<(), OnboardError> {
    progress.step("Check");
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)?;
    let status = crate::view::status::Status::from_profiles(paths, &Catalog::load(paths), Ok(&profiles), now)
        .map_err(switch::UseError::from)?;
    for p in &status.problems {
        summary.to_do.push(p.clone());
    }
    if status.session.state == SessionState::Missing || status.session.state == SessionState::Expired {
        summary.to_do.push(format!("log in: bedrock-tray login --profile {profile_name}"));
    }
    match crate::probe::ProbeTarget::from_settings(paths, None) {
        Ok(target) => {
            let report = crate::probe::run(paths, &target, &crate::probe::ProbeOptions::default(), now).await;
            for r in &report.results {
                let mark = match r.outcome {
                    crate::probe::Outcome::Ok => "ok",
                    crate::probe::Outcome::Failed => "FAILED",
                    crate::probe::Outcome::Skipped => "skipped",
                };
                progress.detail(&format!("{:<12} {mark:<7} {} ({} ms)", r.name.label(), r.summary, r.latency_ms));
                if let Some(fix) = &r.fix {
                    summary.to_do.push(fix.clone());
                }
            }
            summary.probes_passed = report.all_ok();
        }
        Err(e) => summary.to_do.push(e),
    }
    Ok(())
}

fn report_blocks(
    progress: &mut dyn Progress,
    summary: &mut OnboardSummary,
    blocks: &[Block],
    outcomes: Vec<BlockOutcome>,
) {
    for (block, outcome) in blocks.iter().zip(outcomes) {
        let what = match outcome {
            BlockOutcome::Added => "added",
            BlockOutcome::AlreadyPresent => "already there",
            BlockOutcome::Replaced => "updated (old file backed up)",
        };
        progress.detail(&format!("[{}] {what}", block.section.as_str()));
        if outcome != BlockOutcome::AlreadyPresent {
            summary.config_changed = true;
            if let Some(name) = block.section.as_str().strip_prefix("profile ") {
                summary.profiles_written.push(name.to_string());
            }
        }
    }
}

fn pick<'r>(
    roles: &'r [AccountRole],
    request: &OnboardRequest,
    progress: &mut dyn Progress,
) -> Result<&'r AccountRole, OnboardError> {
    if let (Some(account), Some(role)) = (&request.account_id, &request.role_name) {
        return roles
            .iter()
            .find(|r| &r.account_id == account && &r.role_name == role)
            .ok_or_else(|| OnboardError::NotReachable(account.clone(), role.clone()));
    }
    if roles.len() == 1 {
        return Ok(&roles[0]);
    }
    match progress.choose(roles) {
        Some(i) if i < roles.len() => Ok(&roles[i]),
        _ => Err(OnboardError::ChoiceNeeded(
            roles
                .iter()
                .map(|r| format!("  --account {} --role {}   ({})", r.account_id, r.role_name, r.account_name))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

impl crate::error_kind::HasKind for OnboardError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(self.is_usage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_is_needed_until_bedrock_has_a_profile_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        let now = OffsetDateTime::now_utc();
        let snap = || crate::view::snapshot::Snapshot::read(&paths, now);
        assert!(setup_needed(&snap(), false).unwrap().contains("not set up"), "an empty HOME");
        assert_eq!(setup_needed(&snap(), true), None, "Anthropic chosen on purpose");
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(&paths.claude_settings, r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev"}}"#)
            .unwrap();
        assert!(setup_needed(&snap(), false).unwrap().contains("\"dev\" is not in your AWS config"));
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(&paths.aws_config, "[profile dev]\nregion = eu-west-1\n").unwrap();
        assert_eq!(setup_needed(&snap(), false), None, "a Bedrock profile that exists");
        std::fs::write(&paths.claude_settings, "{ broken").unwrap();
        assert_eq!(setup_needed(&snap(), false), None, "a broken file is shown as an error, not as a wizard");
    }

    #[test]
    fn derived_names_are_valid_profile_names() {
        let r = |name: &str, role: &str| AccountRole {
            account_name: name.into(),
            account_id: "111122223333".into(),
            role_name: role.into(),
            email: None,
        };
        for (role, want) in [
            (r("Platform Team (prod)", "AdministratorAccess"), "platform-team-prod.administratoraccess"),
            (r("dev", "Developer"), "dev.developer"),
            (r("", "Dev"), "111122223333.dev"),
        ] {
            let name = derived_profile_name(&role);
            assert_eq!(name, want);
            ProfileName::new(&name).unwrap();
        }
    }
}
