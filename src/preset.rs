//! Team presets: the TOML file a platform team writes once and hands out
//! (repo, MDM, intranet) so that onboarding asks the developer nothing but
//! the browser approval. `presets/example.toml` documents every field.
//!
//! A preset is validated whole before anything is touched; each error names
//! the field.

use crate::app_state::LoginMethod;
use crate::catalog::Catalog;
use crate::names::{ProfileName, Region, SsoSessionName};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parsed, validated preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub organisation: String,
    pub sso: SsoSettings,
    /// Team name -> account and role (one Bedrock account per team: quotas
    /// are per account).
    pub teams: BTreeMap<String, Team>,
    pub defaults: Defaults,
    /// Geography key -> region to use with it.
    pub regions: BTreeMap<String, Region>,
    /// Catalog keys the team may choose; empty means all.
    pub allowed_models: Vec<String>,
    pub max_output_tokens: Option<u32>,
    pub max_thinking_tokens: Option<u32>,
    /// Claude Code's effort level for adaptive-reasoning models.
    pub effort: Option<crate::switch::Effort>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SsoSettings {
    pub start_url: String,
    pub region: Region,
    pub session_name: SsoSessionName,
    pub registration_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub account_id: String,
    pub role_name: String,
    /// The AWS profile to write for this team (default: `defaults.profile`).
    pub profile: Option<ProfileName>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub geography: String,
    pub model: String,
    pub profile: ProfileName,
    pub login_method: LoginMethod,
    /// Sign in with the device code rather than the authorization code
    /// (for organisations whose IdP flow needs it; most block the device
    /// grant instead, so the default is `false`).
    pub device_code: bool,
}

/// A preset that cannot be used, naming the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("cannot read preset {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("preset {}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("preset {}: {field}: {message}", path.display())]
    Field { path: PathBuf, field: String, message: String },
}

// The file's shape; unknown fields are refused so a typo is not silently
// ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    organisation: String,
    sso: RawSso,
    #[serde(default)]
    teams: BTreeMap<String, RawTeam>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    regions: BTreeMap<String, String>,
    #[serde(default)]
    allowed_models: Vec<String>,
    #[serde(default)]
    tokens: RawTokens,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSso {
    start_url: String,
    region: String,
    session_name: String,
    #[serde(default = "default_scopes")]
    registration_scopes: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    vec!["sso:account:access".into()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    account_id: String,
    role_name: String,
    profile: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    geography: Option<String>,
    model: Option<String>,
    profile: Option<String>,
    login_method: Option<LoginMethod>,
    device_code: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTokens {
    max_output_tokens: Option<u32>,
    max_thinking_tokens: Option<u32>,
    effort: Option<crate::switch::Effort>,
}

impl Preset {
    /// Reads and validates a preset file.
    ///
    /// # Errors
    /// [`PresetError`] naming the file and, for bad values, the field.
    pub fn load(path: &Path) -> Result<Self, PresetError> {
        let text = crate::bounded_read::read_to_string(path, crate::bounded_read::MAX_FILE_BYTES)
            .map_err(|source| PresetError::Read { path: path.into(), source })?;
        Self::parse(&text, path, Catalog::builtin())
    }

    /// Parses and validates preset text; `path` is only named in errors.
    ///
    /// # Errors
    /// [`PresetError`] naming the field.
    pub fn parse(text: &str, path: &Path, catalog: &Catalog) -> Result<Self, PresetError> {
        let raw: RawPreset =
            toml::from_str(text).map_err(|e| PresetError::Syntax { path: path.into(), message: toml_message(&e) })?;
        let field =
            |field: &str, message: String| PresetError::Field { path: path.into(), field: field.into(), message };

        if raw.organisation.trim().is_empty() {
            return Err(field("organisation", "must not be empty".into()));
        }
        // It is printed to the terminal as it stands: an escape sequence
        // there could retitle the window, hide text or worse.
        if raw.organisation.chars().any(char::is_control) {
            return Err(field(
                "organisation",
                "must be plain text on one line (no control characters or escape sequences)".into(),
            ));
        }
        let start_url = raw.sso.start_url.trim().to_string();
        if !valid_start_url(&start_url) {
            return Err(field(
                "sso.start_url",
                format!("{start_url:?} is not an https URL like https://d-1234567890.awsapps.com/start"),
            ));
        }
        let sso = SsoSettings {
            start_url,
            region: Region::new(&raw.sso.region).map_err(|e| field("sso.region", e.to_string()))?,
            session_name: SsoSessionName::new(&raw.sso.session_name)
                .map_err(|e| field("sso.session_name", e.to_string()))?,
            registration_scopes: raw.sso.registration_scopes,
        };
        if sso.registration_scopes.is_empty()
            || sso
                .registration_scopes
                .iter()
                .any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || ":_-.".contains(c)))
        {
            return Err(field("sso.registration_scopes", "a list of scopes such as \"sso:account:access\"".into()));
        }

        let geography_key = raw.defaults.geography.unwrap_or_else(|| "us".into());
        let geography = catalog.geography(&geography_key).map_err(|e| field("defaults.geography", e.to_string()))?;
        let model_key = raw.defaults.model.unwrap_or_else(|| "sonnet".into());
        let model = catalog.model_in(&model_key, geography).map_err(|e| field("defaults.model", e.to_string()))?;

        for key in &raw.allowed_models {
            catalog.model(key).map_err(|e| field("allowed_models", e.to_string()))?;
        }
        if !model_allowed(&raw.allowed_models, catalog, &model.key) {
            return Err(field("defaults.model", format!("{} is not in allowed_models", model.key)));
        }

        let mut regions = BTreeMap::new();
        for (geo_key, region) in raw.regions {
            let name = format!("regions.{geo_key}");
            let geo = catalog.geography(&geo_key).map_err(|e| field(&name, e.to_string()))?;
            let region = Region::new(&region).map_err(|e| field(&name, e.to_string()))?;
            if !geo.serves(region.as_str()) {
                let valid: Vec<String> = geo.source_regions.iter().map(ToString::to_string).collect();
                return Err(field(
                    &name,
                    format!("{region} cannot call {} profiles; choose one of: {}", geo.key, valid.join(", ")),
                ));
            }
            regions.insert(geo.key.clone(), region);
        }

        let default_profile = raw.defaults.profile.unwrap_or_else(|| "claude-bedrock".into());
        let defaults = Defaults {
            geography: geography.key.clone(),
            model: model_key.trim().to_string(),
            profile: ProfileName::new(default_profile).map_err(|e| field("defaults.profile", e.to_string()))?,
            login_method: raw.defaults.login_method.unwrap_or_default(),
            device_code: raw.defaults.device_code.unwrap_or(false),
        };

        let mut teams = BTreeMap::new();
        for (name, team) in raw.teams {
            let prefix = format!("teams.{name}");
            ProfileName::new(&name).map_err(|e| field(&prefix, e.to_string()))?;
            if team.account_id.len() != 12 || !team.account_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(field(&format!("{prefix}.account_id"), "must be a 12-digit AWS account ID".into()));
            }
            if !valid_role_name(&team.role_name) {
                return Err(field(
                    &format!("{prefix}.role_name"),
                    "must be an IAM role name (letters, digits, +=,.@_-, at most 64)".into(),
                ));
            }
            let profile = team
                .profile
                .map(ProfileName::new)
                .transpose()
                .map_err(|e| field(&format!("{prefix}.profile"), e.to_string()))?;
            teams.insert(name, Team { account_id: team.account_id, role_name: team.role_name, profile });
        }

        for (what, value) in [
            ("tokens.max_output_tokens", raw.tokens.max_output_tokens),
            ("tokens.max_thinking_tokens", raw.tokens.max_thinking_tokens),
        ] {
            if value == Some(0) {
                return Err(field(what, "must be a positive number".into()));
            }
        }

        Ok(Preset {
            organisation: raw.organisation.trim().to_string(),
            sso,
            teams,
            defaults,
            regions,
            allowed_models: raw.allowed_models,
            max_output_tokens: raw.tokens.max_output_tokens,
            max_thinking_tokens: raw.tokens.max_thinking_tokens,
            effort: raw.tokens.effort,
        })
    }

    /// A preset for someone without one: just the start URL and the SSO
    /// region, as the first-run wizard asks for them. The session and
    /// organisation are named after the portal's host; the geography
    /// follows the SSO region (an EU directory most likely wants EU data
    /// residency); everything else is the defaults of [`Preset::parse`].
    ///
    /// # Errors
    /// [`PresetError::Field`] naming `sso.start_url` or `sso.region`.
    pub fn from_start_url(start_url: &str, sso_region: &str, catalog: &Catalog) -> Result<Self, PresetError> {
        let start_url = start_url.trim();
        let host = start_url.strip_prefix("https://").and_then(|r| r.split('/').next()).unwrap_or_default();
        let label = host.split('.').next().unwrap_or_default();
        let session_name = if label.is_empty() { "sso".to_string() } else { label.to_string() };
        // The geography whose profiles can be called from the portal's
        // region (a regional one first), else global.
        let geography = catalog.geography_for_region(sso_region.trim()).map_or("global", |g| g.key.as_str());
        let mut sso = toml::Table::new();
        sso.insert("start_url".into(), start_url.into());
        sso.insert("region".into(), sso_region.trim().into());
        sso.insert("session_name".into(), session_name.into());
        let mut defaults = toml::Table::new();
        defaults.insert("geography".into(), geography.into());
        let mut raw = toml::Table::new();
        raw.insert("organisation".into(), (if label.is_empty() { "your organisation" } else { label }).into());
        raw.insert("sso".into(), sso.into());
        raw.insert("defaults".into(), defaults.into());
        Self::parse(&toml::to_string(&raw).expect("a TOML table serialises"), Path::new("(start URL)"), catalog)
    }

    /// The region to use with a geography: the preset's choice, else the
    /// catalog's default.
    pub fn region_for(&self, geography: &str, catalog: &Catalog) -> Option<Region> {
        self.regions
            .get(geography)
            .cloned()
            .or_else(|| catalog.geography(geography).ok().map(|g| g.default_region.clone()))
    }
}

/// toml's message spans lines (a source excerpt with a caret); keep the
/// position and the reason: "TOML parse error at line 2, column 1: ...".
fn toml_message(e: &toml::de::Error) -> String {
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {last}"),
        _ => text.trim().to_string(),
    }
}

fn valid_start_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split('/').next().unwrap_or_default();
    !host.is_empty()
        && host.contains('.')
        && url.len() <= 512
        && url.chars().all(|c| c.is_ascii_graphic())
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Whether a preset's `allowed_models` (catalog names or aliases; empty:
/// every model) let the user pick the catalog model `key`.
pub fn model_allowed(allowed_models: &[String], catalog: &Catalog, key: &str) -> bool {
    let Ok((model, _)) = catalog.model(key) else { return allowed_models.is_empty() };
    // An entry names a family (every version), a version, or an exact ID.
    allowed_models.is_empty()
        || allowed_models
            .iter()
            .any(|a| model.version().matches(a) || catalog.model(a).is_ok_and(|(m, _)| m.key == model.key))
}

/// A preset that cannot be used is the request's fault (the file given).
impl crate::error_kind::HasKind for PresetError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::ErrorKind::InvalidRequest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../presets/example.toml");

    fn parse(text: &str) -> Result<Preset, PresetError> {
        Preset::parse(text, Path::new("team.toml"), Catalog::builtin())
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let p = parse(EXAMPLE).unwrap();
        assert_eq!(p.sso.session_name.as_str(), "example-corp");
        assert_eq!(p.defaults.geography, "eu");
        assert_eq!(p.teams["backend"].account_id, "222233334444");
        assert_eq!(p.region_for("eu", Catalog::builtin()).unwrap().as_str(), "eu-central-1");
        assert_eq!(p.defaults.login_method, LoginMethod::Native);
    }

    #[test]
    fn a_start_url_alone_makes_a_preset_with_the_geography_of_its_region() {
        let c = Catalog::builtin();
        let p = Preset::from_start_url(" https://d-9067c1a2b3.awsapps.com/start ", "eu-central-1", c).unwrap();
        assert_eq!(p.sso.start_url, "https://d-9067c1a2b3.awsapps.com/start");
        assert_eq!(p.sso.session_name.as_str(), "d-9067c1a2b3");
        assert_eq!(p.sso.registration_scopes, ["sso:account:access"]);
        assert_eq!(p.defaults.geography, "eu");
        assert_eq!(p.defaults.profile.as_str(), "claude-bedrock");
        assert_eq!(
            Preset::from_start_url("https://corp.awsapps.com/start", "us-east-1", c).unwrap().defaults.geography,
            "us"
        );
        assert_eq!(
            Preset::from_start_url("https://corp.awsapps.com/start", "ap-northeast-1", c).unwrap().defaults.geography,
            "jp"
        );
        assert_eq!(
            Preset::from_start_url("https://corp.awsapps.com/start", "sa-east-1", c).unwrap().defaults.geography,
            "global"
        );
        for (url, region, field) in [
            ("http://corp.awsapps.com/start", "eu-west-1", "sso.start_url"),
            ("https://corp.awsapps.com/start\"\n[x]", "eu-west-1", "sso.start_url"),
            ("https://corp.awsapps.com/start", "eu west 1", "sso.region"),
        ] {
            match Preset::from_start_url(url, region, c) {
                Err(PresetError::Field { field: f, .. }) => assert_eq!(f, field, "{url} {region}"),
                other => panic!("{url} {region}: {other:?}"),
            }
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let base = EXAMPLE.to_string();
        for (from, to, field) in [
            ("https://example-corp.awsapps.com/start", "http://example-corp.awsapps.com/start", "sso.start_url"),
            ("region = \"eu-west-1\"", "region = \"Ireland\"", "sso.region"),
            ("session_name = \"example-corp\"", "session_name = \"a b\"", "sso.session_name"),
            ("geography = \"eu\"", "geography = \"mars\"", "defaults.geography"),
            ("model = \"sonnet\"", "model = \"gpt\"", "defaults.model"),
            ("account_id = \"222233334444\"", "account_id = \"2222\"", "teams.backend.account_id"),
            ("role_name = \"ClaudeCodeBedrock\"", "role_name = \"bad role\"", "teams.platform.role_name"),
            ("eu = \"eu-central-1\"", "eu = \"us-east-1\"", "regions.eu"),
            ("max_output_tokens = 16384", "max_output_tokens = 0", "tokens.max_output_tokens"),
        ] {
            assert!(base.contains(from), "example lacks {from}");
            let err = parse(&base.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(err.contains(field) && err.contains("team.toml"), "{field}: {err}");
        }
    }

    #[test]
    fn typos_and_syntax_errors_are_refused() {
        let err = parse(&EXAMPLE.replace("[defaults]", "[defaults]\ngeograpy = \"eu\"")).unwrap_err().to_string();
        assert!(err.contains("geograpy"), "{err}");
        for hostile in ["\\u001b]0;pwned\\u0007Acme", "Acme\\nLine two", "Acme\\u009b31m", "Acme\\tCorp"] {
            let text = EXAMPLE.replacen("organisation = \"Example Corp\"", &format!("organisation = \"{hostile}\""), 1);
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains("organisation: must be plain text"), "{hostile}: {err}");
        }
        let err = parse("organisation = \"x\"\n[sso\n").unwrap_err().to_string();
        assert!(err.contains("line 2") || err.contains("2:"), "{err}");
        let err = parse("organisation = \"x\"").unwrap_err().to_string();
        assert!(err.contains("sso"), "{err}");
    }
}
