//! Shared set-up for the IAM Identity Center clients (portal and OIDC):
//! unsigned calls (a bearer token or client secret authorises them), the
//! standard `AWS_ENDPOINT_URL_<SERVICE>` overrides, and timeouts, because
//! without an attempt timeout a connection that accepts and never answers
//! hangs the caller forever.

use crate::names::Region;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use std::time::Duration;

/// The SDK configuration for unsigned calls in `region`: 3 s to connect,
/// `attempt` per attempt, 30 s in all, `retry` (the SDK's standard retry,
/// jittered backoff on throttling and 5xx).
pub async fn config(region: &Region, attempt: Duration, retry: RetryConfig) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .no_credentials()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(attempt)
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(retry)
        .load()
        .await
}

/// The innermost cause of an error: the SDK's own Display is only
/// "dispatch failure" or "service error".
pub fn innermost(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}
