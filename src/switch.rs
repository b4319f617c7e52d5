//! The switch operation behind `bedrock-tray use` and the tray's menu:
//! choose provider, model, geography, profile and region, and rewrite only
//! the owned keys of `settings.json`.
//!
//! Data residency is whole: the main model, every alias slot Claude Code
//! reads (`ANTHROPIC_DEFAULT_*`, see [`crate::claude::aliases`]), the
//! small/fast model and the region prefix all move to the chosen
//! geography, and `AWS_REGION` stays a region from which that geography can
//! be called.

use crate::app_state::{AppState, AppStateError, LoginMethod, RememberedBedrock};
use crate::aws::profiles::{AwsProfile, AwsProfiles, CredentialSource, ProfilesError, UnknownProfile};
use crate::catalog::{ApplicationProfile, Catalog, CatalogError, Geography, Model, Resolved};
use crate::claude::aliases;
use crate::claude::layers::{self, Layer, Layers};
use crate::claude::selection::{Provider, Selection};
use crate::claude::settings::{self, Change, OwnedKey, Patch, SettingsDoc, SettingsError};
use crate::names::{InvalidName, ProfileName, Region};
use crate::paths::Paths;
use std::path::{Path, PathBuf};

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
    /// Write into this project folder's `.claude/settings.local.json`
    /// instead of the user's settings (see [`target_file`]).
    pub project: Option<PathBuf>,
    /// With `project`: remove every owned key from that file.
    pub clear_project: bool,
    /// Hand Claude Code its AWS credentials only through
    /// `awsCredentialExport` and leave `env.AWS_PROFILE` out (see
    /// [`scope_credentials`]); remembered.
    pub scoped_credentials: Option<bool>,
    /// Claude Code's effort level (`CLAUDE_CODE_EFFORT_LEVEL`).
    pub effort: Option<Effort>,
    /// The LLM gateway for the gateway provider (checked: https, or http
    /// to this machine); remembered.
    pub gateway_url: Option<String>,
    /// The API-key provider's key, by its name in the keyring (default:
    /// the one chosen before, else `default`).
    pub api_key_name: Option<String>,
    /// The API-key provider: `Some(true)` writes the key into the settings
    /// file (the user's explicit choice: Claude Code reads it from there or
    /// from its shell only), `Some(false)` removes it from there, `None`
    /// keeps what is there.
    pub key_in_settings: Option<bool>,
}

/// Claude Code's effort levels for adaptive-reasoning models, which ignore
/// `MAX_THINKING_TOKENS`. Source: Claude Code 2.1.332, whose settings
/// schema accepts `low, medium, high, xhigh, max` for the effort level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
    Xhigh,
    Max,
    /// Remove the setting: each model's own default.
    Auto,
}

impl Effort {
    /// Parses `low`, `medium`, ... `auto`, as the menu and presets name them.
    pub fn parse(key: &str) -> Option<Effort> {
        <Effort as clap::ValueEnum>::from_str(key.trim(), true).ok()
    }

    /// The value to write, `None` to remove the key.
    pub fn setting(self) -> Option<&'static str> {
        match self {
            Effort::Low => Some("low"),
            Effort::Medium => Some("medium"),
            Effort::High => Some("high"),
            Effort::Xhigh => Some("xhigh"),
            Effort::Max => Some("max"),
            Effort::Auto => None,
        }
    }
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
    #[error("{arn} can only be called from {profile_region}, not {region}: add --region {profile_region}")]
    ApplicationProfileRegion { arn: String, profile_region: String, region: String },
    #[error("{what} must be a positive number")]
    NotPositive { what: &'static str },
    #[error("--credential-export needs an AWS profile: add --profile NAME")]
    ExportWithoutProfile,
    #[error("--scoped-credentials needs an AWS profile: add --profile NAME")]
    ScopedWithoutProfile,
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("--clear removes the project's own selection and takes no other choice")]
    ClearWithChoices,
    #[error("--clear needs --project")]
    ClearWithoutProject,
    #[error("a project cannot switch to the Anthropic API on its own: run `bedrock-tray use --project DIR --clear` to follow your own settings")]
    ProjectToAnthropic,
    #[error("{} takes no AWS profile: Claude Code would sign with the profile's credentials instead; leave out --profile, or use --provider bedrock", provider.key())]
    ProfileWithProvider { provider: Provider },
    #[error("--gateway-url is for --provider gateway, not {}", provider.key())]
    GatewayUrlWithProvider { provider: Provider },
    #[error("no LLM gateway chosen yet: add --gateway-url https://…")]
    NoGatewayUrl,
    #[error(transparent)]
    GatewayUrl(#[from] crate::gateway::InvalidGatewayUrl),
    #[error("--api-key-name, --write-key-to-settings and --key-from-environment are for --provider bedrock-api-key, not {}", provider.key())]
    KeyFlagWithProvider { provider: Provider },
    #[error("no Bedrock API key named {name} in the OS keyring: run `bedrock-tray api-key set --name {name}` first")]
    NoApiKey { name: String },
    #[error("a project cannot switch to {} on its own: choose it for all projects, or run `bedrock-tray use --project DIR --clear`", provider.key())]
    ProjectProvider { provider: Provider },
    #[error(transparent)]
    Keychain(#[from] crate::aws::keychain::KeychainError),
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
                | UseError::ApplicationProfileRegion { .. }
                | UseError::NotPositive { .. }
                | UseError::ExportWithoutProfile
                | UseError::ScopedWithoutProfile
                | UseError::NotAFolder(_)
                | UseError::ClearWithChoices
                | UseError::ClearWithoutProject
                | UseError::ProjectToAnthropic
                | UseError::ProfileWithProvider { .. }
                | UseError::GatewayUrlWithProvider { .. }
                | UseError::NoGatewayUrl
                | UseError::GatewayUrl(_)
                | UseError::KeyFlagWithProvider { .. }
                | UseError::NoApiKey { .. }
                | UseError::ProjectProvider { .. }
        )
    }
}

/// A computed switch: the patch and what to remember in the app state.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub patch: Patch,
    /// `Some(None)` clears the memory; `Some(Some(_))` stores it.
    pub remember: Option<Option<RememberedBedrock>>,
    /// The provider the switch selects.
    pub provider: Option<Provider>,
    /// The AWS profile to restore on the way back to Bedrock, when this
    /// switch leaves it for the API-key or gateway provider.
    pub leaving_profile: Option<String>,
    /// With the API-key provider: whether the key is in the settings after
    /// the switch.
    pub key_in_settings: bool,
    /// With the gateway provider: its URL.
    pub gateway_url: Option<String>,
}

/// Computes the patch for `request` against the current settings.
/// `program` is the CLI named in `awsAuthRefresh` and `awsCredentialExport`
/// ([`crate::program_path::cli_program`]); when it could not be found, a
/// plan that would write a new command naming it is refused with that error.
/// `api_key` is the Bedrock API key from the keyring, needed only when the
/// request writes it into the settings.
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
    api_key: Option<&crate::secret::Secret>,
) -> Result<Plan, UseError> {
    let current = Selection::read(doc, catalog).with_state(state);
    let provider = chosen_provider(request, &current)?;
    let mut request = std::borrow::Cow::Borrowed(request);
    // Back from the API-key or gateway provider: the profile used before.
    if provider == Provider::Bedrock && request.profile.is_none() && current.profile.is_none() {
        if let Some(p) = state.bedrock_profile.as_ref().filter(|p| profiles.get(p).is_some()) {
            request.to_mut().profile = Some(p.clone());
        }
    }
    let mut plan = plan_unordered(doc, &request, provider, &current, catalog, profiles, state, program)?;
    plan_access(doc, &request, provider, &current, state, api_key, &mut plan)?;
    if provider.uses_aws_profile() {
        let program = program.as_deref().unwrap_or(crate::program_path::CLI_FILE);
        scope_credentials(&mut plan, doc, &request, state, program)?;
    }
    plan.provider = Some(provider);
    // New keys land in a fixed, readable order (stable: repeats keep theirs).
    plan.patch.sort_by_key(|(key, _)| *key);
    Ok(plan)
}

/// The provider a request selects: the one asked for; else a gateway URL
/// means the gateway, a profile means Bedrock with AWS credentials, a
/// model choice means Bedrock (unless already on a Bedrock provider); else
/// the current one. Flags that belong to another provider are refused.
fn chosen_provider(request: &UseRequest, current: &Selection<'_>) -> Result<Provider, UseError> {
    let touches_model = request.model.is_some() || request.geography.is_some() || request.region.is_some();
    let provider = match request.provider {
        Some(p) => p,
        None if request.gateway_url.is_some() => Provider::Gateway,
        None if request.key_in_settings.is_some() || request.api_key_name.is_some() => Provider::BedrockApiKey,
        None if request.profile.is_some() && !current.provider.uses_aws_profile() => Provider::Bedrock,
        None if touches_model && !current.provider.is_bedrock() => Provider::Bedrock,
        None => current.provider,
    };
    if request.gateway_url.is_some() && provider != Provider::Gateway {
        return Err(UseError::GatewayUrlWithProvider { provider });
    }
    if (request.key_in_settings.is_some() || request.api_key_name.is_some()) && provider != Provider::BedrockApiKey {
        return Err(UseError::KeyFlagWithProvider { provider });
    }
    if request.profile.is_some() && provider.is_bedrock() && !provider.uses_aws_profile() {
        return Err(UseError::ProfileWithProvider { provider });
    }
    Ok(provider)
}

/// The keys that say how Claude Code gets into Bedrock: the API key, the
/// gateway, or neither. Under the API-key and gateway providers, Claude
/// Code must not look for AWS credentials: `AWS_PROFILE` goes, and so do
/// our `awsAuthRefresh` and `awsCredentialExport` (a command of the user's
/// own stays); the profile is remembered for the way back.
fn plan_access(
    doc: &SettingsDoc,
    request: &UseRequest,
    provider: Provider,
    current: &Selection<'_>,
    state: &AppState,
    api_key: Option<&crate::secret::Secret>,
    plan: &mut Plan,
) -> Result<(), UseError> {
    let was_gateway = current.provider == Provider::Gateway;
    match provider {
        Provider::Gateway => {
            let url = match &request.gateway_url {
                Some(u) => crate::gateway::GatewayUrl::new(u)?,
                None => {
                    let known = doc.get(OwnedKey::BedrockBaseUrl).filter(|_| was_gateway).or(state.gateway_url.clone());
                    crate::gateway::GatewayUrl::new(&known.ok_or(UseError::NoGatewayUrl)?)?
                }
            };
            plan.patch.push((OwnedKey::BedrockBaseUrl, Some(url.to_string())));
            plan.gateway_url = Some(url.to_string());
            plan.patch.push((OwnedKey::SkipBedrockAuth, Some("1".into())));
            plan.patch.push((OwnedKey::BearerToken, None));
        }
        _ => {
            if was_gateway {
                plan.patch.push((OwnedKey::BedrockBaseUrl, None));
                plan.patch.push((OwnedKey::SkipBedrockAuth, None));
            }
            let had_key = doc.get(OwnedKey::BearerToken).is_some();
            match (provider, request.key_in_settings) {
                (Provider::BedrockApiKey, Some(true)) => {
                    let key = api_key.ok_or_else(|| UseError::NoApiKey { name: api_key_name(request, state) })?;
                    plan.patch.push((OwnedKey::BearerToken, Some(key.expose().to_string())));
                    plan.key_in_settings = true;
                }
                // Kept while the provider stays; asked off or any other
                // switch removes it.
                (Provider::BedrockApiKey, None) if current.provider == Provider::BedrockApiKey && had_key => {
                    plan.key_in_settings = true;
                }
                _ => plan.patch.push((OwnedKey::BearerToken, None)),
            }
        }
    }
    if provider.is_bedrock() && !provider.uses_aws_profile() {
        if current.provider.uses_aws_profile() {
            plan.leaving_profile.clone_from(&current.profile);
        }
        plan.patch
            .retain(|(k, _)| !matches!(k, OwnedKey::AwsProfile | OwnedKey::AuthRefresh | OwnedKey::CredentialExport));
        plan.patch.push((OwnedKey::AwsProfile, None));
        if doc.get(OwnedKey::AuthRefresh).is_some_and(|c| is_login_command(&c)) {
            plan.patch.push((OwnedKey::AuthRefresh, None));
        }
        let ours = |c: &String| crate::aws::keychain::credential_process_profile(c).is_some();
        if doc.get(OwnedKey::CredentialExport).is_some_and(|c| ours(&c)) {
            plan.patch.push((OwnedKey::CredentialExport, None));
        }
    }
    Ok(())
}

/// A login command of ours or `aws sso login`: what `use` wrote.
fn is_login_command(command: &str) -> bool {
    command.trim_start().starts_with("aws sso login") || crate::program_path::runs_ours(command, "login")
}

/// The name of the API key a request means: asked for, chosen before, or
/// `default`.
pub fn api_key_name(request: &UseRequest, state: &AppState) -> String {
    request
        .api_key_name
        .clone()
        .or_else(|| state.api_key_choice.as_ref().map(|c| c.name.clone()))
        .unwrap_or_else(|| crate::aws::api_key::DEFAULT_NAME.to_string())
}

#[allow(clippy::too_many_arguments)]
fn plan_unordered(
    doc: &SettingsDoc,
    request: &UseRequest,
    provider: Provider,
    current: &Selection<'_>,
    catalog: &Catalog,
    profiles: &AwsProfiles,
    state: &AppState,
    program: &Result<String, crate::program_path::ProgramPathError>,
) -> Result<Plan, UseError> {
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
        plan_anthropic(doc, current, &mut plan);
        return Ok(plan);
    }
    plan.patch.push((OwnedKey::UseBedrock, Some("1".into())));
    if current.provider == Provider::Anthropic && state.remembered_bedrock.is_some() {
        plan.remember = Some(None);
    }
    let profile = profile.filter(|_| provider.uses_aws_profile());
    plan_bedrock_models(doc, request, catalog, state, current, profile.as_ref(), &mut plan)?;
    Ok(plan)
}

/// Every model key goes, remembered for the way back to Bedrock; so does
/// any other provider's switch in the file (`CLAUDE_CODE_USE_VERTEX`...),
/// which Claude Code would use instead of the Anthropic API. (Under a
/// Bedrock provider they stay: `CLAUDE_CODE_USE_BEDROCK` wins over them.)
fn plan_anthropic(doc: &SettingsDoc, current: &Selection<'_>, plan: &mut Plan) {
    for key in OwnedKey::RIVAL_PROVIDERS {
        if doc.get(key).is_some() {
            plan.patch.push((key, None));
        }
    }
    if current.provider.is_bedrock() || current.model_id.is_some() {
        plan.remember = Some(Some(RememberedBedrock {
            model_id: current.model_id.clone(),
            small_model_id: current.small_model_id.clone(),
        }));
    }
    plan.patch.push((OwnedKey::UseBedrock, None));
    for key in MODEL_KEYS {
        plan.patch.push((key, None));
    }
}

/// The model keys for Bedrock: the main model and every alias slot Claude
/// Code reads pinned inside one geography, its prefix, the background
/// model, the region they are called from, and the effort level.
fn plan_bedrock_models(
    doc: &SettingsDoc,
    request: &UseRequest,
    catalog: &Catalog,
    state: &AppState,
    current: &Selection<'_>,
    profile: Option<&AwsProfile>,
    plan: &mut Plan,
) -> Result<(), UseError> {
    if let Some(effort) = request.effort {
        plan.patch.push((OwnedKey::EffortLevel, effort.setting().map(str::to_string)));
    }
    // The model in force: asked for, in the settings, or remembered from
    // before a switch to the Anthropic API.
    let remembered_id = state.remembered_bedrock.as_ref().and_then(|r| r.model_id.clone());
    let current_id = current.model_id.clone().or(remembered_id);
    let current_app = current_id.as_deref().and_then(|id| catalog.application_profiles.iter().find(|a| a.arn == id));
    let (current_model, current_geo) = match current_id.as_deref().and_then(|id| catalog.locate(id)) {
        Some((m, g)) => (Some(m), Some(g)),
        None => (
            current_app.and_then(|a| a.model.as_deref()).and_then(|k| catalog.model(k).ok()).map(|(m, _)| m),
            current_id
                .as_deref()
                .and_then(|id| catalog.geography_of_id(id))
                .or_else(|| current_app.and_then(|a| application_geography(catalog, a))),
        ),
    };
    let asked_geo = request.geography.as_deref().map(|g| catalog.geography(g)).transpose()?;
    let asked_region = request.region.as_deref().map(|r| Region::new(r.trim())).transpose()?;
    let region_hint = asked_region
        .as_ref()
        .map(Region::as_str)
        .or(current.region.as_deref())
        .or(profile.and_then(|p| p.region.as_deref()));
    let hinted_geo = || {
        current_geo
            .or_else(|| region_hint.and_then(|r| catalog.geography_for_region(r)))
            .map_or_else(|| catalog.geography(catalog.geographies.first().map_or("us", |g| g.key.as_str())), Ok)
    };

    let asked = match &request.model {
        Some(name) => Some(catalog.resolve(name, Some(asked_geo.map_or_else(hinted_geo, Ok)?))?),
        None => None,
    };
    if let Some(Resolved::Application(app)) = asked {
        return plan_application(doc, catalog, app, asked_region, current, profile, plan);
    }
    let (asked_model, asked_model_geo) = match asked {
        Some(Resolved::Model { model, geography }) => (Some(model), geography),
        _ => (None, None),
    };

    // A model ID nothing can read (typed by hand) is left alone unless the
    // user asks for a model or geography.
    if asked_model.is_none() && asked_geo.is_none() && current_model.is_none() && current_id.is_some() {
        if let Some(region) = asked_region {
            plan.patch.push((OwnedKey::AwsRegion, Some(region.to_string())));
        }
        return Ok(());
    }

    let geography = match asked_geo.or(asked_model_geo) {
        Some(g) => g,
        None => hinted_geo()?,
    };
    let model = match (asked_model, current_model) {
        (Some(m), _) => m,
        // Moving the current model to another geography: where that exact
        // version is not offered, the newest of its family is.
        (None, Some(m)) if !m.profiles.contains_key(&geography.key) => {
            catalog.family_default(&m.family, geography).unwrap_or(m)
        }
        (None, Some(m)) => m,
        (None, None) => match catalog.resolve("sonnet", Some(geography))? {
            Resolved::Model { model, .. } => model,
            Resolved::Application(_) => unreachable!("a family name never resolves to an application profile"),
        },
    };
    let model_id = catalog.profile_id(model, geography)?;
    let region = choose_region(asked_region, current, profile, geography)?;
    plan.patch.push((OwnedKey::Model, Some(model_id.to_string())));
    push_residency(doc, catalog, geography, Some(model), &region, plan);
    Ok(())
}

/// An application inference profile: called by its ARN from its own
/// region only; its routing is its residency, and the alias slots are
/// pinned to the geography it routes within.
fn plan_application(
    doc: &SettingsDoc,
    catalog: &Catalog,
    app: &ApplicationProfile,
    asked_region: Option<Region>,
    current: &Selection<'_>,
    profile: Option<&AwsProfile>,
    plan: &mut Plan,
) -> Result<(), UseError> {
    let region = asked_region
        .or_else(|| current.region.as_deref().and_then(|r| Region::new(r).ok()))
        .or_else(|| profile.and_then(|p| p.region.as_deref()).and_then(|r| Region::new(r).ok()));
    if region.as_ref().is_some_and(|r| r.as_str() != app.region) {
        return Err(UseError::ApplicationProfileRegion {
            arn: app.arn.clone(),
            profile_region: app.region.clone(),
            region: region.map(|r| r.to_string()).unwrap_or_default(),
        });
    }
    let region = Region::new(&app.region)?;
    let Some(geography) = application_geography(catalog, app) else {
        return Err(UseError::ApplicationProfileRegion {
            arn: app.arn.clone(),
            profile_region: app.region.clone(),
            region: region.to_string(),
        });
    };
    let model = app.model.as_deref().and_then(|k| catalog.model(k).ok()).map(|(m, _)| m);
    plan.patch.push((OwnedKey::Model, Some(app.arn.clone())));
    push_residency(doc, catalog, geography, model, &region, plan);
    Ok(())
}

/// The geography an application profile routes within: the one regional
/// geography that serves every region it routes to, else its own region's.
fn application_geography<'c>(catalog: &'c Catalog, app: &ApplicationProfile) -> Option<&'c Geography> {
    let mut geos = app.routes_to.iter().map(|r| catalog.geography_for_region(r).map(|g| g.key.as_str()));
    let first = geos.next().flatten();
    let all_same = first.is_some() && geos.all(|g| g == first);
    match first {
        Some(key) if all_same => catalog.geography(key).ok(),
        _ => catalog.geography_for_region(&app.region),
    }
}

/// Pins every alias slot, the background model, the region prefix and the
/// background model's region inside `geography` (see [`aliases`]).
fn push_residency(
    doc: &SettingsDoc,
    catalog: &Catalog,
    geography: &Geography,
    main: Option<&Model>,
    region: &Region,
    plan: &mut Plan,
) {
    plan.patch.push((OwnedKey::AwsRegion, Some(region.to_string())));
    let pins = aliases::pins(catalog, geography, main);
    for pin in &pins {
        plan.patch.push((pin.key, Some(pin.profile_id.clone())));
    }
    let small = aliases::small_fast(catalog, geography).or(main).and_then(|m| m.profile_id(&geography.key));
    plan.patch.push((OwnedKey::SmallFastModel, small.map(str::to_string)));
    plan.patch.push((OwnedKey::SmallFastModelRegion, Some(region.to_string())));
    plan.patch.push((OwnedKey::RegionPrefix, aliases::region_prefix(geography).map(str::to_string)));
    // A subagent model the user pinned by ID follows the geography too.
    if let Some(subagent) = doc.get(OwnedKey::SubagentModel) {
        if let Some(moved) = aliases::rehome(catalog, &subagent, geography) {
            plan.patch.push((OwnedKey::SubagentModel, Some(moved)));
        }
    }
}

/// Every key that names a model or where it is called; all go when the
/// provider is the Anthropic API.
const MODEL_KEYS: [OwnedKey; 9] = [
    OwnedKey::Model,
    OwnedKey::DefaultOpus,
    OwnedKey::DefaultSonnet,
    OwnedKey::DefaultHaiku,
    OwnedKey::DefaultFable,
    OwnedKey::SmallFastModel,
    OwnedKey::SmallFastModelRegion,
    OwnedKey::RegionPrefix,
    OwnedKey::EffortLevel,
];

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
/// path signs in through the native login. Ours always names `program`
/// (the absolute path of the installed CLI: Claude Code started from a
/// desktop launcher has a PATH without it).
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

/// Scoped credentials: Claude Code gets the profile's credentials from
/// `awsCredentialExport` (`bedrock-tray credential-process --profile P
/// --export`, which serves SSO role credentials too), and `env.AWS_PROFILE`
/// is not written, so the shells and MCP servers Claude Code starts do not
/// inherit the profile. Claude Code runs that command for its own AWS
/// calls only (<https://code.claude.com/docs/en/amazon-bedrock>, "Advanced
/// credential configuration"); the real Claude Code's Bash tool is checked
/// to see no `AWS_PROFILE` in tests/claude_code.rs.
///
/// Turned off (asked now), `env.AWS_PROFILE` comes back and our export
/// goes unless `--credential-export` was chosen.
fn scope_credentials(
    plan: &mut Plan,
    doc: &SettingsDoc,
    request: &UseRequest,
    state: &AppState,
    program: &str,
) -> Result<(), UseError> {
    let Some(on) = request.scoped_credentials.or(state.scoped_credentials) else { return Ok(()) };
    let profile = match &request.profile {
        Some(p) => Some(p.trim().to_string()),
        None => crate::claude::selection::profile_of(doc),
    };
    let set = |plan: &mut Plan, key: OwnedKey, value: Option<String>| {
        plan.patch.retain(|(k, _)| *k != key);
        plan.patch.push((key, value));
    };
    if on {
        let Some(name) = profile else {
            return match request.scoped_credentials {
                Some(true) => Err(UseError::ScopedWithoutProfile),
                _ => Ok(()),
            };
        };
        let name = ProfileName::new(&name)?;
        set(plan, OwnedKey::AwsProfile, None);
        set(
            plan,
            OwnedKey::CredentialExport,
            Some(crate::aws::keychain::credential_process_command(program, &name, true)),
        );
    } else if request.scoped_credentials == Some(false) {
        if let Some(name) = profile {
            set(plan, OwnedKey::AwsProfile, Some(name));
            let export_chosen = request.credential_export.or(state.credential_export) == Some(true);
            let ours = doc.get(OwnedKey::CredentialExport).is_some_and(|c| {
                crate::aws::keychain::credential_process_profile(&c).is_some() && c.contains("--export")
            });
            if ours && !export_chosen {
                set(plan, OwnedKey::CredentialExport, None);
            }
        }
    }
    Ok(())
}

/// The settings file a switch writes: the project's
/// `.claude/settings.local.json` with `project`, else the user's.
pub fn target_file(paths: &Paths, request: &UseRequest) -> PathBuf {
    match &request.project {
        Some(dir) => layers::project_local_file(dir),
        None => paths.claude_settings.clone(),
    }
}

/// `use --project DIR`: the same plan, made against what Claude Code
/// started in DIR sees (its local file over its shared file and the
/// user's), written into DIR's `.claude/settings.local.json` only, and only
/// the keys whose value differs from what the project inherits (so a later
/// change of the user's profile still reaches it). `clear_project` removes
/// every owned key from that file. Other keys of the file are kept.
fn run_project(paths: &Paths, dir: &Path, request: &UseRequest) -> Result<Vec<Change>, UseError> {
    if !dir.is_dir() {
        return Err(UseError::NotAFolder(dir.to_path_buf()));
    }
    let file = layers::project_local_file(dir);
    if request.clear_project {
        let clear: Patch = OwnedKey::ALL.iter().map(|k| (*k, None)).collect();
        return settings::update(&file, |_| Ok::<_, UseError>(clear.clone()));
    }
    if request.provider == Some(Provider::Anthropic) {
        return Err(UseError::ProjectToAnthropic);
    }
    if let Some(provider) = request.provider.filter(|p| !p.uses_aws_profile()) {
        return Err(UseError::ProjectProvider { provider });
    }
    if request.gateway_url.is_some() {
        return Err(UseError::ProjectProvider { provider: Provider::Gateway });
    }
    if request.key_in_settings.is_some() || request.api_key_name.is_some() {
        return Err(UseError::ProjectProvider { provider: Provider::BedrockApiKey });
    }
    let catalog = &Catalog::load(paths);
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)?;
    let state = AppState::load(&paths.app_state())?;
    let program = crate::program_path::cli_program();
    let inherited = Layers::read(paths, Some(dir))?.merged_from(|l| matches!(l, Layer::Project | Layer::User));
    settings::update(&file, |doc| {
        let combined = layers::overlay(doc, &inherited);
        let p = plan(&combined, request, catalog, &profiles, &state, &program, None)?;
        Ok::<_, UseError>(
            p.patch.into_iter().filter(|(k, v)| doc.get(*k).is_some() || *v != inherited.get(*k)).collect(),
        )
    })
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
    if request.clear_project {
        let chose = request.model.is_some()
            || request.geography.is_some()
            || request.profile.is_some()
            || request.region.is_some()
            || request.provider.is_some()
            || request.scoped_credentials.is_some()
            || request.credential_export.is_some()
            || request.gateway_url.is_some()
            || request.key_in_settings.is_some()
            || request.api_key_name.is_some();
        if chose {
            return Err(UseError::ClearWithChoices);
        }
        if request.project.is_none() {
            return Err(UseError::ClearWithoutProject);
        }
    }
    if let Some(dir) = &request.project {
        return run_project(paths, dir, request);
    }
    let catalog = &Catalog::load(paths);
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)?;
    let state_path = paths.app_state();
    let mut state = AppState::load(&state_path)?;
    if let Some(method) = request.login_method {
        if state.login_method != Some(method) {
            state = AppState::update(&state_path, |s| s.login_method = Some(method))?;
        }
    }
    let program = crate::program_path::cli_program();
    // The keyring is asked only when the key is to be written, or the
    // API-key provider chosen (it must have a key to take).
    let key_name = api_key_name(request, &state);
    let asks_key = request.provider == Some(Provider::BedrockApiKey) || request.api_key_name.is_some();
    let api_key = if request.key_in_settings == Some(true) || asks_key {
        let name = crate::names::ApiKeyName::new(key_name.as_str())?;
        let key = crate::aws::api_key::get(&crate::aws::keychain::OsKeyring, &name)?;
        Some(key.ok_or_else(|| UseError::NoApiKey { name: key_name.clone() })?)
    } else {
        None
    };
    let mut done = Plan::default();
    let changes = settings::update(&paths.claude_settings, |doc| {
        let mut p = plan(doc, request, catalog, &profiles, &state, &program, api_key.as_ref())?;
        let patch = std::mem::take(&mut p.patch);
        done = p;
        Ok::<_, UseError>(patch)
    })?;
    // Remembered only once the settings took it, so a refused switch
    // changes nothing on disk.
    let provider = done.provider;
    let choice = match provider {
        Some(Provider::BedrockApiKey) => {
            Some(crate::app_state::ApiKeyChoice { name: key_name, in_settings: done.key_in_settings })
        }
        _ => None,
    };
    let gateway = done.gateway_url.clone().or(state.gateway_url.clone());
    let remember = done.remember;
    let state_changes = remember.is_some()
        || request.credential_export.is_some()
        || request.scoped_credentials.is_some()
        || done.leaving_profile.is_some()
        || state.api_key_choice != choice
        || state.gateway_url != gateway;
    if state_changes {
        AppState::update(&state_path, |s| {
            if let Some(r) = &remember {
                s.remembered_bedrock.clone_from(r);
            }
            if let Some(on) = request.credential_export {
                s.credential_export = Some(on);
            }
            if let Some(on) = request.scoped_credentials {
                s.scoped_credentials = Some(on);
            }
            if let Some(p) = &done.leaving_profile {
                s.bedrock_profile = Some(p.clone());
            }
            s.api_key_choice.clone_from(&choice);
            s.gateway_url.clone_from(&gateway);
        })?;
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

#[cfg(test)]
mod residency_tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    const CONFIG: &str = "[profile dev]\nregion = eu-central-1\naws_access_key_id = AKIDEXAMPLE\n";

    /// Plans `request` against `settings` (JSON), as `use` would.
    fn plan_for(
        settings: &str,
        request: &UseRequest,
        catalog: &Catalog,
    ) -> Result<BTreeMap<String, Option<String>>, UseError> {
        plan_in(settings, request, catalog, &AppState::default(), None)
    }

    /// Plans with the given catalog, remembered state and keyring key.
    fn plan_in(
        settings: &str,
        request: &UseRequest,
        catalog: &Catalog,
        state: &AppState,
        key: Option<&str>,
    ) -> Result<BTreeMap<String, Option<String>>, UseError> {
        let doc = SettingsDoc {
            path: "settings.json".into(),
            original: Some(settings.as_bytes().to_vec()),
            root: serde_json::from_str(settings).unwrap(),
        };
        let profiles = AwsProfiles::parse(Some(CONFIG), None, Path::new("config"), Path::new("credentials")).unwrap();
        let key = key.map(crate::secret::Secret::new);
        let program = Ok("/usr/bin/bedrock-tray".into());
        let plan = plan(&doc, request, catalog, &profiles, state, &program, key.as_ref())?;
        Ok(plan.patch.into_iter().map(|(k, v)| (k.name().to_string(), v)).collect())
    }

    fn ask(model: Option<&str>, geo: Option<&str>) -> UseRequest {
        UseRequest {
            model: model.map(str::to_string),
            geography: geo.map(str::to_string),
            profile: Some("dev".into()),
            ..UseRequest::default()
        }
    }

    fn value<'a>(patch: &'a BTreeMap<String, Option<String>>, key: &str) -> Option<&'a str> {
        patch.get(key).and_then(|v| v.as_deref())
    }

    #[test]
    fn every_alias_slot_and_the_prefix_land_in_the_geography() {
        let catalog = Catalog::builtin();
        for geo in ["eu", "us", "jp", "au", "global"] {
            let patch = plan_for("{}", &ask(Some("sonnet"), Some(geo)), catalog).unwrap();
            for (alias, key) in aliases::ALIAS_SLOTS {
                let id = value(&patch, key.name()).unwrap_or_else(|| panic!("{geo}: {alias} not pinned: {patch:?}"));
                assert!(id.starts_with(&format!("{geo}.")), "{geo}: {alias} -> {id}");
            }
            for key in ["ANTHROPIC_MODEL", "ANTHROPIC_SMALL_FAST_MODEL"] {
                assert!(value(&patch, key).unwrap().starts_with(&format!("{geo}.")), "{geo}: {key}");
            }
            assert_eq!(value(&patch, "ANTHROPIC_BEDROCK_REGION_PREFIX"), Some(geo), "fails closed for unknown aliases");
            assert_eq!(value(&patch, "ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION"), value(&patch, "AWS_REGION"));
        }
    }

    #[test]
    fn a_family_means_its_newest_in_the_geography_and_a_missing_one_gets_the_nearest() {
        let catalog = Catalog::builtin();
        let patch = plan_for("{}", &ask(Some("opus"), Some("eu")), catalog).unwrap();
        let newest_eu_opus = catalog.family_default("opus", catalog.geography("eu").unwrap()).unwrap();
        assert_eq!(value(&patch, "ANTHROPIC_MODEL"), newest_eu_opus.profile_id("eu"));
        // Japan has no Fable: the slot holds the Japanese model nearest in class, never Claude Code's apac. default.
        let patch = plan_for("{}", &ask(Some("sonnet"), Some("jp")), catalog).unwrap();
        let fable = value(&patch, "ANTHROPIC_DEFAULT_FABLE_MODEL").unwrap();
        assert!(fable.starts_with("jp.anthropic.claude-opus-"), "the priciest class Japan offers: {fable}");
        // An exact version and an exact profile ID are taken as they are.
        let patch = plan_for("{}", &ask(Some("opus-4-6"), Some("eu")), catalog).unwrap();
        assert_eq!(value(&patch, "ANTHROPIC_MODEL"), Some("eu.anthropic.claude-opus-4-6-v1"));
        assert_eq!(
            value(&patch, "ANTHROPIC_DEFAULT_OPUS_MODEL"),
            Some("eu.anthropic.claude-opus-4-6-v1"),
            "its own slot too"
        );
        let patch = plan_for("{}", &ask(Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), None), catalog).unwrap();
        assert_eq!(value(&patch, "ANTHROPIC_BEDROCK_REGION_PREFIX"), Some("us"), "the ID names its geography");
        let err = plan_for("{}", &ask(Some("gpt-5"), Some("eu")), catalog).unwrap_err();
        assert!(err.is_usage() && err.to_string().contains("opus-4-6"), "{err}");
    }

    #[test]
    fn moving_geography_keeps_the_family_and_rehomes_a_pinned_subagent_model() {
        let catalog = Catalog::builtin();
        let eu = r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev", "AWS_REGION": "eu-central-1",
            "ANTHROPIC_MODEL": "eu.anthropic.claude-sonnet-5-5", "CLAUDE_CODE_SUBAGENT_MODEL": "eu.anthropic.claude-opus-4-6-v1"}}"#;
        let patch = plan_for(eu, &ask(None, Some("jp")), catalog).unwrap();
        let main = value(&patch, "ANTHROPIC_MODEL").unwrap();
        assert!(
            main.starts_with("jp.anthropic.claude-sonnet-"),
            "Sonnet 5.5 has no jp profile: the newest jp Sonnet: {main}"
        );
        assert_eq!(value(&patch, "CLAUDE_CODE_SUBAGENT_MODEL"), Some("jp.anthropic.claude-opus-4-6-v1"));
        let alias = eu.replace("eu.anthropic.claude-opus-4-6-v1", "opus");
        let patch = plan_for(&alias, &ask(None, Some("jp")), catalog).unwrap();
        assert!(!patch.contains_key("CLAUDE_CODE_SUBAGENT_MODEL"), "an alias resolves through the pinned slots");
    }

    /// Plans against `state`, with the keyring's `key`.
    fn plan_with(
        settings: &str,
        request: &UseRequest,
        state: &AppState,
        key: Option<&str>,
    ) -> Result<BTreeMap<String, Option<String>>, UseError> {
        plan_in(settings, request, Catalog::builtin(), state, key)
    }

    const ON_DEV: &str = r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev", "AWS_REGION": "eu-central-1",
        "ANTHROPIC_MODEL": "eu.anthropic.claude-sonnet-5-5"}, "awsAuthRefresh": "aws sso login --profile dev",
        "awsCredentialExport": "/usr/bin/bedrock-tray credential-process --profile dev --export"}"#;

    #[test]
    fn the_api_key_provider_drops_aws_credentials_and_writes_the_key_only_when_asked() {
        let state = AppState::default();
        let asked = UseRequest { provider: Some(Provider::BedrockApiKey), ..UseRequest::default() };
        let patch = plan_with(ON_DEV, &asked, &state, Some("ABSK-key")).unwrap();
        for gone in ["AWS_PROFILE", "awsAuthRefresh", "awsCredentialExport", "AWS_BEARER_TOKEN_BEDROCK"] {
            assert_eq!(patch.get(gone), Some(&None), "{gone}: {patch:?}");
        }
        assert!(value(&patch, "ANTHROPIC_MODEL").unwrap().starts_with("eu."), "the geography stays");
        let write = UseRequest { key_in_settings: Some(true), ..asked.clone() };
        let patch = plan_with(ON_DEV, &write, &state, Some("ABSK-key")).unwrap();
        assert_eq!(value(&patch, "AWS_BEARER_TOKEN_BEDROCK"), Some("ABSK-key"));
        let with_key = ON_DEV.replace("\"AWS_PROFILE\": \"dev\"", "\"AWS_BEARER_TOKEN_BEDROCK\": \"ABSK-key\"");
        let patch =
            plan_with(&with_key, &UseRequest { geography: Some("us".into()), ..UseRequest::default() }, &state, None)
                .unwrap();
        assert!(!patch.contains_key("AWS_BEARER_TOKEN_BEDROCK"), "kept while the provider stays: {patch:?}");
        assert!(value(&patch, "ANTHROPIC_MODEL").unwrap().starts_with("us."));
        let back = UseRequest { provider: Some(Provider::Bedrock), ..UseRequest::default() };
        let patch = plan_with(&with_key, &back, &state, None).unwrap();
        assert_eq!(patch.get("AWS_BEARER_TOKEN_BEDROCK"), Some(&None), "any other provider removes it");
        let err = plan_with(ON_DEV, &UseRequest { profile: Some("dev".into()), ..asked }, &state, None).unwrap_err();
        assert!(matches!(err, UseError::ProfileWithProvider { .. }) && err.is_usage(), "{err}");
    }

    #[test]
    fn the_gateway_provider_needs_a_url_and_leaves_with_its_keys() {
        let state = AppState::default();
        let err =
            plan_with(ON_DEV, &UseRequest { provider: Some(Provider::Gateway), ..UseRequest::default() }, &state, None)
                .unwrap_err();
        assert!(matches!(err, UseError::NoGatewayUrl), "{err}");
        let url = UseRequest { gateway_url: Some("https://gw.example.com/bedrock/".into()), ..UseRequest::default() };
        let patch = plan_with(ON_DEV, &url, &state, None).unwrap();
        assert_eq!(value(&patch, "ANTHROPIC_BEDROCK_BASE_URL"), Some("https://gw.example.com/bedrock"));
        assert_eq!(value(&patch, "CLAUDE_CODE_SKIP_BEDROCK_AUTH"), Some("1"));
        assert_eq!(patch.get("AWS_PROFILE"), Some(&None));
        let err = plan_with(ON_DEV, &UseRequest { provider: Some(Provider::Bedrock), ..url.clone() }, &state, None)
            .unwrap_err();
        assert!(matches!(err, UseError::GatewayUrlWithProvider { .. }), "{err}");
        let on_gateway = r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "eu-central-1",
            "ANTHROPIC_MODEL": "eu.anthropic.claude-sonnet-5-5", "ANTHROPIC_BEDROCK_BASE_URL": "https://gw.example.com/bedrock",
            "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1"}}"#;
        let remembered = AppState { bedrock_profile: Some("dev".into()), ..AppState::default() };
        let back = UseRequest { provider: Some(Provider::Bedrock), ..UseRequest::default() };
        let patch = plan_with(on_gateway, &back, &remembered, None).unwrap();
        assert_eq!(patch.get("ANTHROPIC_BEDROCK_BASE_URL"), Some(&None));
        assert_eq!(patch.get("CLAUDE_CODE_SKIP_BEDROCK_AUTH"), Some(&None));
        assert_eq!(value(&patch, "AWS_PROFILE"), Some("dev"), "the profile used before comes back");
    }

    #[test]
    fn effort_is_written_and_auto_removes_it() {
        let catalog = Catalog::builtin();
        let req = UseRequest { effort: Some(Effort::Xhigh), ..ask(None, Some("eu")) };
        assert_eq!(value(&plan_for("{}", &req, catalog).unwrap(), "CLAUDE_CODE_EFFORT_LEVEL"), Some("xhigh"));
        let req = UseRequest { effort: Some(Effort::Auto), ..ask(None, Some("eu")) };
        assert_eq!(plan_for("{}", &req, catalog).unwrap().get("CLAUDE_CODE_EFFORT_LEVEL"), Some(&None));
        assert_eq!(Effort::parse("MAX"), Some(Effort::Max));
        assert_eq!(Effort::parse("ultra"), None);
    }

    #[test]
    fn an_application_profile_is_called_from_its_own_region_only() {
        use crate::catalog::account::{AccountListing, ListedProfile, ProfileKind};
        let arn = "arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/team-a";
        let app = ListedProfile::from_summary(
            "team-a",
            arn,
            "team-a",
            ProfileKind::Application,
            "ACTIVE",
            &[
                "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-opus-4-6-v1",
                "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-4-6-v1",
            ],
        );
        let catalog = Catalog::builtin().merged(&[AccountListing::new(
            "eu-central-1",
            time::OffsetDateTime::now_utc(),
            vec![app],
        )]);
        let patch = plan_for("{}", &ask(Some(arn), None), &catalog).unwrap();
        assert_eq!(value(&patch, "ANTHROPIC_MODEL"), Some(arn));
        assert_eq!(value(&patch, "AWS_REGION"), Some("eu-central-1"));
        assert_eq!(value(&patch, "ANTHROPIC_BEDROCK_REGION_PREFIX"), Some("eu"), "it routes within the EU");
        let req = UseRequest { region: Some("us-east-1".into()), ..ask(Some(arn), None) };
        let err = plan_for("{}", &req, &catalog).unwrap_err();
        assert!(matches!(err, UseError::ApplicationProfileRegion { .. }) && err.is_usage(), "{err}");
    }
}
