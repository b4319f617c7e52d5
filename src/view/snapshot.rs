//! One immutable picture of everything the views show. The tray menu, the
//! dashboard and `status` are projections of it; a file change produces a
//! new one (see the watcher), never an in-place update.

use crate::aws::profiles::AwsProfiles;
use crate::catalog::Catalog;
use crate::paths::Paths;
use crate::view::profiles::{self, ProfileRow};
use crate::view::status::Status;
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// What the files say at one moment. Never an error: a broken file is
/// reported in `errors`, so the views can still show the rest.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    #[serde(serialize_with = "crate::sso::cache::ser_time")]
    pub taken_at: OffsetDateTime,
    /// The built-in catalog merged with what the account last listed
    /// ([`Catalog::load`]): every view picks models from this.
    #[serde(skip)]
    pub catalog: Arc<Catalog>,
    /// `None` when `settings.json` cannot be read (see `errors`).
    pub status: Option<Status>,
    pub profiles: Vec<ProfileRow>,
    /// Files that could not be read, each with its fix.
    pub errors: Vec<String>,
    /// The latest probe results, when probes have run (the files alone
    /// cannot say; a holder carries them over with [`Snapshot::with_probe`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<crate::probe::ProbeReport>,
    /// Profiles whose secret key is in plain text in `~/.aws/credentials`
    /// or `~/.aws/config` (names only), for the dashboard to offer
    /// `credentials import`.
    pub plaintext_key_profiles: Vec<String>,
    /// What Claude Code cost today and this month. Reading transcripts is
    /// not free, so [`Snapshot::read`] leaves it `None`; a holder attaches
    /// [`crate::claude::usage::spend_now`]'s result with [`Snapshot::with_spend`].
    pub spend: Option<crate::claude::usage::Spend>,
    /// Projects with a selection of their own (`use --project`).
    pub projects: Vec<crate::claude::projects::ProjectSelection>,
    /// What the API-key and gateway providers have to work with.
    pub providers: ProviderOptions,
}

/// What the API-key and gateway providers could use, from the app state:
/// the menu offers a provider only when it has what it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderOptions {
    /// Names of the Bedrock API keys in the keyring (`api-key set`).
    pub api_keys: Vec<String>,
    /// The LLM gateway last chosen.
    pub gateway_url: Option<String>,
}

impl Snapshot {
    /// Reads every file under `paths` as of `now`.
    pub fn read(paths: &Paths, now: OffsetDateTime) -> Self {
        let mut errors = Vec::new();
        let catalog = Arc::new(Catalog::load(paths));
        let loaded = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials);
        let status = Status::from_profiles(paths, &catalog, loaded.as_ref().map_err(ToString::to_string), now)
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let profiles = match &loaded {
            Ok(p) => profiles::rows(paths, p, now),
            Err(e) => {
                // With readable settings the status already lists it as a
                // problem; saying it twice would show it twice.
                if status.is_none() {
                    errors.push(e.to_string());
                }
                Vec::new()
            }
        };
        let plaintext_key_profiles = crate::aws::plaintext_keys::profiles(paths);
        let projects = crate::claude::projects::with_selection(paths);
        let state = crate::app_state::AppState::load(&paths.app_state()).unwrap_or_default();
        let providers = ProviderOptions {
            api_keys: state.api_keys.keys().cloned().collect(),
            gateway_url: state.gateway_url.clone().or_else(|| status.as_ref().and_then(|s| s.gateway_url.clone())),
        };
        Self {
            taken_at: now,
            catalog,
            status,
            profiles,
            errors,
            probe: None,
            plaintext_key_profiles,
            spend: None,
            projects,
            providers,
        }
    }

    /// This snapshot with the latest probe results.
    pub fn with_probe(self, probe: Option<crate::probe::ProbeReport>) -> Self {
        Self { probe, ..self }
    }

    /// This snapshot with the latest spend summary.
    pub fn with_spend(self, spend: Option<crate::claude::usage::Spend>) -> Self {
        Self { spend, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_aws_config_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(&paths.aws_config, "[profile dev\nregion = eu-west-1\n").unwrap();
        let snap = Snapshot::read(&paths, OffsetDateTime::now_utc());
        let problems = &snap.status.as_ref().expect("settings are readable (absent)").problems;
        let mentions = problems.iter().chain(&snap.errors).filter(|p| p.contains("config")).count();
        assert_eq!(mentions, 1, "problems {problems:?}, errors {:?}", snap.errors);

        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(&paths.claude_settings, "{ broken").unwrap();
        let snap = Snapshot::read(&paths, OffsetDateTime::now_utc());
        assert!(snap.status.is_none());
        assert_eq!(snap.errors.len(), 2, "both broken files are named: {:?}", snap.errors);
    }
}
