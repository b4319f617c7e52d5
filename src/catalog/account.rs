//! What the account itself says it can call: the inference profiles
//! Bedrock's ListInferenceProfiles reports for one account and region,
//! cached on disk with the time they were read.
//!
//! This is the truth the built-in catalog only approximates: a model or a
//! geography released last week is here before any release of ours. One
//! file per account and region under the app's folder
//! (`models/<account>_<region>.json`, one flat folder so one watch sees
//! every change), written atomically; a failed refresh never replaces it.

use crate::atomic_file::{write_atomic, WriteError};
use crate::catalog::model_id;
use crate::paths::Paths;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Whether Bedrock defines the profile (`us.anthropic...`) or the account
/// made it (an application inference profile, known by its ARN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    SystemDefined,
    Application,
}

/// One inference profile as ListInferenceProfiles describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedProfile {
    /// `eu.anthropic.claude-opus-5-5`; for an application profile its
    /// short ID (the ARN is what callers use).
    pub id: String,
    pub arn: String,
    pub name: String,
    pub kind: ProfileKind,
    /// `ACTIVE`, or whatever Bedrock says instead.
    pub status: String,
    /// Foundation model IDs behind the profile (from `models[].modelArn`).
    pub models: Vec<String>,
    /// The regions it routes to (from `models[].modelArn`).
    pub regions: Vec<String>,
}

impl ListedProfile {
    /// What callers put in `ANTHROPIC_MODEL`: the ID of a system-defined
    /// profile, the ARN of an application one.
    pub fn model_ref(&self) -> &str {
        match self.kind {
            ProfileKind::SystemDefined => &self.id,
            ProfileKind::Application => &self.arn,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
    }

    /// Whether this is a Claude profile (its ID, or the model behind it).
    pub fn is_claude(&self) -> bool {
        model_id::parse(&self.id).is_some() || self.models.iter().any(|m| model_id::parse(m).is_some())
    }

    /// Builds a profile from the pieces of an `InferenceProfileSummary`:
    /// the regions and foundation model IDs come out of each model ARN
    /// (`arn:aws:bedrock:REGION::foundation-model/ID`).
    pub fn from_summary(
        id: &str,
        arn: &str,
        name: &str,
        kind: ProfileKind,
        status: &str,
        model_arns: &[&str],
    ) -> ListedProfile {
        let mut models = Vec::new();
        let mut regions = Vec::new();
        for model_arn in model_arns {
            let mut parts = model_arn.splitn(6, ':');
            let region = parts.nth(3).unwrap_or_default();
            let model = model_arn.rsplit_once('/').map_or(*model_arn, |(_, m)| m);
            if !region.is_empty() && !regions.iter().any(|r| r == region) {
                regions.push(region.to_string());
            }
            if !models.iter().any(|m| m == model) {
                models.push(model.to_string());
            }
        }
        regions.sort();
        ListedProfile {
            id: id.to_string(),
            arn: arn.to_string(),
            name: name.to_string(),
            kind,
            status: status.to_string(),
            models,
            regions,
        }
    }
}

/// Everything one ListInferenceProfiles read returned, for one account and
/// region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountListing {
    /// The account, read from the profiles' ARNs (`None` when the region
    /// listed nothing).
    pub account: Option<String>,
    pub region: String,
    #[serde(with = "time::serde::rfc3339")]
    pub read_at: OffsetDateTime,
    pub profiles: Vec<ListedProfile>,
}

/// A cached listing could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("cannot read the model cache {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the model cache {path} is corrupt ({source}); `bedrock-tray models --refresh` rewrites it")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Listing files are small; anything larger is not ours.
const MAX_LISTING_BYTES: u64 = 8 << 20;

impl AccountListing {
    /// A listing read now from `region`; the account comes from the ARNs.
    pub fn new(region: &str, read_at: OffsetDateTime, profiles: Vec<ListedProfile>) -> AccountListing {
        let account = profiles.iter().find_map(|p| {
            let account = p.arn.split(':').nth(4)?;
            (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
        });
        AccountListing { account, region: region.to_string(), read_at, profiles }
    }

    /// The folder of every cached listing.
    pub fn dir(paths: &Paths) -> PathBuf {
        paths.app_dir.join("models")
    }

    fn file(&self, paths: &Paths) -> PathBuf {
        let account = self.account.as_deref().unwrap_or("unknown-account");
        Self::dir(paths).join(format!("{account}_{}.json", self.region))
    }

    /// Writes the listing atomically, replacing the previous one of the
    /// same account and region.
    ///
    /// # Errors
    /// [`ListingError::Write`] when the file cannot be written.
    pub fn save(&self, paths: &Paths) -> Result<PathBuf, ListingError> {
        let path = self.file(paths);
        let mut text = serde_json::to_vec_pretty(self).expect("a listing serialises");
        text.push(b'\n');
        write_atomic(&path, &text, 0o600)?;
        Ok(path)
    }

    /// Every cached listing, newest first. Unreadable files are returned
    /// as errors beside the good ones, so one corrupt file hides nothing.
    pub fn load_all(paths: &Paths) -> (Vec<AccountListing>, Vec<ListingError>) {
        let mut listings = Vec::new();
        let mut errors = Vec::new();
        let Ok(files) = std::fs::read_dir(Self::dir(paths)) else {
            return (listings, errors);
        };
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                match Self::load(&path) {
                    Ok(listing) => listings.push(listing),
                    Err(e) => errors.push(e),
                }
            }
        }
        listings.sort_by(|a, b| b.read_at.cmp(&a.read_at).then_with(|| a.region.cmp(&b.region)));
        (listings, errors)
    }

    /// Reads one cached listing.
    ///
    /// # Errors
    /// [`ListingError`] when the file cannot be read or does not parse.
    pub fn load(path: &Path) -> Result<AccountListing, ListingError> {
        let read = |source| ListingError::Read { path: path.to_path_buf(), source };
        let meta = std::fs::metadata(path).map_err(read)?;
        if !meta.is_file() || meta.len() > MAX_LISTING_BYTES {
            return Err(read(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not a regular file of a sane size",
            )));
        }
        let bytes = std::fs::read(path).map_err(read)?;
        serde_json::from_slice(&bytes).map_err(|source| ListingError::Corrupt { path: path.to_path_buf(), source })
    }

    /// How long ago the listing was read, in whole seconds (never negative).
    pub fn age_secs(&self, now: OffsetDateTime) -> i64 {
        (now - self.read_at).whole_seconds().max(0)
    }
}

/// `3 min`, `5 h`, `2 days`: an age as people read it.
pub fn age_text(secs: i64) -> String {
    match secs {
        s if s < 90 => format!("{s} s"),
        s if s < 90 * 60 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn system(id: &str, regions: &[&str]) -> ListedProfile {
        let arns: Vec<String> = regions
            .iter()
            .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{}", id.split_once('.').unwrap().1))
            .collect();
        let arns: Vec<&str> = arns.iter().map(String::as_str).collect();
        ListedProfile::from_summary(
            id,
            &format!("arn:aws:bedrock:eu-central-1:123456789012:inference-profile/{id}"),
            id,
            ProfileKind::SystemDefined,
            "ACTIVE",
            &arns,
        )
    }

    #[test]
    fn regions_and_models_come_out_of_the_model_arns() {
        let p = system("eu.anthropic.claude-opus-5-5", &["eu-west-1", "eu-central-1", "eu-west-1"]);
        assert_eq!(p.regions, ["eu-central-1", "eu-west-1"], "sorted, each once");
        assert_eq!(p.models, ["anthropic.claude-opus-5-5"]);
        assert!(p.is_claude() && p.is_active());
        assert_eq!(p.model_ref(), "eu.anthropic.claude-opus-5-5");
    }

    #[test]
    fn a_listing_round_trips_through_its_file_and_a_corrupt_one_is_named() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(home.path());
        let listing = AccountListing::new(
            "eu-central-1",
            datetime!(2026-11-30 10:00 UTC),
            vec![system("eu.anthropic.claude-opus-5-5", &["eu-central-1"])],
        );
        assert_eq!(listing.account.as_deref(), Some("123456789012"));
        let path = listing.save(&paths).unwrap();
        assert!(path.ends_with("models/123456789012_eu-central-1.json"), "{}", path.display());
        let (all, errors) = AccountListing::load_all(&paths);
        assert_eq!((all, errors.len()), (vec![listing], 0));

        std::fs::write(Path::new(&path).with_file_name("123456789012_us-east-1.json"), "{ not json").unwrap();
        let (all, errors) = AccountListing::load_all(&paths);
        assert_eq!(all.len(), 1, "the good file is still read");
        assert!(errors[0].to_string().contains("us-east-1.json"), "{}", errors[0]);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_text(42), "42 s");
        assert_eq!(age_text(600), "10 min");
        assert_eq!(age_text(5 * 3600), "5 h");
        assert_eq!(age_text(3 * 86_400), "3 days");
    }
}
