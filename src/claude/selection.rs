//! What `settings.json` currently selects, read through the catalog.

use crate::catalog::{Catalog, Geography, Model};
use crate::claude::settings::{OwnedKey, SettingsDoc};
use serde::Serialize;

/// Which API Claude Code talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Bedrock,
    Anthropic,
}

impl Provider {
    /// The provider's key, as menu ids and the dashboard name it.
    pub fn key(self) -> &'static str {
        match self {
            Provider::Bedrock => "bedrock",
            Provider::Anthropic => "anthropic",
        }
    }

    /// The provider with this key (see [`Provider::key`]).
    pub fn from_key(key: &str) -> Option<Self> {
        [Provider::Bedrock, Provider::Anthropic].into_iter().find(|p| p.key() == key)
    }
}

/// The current selection, as read from the settings.
#[derive(Debug, Clone)]
pub struct Selection<'c> {
    pub provider: Provider,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub model_id: Option<String>,
    pub small_model_id: Option<String>,
    pub auth_refresh: Option<String>,
    /// The catalog model behind `model_id`, if the catalog knows it.
    pub model: Option<&'c Model>,
    /// The geography of `model_id` (by its prefix when the catalog does not
    /// know the model).
    pub geography: Option<&'c Geography>,
}

impl<'c> Selection<'c> {
    pub fn read(doc: &SettingsDoc, catalog: &'c Catalog) -> Self {
        let model_id = doc.get(OwnedKey::Model);
        let located = model_id.as_deref().and_then(|id| catalog.locate(id));
        let geography =
            located.map(|(_, g)| g).or_else(|| model_id.as_deref().and_then(|id| catalog.geography_of_id(id)));
        Self {
            provider: if is_truthy(doc.get(OwnedKey::UseBedrock).as_deref()) {
                Provider::Bedrock
            } else {
                Provider::Anthropic
            },
            profile: profile_of(doc),
            region: doc.get(OwnedKey::AwsRegion),
            small_model_id: doc.get(OwnedKey::SmallFastModel).or_else(|| doc.get(OwnedKey::DefaultHaiku)),
            auth_refresh: doc.get(OwnedKey::AuthRefresh),
            model: located.map(|(m, _)| m),
            geography,
            model_id,
        }
    }
}

/// The selected AWS profile: `env.AWS_PROFILE`, else (scoped credentials,
/// see [`crate::switch`]) the profile our `awsCredentialExport` names.
pub fn profile_of(doc: &SettingsDoc) -> Option<String> {
    doc.get(OwnedKey::AwsProfile).or_else(|| {
        let export = doc.get(OwnedKey::CredentialExport)?;
        crate::aws::keychain::credential_process_profile(&export).map(str::to_string)
    })
}

/// Claude Code treats `1` and `true` as on.
fn is_truthy(value: Option<&str>) -> bool {
    matches!(value.map(|v| v.trim().to_ascii_lowercase()).as_deref(), Some("1" | "true" | "yes" | "on"))
}
