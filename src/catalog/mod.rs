//! The model catalog: Claude models x Bedrock geographies -> inference
//! profile IDs, the regions each geography can be called from, and prices.
//!
//! The facts are data (`data/catalog.toml`, each with its source), compiled
//! in as the default. What ListInferenceProfiles reports for a region at run
//! time is the truth; this is what we know without asking.

use crate::names::Region;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../data/catalog.toml");

/// Which Claude Code model slot a model fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Opus,
    Sonnet,
    Haiku,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Opus, Family::Sonnet, Family::Haiku];

    /// The settings key Claude Code reads for this slot.
    pub fn env_key(self) -> &'static str {
        match self {
            Family::Opus => "ANTHROPIC_DEFAULT_OPUS_MODEL",
            Family::Sonnet => "ANTHROPIC_DEFAULT_SONNET_MODEL",
            Family::Haiku => "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        }
    }
}

/// A set of AWS regions served by one family of cross-region inference
/// profiles (`us.`, `eu.`, `global.` ...).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Geography {
    pub key: String,
    pub name: String,
    pub default_region: Region,
    pub source_regions: Vec<Region>,
    #[serde(default)]
    pub source: String,
}

impl Geography {
    /// Whether this geography's profiles can be called from `region`.
    pub fn serves(&self, region: &str) -> bool {
        self.source_regions.iter().any(|r| r.as_str() == region)
    }
}

/// One Claude model with its inference profile ID per geography.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Model {
    pub key: String,
    pub name: String,
    pub family: Family,
    pub foundation_model_id: String,
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
    #[serde(default)]
    pub cache_write_usd_per_mtok: Option<f64>,
    #[serde(default)]
    pub cache_read_usd_per_mtok: Option<f64>,
    #[serde(default)]
    pub source: String,
    /// Geography key -> inference profile ID.
    pub profiles: BTreeMap<String, String>,
}

impl Model {
    pub fn profile_id(&self, geography: &str) -> Option<&str> {
        self.profiles.get(geography).map(String::as_str)
    }
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Catalog {
    #[serde(rename = "geography")]
    pub geographies: Vec<Geography>,
    #[serde(rename = "model")]
    pub models: Vec<Model>,
}

/// A name the catalog does not know, with the names it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("unknown model {value:?}; choose one of: {}", valid.join(", "))]
    UnknownModel { value: String, valid: Vec<String> },
    #[error("unknown geography {value:?}; choose one of: {}", valid.join(", "))]
    UnknownGeography { value: String, valid: Vec<String> },
    #[error("{model} has no {geography} inference profile; it is offered in: {}", available.join(", "))]
    NotInGeography { model: String, geography: String, available: Vec<String> },
    #[error("invalid catalog: {0}")]
    Invalid(String),
}

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(BUILTIN).expect("data/catalog.toml is checked by the test suite"))
    }

    /// Parses and checks a catalog.
    ///
    /// # Errors
    /// [`CatalogError::Invalid`] for TOML errors or inconsistent entries.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let catalog: Catalog = toml::from_str(text).map_err(|e| CatalogError::Invalid(e.to_string()))?;
        for model in &catalog.models {
            for (geo, id) in &model.profiles {
                if catalog.geographies.iter().all(|g| &g.key != geo) {
                    return Err(CatalogError::Invalid(format!("{}: unknown geography {geo}", model.key)));
                }
                if !id.starts_with(&format!("{geo}.")) {
                    return Err(CatalogError::Invalid(format!("{}: {id} does not start with {geo}.", model.key)));
                }
            }
        }
        for geo in &catalog.geographies {
            if !geo.serves(geo.default_region.as_str()) {
                return Err(CatalogError::Invalid(format!("{}: default region not a source region", geo.key)));
            }
        }
        Ok(catalog)
    }

    /// Looks up a geography by key (`eu`), case-insensitively.
    ///
    /// # Errors
    /// [`CatalogError::UnknownGeography`] listing the valid keys.
    pub fn geography(&self, key: &str) -> Result<&Geography, CatalogError> {
        self.geographies.iter().find(|g| g.key.eq_ignore_ascii_case(key)).ok_or_else(|| {
            CatalogError::UnknownGeography {
                value: key.to_string(),
                valid: self.geographies.iter().map(|g| g.key.clone()).collect(),
            }
        })
    }

    /// Looks up a model by short name (`opus`), display name, foundation
    /// model ID or inference profile ID. A profile ID also names its
    /// geography, returned alongside.
    ///
    /// # Errors
    /// [`CatalogError::UnknownModel`] listing the short names.
    pub fn model(&self, name: &str) -> Result<(&Model, Option<&Geography>), CatalogError> {
        let name = name.trim();
        if let Some((model, geo)) = self.locate(name) {
            return Ok((model, Some(geo)));
        }
        self.models
            .iter()
            .find(|m| {
                m.key.eq_ignore_ascii_case(name) || m.name.eq_ignore_ascii_case(name) || m.foundation_model_id == name
            })
            .map(|m| (m, None))
            .ok_or_else(|| CatalogError::UnknownModel {
                value: name.to_string(),
                valid: self.models.iter().map(|m| m.key.clone()).collect(),
            })
    }

    /// Finds the model and geography of an inference profile ID.
    pub fn locate(&self, profile_id: &str) -> Option<(&Model, &Geography)> {
        self.models.iter().find_map(|m| {
            m.profiles
                .iter()
                .find(|(_, id)| id.as_str() == profile_id)
                .and_then(|(geo, _)| self.geographies.iter().find(|g| &g.key == geo))
                .map(|g| (m, g))
        })
    }

    /// The geography an inference profile ID belongs to, judged by its
    /// prefix, for IDs the catalog does not list (new models).
    pub fn geography_of_id(&self, profile_id: &str) -> Option<&Geography> {
        let prefix = profile_id.split('.').next()?;
        self.geographies.iter().find(|g| g.key == prefix)
    }

    /// The model for `model` in `geography`.
    ///
    /// # Errors
    /// [`CatalogError::NotInGeography`] listing where the model is offered.
    pub fn profile_id<'a>(&self, model: &'a Model, geography: &Geography) -> Result<&'a str, CatalogError> {
        model.profile_id(&geography.key).ok_or_else(|| CatalogError::NotInGeography {
            model: model.name.clone(),
            geography: geography.key.clone(),
            available: model.profiles.keys().cloned().collect(),
        })
    }

    /// The first model of `family` (in catalog order: newest first) that
    /// has a profile in `geography`.
    pub fn family_default(&self, family: Family, geography: &Geography) -> Option<&Model> {
        self.models.iter().find(|m| m.family == family && m.profiles.contains_key(&geography.key))
    }

    /// The geography to assume for a region when nothing else says: the
    /// first regional (not global) geography that serves it.
    pub fn geography_for_region(&self, region: &str) -> Option<&Geography> {
        self.geographies
            .iter()
            .filter(|g| g.key != "global")
            .find(|g| g.serves(region))
            .or_else(|| self.geographies.iter().find(|g| g.serves(region)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_the_three_defaults_everywhere_that_matters() {
        let c = Catalog::builtin();
        for key in ["opus", "sonnet", "haiku"] {
            let (m, _) = c.model(key).unwrap();
            for geo in ["us", "eu", "global"] {
                let id = m.profile_id(geo).unwrap_or_else(|| panic!("{key} lacks {geo}"));
                assert!(id.starts_with(&format!("{geo}.anthropic.claude-")), "{id}");
            }
            assert!(m.input_usd_per_mtok > 0.0 && m.output_usd_per_mtok > m.input_usd_per_mtok);
        }
    }

    #[test]
    fn seed_guide_eu_ids_are_in_the_catalog() {
        let c = Catalog::builtin();
        for (id, key) in [
            ("eu.anthropic.claude-opus-4-6-v1", "opus"),
            ("eu.anthropic.claude-sonnet-4-6", "sonnet"),
            ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "haiku"),
        ] {
            let (m, g) = c.locate(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!((m.key.as_str(), g.key.as_str()), (key, "eu"));
        }
    }

    #[test]
    fn lookups_by_name_id_and_case() {
        let c = Catalog::builtin();
        assert_eq!(c.model("OPUS").unwrap().0.key, "opus");
        assert_eq!(c.model("Claude Sonnet 4.6").unwrap().0.key, "sonnet");
        let (m, g) = c.model("us.anthropic.claude-opus-4-6-v1").unwrap();
        assert_eq!((m.key.as_str(), g.unwrap().key.as_str()), ("opus", "us"));
        let err = c.model("gpt-5").unwrap_err().to_string();
        assert!(err.contains("opus") && err.contains("haiku"), "{err}");
        assert!(c.geography("mars").unwrap_err().to_string().contains("eu"));
        assert_eq!(c.geography_for_region("eu-west-1").unwrap().key, "eu");
        assert_eq!(c.geography_for_region("us-east-1").unwrap().key, "us");
    }

    #[test]
    fn inconsistent_catalog_is_rejected() {
        let bad = r#"
[[geography]]
key = "eu"
name = "EU"
default_region = "eu-central-1"
source_regions = ["eu-west-1"]
"#;
        assert!(matches!(Catalog::parse(bad), Err(CatalogError::Invalid(_))));
    }
}
