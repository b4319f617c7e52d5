//! The switch operation behind `bedrock-tray use` and the tray's menu:
//! choose provider, model, geography, profile and region, and rewrite only
//! the owned keys of `settings.json`.
//!
//! Data residency is whole: the main model, the three `ANTHROPIC_DEFAULT_*`
//! slots and the small/fast model all move to the chosen geography, and
//! `AWS_REGION` stays a region from which that geography can be called.

use crate::app_state::{AppState, AppStateError, LoginMethod, RememberedBedrock};
use crate::aws::profiles::{AwsProfile, AwsProfiles, CredentialSource, ProfilesError, UnknownProfile};
use crate::catalog::{Catalog, CatalogError, Family, Geography, Model};
use crate::claude::selection::{Provider, Selection};
use crate::claude::settings::{self, Change, OwnedKey, Patch, SettingsDoc, SettingsError};
use crate::names::{InvalidName, ProfileName, Region};
use crate::paths::Paths;

/// What the user asked to change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UseRequest {
    pub model: Option<String>,
    pub geography: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub provider: Option<Provider>,
    pub max_output_tokens: Option<u32>,
    pub max_thinking_tokens: Option<u32>,
    /// Remember how logins happen (and rewrite `awsAuthRefresh` to match).
    pub login_method: Option<LoginMethod>,
    /// Turn Claude Code's `awsCredentialExport` (our keyring sessions,
    /// see [`credential_export_for`]) on or off, and remember the choice.
    pub credential_export: Option<bool>,
}

/// Why a switch was refused. Nothing is written in any case.
#[derive(Debug, thiserror::Error)]
pub enum UseError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Name(#[from] InvalidName),
    #[error(transparent)]
    UnknownProfile(#[from] UnknownProfile),
    #[error("{region} cannot call {} inference profiles; choose one of: {}", geography, valid.join(", "))]
    RegionOutsideGeography { region: String, geography: String, valid: Vec<String> },
    #[error("{what} must be a positive number")]
    NotPositive { what: &'static str },
    #[error("--credential-export needs an AWS profile: add --profile NAME")]
    ExportWithoutProfile,
    #[error(transparent)]
    Profiles(#[from] ProfilesError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    State(#[from] AppStateError),
    #[error(transparent)]
    Program(#[from] crate::program_path::ProgramPathError),
}

impl UseError {
    /// Whether the request itself was wrong (exit code 2) rather than the
    /// environment (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            UseError::Catalog(_)
                | UseError::Name(_)
                | UseError::UnknownProfile(_)
                | UseError::RegionOutsideGeography { .. }
                | UseError::NotPositive { .. }
                | UseError::ExportWithoutProfile
        )
    }
}

/// A computed switch: the patch and what to remember in the app state.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub patch: Patch,
    /// `Some(None)` clears the memory; `Some(Some(_))` stores it.
    pub remember: Option<Option<RememberedBedrock>>,
}

/// Computes the patch for `request` against the current settings.
/// `program` is the CLI named in `awsAuthRefresh` and `awsCredentialExport`
/// ([`crate::program_path::cli_program`]); when it could not be found, a
/// plan that would write a new command naming it is refused with that error.
///
/// # Errors
/// [`UseError`] for unknown or inconsistent choices.
pub fn plan(
    doc: &SettingsDoc,
    request: &UseRequest,
    catalog: &Catalog,
    profiles: &AwsProfiles,
    state: &AppState,
    program: &Result<String, crate::program_path::ProgramPathError>,
) -> Result<Plan, UseError> {
    let mut plan = plan_unordered(doc, request, catalog, profiles, state, program)?;
    // New keys land in a fixed, readable order (stable: repeats keep theirs).
    plan.patch.sort_by_key(|(key, _)| *key);
    Ok(plan)
}

fn plan_unordered(
    doc: &SettingsDoc,
    request: &UseRequest,
    catalog: &Catalog,
    profiles: &AwsProfiles,
    state: &AppState,
    program: &Result<String, crate::program_path::ProgramPathError>,
) -> Result<Plan, UseError> {
    let current = Selection::read(doc, catalog);
    // Refused below only if a new command of ours would name it.
    let word = program.as_deref().unwrap_or(crate::program_path::CLI_FILE);
    let refuse_new = |key: OwnedKey, value: &Option<String>| match (program, value) {
        (Err(e), Some(v))
            if Some(v) != doc.get(key).as_ref()
                && crate::program_path::program_of(v) == crate::program_path::program_of(word) =>
        {
            Err(UseError::Program(e.clone()))
        }
        _ => Ok(()),
    };
    let mut plan = Plan::default();
    let touches_model = request.model.is_some() || request.geography.is_some() || request.region.is_some();
    let provider = request.provider.unwrap_or(if touches_model { Provider::Bedrock } else { current.provider });

    for (key, value, what) in [
        (OwnedKey::MaxOutputTokens, request.max_output_tokens, "--max-output-tokens"),
        (OwnedKey::MaxThinkingTokens, request.max_thinking_tokens, "--max-thinking-tokens"),
    ] {
        if let Some(n) = value {
            if n == 0 {
                return Err(UseError::NotPositive { what });
            }
            plan.patch.push((key, Some(n.to_string())));
        }
    }

    // Profile first: its region can decide the geography's region.
    let profile = match &request.profile {
        Some(name) => {
            let name = ProfileName::new(name.trim())?;
            Some(profiles.require(&name)?.clone())
        }
        None => current.profile.as_deref().and_then(|p| profiles.get(p)).cloned(),
    };
    if let Some(p) = &request.profile {
        plan.patch.push((OwnedKey::AwsProfile, Some(p.trim().to_string())));
    }
    if let Some(p) = &profile {
        let method = state.login_method;
        let value = auth_refresh_for(p, current.auth_refresh.as_deref(), method, word);
        refuse_new(OwnedKey::AuthRefresh, &value)?;
        plan.patch.push((OwnedKey::AuthRefresh, value));
    }
    if request.credential_export == Some(true) && profile.is_none() {
        return Err(UseError::ExportWithoutProfile);
    }
    let export = credential_export_for(
        profile.as_ref(),
        doc.get(OwnedKey::CredentialExport).as_deref(),
        request.credential_export,
        state.credential_export,
        word,
    );
    if let Some(value) = export {
        refuse_new(OwnedKey::CredentialExport, &value)?;
        plan.patch.push((OwnedKey::CredentialExport, value));
    }

    if provider == Provider::Anthropic {
        if current.provider == Provider::Bedrock || current.model_id.is_some() {
            plan.remember = Some(Some(RememberedBedrock {
                model_id: current.model_id.clone(),
                small_model_id: current.small_model_id.clone(),
            }));
        }
        plan.patch.push((OwnedKey::UseBedrock, None));
        for key in MODEL_KEYS {
            plan.patch.push((key, None));
        }
        return Ok(plan);
    }

    plan.patch.push((OwnedKey::UseBedrock, Some("1".into())));
    if current.provider == Provider::Anthropic && state.remembered_bedrock.is_some() {
        plan.remember = Some(None);
    }
    // The model in force: asked for, in the settings, or remembered from
    // before a switch to the Anthropic API.
    let remembered_id = state.remembered_bedrock.as_ref().and_then(|r| r.model_id.clone());
    let current_id = current.model_id.clone().or(remembered_id);
    let (current_model, current_geo) = match current_id.as_deref().and_then(|id| catalog.locate(id)) {
        Some((m, g)) => (Some(m), Some(g)),
        None => (None, current_id.as_deref().and_then(|id| catalog.geography_of_id(id))),
    };

    let (asked_model, asked_model_geo) = match &request.model {
        Some(name) => {
            let (m, g) = catalog.model(name)?;
            (Some(m), g)
        }
        None => (None, None),
    };
    let asked_geo = request.geography.as_deref().map(|g| catalog.geography(g)).transpose()?;
    let asked_region = request.region.as_deref().map(|r| Region::new(r.trim())).transpose()?;

    // A model the catalog does not know (a newer one the user typed by
    // hand) is left alone unless the user asks for a model or geography.
    if asked_model.is_none() && asked_geo.is_none() && current_model.is_none() && current_id.is_some() {
        if let Some(region) = asked_region {
            plan.patch.push((OwnedKey::AwsRegion, Some(region.to_string())));
        }
        return Ok(plan);
    }

    let region_hint = asked_region
        .as_ref()
        .map(Region::as_str)
        .or(current.region.as_deref())
        .or(profile.as_ref().and_then(|p| p.region.as_deref()));
    let geography = asked_geo
        .or(asked_model_geo)
        .or(current_geo)
        .or_else(|| region_hint.and_then(|r| catalog.geography_for_region(r)))
        .map_or_else(|| catalog.geography("us"), Ok)?;
    let model = match asked_model.or(current_model) {
        Some(m) => m,
        None => catalog.model("sonnet")?.0,
    };
    let model_id = catalog.profile_id(model, geography)?;
    let region = choose_region(asked_region, &current, profile.as_ref(), geography)?;

    plan.patch.push((OwnedKey::AwsRegion, Some(region.to_string())));
    plan.patch.push((OwnedKey::Model, Some(model_id.to_string())));
    let small = small_model(catalog, geography).unwrap_or(model);
    let small_id = small.profile_id(&geography.key).unwrap_or(model_id);
    for family in Family::ALL {
        let slot = if model.family == family {
            model_id
        } else {
            match catalog.family_default(family, geography) {
                Some(m) => m.profile_id(&geography.key).unwrap_or(model_id),
                // No model of this family here: never let Claude Code fall
                // back to its own default, which may be another geography.
                None if family == Family::Haiku => small_id,
                None => model_id,
            }
        };
        plan.patch.push((family_key(family), Some(slot.to_string())));
    }
    plan.patch.push((OwnedKey::SmallFastModel, Some(small_id.to_string())));
    Ok(plan)
}

const MODEL_KEYS: [OwnedKey; 5] =
    [OwnedKey::Model, OwnedKey::DefaultOpus, OwnedKey::DefaultSonnet, OwnedKey::DefaultHaiku, OwnedKey::SmallFastModel];

fn family_key(family: Family) -> OwnedKey {
    match family {
        Family::Opus => OwnedKey::DefaultOpus,
        Family::Sonnet => OwnedKey::DefaultSonnet,
        Family::Haiku => OwnedKey::DefaultHaiku,
    }
}

/// The background model: the geography's Haiku, else its cheapest model.
fn small_model<'c>(catalog: &'c Catalog, geography: &Geography) -> Option<&'c Model> {
    catalog.family_default(Family::Haiku, geography).or_else(|| {
        catalog
            .models
            .iter()
            .filter(|m| m.profiles.contains_key(&geography.key))
            .min_by(|a, b| a.input_usd_per_mtok.total_cmp(&b.input_usd_per_mtok))
    })
}

/// Keeps the user's region when the geography can be called from it, else
/// the geography's default. An explicit `--region` must qualify.
fn choose_region(
    asked: Option<Region>,
    current: &Selection<'_>,
    profile: Option<&AwsProfile>,
    geography: &Geography,
) -> Result<Region, UseError> {
    if let Some(region) = asked {
        if geography.serves(region.as_str()) {
            return Ok(region);
        }
        return Err(UseError::RegionOutsideGeography {
            region: region.to_string(),
            geography: geography.key.clone(),
            valid: geography.source_regions.iter().map(ToString::to_string).collect(),
        });
    }
    let candidates = [current.region.as_deref(), profile.and_then(|p| p.region.as_deref())];
    Ok(candidates
        .into_iter()
        .flatten()
        .find(|r| geography.serves(r))
        .and_then(|r| Region::new(r).ok())
        .unwrap_or_else(|| geography.default_region.clone()))
}

/// The `awsAuthRefresh` command for a profile.
///
/// A login command (ours or `aws sso login`) follows the new profile, and
/// goes when the profile cannot log in (static keys). A chosen login method
/// decides which of the two it is; with none chosen the user's own stays,
/// and a new one is ours (`PROGRAM login`), so Claude Code's own retry
/// path signs in through the native device-code flow. Ours always names
/// `program` (the absolute path of the installed CLI: Claude Code started
/// from a desktop launcher has a PATH without it).
/// A custom command follows the profile if it names one, else stays.
pub fn auth_refresh_for(
    profile: &AwsProfile,
    current: Option<&str>,
    method: Option<LoginMethod>,
    program: &str,
) -> Option<String> {
    let current = current.filter(|c| !c.trim().is_empty());
    let ours = current.is_some_and(|c| crate::program_path::runs_ours(c, "login"));
    let is_login = current.is_none_or(|c| c.starts_with("aws sso login") || ours);
    if !is_login {
        return current.map(|c| replace_profile_argument(c, &profile.name));
    }
    if !profile.credentials.is_sso() {
        return None;
    }
    Some(match (method, current) {
        (Some(LoginMethod::Native), _) | (None, None) => format!("{program} login --profile {}", profile.name),
        (Some(LoginMethod::Command), _) => format!("aws sso login --profile {}", profile.name),
        (None, Some(_)) if ours => format!("{program} login --profile {}", profile.name),
        (None, Some(c)) => replace_profile_argument(c, &profile.name),
    })
}

/// Whether a profile's credentials come from our keyring
/// (`credential_process = bedrock-tray credential-process --profile` itself).
pub fn is_keyring_backed(profile: &AwsProfile) -> bool {
    match &profile.credentials {
        CredentialSource::Process { command } => {
            crate::aws::keychain::credential_process_profile(command) == Some(profile.name.as_str())
        }
        _ => false,
    }
}

/// What to do with `awsCredentialExport`: `None` leaves it, `Some(None)`
/// removes it, `Some(Some(cmd))` sets it.
///
/// Claude Code runs that command for credentials before its own provider
/// chain, so it is opt-in (`asked` now, or `remembered` from an earlier
/// `use`), and only ever names the selected profile:
/// - asked on: set for the profile, whatever its credentials;
/// - remembered on: set for a keyring-backed profile; ours for another
///   profile is removed (it would hand out that account's credentials);
///   ours for this profile (asked earlier) stays;
/// - off (asked or remembered): ours is removed.
///
/// A command that is not ours is only replaced when asked on.
pub fn credential_export_for(
    profile: Option<&AwsProfile>,
    current: Option<&str>,
    asked: Option<bool>,
    remembered: Option<bool>,
    program: &str,
) -> Option<Option<String>> {
    let current = current.filter(|c| !c.trim().is_empty());
    let ours_for = current.and_then(|c| {
        let named = crate::aws::keychain::credential_process_profile(c)?;
        c.split_whitespace().any(|w| w == "--export").then_some(named)
    });
    let command = |p: &AwsProfile| {
        let name = ProfileName::new(p.name.as_str()).ok()?;
        Some(crate::aws::keychain::credential_process_command(program, &name, true))
    };
    match (asked, asked.or(remembered)) {
        (Some(true), _) => profile.and_then(command).map(Some),
        (None, Some(true)) => match profile {
            Some(p) if is_keyring_backed(p) => command(p).map(Some),
            Some(p) if ours_for == Some(p.name.as_str()) => None,
            _ if ours_for.is_some() => Some(None),
            _ => None,
        },
        _ => ours_for.map(|_| None),
    }
}

/// Rewrites `--profile X` / `--profile=X` in a command to name `profile`.
fn replace_profile_argument(command: &str, profile: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut replace_next = false;
    for word in command.split(' ') {
        if replace_next && !word.is_empty() {
            out.push(profile.to_string());
            replace_next = false;
        } else if word == "--profile" {
            out.push(word.to_string());
            replace_next = true;
        } else if word.starts_with("--profile=") {
            out.push(format!("--profile={profile}"));
        } else {
            out.push(word.to_string());
        }
    }
    out.join(" ")
}

/// Runs a switch against the files under `paths`: the core operation shared
/// by the CLI and the tray.
///
/// # Errors
/// [`UseError`]; the files are unchanged on error.
pub fn run(paths: &Paths, request: &UseRequest) -> Result<Vec<Change>, UseError> {
    let catalog = Catalog::builtin();
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)?;
    let state_path = paths.app_state();
    let mut state = AppState::load(&state_path)?;
    if let Some(method) = request.login_method {
        if state.login_method != Some(method) {
            state.login_method = Some(method);
            state.save(&state_path)?;
        }
    }
    let program = crate::program_path::cli_program();
    let mut remember = None;
    let changes = settings::update(&paths.claude_settings, |doc| {
        let p = plan(doc, request, catalog, &profiles, &state, &program)?;
        remember = p.remember.clone();
        Ok::<_, UseError>(p.patch)
    })?;
    let mut dirty = false;
    if let Some(r) = remember {
        state.remembered_bedrock = r;
        dirty = true;
    }
    // Remembered only once the settings took it, so a refused switch
    // changes nothing on disk.
    if let Some(on) = request.credential_export {
        dirty |= state.credential_export != Some(on);
        state.credential_export = Some(on);
    }
    if dirty {
        state.save(&state_path)?;
    }
    Ok(changes)
}

impl crate::error_kind::HasKind for UseError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(self.is_usage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sso(name: &str) -> AwsProfile {
        AwsProfile {
            name: name.into(),
            region: Some("eu-west-1".into()),
            credentials: CredentialSource::Sso {
                sso_session: "corp".into(),
                start_url: "https://x".into(),
                sso_region: "eu-west-1".into(),
                account_id: None,
                role_name: None,
                registration_scopes: vec![],
            },
        }
    }

    const BT: &str = "/opt/bt/bedrock-tray";

    #[test]
    fn refresh_command_follows_the_profile() {
        let p = sso("new");
        assert_eq!(
            auth_refresh_for(&p, Some("aws sso login --profile old"), None, BT).as_deref(),
            Some("aws sso login --profile new")
        );
        assert_eq!(
            auth_refresh_for(&p, Some("aws sso login --profile old"), Some(LoginMethod::Native), BT).as_deref(),
            Some("/opt/bt/bedrock-tray login --profile new")
        );
        assert_eq!(
            auth_refresh_for(&p, Some("my-login.sh --profile=old --quiet"), Some(LoginMethod::Native), BT).as_deref(),
            Some("my-login.sh --profile=new --quiet")
        );
        assert_eq!(
            auth_refresh_for(&p, Some("custom-refresh"), Some(LoginMethod::Native), BT).as_deref(),
            Some("custom-refresh")
        );
        assert_eq!(
            auth_refresh_for(&p, None, None, BT).as_deref(),
            Some("/opt/bt/bedrock-tray login --profile new"),
            "native by default, by absolute path"
        );
        assert_eq!(
            auth_refresh_for(&p, Some("bedrock-tray login --profile old"), None, BT).as_deref(),
            Some("/opt/bt/bedrock-tray login --profile new"),
            "ours by a bare name gets the absolute path"
        );
        assert_eq!(
            auth_refresh_for(&p, None, Some(LoginMethod::Command), BT).as_deref(),
            Some("aws sso login --profile new")
        );
        let keys = AwsProfile { credentials: CredentialSource::StaticKeys, ..sso("keys") };
        assert_eq!(auth_refresh_for(&keys, Some("aws sso login --profile old"), None, BT), None);
    }

    fn keyring(name: &str) -> AwsProfile {
        AwsProfile {
            name: name.into(),
            region: None,
            credentials: CredentialSource::Process {
                command: format!("/bin/bedrock-tray credential-process --profile {name}"),
            },
        }
    }

    #[test]
    fn credential_export_is_opt_in_and_follows_keyring_profiles_only() {
        let bt = "/bin/bedrock-tray";
        let set = |p: &str| Some(Some(format!("/bin/bedrock-tray credential-process --profile {p} --export")));
        let ours = |p: &str| format!("/bin/bedrock-tray credential-process --profile {p} --export");
        let (kc, kc2, dev) = (keyring("kc"), keyring("kc2"), sso("dev"));
        assert_eq!(credential_export_for(Some(&kc), None, None, None, bt), None, "never asked: never written");
        assert_eq!(credential_export_for(Some(&kc), None, Some(true), None, bt), set("kc"));
        assert_eq!(
            credential_export_for(Some(&kc2), Some(&ours("kc")), None, Some(true), bt),
            set("kc2"),
            "remembered: follows the profile"
        );
        assert_eq!(
            credential_export_for(Some(&dev), Some(&ours("kc")), None, Some(true), bt),
            Some(None),
            "never another account's keys"
        );
        assert_eq!(
            credential_export_for(Some(&dev), None, Some(true), Some(false), bt),
            set("dev"),
            "asked: written for any profile"
        );
        assert_eq!(
            credential_export_for(Some(&dev), Some(&ours("dev")), None, Some(true), bt),
            None,
            "asked before for this profile: kept"
        );
        assert_eq!(credential_export_for(Some(&kc), Some(&ours("kc")), Some(false), Some(true), bt), Some(None));
        assert_eq!(credential_export_for(Some(&kc), Some("my-vault-export"), None, Some(true), bt), set("kc"));
        assert_eq!(
            credential_export_for(Some(&dev), Some("my-vault-export"), None, Some(true), bt),
            None,
            "not ours: left alone"
        );
        assert_eq!(
            credential_export_for(Some(&dev), Some("my-vault-export"), Some(false), None, bt),
            None,
            "not ours: left alone"
        );
        let not_ours_process = AwsProfile {
            credentials: CredentialSource::Process {
                command: "/bin/bedrock-tray credential-process --profile kc".into(),
            },
            ..sso("other")
        };
        assert!(
            !is_keyring_backed(&not_ours_process),
            "a process naming another profile is not this profile's keyring"
        );
    }
}
