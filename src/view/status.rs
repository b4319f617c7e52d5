//! `bedrock-tray status`: the selection and the session of the selected
//! profile, as one serialisable value.

use crate::aws::profiles::AwsProfiles;
use crate::catalog::Catalog;
use crate::claude::aliases::ALIAS_SLOTS;
use crate::claude::layers::{self, Layer, Layers, Source};
use crate::claude::selection::{Provider, Selection};
use crate::claude::settings::{OwnedKey, SettingsDoc};
use crate::paths::Paths;
use crate::problem::Problem;
use crate::sso::cache::SessionStatus;
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// One alias slot as the settings have it.
#[derive(Debug, Clone, Serialize)]
pub struct AliasStatus {
    pub alias: &'static str,
    pub model_id: Option<String>,
    /// Pinned inside the selected geography.
    pub inside: bool,
}

/// The API-key provider's key, as status shows it: never the key itself.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyStatus {
    /// Its name in the OS keyring.
    pub name: String,
    /// Its last four characters at most (see [`crate::aws::api_key::fingerprint`]);
    /// `None` when the keyring has no key of that name, as far as we know.
    pub fingerprint: Option<String>,
    /// Whether the key is written into Claude Code's settings; if not,
    /// Claude Code takes it from the shell it is started from.
    pub in_settings: bool,
}

/// A provider bedrock-tray does not manage, selected by one switch.
#[derive(Debug, Clone, Serialize)]
pub struct RivalProvider {
    /// As Claude Code names it ("Amazon Bedrock (Mantle)").
    pub label: &'static str,
    /// The switch and the file it is set in.
    pub source: Source,
}

impl RivalProvider {
    /// The provider `switch` selects, with the file in `layers` it is set
    /// in; `None` unless `switch` is one of [`OwnedKey::RIVAL_PROVIDERS`]
    /// and set.
    pub fn of(switch: OwnedKey, layers: &Layers) -> Option<Self> {
        Some(Self { label: switch.rival_label()?, source: layers.effective(switch)? })
    }

    /// The problem it is, with its fix (which depends on whether the
    /// switch is in the user's file, which `use` can change).
    pub fn problem(&self) -> Problem {
        Problem::RivalProvider {
            label: self.label.to_string(),
            key: self.source.key.clone(),
            path: self.source.path.display().to_string(),
            in_user_file: self.source.layer == Layer::User,
        }
    }
}

/// Everything `status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The file `use` writes: the user's settings, or with a project
    /// folder that project's `.claude/settings.local.json`.
    pub settings_path: PathBuf,
    /// The project folder asked about (`status --dir`), if any.
    pub dir: Option<PathBuf>,
    /// Each owned key in effect, its value and the file it comes from
    /// (the selection below is read from these).
    pub sources: Vec<Source>,
    /// Keys the organisation's managed settings fix (`env.ANTHROPIC_MODEL`):
    /// the menu shows them as fixed.
    pub fixed_by_policy: Vec<String>,
    /// Keys a file above `settings_path` sets, so a value written there
    /// would not take effect.
    pub overridden: Vec<Source>,
    pub provider: Provider,
    /// With no Bedrock provider selected: the switch of a provider we do
    /// not manage (`env.CLAUDE_CODE_USE_MANTLE`) that Claude Code uses
    /// instead of the Anthropic API, with the file it comes from.
    pub rival_provider: Option<RivalProvider>,
    /// The Bedrock API key the API-key provider uses (never the key).
    pub api_key: Option<ApiKeyStatus>,
    /// The LLM gateway the gateway provider sends to.
    pub gateway_url: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub geography: Option<String>,
    /// Catalog short name, or `None` for a model the catalog does not know.
    pub model: Option<String>,
    pub model_name: Option<String>,
    pub model_id: Option<String>,
    pub small_model_id: Option<String>,
    pub auth_refresh: Option<String>,
    /// `CLAUDE_CODE_EFFORT_LEVEL`, when set.
    pub effort: Option<String>,
    /// What each alias Claude Code resolves is pinned to.
    pub aliases: Vec<AliasStatus>,
    pub credentials: Option<String>,
    pub session: SessionStatus,
    /// Things that are wrong with the selection, each with its fix.
    pub problems: Vec<String>,
}

impl Status {
    /// Computes the status from the files under `paths` at `now`.
    ///
    /// # Errors
    /// The settings file cannot be read or parsed. A broken AWS config is
    /// reported in `problems` instead, so status still shows the rest.
    pub fn read(paths: &Paths, now: OffsetDateTime) -> Result<Self, crate::claude::settings::SettingsError> {
        Self::read_for(paths, None, now)
    }

    /// Like [`Status::read`], for Claude Code started in `dir`.
    ///
    /// # Errors
    /// The user settings file cannot be read or parsed.
    pub fn read_for(
        paths: &Paths,
        dir: Option<&Path>,
        now: OffsetDateTime,
    ) -> Result<Self, crate::claude::settings::SettingsError> {
        let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials);
        Self::for_dir(paths, &Catalog::load(paths), dir, profiles.as_ref().map_err(ToString::to_string), now)
    }

    /// Like [`Status::read`], with the AWS profiles already loaded (or the
    /// reason they could not be).
    ///
    /// # Errors
    /// The settings file cannot be read or parsed.
    pub fn from_profiles(
        paths: &Paths,
        catalog: &Catalog,
        profiles: Result<&AwsProfiles, String>,
        now: OffsetDateTime,
    ) -> Result<Self, crate::claude::settings::SettingsError> {
        Self::for_dir(paths, catalog, None, profiles, now)
    }

    /// The status Claude Code started in `dir` sees (its project files
    /// over the user's), or the user's default when `dir` is `None`.
    ///
    /// # Errors
    /// The user settings file cannot be read or parsed.
    pub fn for_dir(
        paths: &Paths,
        catalog: &Catalog,
        dir: Option<&Path>,
        profiles: Result<&AwsProfiles, String>,
        now: OffsetDateTime,
    ) -> Result<Self, crate::claude::settings::SettingsError> {
        let layers = Layers::read(paths, dir)?;
        let doc = layers.merged();
        let target = match dir {
            Some(d) => (Layer::ProjectLocal, layers::project_local_file(d)),
            None => (Layer::User, paths.claude_settings.clone()),
        };
        let overridden = layers.overridden_above(target.0);
        // A broken state file only costs what it adds (see `with_state`).
        let state = crate::app_state::AppState::load(&paths.app_state()).unwrap_or_default();
        let sel = Selection::read(&doc, catalog).with_state(&state);
        let mut problems = layers.unreadable.clone();
        problems.extend(layers::override_message(&overridden));
        let empty = AwsProfiles::default();
        let profiles = profiles.unwrap_or_else(|e| {
            problems.push(e);
            &empty
        });
        let profile = sel.profile.as_deref().and_then(|p| profiles.get(p));
        let session = match profile {
            Some(p) => SessionStatus::of_profile(&paths.sso_cache_dir, &p.credentials, now),
            None => SessionStatus::not_sso(),
        };
        let api_key = (sel.provider == Provider::BedrockApiKey).then(|| {
            let name = state
                .api_key_choice
                .as_ref()
                .map_or_else(|| crate::aws::api_key::DEFAULT_NAME.to_string(), |c| c.name.clone());
            ApiKeyStatus {
                fingerprint: state.api_keys.get(&name).cloned(),
                in_settings: doc.get(OwnedKey::BearerToken).is_some(),
                name,
            }
        });
        if let Some(k) = api_key.as_ref().filter(|k| k.fingerprint.is_none() && !k.in_settings) {
            problems.push(format!(
                "no Bedrock API key named {} in the OS keyring: run `bedrock-tray api-key set --name {}`",
                k.name, k.name
            ));
        }
        let gateway_url = (sel.provider == Provider::Gateway).then(|| doc.get(OwnedKey::BedrockBaseUrl)).flatten();
        if sel.provider.uses_aws_profile() {
            match (&sel.profile, profile) {
                (None, _) => problems.push(Problem::NoProfileSelected.fix()),
                (Some(name), None) if !profiles.all().is_empty() || profiles.problems.is_empty() => {
                    problems.push(Problem::ProfileNotFound { profile: name.clone() }.fix())
                }
                _ => {}
            }
        }
        if sel.provider.is_bedrock() {
            if let (Some(geo), Some(region)) = (sel.geography, sel.region.as_deref()) {
                if !geo.serves(region) {
                    problems.push(
                        Problem::WrongRegion {
                            geography: geo.key.clone(),
                            geography_name: geo.name.clone(),
                            region: region.to_string(),
                        }
                        .fix(),
                    );
                }
            }
            if sel.model_id.is_none() {
                problems.push(Problem::NoModelSelected.fix());
            }
        }
        let rival_provider = sel.rival.and_then(|switch| RivalProvider::of(switch, &layers));
        if let Some(r) = &rival_provider {
            problems.push(r.problem().fix());
        }
        let aliases = alias_status(&doc, sel.geography.map(|g| g.key.as_str()));
        if sel.provider.is_bedrock() && sel.model_id.is_some() {
            if let Some(geo) = sel.geography {
                let loose: Vec<&str> = aliases.iter().filter(|a| !a.inside).map(|a| a.alias).collect();
                if !loose.is_empty() {
                    problems.push(
                        Problem::AliasesOutsideGeography {
                            aliases: loose.join(", "),
                            geography: geo.key.clone(),
                            geography_name: geo.name.clone(),
                        }
                        .fix(),
                    );
                }
            }
        }
        Ok(Status {
            settings_path: target.1,
            dir: dir.map(Path::to_path_buf),
            sources: layers.sources(),
            fixed_by_policy: layers.fixed_by_policy().into_iter().map(|k| k.display()).collect(),
            overridden,
            provider: sel.provider,
            rival_provider,
            api_key,
            gateway_url,
            geography: sel.geography.map(|g| g.key.clone()),
            model: sel.model.map(|m| m.key.clone()),
            model_name: sel.model.map(|m| m.name.clone()),
            credentials: profile.map(|p| p.credentials.label().to_string()),
            profile: sel.profile,
            region: sel.region,
            model_id: sel.model_id,
            small_model_id: sel.small_model_id,
            auth_refresh: sel.auth_refresh,
            effort: doc.get(OwnedKey::EffortLevel),
            aliases,
            session,
            problems,
        })
    }
}

/// Each alias slot's value, and whether it stays inside `geography`: an
/// unset slot does not (Claude Code would fill it with a built-in ID whose
/// prefix it derives from the region).
pub fn alias_status(doc: &SettingsDoc, geography: Option<&str>) -> Vec<AliasStatus> {
    ALIAS_SLOTS
        .iter()
        .map(|&(alias, key)| {
            let model_id = doc.get(key);
            let prefix = model_id.as_deref().and_then(crate::catalog::model_id::parse).and_then(|p| p.geography);
            let inside = match (prefix, geography) {
                (Some(p), Some(g)) => p == g,
                // An application profile ARN routes where it was made to.
                _ => model_id.as_deref().is_some_and(|id| id.contains(":application-inference-profile/")),
            };
            AliasStatus { alias, model_id, inside }
        })
        .collect()
}
