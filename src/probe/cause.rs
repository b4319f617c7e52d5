//! Why a probe failed, and the one sentence that fixes it.

use crate::problem::Problem;
use serde::Serialize;

/// Why a probe failed (or was skipped). Each maps to one fix sentence
/// ([`Cause::fix`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// The SSO token is expired or absent.
    SsoSessionExpired { profile: String },
    /// IAM Identity Center does not give this user the profile's role.
    SsoRoleNotAssigned { profile: String, account: String, role: String },
    /// The profile is not in the AWS config.
    ProfileNotFound { profile: String },
    /// The credential chain produced nothing (message from the SDK).
    NoCredentials { profile: String, message: String },
    /// AWS refused the keys (expired, revoked, wrong).
    CredentialsRejected { profile: String, code: String },
    /// IAM denies an action.
    MissingPermission { action: String, resource: String },
    /// The inference profile's geography cannot be called from the region.
    WrongRegion { model_id: String, region: String, geography: String, geography_name: String },
    /// The region does not offer the inference profile.
    ProfileNotOffered { model_id: String, region: String },
    /// Model access (the Marketplace agreement) is not enabled.
    ModelAccessNotEnabled { model: String, region: String },
    /// Anthropic's use-case form has not been submitted for the account.
    UseCaseFormNeeded { model: String, region: String },
    /// A bare foundation model ID where an inference profile is needed.
    NeedsInferenceProfile { model_id: String },
    /// Throttled on every attempt.
    Throttled { service: String, attempts: u32 },
    /// No answer within the probe's time limit (`seconds`), or within the
    /// SDK's connect/read timeouts (`None`).
    Timeout { service: String, seconds: Option<f64> },
    /// DNS lookup failed.
    Dns { service: String, message: String },
    /// Connection refused, reset, TLS ...
    Network { service: String, message: String },
    /// AWS answered 5xx on every attempt.
    ServerError { service: String, status: u16, code: String },
    /// No model selected (the invoke probe is skipped).
    NoModelSelected,
    /// The probe needs credentials, which failed.
    NeedsCredentials,
    /// Anything else, with AWS's words.
    Other { service: String, code: String, message: String },
}

impl Cause {
    /// One sentence: what is wrong and what to do.
    pub fn fix(&self) -> String {
        match self {
            Cause::SsoSessionExpired { profile } => Problem::SsoSessionExpired { profile: profile.clone() }.fix(),
            Cause::SsoRoleNotAssigned { profile, account, role } => format!(
                "role {role} in account {account} (profile {profile}) is not assigned to you: pick one from `bedrock-tray accounts` or ask your admin"
            ),
            Cause::ProfileNotFound { profile } => Problem::ProfileNotFound { profile: profile.clone() }.fix(),
            Cause::NoCredentials { profile, message } => {
                format!("no credentials for profile {profile} ({message}): check the profile in ~/.aws/config")
            }
            Cause::CredentialsRejected { profile, code } => format!(
                "AWS rejected the credentials of profile {profile} ({code}): log in again or replace the keys"
            ),
            Cause::MissingPermission { action, resource } => format!(
                "IAM policy lacks {action} on {resource}: ask your admin to attach the policy from `bedrock-tray iam-policy`"
            ),
            Cause::WrongRegion { geography, region, geography_name, .. } => Problem::WrongRegion {
                geography: geography.clone(),
                geography_name: geography_name.clone(),
                region: region.clone(),
            }
            .fix(),
            Cause::ProfileNotOffered { model_id, region } => format!(
                "{model_id} is not offered in {region}: pick a model and geography that `bedrock-tray probe` lists as active"
            ),
            Cause::ModelAccessNotEnabled { model, region } => format!(
                "model access for {model} is not enabled in {region}: request it under Bedrock > Model catalog"
            ),
            Cause::UseCaseFormNeeded { model, region } => format!(
                "Anthropic's use case form is not submitted for this account ({model} in {region}): fill it in under Bedrock > Model catalog, then wait 15 minutes"
            ),
            Cause::NeedsInferenceProfile { model_id } => format!(
                "{model_id} is a foundation model ID, which cannot be called on demand: use an inference profile (`bedrock-tray use --model NAME`)"
            ),
            Cause::Throttled { service, attempts } => format!(
                "{service} kept throttling after {attempts} attempts: wait a minute and retry, or ask for a higher quota"
            ),
            Cause::Timeout { service, seconds } => format!(
                "no answer from {service}{}: check your network, VPN or proxy",
                seconds.map(|s| format!(" within {s:.1} s")).unwrap_or_else(|| " in time".into())
            ),
            Cause::Dns { service, message } => {
                format!("cannot resolve the {service} endpoint ({message}): check DNS, VPN or the endpoint URL")
            }
            Cause::Network { service, message } => {
                format!("cannot connect to {service} ({message}): check your network, proxy or the endpoint URL")
            }
            Cause::ServerError { service, status, code } => {
                format!("{service} answered {status} {code} on every attempt: an AWS-side problem, retry later")
            }
            Cause::NoModelSelected => Problem::NoModelSelected.fix(),
            Cause::NeedsCredentials => "needs credentials: fix the credentials check first".into(),
            Cause::Other { service, code, message } => format!("{service} refused: {code}: {message}"),
        }
    }

    /// An auth problem, as opposed to network, time or AWS-side trouble.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Cause::SsoSessionExpired { .. }
                | Cause::SsoRoleNotAssigned { .. }
                | Cause::ProfileNotFound { .. }
                | Cause::NoCredentials { .. }
                | Cause::CredentialsRejected { .. }
                | Cause::MissingPermission { .. }
                | Cause::ModelAccessNotEnabled { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_read_as_the_issue_words_them() {
        let c = Cause::WrongRegion {
            model_id: "eu.anthropic.claude-opus-4-6-v1".into(),
            region: "us-east-1".into(),
            geography: "eu".into(),
            geography_name: "EU".into(),
        };
        assert!(
            c.fix().starts_with("eu. profiles cannot be called from us-east-1: choose an EU region"),
            "{}",
            c.fix()
        );
        let c = Cause::ModelAccessNotEnabled { model: "Claude Opus 4.6".into(), region: "eu-central-2".into() };
        assert_eq!(
            c.fix(),
            "model access for Claude Opus 4.6 is not enabled in eu-central-2: request it under Bedrock > Model catalog"
        );
    }
}
