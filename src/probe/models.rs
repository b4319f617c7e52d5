//! Refreshing the account's model catalog: ListInferenceProfiles (every
//! page, system-defined and application profiles) in the selected region
//! and in each geography's default region, each saved per account and
//! region. A region that fails keeps its last good listing, and says why.

use super::bedrock::{list_cause, list_profiles};
use super::classify::with_retries;
use super::{sdk_config, Cause, Ctx, ProbeOptions, ProbeTarget};
use crate::aws::profiles::AwsProfiles;
use crate::catalog::account::{age_text, AccountListing};
use crate::catalog::Catalog;
use crate::paths::Paths;
use serde::Serialize;
use std::path::PathBuf;
use time::OffsetDateTime;

/// What one region's read gave.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRead {
    pub region: String,
    /// The selected region (the others are geographies' defaults).
    pub selected: bool,
    /// Claude profiles listed, when the read worked.
    pub claude_profiles: Option<usize>,
    /// Every profile listed, Claude or not.
    pub profiles: Option<usize>,
    pub pages: u32,
    pub saved_to: Option<PathBuf>,
    /// Why the read failed, with its fix.
    pub error: Option<String>,
    #[serde(skip)]
    pub cause: Option<Cause>,
    /// When the failed region was last read successfully (the listing kept).
    pub kept_listing_age: Option<String>,
}

/// The result of a refresh.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshReport {
    pub profile: String,
    pub regions: Vec<RegionRead>,
}

impl RefreshReport {
    /// Whether the selected region was read (the others are a bonus: an
    /// account need not have every region enabled).
    pub fn selected_ok(&self) -> bool {
        self.regions.iter().any(|r| r.selected && r.error.is_none())
    }
}

/// The regions a refresh reads: the selected one first, then each
/// geography's default region, each once.
pub fn refresh_regions(catalog: &Catalog, selected: &str) -> Vec<String> {
    let mut regions = vec![selected.to_string()];
    for g in &catalog.geographies {
        let r = g.default_region.as_str();
        if !regions.iter().any(|x| x == r) {
            regions.push(r.to_string());
        }
    }
    regions
}

/// Reads every region of [`refresh_regions`] concurrently, each under the
/// Bedrock probe's time limit and retries, and saves what each returned.
pub async fn refresh(
    paths: &Paths,
    target: &ProbeTarget,
    options: &ProbeOptions,
    now: OffsetDateTime,
) -> RefreshReport {
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).unwrap_or_default();
    let source = profiles.get(&target.profile).map(|p| p.credentials.clone());
    let (kept, _) = AccountListing::load_all(paths);
    let reads = refresh_regions(Catalog::builtin(), &target.region).into_iter().enumerate().map(|(i, region)| {
        let target = ProbeTarget { region, ..target.clone() };
        let (kept, source) = (&kept, source.as_ref());
        async move {
            let ctx = Ctx { paths, target: &target, source, now, options };
            let mut read = read_region(&ctx).await;
            read.selected = i == 0;
            if read.error.is_some() {
                read.kept_listing_age =
                    kept.iter().find(|l| l.region == read.region).map(|l| age_text(l.age_secs(now)));
            }
            read
        }
    });
    RefreshReport { profile: target.profile.clone(), regions: futures_util::future::join_all(reads).await }
}

async fn read_region(ctx: &Ctx<'_>) -> RegionRead {
    let region = ctx.target.region.clone();
    let config = sdk_config(ctx.paths, ctx.target).await;
    let limit = ctx.options.bedrock_timeout;
    let call = with_retries("bedrock", ctx.options, || list_profiles(&config));
    let answer = match tokio::time::timeout(limit, call).await {
        Ok((Ok(listed), _, _)) => Ok(listed),
        Ok((Err(e), _, persistent)) => Err(persistent.unwrap_or_else(|| list_cause(ctx, e))),
        Err(_) => Err(Cause::Timeout { service: "bedrock".into(), seconds: Some(limit.as_secs_f64()) }),
    };
    let mut read = RegionRead {
        region: region.clone(),
        selected: false,
        claude_profiles: None,
        profiles: None,
        pages: 0,
        saved_to: None,
        error: None,
        cause: None,
        kept_listing_age: None,
    };
    match answer {
        Ok((listed, pages)) => {
            let listing = AccountListing::new(&region, ctx.now, listed);
            read.pages = pages;
            read.profiles = Some(listing.profiles.len());
            read.claude_profiles = Some(listing.profiles.iter().filter(|p| p.is_claude()).count());
            match listing.save(ctx.paths) {
                Ok(path) => read.saved_to = Some(path),
                Err(e) => read.error = Some(e.to_string()),
            }
        }
        Err(cause) => {
            read.error = Some(cause.fix());
            read.cause = Some(cause);
        }
    }
    read
}
