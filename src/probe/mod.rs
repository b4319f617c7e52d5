//! Connectivity and identity probes: credentials, STS identity, Bedrock
//! ListInferenceProfiles and (opt-in) a one-token Converse call. They run
//! concurrently, each under its own timeout; every failure carries a typed
//! [`Cause`] that maps to one sentence with the fix.

use crate::aws::profiles::{AwsProfiles, CredentialSource};
use crate::catalog::Catalog;
use crate::paths::Paths;
use crate::sso::cache::{SessionState, SessionStatus};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_sdk_sts::error::ProvideErrorMetadata;
use serde::Serialize;
use std::future::Future;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// What to probe: one profile in one region, and the selected model.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub profile: String,
    pub region: String,
    /// The inference profile ID Claude Code would call.
    pub model_id: Option<String>,
}

impl ProbeTarget {
    /// The target `settings.json` selects: its profile (or `profile`), its
    /// `AWS_REGION` (else the profile's region) and its model.
    ///
    /// # Errors
    /// The settings cannot be read, or name no profile or region; the
    /// message says what to run.
    pub fn from_settings(paths: &Paths, profile: Option<&str>) -> Result<Self, String> {
        let doc = crate::claude::settings::SettingsDoc::read(&paths.claude_settings).map_err(|e| e.to_string())?;
        let sel = crate::claude::selection::Selection::read(&doc, Catalog::builtin());
        let profile = profile
            .map(str::to_string)
            .or(sel.profile)
            .ok_or("no AWS profile selected: run `bedrock-tray use --profile NAME` or pass --profile")?;
        let region = sel
            .region
            .or_else(|| {
                AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)
                    .ok()?
                    .region_of(&profile)
                    .map(|r| r.to_string())
            })
            .ok_or_else(|| format!("no region for profile {profile}: run `bedrock-tray use --region REGION`"))?;
        Ok(Self { profile, region, model_id: sel.model_id })
    }
}

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Also call the model (costs a fraction of a cent).
    pub invoke: bool,
    /// Per-probe time limits.
    pub credentials_timeout: Duration,
    pub identity_timeout: Duration,
    pub bedrock_timeout: Duration,
    pub invoke_timeout: Duration,
    /// Attempts for a throttled (or 5xx) call, with exponential backoff
    /// starting at `backoff`.
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            invoke: false,
            credentials_timeout: Duration::from_secs(15),
            identity_timeout: Duration::from_secs(10),
            bedrock_timeout: Duration::from_secs(15),
            invoke_timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_millis(250),
        }
    }
}

impl ProbeOptions {
    /// The same time limit for every probe.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.credentials_timeout = limit;
        self.identity_timeout = limit;
        self.bedrock_timeout = limit;
        self.invoke_timeout = limit;
        self
    }
}

/// Which probe a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeName {
    Credentials,
    Identity,
    Bedrock,
    Invoke,
}

impl ProbeName {
    pub fn label(self) -> &'static str {
        match self {
            ProbeName::Credentials => "credentials",
            ProbeName::Identity => "identity",
            ProbeName::Bedrock => "bedrock",
            ProbeName::Invoke => "invoke",
        }
    }
}

/// Passed, failed, or not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Skipped,
}

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
            Cause::SsoSessionExpired { profile } => format!(
                "SSO session of profile {profile} expired or missing: run Log in (`bedrock-tray login --profile {profile}`)"
            ),
            Cause::SsoRoleNotAssigned { profile, account, role } => format!(
                "role {role} in account {account} (profile {profile}) is not assigned to you: pick one from `bedrock-tray accounts` or ask your admin"
            ),
            Cause::ProfileNotFound { profile } => {
                format!("AWS profile {profile} is not in your AWS config: choose another with `bedrock-tray use --profile NAME`")
            }
            Cause::NoCredentials { profile, message } => {
                format!("no credentials for profile {profile} ({message}): check the profile in ~/.aws/config")
            }
            Cause::CredentialsRejected { profile, code } => format!(
                "AWS rejected the credentials of profile {profile} ({code}): log in again or replace the keys"
            ),
            Cause::MissingPermission { action, resource } => format!(
                "IAM policy lacks {action} on {resource}: ask your admin to attach the policy from `bedrock-tray iam-policy`"
            ),
            Cause::WrongRegion { geography, region, geography_name, .. } => format!(
                "{geography}. profiles cannot be called from {region}: choose a{} {geography_name} region (`bedrock-tray use --geo {geography}`)",
                if geography_name.starts_with(['A', 'E', 'I', 'O', 'U']) { "n" } else { "" }
            ),
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
            Cause::NoModelSelected => "no model selected: run `bedrock-tray use --model sonnet`".into(),
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

/// One probe's result.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub name: ProbeName,
    pub outcome: Outcome,
    pub latency_ms: u64,
    /// What the probe found ("sso, expires 12:00Z", "arn:aws:sts::...").
    pub summary: String,
    pub cause: Option<Cause>,
    /// The fix sentence of `cause`.
    pub fix: Option<String>,
    /// Throttled or 5xx attempts that were retried.
    pub retries: u32,
}

/// The credentials a profile resolves to (never the keys).
#[derive(Debug, Clone, Serialize)]
pub struct CredentialsInfo {
    pub kind: String,
    #[serde(serialize_with = "ser_opt_time")]
    pub expires_at: Option<OffsetDateTime>,
}

/// STS GetCallerIdentity.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// A catalog model's inference profile found ACTIVE in the region.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveProfile {
    pub model: String,
    pub geography: String,
    pub id: String,
}

/// A Claude inference profile the catalog does not know yet.
#[derive(Debug, Clone, Serialize)]
pub struct ExtraProfile {
    pub id: String,
    pub name: String,
}

/// ListInferenceProfiles in the region, read through the catalog.
#[derive(Debug, Clone, Serialize, Default)]
pub struct BedrockProfiles {
    pub active: Vec<ActiveProfile>,
    pub extra: Vec<ExtraProfile>,
    pub pages: u32,
}

/// Every probe's result for one target. Serialisable for `--json` and for
/// the tray, which keeps the latest one next to its snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub profile: String,
    pub region: String,
    pub model_id: Option<String>,
    #[serde(serialize_with = "crate::sso::cache::ser_time")]
    pub started_at: OffsetDateTime,
    pub wall_ms: u64,
    pub results: Vec<ProbeResult>,
    pub credentials: Option<CredentialsInfo>,
    pub identity: Option<Identity>,
    pub bedrock: Option<BedrockProfiles>,
}

impl ProbeReport {
    /// True when every probe that ran passed (skipped ones by request
    /// do not count against it; skipped for a failure do).
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(|r| match r.outcome {
            Outcome::Ok => true,
            Outcome::Failed => false,
            Outcome::Skipped => r.cause.is_none(),
        })
    }

    pub fn result(&self, name: ProbeName) -> Option<&ProbeResult> {
        self.results.iter().find(|r| r.name == name)
    }
}

fn ser_opt_time<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => crate::sso::cache::ser_time(t, s),
        None => s.serialize_none(),
    }
}

/// What a probe body returns: data and a summary, or a cause.
type Attempt<T> = Result<(T, String), Cause>;

/// Runs the probes concurrently. `now` is the wall-clock time, used to
/// read the SSO token's state when credentials fail.
pub async fn run(paths: &Paths, target: &ProbeTarget, options: &ProbeOptions, now: OffsetDateTime) -> ProbeReport {
    let started = Instant::now();
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).unwrap_or_default();
    let source = profiles.get(&target.profile).map(|p| p.credentials.clone());
    let ctx = Ctx { paths, target, source: source.as_ref(), now, options };
    let config = sdk_config(paths, target).await;

    let ((creds, c_res), (identity, i_res), (bedrock, b_res), (_, v_res)) = tokio::join!(
        timed(
            ProbeName::Credentials,
            options.credentials_timeout,
            "credential provider",
            probe_credentials(&config, &ctx)
        ),
        timed(ProbeName::Identity, options.identity_timeout, "sts", probe_identity(&config, &ctx)),
        timed(ProbeName::Bedrock, options.bedrock_timeout, "bedrock", probe_bedrock(&config, &ctx)),
        async {
            if !options.invoke {
                return (None, skipped(ProbeName::Invoke, "not requested (--invoke)", None));
            }
            if target.model_id.is_none() {
                return (None, skipped(ProbeName::Invoke, "no model selected", Some(Cause::NoModelSelected)));
            }
            timed(ProbeName::Invoke, options.invoke_timeout, "bedrock-runtime", probe_invoke(&config, &ctx)).await
        },
    );
    let mut results = vec![c_res, i_res, b_res, v_res];
    // When credentials fail, the other probes failed for the same reason:
    // say so once, on the credentials line.
    if results[0].outcome == Outcome::Failed && results[0].cause.as_ref().is_some_and(|c| c.is_auth()) {
        for r in &mut results[1..] {
            if r.outcome == Outcome::Failed
                && r.cause.as_ref().is_some_and(|c| {
                    c.is_auth() && !matches!(c, Cause::MissingPermission { .. } | Cause::ModelAccessNotEnabled { .. })
                })
            {
                r.outcome = Outcome::Skipped;
                r.summary = "needs credentials".into();
                r.cause = Some(Cause::NeedsCredentials);
                r.fix = Some(Cause::NeedsCredentials.fix());
            }
        }
    }
    ProbeReport {
        profile: target.profile.clone(),
        region: target.region.clone(),
        model_id: target.model_id.clone(),
        started_at: now,
        wall_ms: started.elapsed().as_millis() as u64,
        results,
        credentials: creds,
        identity,
        bedrock,
    }
}

struct Ctx<'a> {
    paths: &'a Paths,
    target: &'a ProbeTarget,
    source: Option<&'a CredentialSource>,
    now: OffsetDateTime,
    options: &'a ProbeOptions,
}

async fn sdk_config(paths: &Paths, target: &ProbeTarget) -> SdkConfig {
    // Explicit files must exist (the SDK refuses a missing one, where its
    // default lookup skips it): name only those that do.
    let mut files = ProfileFiles::builder();
    let mut any = false;
    for (kind, path) in
        [(ProfileFileKind::Config, &paths.aws_config), (ProfileFileKind::Credentials, &paths.aws_credentials)]
    {
        if path.is_file() {
            files = files.with_file(kind, path);
            any = true;
        }
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if any {
        loader = loader.profile_files(files.build());
    }
    loader
        .profile_name(&target.profile)
        .region(aws_config::Region::new(target.region.clone()))
        // Retries are ours (see `with_retries`), so they can be counted and reported.
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

fn skipped(name: ProbeName, summary: &str, cause: Option<Cause>) -> ProbeResult {
    ProbeResult {
        name,
        outcome: Outcome::Skipped,
        latency_ms: 0,
        summary: summary.into(),
        fix: cause.as_ref().map(Cause::fix),
        cause,
        retries: 0,
    }
}

/// Runs one probe body under its time limit and times it.
async fn timed<T>(
    name: ProbeName,
    limit: Duration,
    service: &str,
    body: impl Future<Output = (Attempt<T>, u32)>,
) -> (Option<T>, ProbeResult) {
    let start = Instant::now();
    let answer = tokio::time::timeout(limit, body).await;
    let latency_ms = start.elapsed().as_millis() as u64;
    let (answer, retries) = match answer {
        Ok(a) => a,
        Err(_) => (Err(Cause::Timeout { service: service.into(), seconds: Some(limit.as_secs_f64()) }), 0),
    };
    match answer {
        Ok((data, summary)) => (
            Some(data),
            ProbeResult { name, outcome: Outcome::Ok, latency_ms, summary, cause: None, fix: None, retries },
        ),
        Err(cause) => (
            None,
            ProbeResult {
                name,
                outcome: Outcome::Failed,
                latency_ms,
                summary: String::new(),
                fix: Some(cause.fix()),
                cause: Some(cause),
                retries,
            },
        ),
    }
}

/// An SDK error reduced to what classification needs.
#[derive(Debug)]
struct CallError {
    code: Option<String>,
    message: String,
    status: Option<u16>,
    transport: Option<Cause>,
}

impl CallError {
    fn from_sdk<E, R>(service: &str, err: &aws_sdk_sts::error::SdkError<E, R>) -> Self
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
trait StatusOf {
    fn status_code(&self) -> u16;
}

impl StatusOf for aws_sdk_sts::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
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
async fn with_retries<T, F, Fut>(
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
fn classify(service: &str, ctx: &Ctx<'_>, e: CallError, specific: impl FnOnce(&CallError) -> Option<Cause>) -> Cause {
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
fn credentials_cause(ctx: &Ctx<'_>, message: &str) -> Cause {
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

async fn probe_credentials(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<CredentialsInfo>, u32) {
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

async fn probe_identity(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<Identity>, u32) {
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

/// "User: arn:... is not authorized to perform: bedrock:X on resource: Y"
fn iam_denial(message: &str) -> Option<(String, String)> {
    let (_, rest) = message.split_once("not authorized to perform: ")?;
    let action = rest.split_whitespace().next()?.trim_end_matches([',', '.']).to_string();
    let resource = rest
        .split_once("on resource: ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .map(|r| r.trim_end_matches([',', '.']).to_string())?;
    Some((action, resource))
}

async fn probe_bedrock(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<BedrockProfiles>, u32) {
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
fn wrong_pairing(target: &ProbeTarget, model_id: &str) -> Cause {
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

fn model_name(model_id: &str) -> String {
    let catalog = Catalog::builtin();
    catalog
        .locate(model_id)
        .map(|(m, _)| m.name.clone())
        .or_else(|| catalog.models.iter().find(|m| m.foundation_model_id == model_id).map(|m| m.name.clone()))
        .unwrap_or_else(|| model_id.to_string())
}

async fn probe_invoke(config: &SdkConfig, ctx: &Ctx<'_>) -> (Attempt<()>, u32) {
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

/// The IAM policy from the setup guide: what Claude Code needs on Bedrock.
pub const IAM_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowModelAndInferenceProfileAccess",
      "Effect": "Allow",
      "Action": [
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:ListInferenceProfiles"
      ],
      "Resource": [
        "arn:aws:bedrock:*:*:inference-profile/*",
        "arn:aws:bedrock:*:*:application-inference-profile/*",
        "arn:aws:bedrock:*:*:foundation-model/*"
      ]
    },
    {
      "Sid": "AllowMarketplaceSubscription",
      "Effect": "Allow",
      "Action": [
        "aws-marketplace:ViewSubscriptions",
        "aws-marketplace:Subscribe"
      ],
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "aws:CalledViaLast": "bedrock.amazonaws.com"
        }
      }
    }
  ]
}
"#;

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

    #[test]
    fn policy_is_valid_json_with_every_action() {
        let v: serde_json::Value = serde_json::from_str(IAM_POLICY).unwrap();
        let text = v.to_string();
        for a in [
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
            "bedrock:ListInferenceProfiles",
            "aws-marketplace:Subscribe",
        ] {
            assert!(text.contains(a), "{a}");
        }
    }
}
