//! Log filtering shared by the CLI and the tray. `BEDROCK_TRAY_LOG` sets
//! the level (`debug`, `trace`, or `tracing` directives); the AWS SDK and
//! HTTP crates stay at `warn` whatever it says, because at debug and trace
//! they log request headers and bodies: bearer tokens, refresh tokens,
//! client secrets. The cap is a second filter every event must also pass,
//! so no directive (however specific: `aws_smithy_runtime::client::
//! orchestrator=trace`, or a span filter) can lift it.

use tracing_subscriber::filter::{FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Crates whose verbose logs carry credentials.
const CAPPED: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_sdk_bedrock",
    "aws_sdk_bedrockruntime",
    "aws_sdk_sso",
    "aws_sdk_ssooidc",
    "aws_sdk_sts",
    "aws_sigv4",
    "aws_smithy_http_client",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_types",
    "h2",
    "hyper",
    "hyper_util",
    "reqwest",
    "rustls",
];

/// The filter for a `BEDROCK_TRAY_LOG` value (`None`: warnings only). A
/// bare level applies to bedrock-tray's own crates.
pub fn filter(setting: Option<&str>) -> EnvFilter {
    let setting = setting.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("warn");
    let is_level = ["trace", "debug", "info", "warn", "error", "off"].contains(&setting.to_ascii_lowercase().as_str());
    let spec =
        if is_level { format!("warn,bedrock_tray={setting},bedrock_tray_app={setting}") } else { setting.to_string() };
    let mut filter = EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("warn"));
    for target in CAPPED {
        filter = filter.add_directive(format!("{target}=warn").parse().expect("a valid directive"));
    }
    // aws-config warns on every credential provider that fails; the probes
    // report those failures themselves, with the fix.
    filter = filter.add_directive("aws_config=error".parse().expect("a valid directive"));
    filter
}

/// The cap on [`CAPPED`] crates: `warn` at most (aws-config `error`),
/// everything else passes.
pub fn cap() -> Targets {
    let mut targets = Targets::new().with_default(LevelFilter::TRACE);
    for target in CAPPED {
        targets = targets.with_target(*target, LevelFilter::WARN);
    }
    targets.with_target("aws_config", LevelFilter::ERROR)
}

/// The log layer for a `BEDROCK_TRAY_LOG` value, writing to `writer`:
/// [`filter`] and [`cap`] both must let an event through.
pub fn layer<S, W>(setting: Option<&str>, writer: W) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer().with_writer(writer).with_filter(filter(setting).and(cap()))
}

/// Installs the stderr logger (idempotent).
pub fn init() {
    let setting = std::env::var("BEDROCK_TRAY_LOG").ok();
    let _ = tracing_subscriber::registry().with(layer(setting.as_deref(), std::io::stderr)).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what the log layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(setting: &str) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::registry().with(layer(Some(setting), move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::trace_span!(target: "aws_smithy_runtime::client::orchestrator", "invoke", token = "x");
            let _in = span.enter();
            tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "authorization: Bearer aoaTOKEN1");
            tracing::debug!(target: "hyper_util::client", "body: refreshToken=aorTOKEN2");
            tracing::warn!(target: "aws_smithy_runtime", "a warning stays visible");
            tracing::trace!(target: "bedrock_tray::sso", "our own trace line");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        text
    }

    #[test]
    fn no_directive_lifts_the_cap_on_sdk_and_http_logs() {
        for setting in [
            "trace",
            "aws_smithy_runtime::client::orchestrator=trace,bedrock_tray=trace",
            "aws_smithy_runtime::client::orchestrator=trace,hyper_util::client=trace,bedrock_tray=trace",
            "[invoke]=trace,bedrock_tray=trace",
            "[{token}]=trace,bedrock_tray=trace",
        ] {
            let text = logged(setting);
            assert!(!text.contains("TOKEN1") && !text.contains("TOKEN2"), "{setting}: {text}");
            assert!(text.contains("a warning stays visible"), "{setting}: {text}");
            assert!(text.contains("our own trace line"), "{setting}: {text}");
        }
    }
}
