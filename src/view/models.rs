//! `bedrock-tray models` and the dashboard's model list: the merged catalog
//! as rows, each saying where it comes from and how old that is.

use crate::catalog::account::{age_text, AccountListing};
use crate::catalog::{ApplicationProfile, Catalog, Geography, Prices};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One model of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    pub family: String,
    /// `opus-5-5`: what `use --model` takes.
    pub key: String,
    pub name: String,
    pub version: String,
    /// Geography key -> inference profile ID.
    pub profiles: BTreeMap<String, String>,
    /// Global-profile prices; `None`: not known to this build.
    pub prices: Option<Prices>,
    /// `account` when a listing reported it, else `built-in`.
    pub source: &'static str,
    /// The regions whose listing reported it, each with the listing's age.
    pub listed_in: Vec<ListedIn>,
}

/// A region whose listing names a model, and when it was read.
#[derive(Debug, Clone, Serialize)]
pub struct ListedIn {
    pub region: String,
    pub account: Option<String>,
    pub age_secs: i64,
    pub age: String,
}

/// A cached listing, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct ListingRow {
    pub account: Option<String>,
    pub region: String,
    #[serde(with = "time::serde::rfc3339")]
    pub read_at: OffsetDateTime,
    pub age: String,
    pub profiles: usize,
}

/// Everything `models` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ModelsView {
    pub models: Vec<ModelRow>,
    pub application_profiles: Vec<ApplicationProfile>,
    pub geographies: Vec<Geography>,
    pub listings: Vec<ListingRow>,
    /// Cached listings that could not be read, each with its fix.
    pub errors: Vec<String>,
}

impl ModelsView {
    /// The built-in catalog merged with every cached listing, as of `now`.
    pub fn read(paths: &crate::paths::Paths, now: OffsetDateTime) -> ModelsView {
        let (listings, errors) = AccountListing::load_all(paths);
        let mut view = Self::of(&Catalog::builtin().merged(&listings), &listings, now);
        view.errors = errors.iter().map(ToString::to_string).collect();
        view
    }

    /// The rows of `catalog`, with `listings` saying where each was seen.
    pub fn of(catalog: &Catalog, listings: &[AccountListing], now: OffsetDateTime) -> ModelsView {
        let models = catalog
            .models
            .iter()
            .map(|m| {
                let listed_in: Vec<ListedIn> = listings
                    .iter()
                    .filter(|l| l.profiles.iter().any(|p| m.profiles.values().any(|id| id == &p.id)))
                    .map(|l| ListedIn {
                        region: l.region.clone(),
                        account: l.account.clone(),
                        age_secs: l.age_secs(now),
                        age: age_text(l.age_secs(now)),
                    })
                    .collect();
                ModelRow {
                    family: m.family.clone(),
                    key: m.key.clone(),
                    name: m.name.clone(),
                    version: m.version_text(),
                    profiles: m.profiles.clone(),
                    prices: m.prices,
                    source: if listed_in.is_empty() { "built-in" } else { "account" },
                    listed_in,
                }
            })
            .collect();
        let listings = listings
            .iter()
            .map(|l| ListingRow {
                account: l.account.clone(),
                region: l.region.clone(),
                read_at: l.read_at,
                age: age_text(l.age_secs(now)),
                profiles: l.profiles.len(),
            })
            .collect();
        ModelsView {
            models,
            application_profiles: catalog.application_profiles.clone(),
            geographies: catalog.geographies.clone(),
            listings,
            errors: Vec::new(),
        }
    }

    /// The age of the newest listing, in seconds; `None` when nothing was
    /// ever read from the account.
    pub fn newest_listing_age(&self, now: OffsetDateTime) -> Option<i64> {
        self.listings.iter().map(|l| (now - l.read_at).whole_seconds().max(0)).min()
    }
}

/// Whether the cached catalog is old enough to refresh (a day), or absent.
pub fn needs_refresh(paths: &crate::paths::Paths, now: OffsetDateTime) -> bool {
    let (listings, _) = AccountListing::load_all(paths);
    listings.iter().map(|l| l.age_secs(now)).min().is_none_or(|age| age > 24 * 3600)
}
