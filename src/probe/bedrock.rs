//! The Bedrock probe: ListInferenceProfiles in the region, read through
//! the catalog.

use super::classify::{classify, iam_denial, with_retries, CallError};
use super::{ActiveProfile, Attempt, BedrockProfiles, Cause, Ctx, ExtraProfile, ProbeTarget};
use crate::catalog::account::{AccountListing, ListedProfile, ProfileKind};
use crate::catalog::Catalog;
use aws_config::SdkConfig;

pub(super) async fn probe_bedrock(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<BedrockProfiles>, u32) {
    let (answer, retries, persistent) = with_retries("bedrock", ctx.options, || list_profiles(config)).await;
    let result = match answer {
        Ok((profiles, pages)) => {
            // A connection check is also a catalog refresh of its region.
            let listing = AccountListing::new(&ctx.target.region, ctx.now, profiles);
            if let Err(e) = listing.save(ctx.paths) {
                tracing::warn!("{e}");
            }
            let active: Vec<(String, String)> = listing
                .profiles
                .iter()
                .filter(|p| p.is_active() && p.kind == ProfileKind::SystemDefined)
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect();
            // Against this build's own list: what it does not know yet is
            // reported as new (the merged catalog already has it).
            read_profiles(ctx.target, Catalog::builtin(), &active, pages)
        }
        Err(e) => Err(persistent.unwrap_or_else(|| list_cause(ctx, e))),
    };
    (result, retries)
}

/// Every inference profile the region lists, system-defined and
/// application ones, every page; with the number of pages.
pub(super) async fn list_profiles(config: &SdkConfig) -> Result<(Vec<ListedProfile>, u32), CallError> {
    use aws_sdk_bedrock::types::InferenceProfileType;
    let client = aws_sdk_bedrock::Client::new(config);
    let mut all = Vec::new();
    let mut pages = 0u32;
    for kind in [InferenceProfileType::SystemDefined, InferenceProfileType::Application] {
        let mut stream = client.list_inference_profiles().type_equals(kind.clone()).into_paginator().send();
        while let Some(page) = stream.next().await {
            let page = page.map_err(|e| CallError::from_sdk("bedrock", &e))?;
            pages += 1;
            for p in page.inference_profile_summaries() {
                let model_arns: Vec<&str> = p.models().iter().filter_map(|m| m.model_arn()).collect();
                all.push(ListedProfile::from_summary(
                    p.inference_profile_id(),
                    p.inference_profile_arn(),
                    p.inference_profile_name(),
                    match p.r#type() {
                        InferenceProfileType::Application => ProfileKind::Application,
                        _ => ProfileKind::SystemDefined,
                    },
                    p.status().as_str(),
                    &model_arns,
                ));
            }
        }
    }
    Ok((all, pages))
}

/// The sentence for a failed listing.
pub(super) fn list_cause(ctx: &Ctx<'_>, e: CallError) -> Cause {
    classify("bedrock", ctx, e, |e| match e.code.as_deref() {
        Some("AccessDeniedException") => Some(match iam_denial(&e.message) {
            Some((action, resource)) => Cause::MissingPermission { action, resource },
            None => Cause::MissingPermission {
                action: "bedrock:ListInferenceProfiles".into(),
                resource: "arn:aws:bedrock:*:*:inference-profile/*".into(),
            },
        }),
        _ => None,
    })
}

/// Reads the ACTIVE profile IDs through the catalog, and checks the
/// selected model is among them.
fn read_profiles(
    target: &ProbeTarget,
    catalog: &Catalog,
    active_ids: &[(String, String)],
    pages: u32,
) -> Attempt<BedrockProfiles> {
    let mut out = BedrockProfiles { pages, ..Default::default() };
    for (id, name) in active_ids {
        if let Some((model, geo)) = catalog.locate(id) {
            out.active.push(ActiveProfile { model: model.key.clone(), geography: geo.key.clone(), id: id.clone() });
        } else if id.contains("anthropic.claude") {
            out.extra.push(ExtraProfile { id: id.clone(), name: name.clone() });
        }
    }
    if let Some(selected) = &target.model_id {
        let listed = active_ids.iter().any(|(id, _)| id == selected);
        let is_profile = catalog.geography_of_id(selected).is_some();
        if !listed && is_profile {
            return Err(wrong_pairing(target, selected));
        }
    }
    let summary = format!(
        "{} catalog profile{} active in {}{}",
        out.active.len(),
        if out.active.len() == 1 { "" } else { "s" },
        target.region,
        if out.extra.is_empty() { String::new() } else { format!(", {} new Claude profile(s)", out.extra.len()) }
    );
    Ok((out, summary))
}

/// The selected profile is not callable from the region: a geography
/// mismatch when the catalog says so, else simply not offered there.
pub(super) fn wrong_pairing(target: &ProbeTarget, model_id: &str) -> Cause {
    match Catalog::builtin().geography_of_id(model_id) {
        Some(geo) if !geo.serves(&target.region) => Cause::WrongRegion {
            model_id: model_id.into(),
            region: target.region.clone(),
            geography: geo.key.clone(),
            geography_name: geo.name.clone(),
        },
        _ => Cause::ProfileNotOffered { model_id: model_id.into(), region: target.region.clone() },
    }
}

pub(super) fn model_name(model_id: &str) -> String {
    let catalog = Catalog::builtin();
    catalog
        .locate(model_id)
        .map(|(m, _)| m.name.clone())
        .or_else(|| catalog.models.iter().find(|m| m.foundation_model_id == model_id).map(|m| m.name.clone()))
        .unwrap_or_else(|| model_id.to_string())
}
