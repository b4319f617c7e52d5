//! The Bedrock probe: ListInferenceProfiles in the region, read through
//! the catalog.

use super::classify::{classify, iam_denial, with_retries, CallError};
use super::{ActiveProfile, Attempt, BedrockProfiles, Cause, Ctx, ExtraProfile, ProbeTarget};
use crate::catalog::Catalog;
use aws_config::SdkConfig;

pub(super) async fn probe_bedrock(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<BedrockProfiles>, u32) {
    use aws_sdk_bedrock::types::{InferenceProfileStatus, InferenceProfileType};
    let client = aws_sdk_bedrock::Client::new(config);
    let (answer, retries, persistent) = with_retries("bedrock", ctx.options, || async {
        let mut pages =
            client.list_inference_profiles().type_equals(InferenceProfileType::SystemDefined).into_paginator().send();
        let mut all = Vec::new();
        let mut count = 0u32;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| CallError::from_sdk("bedrock", &e))?;
            count += 1;
            for p in page.inference_profile_summaries() {
                if p.status() == &InferenceProfileStatus::Active {
                    all.push((p.inference_profile_id().to_string(), p.inference_profile_name().to_string()));
                }
            }
        }
        Ok::<(Vec<(String, String)>, u32), CallError>((all, count))
    })
    .await;
    let result = match answer {
        Ok((active_ids, pages)) => read_profiles(ctx.target, &active_ids, pages),
        Err(e) => Err(persistent.unwrap_or_else(|| {
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
        })),
    };
    (result, retries)
}

/// Reads the ACTIVE profile IDs through the catalog, and checks the
/// selected model is among them.
fn read_profiles(target: &ProbeTarget, active_ids: &[(String, String)], pages: u32) -> Attempt<BedrockProfiles> {
    let catalog = Catalog::builtin();
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
