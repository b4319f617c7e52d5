//! An SDK failure reduced to a [`Cause`]: transport and credential-chain
//! failures, AWS's error codes, and the retry loop that counts attempts.

use super::{Cause, Ctx, ProbeOptions};
use crate::aws::profiles::CredentialSource;
use crate::sso::cache::{SessionState, SessionStatus};
use aws_sdk_sts::error::ProvideErrorMetadata;
use std::future::Future;

/// An SDK error reduced to what classification needs.
#[derive(Debug)]
pub(super) struct CallError {
    pub(super) code: Option<String>,
    pub(super) message: String,
    pub(super) status: Option<u16>,
    transport: Option<Cause>,
}

impl CallError {
    pub(super) fn from_sdk<E, R>(service: &str, err: &aws_sdk_sts::error::SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + StatusOf + 'static,
    {
        use aws_sdk_sts::error::SdkError;
        let chain = error_chain(err);
        let transport = match err {
            SdkError::TimeoutError(_) => Some(Cause::Timeout { service: service.into(), seconds: None }),
            SdkError::DispatchFailure(d) if d.is_timeout() => {
                Some(Cause::Timeout { service: service.into(), seconds: None })
            }
            // The credential chain fails inside dispatch too: that is no network problem.
            SdkError::DispatchFailure(_) if chain.contains("credentials") || chain.contains("identity") => None,
            SdkError::DispatchFailure(d) if d.is_io() || d.is_other() => Some(network_cause(service, &chain)),
            SdkError::DispatchFailure(_) => Some(network_cause(service, &chain)),
            _ => None,
        };
        let code = err.code().map(str::to_string);
        let message = err.message().map(str::to_string).unwrap_or_else(|| chain.clone());
        let status = err.raw_response().map(StatusOf::status_code);
        Self { code, message, status, transport }
    }

    fn throttled(&self) -> bool {
        self.status == Some(429)
            || matches!(
                self.code.as_deref(),
                Some("ThrottlingException" | "Throttling" | "TooManyRequestsException" | "RequestLimitExceeded")
            )
    }

    fn server_side(&self) -> bool {
        self.status.is_some_and(|s| s >= 500)
    }
}

/// The HTTP status of a raw response (the SDK's response type is not
/// named in this crate's dependencies).
pub(super) trait StatusOf {
    fn status_code(&self) -> u16;
}

impl StatusOf for aws_sdk_sts::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}

fn network_cause(service: &str, chain: &str) -> Cause {
    let lower = chain.to_ascii_lowercase();
    let short = last_part(chain);
    if lower.contains("dns") || lower.contains("failed to lookup") || lower.contains("name or service not known") {
        Cause::Dns { service: service.into(), message: short }
    } else {
        Cause::Network { service: service.into(), message: short }
    }
}

/// The innermost error of a chain: usually the one that says what happened
/// ("Connection refused (os error 111)").
fn last_part(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).trim().to_string()
}

/// Calls `call` until it neither throttles nor answers 5xx, at most
/// `options.attempts` times, backing off exponentially with jitter.
pub(super) async fn with_retries<T, F, Fut>(
    service: &str,
    options: &ProbeOptions,
    mut call: F,
) -> (Result<T, CallError>, u32, Option<Cause>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let attempts = options.attempts.max(1);
    let mut retries = 0;
    loop {
        match call().await {
            Ok(v) => return (Ok(v), retries, None),
            Err(e) if (e.throttled() || e.server_side()) && retries + 1 < attempts => {
                // Jitter in [0.5, 1): parallel callers do not retry in step.
                let nanos =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
                let jitter = 0.5 + f64::from(nanos % 1000) / 2000.0;
                let wait = options.backoff.mul_f64(2f64.powi(retries as i32) * jitter);
                tracing::debug!(service, retries, ?wait, "retrying after {:?}", e.code);
                tokio::time::sleep(wait).await;
                retries += 1;
            }
            Err(e) => {
                let persistent = if e.throttled() {
                    Some(Cause::Throttled { service: service.into(), attempts: retries + 1 })
                } else if e.server_side() {
                    Some(Cause::ServerError {
                        service: service.into(),
                        status: e.status.unwrap_or(500),
                        code: e.code.clone().unwrap_or_default(),
                    })
                } else {
                    None
                };
                return (Err(e), retries, persistent);
            }
        }
    }
}

/// Common classification of a call's failure; `specific` handles the
/// service's own codes first.
pub(super) fn classify(
    service: &str,
    ctx: &Ctx<'_>,
    e: CallError,
    specific: impl FnOnce(&CallError) -> Option<Cause>,
) -> Cause {
    if let Some(t) = e.transport {
        return t;
    }
    if e.code.is_none() && e.status.is_none() {
        // No answer from AWS at all: the credential chain failed first.
        return credentials_cause(ctx, &e.message);
    }
    if let Some(c) = specific(&e) {
        return c;
    }
    let code = e.code.clone().unwrap_or_default();
    match code.as_str() {
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "IncompleteSignature" => {
            if ctx.source.is_some_and(CredentialSource::is_sso) && code.starts_with("Expired") {
                Cause::SsoSessionExpired { profile: ctx.target.profile.clone() }
            } else {
                Cause::CredentialsRejected { profile: ctx.target.profile.clone(), code }
            }
        }
        _ => Cause::Other { service: service.into(), code, message: e.message },
    }
}

/// Why the credential chain gave nothing for the target's profile.
pub(super) fn credentials_cause(ctx: &Ctx<'_>, message: &str) -> Cause {
    let profile = ctx.target.profile.clone();
    let Some(source) = ctx.source else { return Cause::ProfileNotFound { profile } };
    if source.is_sso() && message.contains("ForbiddenException") {
        let (account, role) = match source {
            CredentialSource::Sso { account_id, role_name, .. }
            | CredentialSource::LegacySso { account_id, role_name, .. } => {
                (account_id.clone().unwrap_or_default(), role_name.clone().unwrap_or_default())
            }
            _ => Default::default(),
        };
        return Cause::SsoRoleNotAssigned { profile, account, role };
    }
    if source.is_sso() {
        let session = SessionStatus::of_profile(&ctx.paths.sso_cache_dir, source, ctx.now);
        let lower = message.to_ascii_lowercase();
        if matches!(session.state, SessionState::Expired | SessionState::Missing)
            || lower.contains("unauthorized")
            || lower.contains("expired")
            || lower.contains("token")
        {
            return Cause::SsoSessionExpired { profile };
        }
    }
    if let Some(network) = transport_in(message) {
        return network;
    }
    Cause::NoCredentials { profile, message: short_message(message) }
}

fn transport_in(message: &str) -> Option<Cause> {
    let lower = message.to_ascii_lowercase();
    if lower.contains("connection refused")
        || lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("io error")
    {
        Some(network_cause("credential provider", message))
    } else {
        None
    }
}

fn short_message(message: &str) -> String {
    let m = message.trim();
    if m.chars().count() > 200 {
        format!("{}...", m.chars().take(200).collect::<String>())
    } else {
        m.to_string()
    }
}

/// "User: arn:... is not authorized to perform: bedrock:X on resource: Y"
pub(super) fn iam_denial(message: &str) -> Option<(String, String)> {
    let (_, rest) = message.split_once("not authorized to perform: ")?;
    let action = rest.split_whitespace().next()?.trim_end_matches([',', '.']).to_string();
    let resource = rest
        .split_once("on resource: ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .map(|r| r.trim_end_matches([',', '.']).to_string())?;
    Some((action, resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_denial_names_action_and_resource() {
        let m = "User: arn:aws:sts::1:assumed-role/Dev/me is not authorized to perform: bedrock:ListInferenceProfiles on resource: arn:aws:bedrock:eu-central-1:1:inference-profile/* because no identity-based policy allows it";
        assert_eq!(
            iam_denial(m),
            Some(("bedrock:ListInferenceProfiles".into(), "arn:aws:bedrock:eu-central-1:1:inference-profile/*".into()))
        );
        assert_eq!(iam_denial("You don't have access to the model"), None);
    }
}
