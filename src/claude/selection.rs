//! What `settings.json` currently selects, read through the catalog.

use crate::catalog::{Catalog, Geography, Model};
use crate::claude::settings::{OwnedKey, SettingsDoc};
use serde::Serialize;

/// Which API Claude Code talks to, and how it gets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// Amazon Bedrock with AWS credentials (a profile: SSO, keyring keys...).
    Bedrock,
    /// The Anthropic API.
    Anthropic,
    /// Amazon Bedrock with a Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`).
    BedrockApiKey,
    /// Amazon Bedrock through an LLM gateway (`ANTHROPIC_BEDROCK_BASE_URL`
    /// with `CLAUDE_CODE_SKIP_BEDROCK_AUTH`).
    Gateway,
}

impl Provider {
    /// Every provider, in menu order.
    pub const ALL: [Provider; 4] = [Provider::Bedrock, Provider::BedrockApiKey, Provider::Gateway, Provider::Anthropic];

    /// The provider's key, as menu ids, `--provider` and the dashboard name it.
    pub fn key(self) -> &'static str {
        match self {
            Provider::Bedrock => "bedrock",
            Provider::Anthropic => "anthropic",
            Provider::BedrockApiKey => "bedrock-api-key",
            Provider::Gateway => "gateway",
        }
    }

    /// The provider with this key (see [`Provider::key`]).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// How users see it named.
    pub fn label(self) -> &'static str {
        match self {
            Provider::Bedrock => "Amazon Bedrock",
            Provider::Anthropic => "Anthropic API",
            Provider::BedrockApiKey => "Amazon Bedrock (API key)",
            Provider::Gateway => "Amazon Bedrock via LLM gateway",
        }
    }

    /// Whether Claude Code calls Bedrock (models, geographies and the
    /// region apply), whichever way it gets in.
    pub fn is_bedrock(self) -> bool {
        self != Provider::Anthropic
    }

    /// Whether Claude Code signs its calls with AWS credentials from a
    /// profile (so `AWS_PROFILE`, `awsAuthRefresh` and
    /// `awsCredentialExport` apply).
    pub fn uses_aws_profile(self) -> bool {
        self == Provider::Bedrock
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
    /// The switch of a provider we do not manage that Claude Code uses
    /// instead of the Anthropic API ([`rival_of`]).
    pub rival: Option<OwnedKey>,
}

impl<'c> Selection<'c> {
    pub fn read(doc: &SettingsDoc, catalog: &'c Catalog) -> Self {
        let model_id = doc.get(OwnedKey::Model);
        let located = model_id.as_deref().and_then(|id| catalog.locate(id));
        let geography =
            located.map(|(_, g)| g).or_else(|| model_id.as_deref().and_then(|id| catalog.geography_of_id(id)));
        Self {
            provider: provider_of(doc),
            rival: rival_of(doc),
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

impl Selection<'_> {
    /// The selection with what the app state adds: the API-key provider
    /// chosen with the key left in the shell leaves no trace in the
    /// settings but Bedrock without a profile, so the state says so.
    #[must_use]
    pub fn with_state(mut self, state: &crate::app_state::AppState) -> Self {
        if self.provider == Provider::Bedrock && self.profile.is_none() && state.api_key_choice.is_some() {
            self.provider = Provider::BedrockApiKey;
        }
        self
    }
}

/// The provider the settings select. Claude Code 2.1.332 uses a Bedrock API
/// key before any AWS credentials when `AWS_BEARER_TOKEN_BEDROCK` is set,
/// and sends no SigV4 with `CLAUDE_CODE_SKIP_BEDROCK_AUTH` (its Bedrock
/// client: `AWS_BEARER_TOKEN_BEDROCK` gives `Authorization: Bearer`, and
/// only without it and without skipped auth are AWS credentials loaded).
pub fn provider_of(doc: &SettingsDoc) -> Provider {
    if !is_truthy(doc.get(OwnedKey::UseBedrock).as_deref()) {
        return Provider::Anthropic;
    }
    if doc.get(OwnedKey::BedrockBaseUrl).is_some() && is_truthy(doc.get(OwnedKey::SkipBedrockAuth).as_deref()) {
        Provider::Gateway
    } else if doc.get(OwnedKey::BearerToken).is_some_and(|k| !k.trim().is_empty()) {
        Provider::BedrockApiKey
    } else {
        Provider::Bedrock
    }
}

/// The switch (`CLAUDE_CODE_USE_MANTLE`, `_VERTEX`...) that sends Claude
/// Code to a provider bedrock-tray does not manage: the first one set, in
/// Claude Code's order, when `CLAUDE_CODE_USE_BEDROCK` is not (Bedrock wins
/// over all of them; see [`OwnedKey::RIVAL_PROVIDERS`]).
pub fn rival_of(doc: &SettingsDoc) -> Option<OwnedKey> {
    if is_truthy(doc.get(OwnedKey::UseBedrock).as_deref()) {
        return None;
    }
    OwnedKey::RIVAL_PROVIDERS.into_iter().find(|k| is_truthy(doc.get(*k).as_deref()))
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
pub fn is_truthy(value: Option<&str>) -> bool {
    matches!(value.map(|v| v.trim().to_ascii_lowercase()).as_deref(), Some("1" | "true" | "yes" | "on"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(env: serde_json::Value) -> SettingsDoc {
        let root = serde_json::json!({ "env": env }).as_object().unwrap().clone();
        SettingsDoc { path: "settings.json".into(), original: None, root }
    }

    #[test]
    fn another_providers_switch_wins_over_the_anthropic_api_in_claude_codes_order() {
        assert_eq!(rival_of(&doc(serde_json::json!({}))), None);
        assert_eq!(rival_of(&doc(serde_json::json!({"CLAUDE_CODE_USE_VERTEX": "1"}))), Some(OwnedKey::UseVertex));
        let both = doc(serde_json::json!({"CLAUDE_CODE_USE_VERTEX": "true", "CLAUDE_CODE_USE_FOUNDRY": "1"}));
        assert_eq!(rival_of(&both), Some(OwnedKey::UseFoundry), "Foundry is tried before Vertex");
        assert_eq!(rival_of(&doc(serde_json::json!({"CLAUDE_CODE_USE_MANTLE": "0"}))), None, "0 is off");
        let under_bedrock = doc(serde_json::json!({"CLAUDE_CODE_USE_BEDROCK": "1", "CLAUDE_CODE_USE_MANTLE": "1"}));
        assert_eq!(rival_of(&under_bedrock), None, "Bedrock wins over every other switch");
        assert_eq!(provider_of(&under_bedrock), Provider::Bedrock);
    }
}
