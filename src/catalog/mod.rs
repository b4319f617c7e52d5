//! The model catalog: Claude models x Bedrock geographies -> inference
//! profile IDs, the regions each geography can be called from, and prices.
//!
//! Two sources, merged: what the account's own ListInferenceProfiles
//! reported ([`account`], cached with its age) is the truth; the built-in
//! data (`data/catalog.toml`, each fact with its source) fills in what no
//! API gives (display names, prices, a geography's default region) and
//! serves offline. Families are strings parsed from the IDs
//! ([`model_id`]): a model or family released after this build is listed
//! and selectable as soon as the account reports it.

pub mod account;
pub mod model_id;

use crate::names::Region;
use account::{AccountListing, ProfileKind};
use model_id::ModelName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../data/catalog.toml");

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

/// List prices in USD per million tokens, as billed for a *global* profile.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct Prices {
    pub input: f64,
    pub output: f64,
    pub cache_write: f64,
    pub cache_read: f64,
}

impl Prices {
    /// The same prices times `factor` (a geographic profile's premium).
    #[must_use]
    pub fn scaled(self, factor: f64) -> Prices {
        Prices {
            input: self.input * factor,
            output: self.output * factor,
            cache_write: self.cache_write * factor,
            cache_read: self.cache_read * factor,
        }
    }
}

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Only the built-in data file knows it.
    #[default]
    Builtin,
    /// The account's ListInferenceProfiles reported it (and maybe the data
    /// file knows it too).
    Account,
}

/// One Claude model with its inference profile ID per geography.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Model {
    /// `opus-4-6`, parsed from the ID.
    #[serde(default)]
    pub key: String,
    /// `opus`, parsed from the ID.
    #[serde(default)]
    pub family: String,
    /// `Claude Opus 4.6`: the data file's name, else made from the ID.
    #[serde(default)]
    pub name: String,
    pub foundation_model_id: String,
    /// `None` for a model the data file does not price yet.
    #[serde(default)]
    pub prices: Option<Prices>,
    #[serde(default)]
    pub source: String,
    /// Geography key -> inference profile ID.
    #[serde(default)]
    pub profiles: BTreeMap<String, String>,
    #[serde(skip_deserializing)]
    pub origin: Origin,
    #[serde(skip)]
    version: Option<ModelName>,
}

impl Model {
    pub fn profile_id(&self, geography: &str) -> Option<&str> {
        self.profiles.get(geography).map(String::as_str)
    }

    /// Family, version and date, parsed from the foundation model ID.
    pub fn version(&self) -> &ModelName {
        self.version.as_ref().expect("every catalog model has a parsed ID (checked when built)")
    }

    /// `4.6`.
    pub fn version_text(&self) -> String {
        self.version().version()
    }

    fn from_name(name: ModelName, foundation_model_id: String, origin: Origin) -> Model {
        Model {
            key: name.key(),
            family: name.family.clone(),
            name: name.display(),
            foundation_model_id,
            prices: None,
            source: String::new(),
            profiles: BTreeMap::new(),
            origin,
            version: Some(name),
        }
    }
}

/// An application inference profile the account made: callers use its
/// ARN, and it routes where the account set it up to.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationProfile {
    pub arn: String,
    pub name: String,
    /// The region it lives in: the only one it can be called from.
    pub region: String,
    /// The catalog key of its model, when the model is a Claude one.
    pub model: Option<String>,
    /// The regions it routes to.
    pub routes_to: Vec<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Catalog {
    /// How much more a geographic (`us.`, `eu.`, ...) profile costs than a
    /// global one, as a fraction (0.10 = 10 %).
    #[serde(default)]
    pub regional_premium: f64,
    #[serde(rename = "geography")]
    pub geographies: Vec<Geography>,
    /// Newest first within each family; families in the order they were
    /// first seen.
    #[serde(rename = "model")]
    pub models: Vec<Model>,
    #[serde(skip_deserializing)]
    pub application_profiles: Vec<ApplicationProfile>,
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

/// What a `--model` value resolved to.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'c> {
    /// A model; `geography` is set when the value was a profile ID, which
    /// names its geography too.
    Model { model: &'c Model, geography: Option<&'c Geography> },
    /// An application inference profile, by ARN.
    Application(&'c ApplicationProfile),
}

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(BUILTIN).expect("data/catalog.toml is checked by the test suite"))
    }

    /// The built-in catalog merged with every listing cached on disk: what
    /// every view and operation should use.
    pub fn load(paths: &crate::paths::Paths) -> Catalog {
        let (listings, errors) = AccountListing::load_all(paths);
        for e in &errors {
            tracing::warn!("{e}");
        }
        Catalog::builtin().merged(&listings)
    }

    /// Parses and checks a catalog.
    ///
    /// # Errors
    /// [`CatalogError::Invalid`] for TOML errors or inconsistent entries.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let mut catalog: Catalog = toml::from_str(text).map_err(|e| CatalogError::Invalid(e.to_string()))?;
        for model in &mut catalog.models {
            let parsed = model_id::parse(&model.foundation_model_id).ok_or_else(|| {
                CatalogError::Invalid(format!("{}: not a Claude model ID", model.foundation_model_id))
            })?;
            if parsed.geography.is_some() {
                return Err(CatalogError::Invalid(format!(
                    "{}: a foundation model ID has no prefix",
                    parsed.foundation_id
                )));
            }
            let name = parsed.model;
            model.key = name.key();
            model.family = name.family.clone();
            if model.name.is_empty() {
                model.name = name.display();
            }
            model.version = Some(name);
            for (geo, id) in &model.profiles {
                if catalog.geographies.iter().all(|g| &g.key != geo) {
                    return Err(CatalogError::Invalid(format!("{}: unknown geography {geo}", model.key)));
                }
                if id != &format!("{geo}.{}", model.foundation_model_id) {
                    return Err(CatalogError::Invalid(format!(
                        "{}: {id} is not {geo}.{}",
                        model.key, model.foundation_model_id
                    )));
                }
            }
        }
        for geo in &catalog.geographies {
            if !geo.serves(geo.default_region.as_str()) {
                return Err(CatalogError::Invalid(format!("{}: default region not a source region", geo.key)));
            }
        }
        if !(0.0..1.0).contains(&catalog.regional_premium) {
            return Err(CatalogError::Invalid("regional_premium must be a fraction below 1".into()));
        }
        catalog.sort_models();
        Ok(catalog)
    }

    /// Families from the priciest (most capable) to the cheapest, judged by
    /// each family's newest priced model, unpriced families (new in the
    /// account) last; each family newest first.
    fn sort_models(&mut self) {
        let mut families: Vec<(String, f64)> = Vec::new();
        for m in &self.models {
            if !families.iter().any(|(f, _)| f == &m.family) {
                let newest_price = self
                    .models
                    .iter()
                    .filter(|x| x.family == m.family)
                    .max_by(|a, b| ModelName::newest_first(b.version(), a.version()).then(std::cmp::Ordering::Equal))
                    .and_then(|x| x.prices)
                    .map_or(-1.0, |p| p.input);
                families.push((m.family.clone(), newest_price));
            }
        }
        families.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.models.sort_by(|a, b| {
            let rank = |m: &Model| families.iter().position(|(f, _)| f == &m.family);
            rank(a).cmp(&rank(b)).then_with(|| ModelName::newest_first(a.version(), b.version()))
        });
    }

    /// This catalog with what the account listings report added: profile
    /// IDs the data file lacks, models and families it has never heard of
    /// (unpriced), geographies by their prefix, and application profiles.
    pub fn merged(&self, listings: &[AccountListing]) -> Catalog {
        let mut out = self.clone();
        // Oldest first, so a newer listing's view wins where they differ.
        for listing in listings.iter().rev() {
            for p in listing.profiles.iter().filter(|p| p.is_active()) {
                match p.kind {
                    ProfileKind::SystemDefined => out.add_system_profile(&p.id, &listing.region),
                    ProfileKind::Application => {
                        let model = p
                            .models
                            .iter()
                            .find_map(|m| model_id::parse(m))
                            .map(|parsed| out.model_entry(parsed.model, &parsed.foundation_id).key.clone());
                        out.application_profiles.retain(|a| a.arn != p.arn);
                        out.application_profiles.push(ApplicationProfile {
                            arn: p.arn.clone(),
                            name: p.name.clone(),
                            region: listing.region.clone(),
                            model,
                            routes_to: p.regions.clone(),
                        });
                    }
                }
            }
        }
        out.keep_only_listed(listings);
        out.sort_models();
        out
    }

    /// Where the account listed a geography's profiles (from a region that
    /// geography serves), only what it listed is offered: a built-in
    /// profile the account does not have is not offered to pick.
    fn keep_only_listed(&mut self, listings: &[AccountListing]) {
        for geo in &self.geographies {
            let listed: Vec<&str> = listings
                .iter()
                .filter(|l| geo.serves(&l.region))
                .flat_map(|l| l.profiles.iter())
                .filter(|p| p.kind == ProfileKind::SystemDefined && p.is_active())
                .map(|p| p.id.as_str())
                .collect();
            if !listings.iter().any(|l| geo.serves(&l.region)) {
                continue;
            }
            for model in &mut self.models {
                model.profiles.retain(|g, id| g != &geo.key || listed.contains(&id.as_str()));
            }
        }
    }

    fn add_system_profile(&mut self, id: &str, listed_in: &str) {
        let Some(parsed) = model_id::parse(id) else { return };
        let Some(geo) = parsed.geography.clone() else { return };
        if let Some(g) = self.geographies.iter_mut().find(|g| g.key == geo) {
            // The account calls it from this region, whatever the data says.
            if !g.serves(listed_in) {
                if let Ok(r) = Region::new(listed_in) {
                    g.source_regions.push(r);
                }
            }
        } else if let Ok(region) = Region::new(listed_in) {
            self.geographies.push(Geography {
                name: geo.to_uppercase(),
                key: geo.clone(),
                default_region: region.clone(),
                source_regions: vec![region],
                source: format!("ListInferenceProfiles in {listed_in}"),
            });
        }
        let model = self.model_entry(parsed.model, &parsed.foundation_id);
        model.origin = Origin::Account;
        model.profiles.entry(geo).or_insert_with(|| id.to_string());
    }

    /// The model with this foundation ID, added (unpriced) if new.
    fn model_entry(&mut self, name: ModelName, foundation_id: &str) -> &mut Model {
        let i = match self.models.iter().position(|m| m.foundation_model_id == foundation_id) {
            Some(i) => i,
            None => {
                self.models.push(Model::from_name(name, foundation_id.to_string(), Origin::Account));
                self.models.len() - 1
            }
        };
        &mut self.models[i]
    }

    /// Looks up a geography by key (`eu`), case-insensitively.
    ///
    /// # Errors
    /// [`CatalogError::UnknownGeography`] listing the valid keys.
    pub fn geography(&self, key: &str) -> Result<&Geography, CatalogError> {
        self.geographies.iter().find(|g| g.key.eq_ignore_ascii_case(key.trim())).ok_or_else(|| {
            CatalogError::UnknownGeography {
                value: key.to_string(),
                valid: self.geographies.iter().map(|g| g.key.clone()).collect(),
            }
        })
    }

    /// Resolves a `--model` value: a family (`opus`: the newest Opus, in
    /// `geography` when one is given), a family and version (`opus-4-6`,
    /// `sonnet-5`, `Claude Opus 4.6`), a foundation model or inference
    /// profile ID (which names its geography too), or an application
    /// inference profile ARN.
    ///
    /// # Errors
    /// [`CatalogError::UnknownModel`] listing the valid choices.
    pub fn resolve(&self, value: &str, geography: Option<&Geography>) -> Result<Resolved<'_>, CatalogError> {
        let value = value.trim();
        if let Some(app) = self.application_profiles.iter().find(|a| a.arn == value) {
            return Ok(Resolved::Application(app));
        }
        if let Some((model, geo)) = self.locate(value) {
            return Ok(Resolved::Model { model, geography: Some(geo) });
        }
        if let Some(model) = self.models.iter().find(|m| m.foundation_model_id == value) {
            return Ok(Resolved::Model { model, geography: None });
        }
        let matching = self.models.iter().filter(|m| m.version().matches(value) || m.name.eq_ignore_ascii_case(value));
        // Models are newest first: the first offered in the geography wins.
        let mut first = None;
        for m in matching {
            if geography.is_none_or(|g| m.profiles.contains_key(&g.key)) {
                return Ok(Resolved::Model { model: m, geography: None });
            }
            first.get_or_insert(m);
        }
        // Known, but not in this geography: the caller says where it is.
        if let Some(model) = first {
            return Ok(Resolved::Model { model, geography: None });
        }
        Err(CatalogError::UnknownModel { value: value.to_string(), valid: self.choices() })
    }

    /// Resolves a value that must name a model (not an application
    /// profile); see [`Catalog::resolve`].
    ///
    /// # Errors
    /// [`CatalogError::UnknownModel`] listing the valid choices.
    pub fn model(&self, name: &str) -> Result<(&Model, Option<&Geography>), CatalogError> {
        match self.resolve(name, None)? {
            Resolved::Model { model, geography } => Ok((model, geography)),
            Resolved::Application(_) => {
                Err(CatalogError::UnknownModel { value: name.to_string(), valid: self.choices() })
            }
        }
    }

    /// The model `name` means in `geography` (a family: its newest there),
    /// which must be offered there.
    ///
    /// # Errors
    /// [`CatalogError::UnknownModel`] or [`CatalogError::NotInGeography`].
    pub fn model_in(&self, name: &str, geography: &Geography) -> Result<&Model, CatalogError> {
        let model = match self.resolve(name, Some(geography))? {
            Resolved::Model { model, .. } => model,
            Resolved::Application(_) => {
                return Err(CatalogError::UnknownModel { value: name.to_string(), valid: self.choices() })
            }
        };
        self.profile_id(model, geography)?;
        Ok(model)
    }

    /// What `--model` accepts, for error messages: each family, then each
    /// model's key.
    pub fn choices(&self) -> Vec<String> {
        let mut out: Vec<String> = self.families();
        out.extend(self.models.iter().map(|m| m.key.clone()));
        out
    }

    /// Every family, in catalog order.
    pub fn families(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.models {
            if !out.contains(&m.family) {
                out.push(m.family.clone());
            }
        }
        out
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
    /// prefix, for IDs the catalog does not list.
    pub fn geography_of_id(&self, profile_id: &str) -> Option<&Geography> {
        let prefix = model_id::parse(profile_id)?.geography?;
        self.geographies.iter().find(|g| g.key == prefix)
    }

    /// The profile ID of `model` in `geography`.
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

    /// The newest model of `family` that has a profile in `geography`.
    pub fn family_default(&self, family: &str, geography: &Geography) -> Option<&Model> {
        self.models.iter().find(|m| m.family == family && m.profiles.contains_key(&geography.key))
    }

    /// The models offered in `geography`.
    pub fn offered_in(&self, geography: &Geography) -> impl Iterator<Item = &Model> + '_ {
        let key = geography.key.clone();
        self.models.iter().filter(move |m| m.profiles.contains_key(&key))
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

    /// What `model` costs per million tokens when called as `called_as`:
    /// a geographic profile (`us.`, `eu.`, ...) is billed
    /// [`Catalog::regional_premium`] more than a global one, a foundation
    /// model ID or an Anthropic model name. `None` when unpriced.
    pub fn billed_prices(&self, model: &Model, called_as: &str) -> Option<Prices> {
        let prices = model.prices?;
        let geographic = model_id::parse(called_as).and_then(|p| p.geography).is_some_and(|g| g != "global");
        Some(if geographic { prices.scaled(1.0 + self.regional_premium) } else { prices })
    }
}

#[cfg(test)]
mod tests {
    use super::account::ListedProfile;
    use super::*;
    use time::macros::datetime;

    #[test]
    fn builtin_catalog_parses_and_the_newest_of_each_family_is_everywhere_that_matters() {
        let c = Catalog::builtin();
        for family in ["opus", "sonnet", "haiku"] {
            for geo in ["us", "eu", "global"] {
                let g = c.geography(geo).unwrap();
                let m = c.family_default(family, g).unwrap_or_else(|| panic!("no {family} in {geo}"));
                let id = m.profile_id(geo).unwrap();
                assert!(id.starts_with(&format!("{geo}.anthropic.claude-{family}-")), "{id}");
                let p = m.prices.unwrap_or_else(|| panic!("{} has no price", m.key));
                assert!(p.input > 0.0 && p.output > p.input, "{}", m.key);
            }
        }
    }

    #[test]
    fn seed_guide_eu_ids_are_in_the_catalog() {
        let c = Catalog::builtin();
        for (id, key) in [
            ("eu.anthropic.claude-opus-4-6-v1", "opus-4-6"),
            ("eu.anthropic.claude-sonnet-4-6", "sonnet-4-6"),
            ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "haiku-4-5"),
        ] {
            let (m, g) = c.locate(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!((m.key.as_str(), g.key.as_str()), (key, "eu"));
        }
    }

    #[test]
    fn a_family_means_its_newest_model_in_the_geography() {
        let c = Catalog::builtin();
        let newest = |family: &str, geo: &str| match c.resolve(family, Some(c.geography(geo).unwrap())).unwrap() {
            Resolved::Model { model, .. } => model.key.clone(),
            Resolved::Application(_) => unreachable!(),
        };
        let eu_opus = newest("opus", "eu");
        assert_eq!(eu_opus, c.family_default("opus", c.geography("eu").unwrap()).unwrap().key);
        // Each key resolves to itself, and versions in any spelling too.
        for m in &c.models {
            assert_eq!(c.model(&m.key).unwrap().0.key, m.key);
            assert_eq!(c.model(&m.name).unwrap().0.key, m.key, "by display name");
        }
        assert_eq!(c.model("opus-4.6").unwrap().0.key, "opus-4-6");
        let (m, g) = c.model("us.anthropic.claude-opus-4-6-v1").unwrap();
        assert_eq!((m.key.as_str(), g.unwrap().key.as_str()), ("opus-4-6", "us"));
        let err = c.model("gpt-5").unwrap_err().to_string();
        assert!(err.contains("opus") && err.contains("haiku") && err.contains("opus-4-6"), "{err}");
        assert!(c.geography("mars").unwrap_err().to_string().contains("eu"));
        assert_eq!(c.geography_for_region("eu-west-1").unwrap().key, "eu");
        assert_eq!(c.geography_for_region("us-east-1").unwrap().key, "us");
    }

    fn listing(region: &str, ids: &[&str]) -> AccountListing {
        let profiles = ids
            .iter()
            .map(|id| {
                let foundation = id.split_once('.').map_or(*id, |(_, f)| f);
                let arn = format!("arn:aws:bedrock:{region}::foundation-model/{foundation}");
                ListedProfile::from_summary(
                    id,
                    &format!("arn:aws:bedrock:{region}:123456789012:inference-profile/{id}"),
                    id,
                    ProfileKind::SystemDefined,
                    "ACTIVE",
                    &[arn.as_str()],
                )
            })
            .collect();
        AccountListing::new(region, datetime!(2026-11-30 09:00 UTC), profiles)
    }

    #[test]
    fn the_account_adds_models_families_and_geographies_no_build_knows() {
        let account = listing(
            "eu-central-1",
            &["eu.anthropic.claude-quill-7-1", "eu.anthropic.claude-opus-9", "ca.anthropic.claude-quill-7-1"],
        );
        let c = Catalog::builtin().merged(&[account]);
        let eu = c.geography("eu").unwrap();
        let (quill, _) = c.model("quill").unwrap();
        assert_eq!((quill.key.as_str(), quill.name.as_str()), ("quill-7-1", "Claude Quill 7.1"));
        assert_eq!(quill.origin, Origin::Account);
        assert!(quill.prices.is_none(), "a new family is unpriced until the data file knows it");
        assert_eq!(c.profile_id(quill, eu).unwrap(), "eu.anthropic.claude-quill-7-1");
        assert_eq!(c.family_default("opus", eu).unwrap().key, "opus-9", "the account's newer Opus comes first");
        let ca = c.geography("ca").expect("a geography seen only in the account");
        assert!(ca.serves("eu-central-1"));
        assert!(c.families().contains(&"quill".to_string()));
        assert!(Catalog::builtin().model("quill").is_err(), "the built-in catalog is untouched");
        // Where the account listed the EU, only what it listed is offered there.
        let opus_4_6 = c.model("opus-4-6").unwrap().0;
        assert!(!opus_4_6.profiles.contains_key("eu"), "not listed in eu-central-1: {:?}", opus_4_6.profiles);
        assert!(opus_4_6.profiles.contains_key("us"), "no US listing: the built-in data stands");
    }

    #[test]
    fn geographic_profiles_cost_the_premium_more_than_global_ones() {
        let c = Catalog::builtin();
        let (m, _) = c.model("opus-4-6").unwrap();
        let global = c.billed_prices(m, "global.anthropic.claude-opus-4-6-v1").unwrap();
        let eu = c.billed_prices(m, "eu.anthropic.claude-opus-4-6-v1").unwrap();
        assert_eq!(global, m.prices.unwrap(), "the data file's prices are the global ones");
        assert_eq!(c.billed_prices(m, "claude-opus-4-6").unwrap(), global, "the Anthropic API name: no premium");
        assert!((eu.input / global.input - (1.0 + c.regional_premium)).abs() < 1e-9);
        assert!((eu.output / global.output - (1.0 + c.regional_premium)).abs() < 1e-9);
        assert!(c.regional_premium > 0.05 && c.regional_premium < 0.2);
        let quill = Catalog::builtin().merged(&[listing("eu-central-1", &["eu.anthropic.claude-quill-7-1"])]);
        let (q, _) = quill.model("quill").unwrap();
        assert!(quill.billed_prices(q, "eu.anthropic.claude-quill-7-1").is_none(), "unknown price stays unknown");
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
        let wrong_id = r#"
[[geography]]
key = "eu"
name = "EU"
default_region = "eu-west-1"
source_regions = ["eu-west-1"]
[[model]]
foundation_model_id = "anthropic.claude-opus-4-6-v1"
[model.profiles]
eu = "eu.anthropic.claude-opus-4-5-v1"
"#;
        assert!(matches!(Catalog::parse(wrong_id), Err(CatalogError::Invalid(_))));
    }
}
