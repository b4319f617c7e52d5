//! The probes of the providers that do not sign with AWS credentials: a
//! Bedrock API key (one ListInferenceProfiles call with `Authorization:
//! Bearer`, which costs nothing) and an LLM gateway (one bounded request
//! to its URL). Each ends in one [`AccessCheck`] with the fix; neither
//! ever shows the key.

use crate::aws::keychain::{KeychainError, SecretStore};
use crate::doctor::AccessTarget;
use crate::error_kind::{ErrorKind, HasKind};
use crate::paths::Paths;
use crate::secret::Secret;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Why a provider probe could not start: nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("cannot read Claude Code's settings: {0}")]
    Settings(#[from] crate::claude::settings::SettingsError),
    #[error(transparent)]
    Name(#[from] crate::names::InvalidName),
    #[error(transparent)]
    Keyring(#[from] KeychainError),
}

impl HasKind for AccessError {
    fn kind(&self) -> ErrorKind {
        match self {
            AccessError::Name(_) => ErrorKind::InvalidRequest,
            AccessError::Settings(_) | AccessError::Keyring(_) => ErrorKind::BrokenEnvironment,
        }
    }
}

/// Runs the probe of the API-key or gateway provider, as `probe`, `doctor`
/// and the tray's "Check connection" do. The key is the one Claude Code
/// uses: the settings' copy when there is one (from whichever layer Claude
/// Code takes it), else the keyring's; `invoke` adds one model call.
///
/// # Errors
/// [`AccessError`]: the settings, the key's name or the keyring.
pub async fn run(
    paths: &Paths,
    target: &AccessTarget,
    store: &impl SecretStore,
    limit: Duration,
    invoke: bool,
) -> Result<Vec<AccessCheck>, AccessError> {
    let (name, region, in_settings, model_id) = match target {
        AccessTarget::Gateway { url } => return Ok(vec![gateway(url, limit).await]),
        AccessTarget::ApiKey { name, region, in_settings, model_id } => (name, region, *in_settings, model_id),
    };
    let key = if in_settings {
        crate::claude::layers::Layers::read(paths, None)?
            .merged()
            .get(crate::claude::settings::OwnedKey::BearerToken)
            .map(Secret::new)
    } else {
        crate::aws::api_key::get(store, &crate::names::ApiKeyName::new(name.as_str())?)?
    };
    let Some(key) = key else {
        return Ok(vec![AccessCheck {
            name: "api key",
            ok: false,
            detail: format!("no Bedrock API key named {name} in the OS keyring"),
            fix: Some(format!("run `bedrock-tray api-key set --name {name}`")),
            status: None,
            latency_ms: 0,
        }]);
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut checks = vec![api_key(&bedrock_endpoint(region, env), region, &key, limit).await];
    if let (true, true, Some(model)) = (invoke, checks[0].ok, model_id) {
        checks.push(api_key_invoke(&runtime_endpoint(region, env), model, &key, limit).await);
    }
    Ok(checks)
}

/// How long a provider probe may take in all.
pub const ACCESS_TIMEOUT: Duration = Duration::from_secs(15);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of an answer's body read for its error message.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// What a provider probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessCheck {
    /// `api key` or `gateway`.
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    pub latency_ms: u64,
}

/// The Bedrock control-plane endpoint for `region`: `AWS_ENDPOINT_URL_BEDROCK`,
/// else `AWS_ENDPOINT_URL`, else AWS's own (`env` looks a variable up).
pub fn bedrock_endpoint(region: &str, env: impl Fn(&str) -> Option<String>) -> String {
    ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.trim().is_empty()))
        .map_or_else(
            || format!("https://bedrock.{region}.amazonaws.com"),
            |v| v.trim().trim_end_matches('/').to_string(),
        )
}

/// The Bedrock Runtime endpoint for `region`: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
/// else `AWS_ENDPOINT_URL`, else AWS's own.
pub fn runtime_endpoint(region: &str, env: impl Fn(&str) -> Option<String>) -> String {
    ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.trim().is_empty()))
        .map_or_else(
            || format!("https://bedrock-runtime.{region}.amazonaws.com"),
            |v| v.trim().trim_end_matches('/').to_string(),
        )
}

fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| crate::sso::client::innermost(&e))
}

/// Why a request got no answer, in words: TLS, timeout or connection.
fn no_answer(e: &reqwest::Error) -> (String, &'static str) {
    let inner = crate::sso::client::innermost(e);
    let lower = inner.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        (format!("TLS failed: {inner}"), "the server's certificate is not trusted here: check the URL, or install your organisation's CA certificate")
    } else if e.is_timeout() {
        (
            format!("no answer within the time limit ({inner})"),
            "check the network, a proxy or VPN, and that the service is up",
        )
    } else {
        (format!("unreachable: {inner}"), "check the URL, the network, a proxy or VPN, and that the service is up")
    }
}

/// The `message` (or `Message`) of an AWS error body, else its start.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)]).into_owned();
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message").or_else(|| v.get("Message")).and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| text.chars().take(200).collect())
}

/// One provider check under way: its name, its start (for the latency)
/// and the key it must never show (a message quoting it gets the
/// fingerprint instead).
struct Checking<'k> {
    name: &'static str,
    started: Instant,
    key: Option<&'k Secret>,
}

impl<'k> Checking<'k> {
    fn start(name: &'static str, key: Option<&'k Secret>) -> Self {
        Self { name, started: Instant::now(), key }
    }

    fn done(&self, ok: bool, detail: String, fix: Option<String>, status: Option<u16>) -> AccessCheck {
        let detail = match self.key {
            Some(k) => detail.replace(k.expose(), &crate::aws::api_key::fingerprint(k.expose())),
            None => detail,
        };
        let latency_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        AccessCheck { name: self.name, ok, detail, fix, status, latency_ms }
    }
}

/// Checks a Bedrock API key: lists one inference profile of `region` at
/// `endpoint` with the key as `Authorization: Bearer`. A 401 or 403 means
/// the key is invalid, expired or not allowed; the key never appears in
/// the result (a message that quoted it would be cut).
pub async fn api_key(endpoint: &str, region: &str, key: &Secret, timeout: Duration) -> AccessCheck {
    let checking = Checking::start("api key", Some(key));
    let done = |ok, detail, fix, status| checking.done(ok, detail, fix, status);
    let client = match client(timeout) {
        Ok(c) => c,
        Err(e) => return done(false, e, None, None),
    };
    let url = format!("{endpoint}/inference-profiles?maxResults=1&type=SYSTEM_DEFINED");
    let sent = client.get(&url).bearer_auth(key.expose()).send().await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => {
            let (detail, fix) = no_answer(&e);
            return done(false, format!("Bedrock at {endpoint}: {detail}"), Some(fix.into()), None);
        }
    };
    let status = response.status().as_u16();
    if response.status().is_success() {
        return done(true, format!("Bedrock in {region} accepts the key"), None, Some(status));
    }
    let body = response.bytes().await.unwrap_or_default();
    let message = error_message(&body);
    if matches!(status, 401 | 403) {
        return done(
            false,
            format!("Bedrock refused the API key: it is invalid, expired, or not allowed to call Bedrock in {region} (HTTP {status}: {message})"),
            Some("create a new key in the Bedrock console (API keys) for this region and store it with `bedrock-tray api-key set`".into()),
            Some(status),
        );
    }
    done(
        false,
        format!("Bedrock answered HTTP {status}: {message}"),
        Some("try again; if it persists, check the AWS Health Dashboard".into()),
        Some(status),
    )
}

/// Calls `model_id` once with the key (Converse, at most one output token:
/// a fraction of a cent), as Claude Code would: `invoke` of `probe --invoke`.
pub async fn api_key_invoke(endpoint: &str, model_id: &str, key: &Secret, timeout: Duration) -> AccessCheck {
    let checking = Checking::start("invoke", Some(key));
    let done = |ok, detail, fix, status| checking.done(ok, detail, fix, status);
    let client = match client(timeout) {
        Ok(c) => c,
        Err(e) => return done(false, e, None, None),
    };
    let path: String = percent_encoding::utf8_percent_encode(model_id, percent_encoding::NON_ALPHANUMERIC).collect();
    let body = serde_json::json!({
        "messages": [{"role": "user", "content": [{"text": "ping"}]}],
        "inferenceConfig": {"maxTokens": 1},
    });
    let sent = client
        .post(format!("{endpoint}/model/{path}/converse"))
        .bearer_auth(key.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => {
            let (detail, fix) = no_answer(&e);
            return done(false, format!("Bedrock Runtime at {endpoint}: {detail}"), Some(fix.into()), None);
        }
    };
    let status = response.status().as_u16();
    if response.status().is_success() {
        return done(true, format!("{model_id} answered"), None, Some(status));
    }
    let message = error_message(&response.bytes().await.unwrap_or_default());
    let fix = match status {
        401 | 403 => "a key that can list but not invoke lacks bedrock:InvokeModel on this model: ask your AWS administrator, or create a key with the AmazonBedrockLimitedAccess policy",
        _ => "check the model and region with `bedrock-tray status`",
    };
    done(false, format!("{model_id}: HTTP {status}: {message}"), Some(fix.into()), Some(status))
}

/// Checks that an LLM gateway answers: one GET of its URL, no redirects
/// followed. Any answer below 500 means it is reachable (a gateway may
/// well answer 401 or 404 on its base path); 5xx, no answer and TLS
/// failures fail.
pub async fn gateway(url: &str, timeout: Duration) -> AccessCheck {
    let checking = Checking::start("gateway", None);
    let done = |ok, detail, fix: Option<&str>, status| checking.done(ok, detail, fix.map(str::to_string), status);
    let client = match client(timeout) {
        Ok(c) => c,
        Err(e) => return done(false, e, None, None),
    };
    match client.get(url).send().await {
        Ok(r) if r.status().is_server_error() => {
            let status = r.status().as_u16();
            done(
                false,
                format!("{url} answered HTTP {status}"),
                Some("the gateway or what is behind it is failing: ask its operators"),
                Some(status),
            )
        }
        Ok(r) => {
            let status = r.status().as_u16();
            done(true, format!("{url} is reachable (HTTP {status})"), None, Some(status))
        }
        Err(e) => {
            let (detail, fix) = no_answer(&e);
            done(false, format!("{url}: {detail}"), Some(fix), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_follows_the_sdk_variables() {
        let none = |_: &str| None;
        assert_eq!(bedrock_endpoint("eu-west-1", none), "https://bedrock.eu-west-1.amazonaws.com");
        let fake = |k: &str| (k == "AWS_ENDPOINT_URL_BEDROCK").then(|| "http://127.0.0.1:9/".to_string());
        assert_eq!(bedrock_endpoint("eu-west-1", fake), "http://127.0.0.1:9");
        assert_eq!(error_message(br#"{"Message":"Authentication failed"}"#), "Authentication failed");
    }

    #[tokio::test]
    async fn nothing_listening_is_unreachable_and_never_shows_the_key() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let key = Secret::new("ABSKnever-shown-anywhere-1234");
        let check = api_key(&format!("http://127.0.0.1:{port}"), "us-east-1", &key, Duration::from_secs(5)).await;
        assert!(!check.ok && check.detail.contains("unreachable"), "{check:?}");
        assert!(!format!("{check:?}").contains("never-shown"));
        let check = gateway(&format!("http://127.0.0.1:{port}/bedrock"), Duration::from_secs(5)).await;
        assert!(!check.ok && check.detail.contains("unreachable"), "{check:?}");
    }
}
