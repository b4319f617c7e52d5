//! Log filtering shared by the CLI and the tray. `BEDROCK_TRAY_LOG` sets
//! the level (`debug`, `trace`, or `tracing` directives); the AWS SDK and
//! HTTP crates stay at `warn` whatever it says, because at debug and trace
//! they log request headers and bodies: bearer tokens, refresh tokens,
//! client secrets.

use tracing_subscriber::EnvFilter;

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

/// Installs the stderr logger (idempotent).
pub fn init() {
    let setting = std::env::var("BEDROCK_TRAY_LOG").ok();
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter(setting.as_deref())).with_writer(std::io::stderr).try_init();
}
