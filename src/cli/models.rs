//! `bedrock-tray models [--refresh]`: what the account can call, merged
//! with the built-in catalog; the reading is in `bedrock_tray::probe::models`.

use super::{render, Failure};
use bedrock_tray::paths::Paths;
use bedrock_tray::probe::models::{self as refresh, RefreshReport};
use bedrock_tray::probe::{ProbeOptions, ProbeTarget};
use bedrock_tray::view::models::ModelsView;
use serde::Serialize;
use std::time::Duration;
use time::OffsetDateTime;

#[derive(clap::Args)]
pub struct ModelsArgs {
    /// Read the inference profiles from the account first (ListInferenceProfiles
    /// in the selected region and each geography's default region).
    #[arg(long)]
    pub refresh: bool,
    /// The AWS profile to read with (default: the selected one, else the
    /// default credential chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// The region to read first (default: the selected one).
    #[arg(long)]
    pub region: Option<String>,
    /// Time limit of each region's read, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh: Option<RefreshReport>,
    #[serde(flatten)]
    view: ModelsView,
}

pub fn run(paths: &Paths, args: ModelsArgs, now: OffsetDateTime) -> Result<(), Failure> {
    let report = if args.refresh {
        if let Some(r) = &args.region {
            bedrock_tray::names::Region::new(r).map_err(Failure::usage)?;
        }
        let target = ProbeTarget::for_refresh(paths, args.profile.as_deref(), args.region.as_deref());
        let mut options = ProbeOptions::default();
        if let Some(t) = args.timeout {
            if !(t.is_finite() && t > 0.0) {
                return Err(Failure::usage("--timeout must be a positive number of seconds"));
            }
            options = options.with_timeout(Duration::from_secs_f64(t));
        }
        Some(super::runtime()?.block_on(refresh::refresh(paths, &target, &options, now)))
    } else {
        None
    };
    let view = ModelsView::read(paths, now);
    let selected_failed = report.as_ref().is_some_and(|r| !r.selected_ok());
    if args.json {
        render::print_json(&Output { refresh: report, view });
    } else {
        if let Some(r) = &report {
            render::refresh(r);
        }
        render::models(&view);
    }
    if selected_failed {
        return Err(Failure::env("the selected region could not be read; the last good listing is kept"));
    }
    Ok(())
}
