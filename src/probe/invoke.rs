//! The invoke probe (opt-in): a one-token Converse call on the selected model.

use super::bedrock::{model_name, wrong_pairing};
use super::classify::{classify, iam_denial, with_retries, CallError};
use super::{Attempt, Cause, Ctx};
use aws_config::SdkConfig;

pub(super) async fn probe_invoke(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<()>, u32) {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, InferenceConfiguration, Message};
    let model_id = ctx.target.model_id.clone().unwrap_or_default();
    let client = aws_sdk_bedrockruntime::Client::new(config);
    let message = match Message::builder().role(ConversationRole::User).content(ContentBlock::Text("Hi".into())).build()
    {
        Ok(m) => m,
        Err(e) => {
            return (
                Err(Cause::Other { service: "bedrock-runtime".into(), code: "Build".into(), message: e.to_string() }),
                0,
            )
        }
    };
    let (answer, retries, persistent) = with_retries("bedrock-runtime", ctx.options, || async {
        client
            .converse()
            .model_id(&model_id)
            .messages(message.clone())
            .inference_config(InferenceConfiguration::builder().max_tokens(1).build())
            .send()
            .await
            .map_err(|e| CallError::from_sdk("bedrock-runtime", &e))
    })
    .await;
    let region = ctx.target.region.clone();
    let result = match answer {
        Ok(out) => {
            let tokens = out.usage().map_or(0, |u| u.output_tokens());
            Ok(((), format!("{} answered ({tokens} token)", model_name(&model_id))))
        }
        Err(e) => Err(persistent.unwrap_or_else(|| {
            classify("bedrock-runtime", ctx, e, |e| {
                let lower = e.message.to_ascii_lowercase();
                match e.code.as_deref() {
                    Some("AccessDeniedException") => Some(if let Some((action, resource)) = iam_denial(&e.message) {
                        Cause::MissingPermission { action, resource }
                    } else {
                        Cause::ModelAccessNotEnabled { model: model_name(&model_id), region: region.clone() }
                    }),
                    Some("ResourceNotFoundException") if lower.contains("use case") => {
                        Some(Cause::UseCaseFormNeeded { model: model_name(&model_id), region: region.clone() })
                    }
                    Some("ValidationException") if lower.contains("on-demand throughput") => {
                        Some(Cause::NeedsInferenceProfile { model_id: model_id.clone() })
                    }
                    Some("ValidationException") if lower.contains("model identifier is invalid") => {
                        Some(wrong_pairing(ctx.target, &model_id))
                    }
                    _ => None,
                }
            })
        })),
    };
    (result, retries)
}
