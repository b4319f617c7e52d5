//! The credentials probe: does the profile's credential chain give keys?

use super::classify::{credentials_cause, error_chain};
use super::{Attempt, Cause, CredentialsInfo, Ctx};
use crate::aws::profiles::CredentialSource;
use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use time::OffsetDateTime;

pub(super) async fn probe_credentials(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<CredentialsInfo>, u32) {
    let kind = ctx.source.map_or("unknown", CredentialSource::label).to_string();
    let Some(provider) = config.credentials_provider() else {
        return (Err(Cause::NoCredentials { profile: ctx.target.profile.clone(), message: "no provider".into() }), 0);
    };
    match provider.provide_credentials().await {
        Ok(creds) => {
            let expires_at = creds.expiry().map(OffsetDateTime::from);
            let summary = match expires_at {
                Some(t) => format!("{kind}, expire {}", crate::sso::cache::format_rfc3339(t)),
                None => format!("{kind}, no expiry"),
            };
            (Ok((CredentialsInfo { kind, expires_at }, summary)), 0)
        }
        Err(e) => {
            let chain = error_chain(&e);
            if ctx.source.is_none() {
                return (Err(Cause::ProfileNotFound { profile: ctx.target.profile.clone() }), 0);
            }
            (Err(credentials_cause(ctx, &chain)), 0)
        }
    }
}
