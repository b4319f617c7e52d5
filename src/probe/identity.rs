//! The identity probe: STS GetCallerIdentity.

use super::classify::{classify, with_retries, CallError};
use super::{Attempt, Cause, Ctx, Identity};
use aws_config::SdkConfig;

pub(super) async fn probe_identity(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<Identity>, u32) {
    let client = aws_sdk_sts::Client::new(config);
    let (answer, retries, persistent) = with_retries("sts", ctx.options, || async {
        client.get_caller_identity().send().await.map_err(|e| CallError::from_sdk("sts", &e))
    })
    .await;
    let result = match answer {
        Ok(out) => {
            let id = Identity {
                account: out.account().unwrap_or_default().to_string(),
                arn: out.arn().unwrap_or_default().to_string(),
                user_id: out.user_id().unwrap_or_default().to_string(),
            };
            let summary = format!("{} (account {})", id.arn, id.account);
            Ok((id, summary))
        }
        Err(e) => Err(persistent.unwrap_or_else(|| {
            classify("sts", ctx, e, |e| {
                (e.code.as_deref() == Some("AccessDenied"))
                    .then(|| Cause::MissingPermission { action: "sts:GetCallerIdentity".into(), resource: "*".into() })
            })
        })),
    };
    (result, retries)
}
