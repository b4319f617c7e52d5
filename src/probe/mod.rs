//! Connectivity and identity probes: credentials, STS identity, Bedrock
//! ListInferenceProfiles and (opt-in) a one-token Converse call. They run
//! concurrently, each under its own timeout; every failure carries a typed
//! [`Cause`] that maps to one sentence with the fix.

pub mod access;
mod bedrock;
mod cause;
mod classify;
mod credentials;
mod identity;
mod invoke;
pub mod models;
mod policy;

pub use cause::Cause;
pub use policy::IAM_POLICY;

use crate::aws::profiles::{AwsProfiles, CredentialSource};
use crate::catalog::Catalog;
use crate::paths::Paths;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use bedrock::probe_bedrock;
use credentials::probe_credentials;
use identity::probe_identity;
use invoke::probe_invoke;
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
        let catalog = Catalog::load(paths);
        let sel = crate::claude::selection::Selection::read(&doc, &catalog);
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

impl ProbeTarget {
    /// What a catalog refresh reads with: the selected (or given) profile
    /// and region, else the default credential chain (environment keys,
    /// the `default` profile) from the given region or the first
    /// geography's default region. Reading the account needs no model.
    pub fn for_refresh(paths: &Paths, profile: Option<&str>, region: Option<&str>) -> Self {
        let selected = Self::from_settings(paths, profile).ok();
        let profile = profile
            .map(str::to_string)
            .or_else(|| selected.as_ref().map(|t| t.profile.clone()))
            .unwrap_or_else(|| "default".into());
        let region = region
            .map(str::to_string)
            .or_else(|| selected.map(|t| t.region))
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .unwrap_or_else(|| Catalog::builtin().geographies[0].default_region.to_string());
        Self { profile, region, model_id: None }
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
