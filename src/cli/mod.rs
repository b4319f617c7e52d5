//! Argument parsing and dispatch. Each command calls one core operation and
//! prints its result; exit code 2 means the request was wrong, 1 that the
//! environment was.

mod accounts;
mod api_key;
mod config;
mod credentials;
mod login;
mod models;
mod onboard;
mod probe;
mod render;
mod usage;
mod watch;

use bedrock_tray::claude::selection::Provider;
use bedrock_tray::error_kind::{ErrorKind, HasKind};
use bedrock_tray::paths::Paths;
use bedrock_tray::switch::{self, UseRequest};
use bedrock_tray::view::status::Status;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "bedrock-tray",
    version,
    about = "Keep Claude Code on Amazon Bedrock signed in, switched and verified"
)]
struct Cli {
    /// Claude Code settings file to read and change (default: $CLAUDE_CONFIG_DIR/settings.json or ~/.claude/settings.json).
    #[arg(long, global = true, value_name = "FILE")]
    settings: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Switch model, geography, AWS profile, region or provider.
    Use(UseArgs),
    /// Show the selection and the session of the selected profile.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Also run the credentials, identity and Bedrock probes.
        #[arg(long)]
        probe: bool,
        /// Answer for Claude Code started in this project folder (its
        /// .claude/settings.local.json and .claude/settings.json over yours).
        #[arg(long, value_name = "PATH")]
        dir: Option<PathBuf>,
    },
    /// The models the account can call (as last read) and the built-in
    /// catalog, each row with its source and age; --refresh reads the
    /// account first.
    Models(models::ModelsArgs),
    /// List AWS profiles with region, SSO session and session state.
    Profiles {
        #[arg(long)]
        json: bool,
    },
    /// Watch sessions and settings: one JSON line per change, refreshing
    /// sessions silently before they expire.
    Watch {
        /// Warn this many minutes before expiry (repeatable; default 15 and 5).
        #[arg(long = "warn", value_name = "MINUTES")]
        warn_minutes: Vec<u32>,
        /// Only watch: never refresh a session.
        #[arg(long)]
        no_refresh: bool,
    },
    /// The app's own choices: login method, warning thresholds, budget.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Sign in to IAM Identity Center (the browser, authorization code with
    /// PKCE; --device-code for a code to approve on any device).
    Login(login::LoginArgs),
    /// Sign out: IAM Identity Center's Logout, then the cached token and
    /// role credentials removed, as `aws sso logout` does.
    Logout(login::LogoutArgs),
    /// Refresh the SSO session silently with its refresh token.
    Refresh {
        #[arg(long)]
        profile: Option<String>,
    },
    /// List the AWS accounts and roles your SSO session can reach.
    Accounts {
        /// An SSO profile (default: the selected one).
        #[arg(long)]
        profile: Option<String>,
        /// Ask IAM Identity Center again instead of using the hour-old cache.
        #[arg(long)]
        refresh: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set up this machine from a team preset: AWS config, login, account, settings.
    Onboard(onboard::OnboardArgs),
    /// Check credentials, identity, Bedrock and (--invoke) the model; exit 0 only if all pass.
    Probe(probe::ProbeArgs),
    /// Check the whole setup end to end, each failure with its fix.
    Doctor {
        #[arg(long)]
        json: bool,
        /// Also call the model once (costs a fraction of a cent).
        #[arg(long)]
        invoke: bool,
        /// Time limit of each probe, in seconds.
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
    },
    /// Print the IAM policy Claude Code needs on Bedrock, for an admin to attach.
    IamPolicy,
    /// Check a team preset file (see presets/example.toml).
    CheckPreset {
        /// The preset file.
        file: PathBuf,
    },
    /// Keep static AWS keys in the OS keyring instead of ~/.aws/credentials.
    Credentials {
        #[command(subcommand)]
        action: credentials::CredentialsAction,
    },
    /// Keep a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) in the OS keyring,
    /// for `use --provider bedrock-api-key`.
    ApiKey {
        #[command(subcommand)]
        action: api_key::ApiKeyAction,
    },
    /// Print short-lived credentials for a keyring-backed profile (the AWS
    /// credential_process protocol).
    CredentialProcess {
        #[arg(long)]
        profile: String,
        /// Lifetime of a new STS session, in seconds.
        #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(i32).range(900..=129600))]
        duration: i32,
        /// Print Claude Code's awsCredentialExport shape ({"Credentials": {...}}) instead.
        #[arg(long)]
        export: bool,
    },
    /// Point every command of ours (awsAuthRefresh, awsCredentialExport,
    /// credential_process) at the installed CLI, after a move or an upgrade.
    Repair {
        #[arg(long)]
        json: bool,
    },
    /// What Claude Code cost, priced with the catalog from its transcripts.
    Usage {
        /// First day to count (YYYY-MM-DD, in the --tz zone).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Time zone of days and months: an IANA name (Europe/Berlin), UTC, or an
        /// offset (+05:30) [default: the local zone, from TZ or the system]
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        #[arg(long, value_enum, default_value_t = bedrock_tray::claude::usage::GroupBy::Day)]
        by: bedrock_tray::claude::usage::GroupBy,
        /// Monthly budget in USD: warn at 50, 80 and 100 percent (default: `config budget`).
        #[arg(long, value_name = "USD")]
        budget: Option<f64>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct UseArgs {
    /// A family (opus: the newest Opus the geography offers), a family and
    /// version (opus-4-6, sonnet-5), an inference profile ID, or an
    /// application inference profile ARN (`bedrock-tray models` lists them).
    #[arg(long)]
    model: Option<String>,
    /// Geography of the inference profiles: us, eu, global, jp, au, ... (`bedrock-tray models`).
    #[arg(long = "geo", alias = "geography")]
    geography: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long)]
    profile: Option<String>,
    /// AWS region; must be one from which the geography can be called.
    #[arg(long)]
    region: Option<String>,
    /// Which API Claude Code talks to, and how: bedrock (an AWS profile),
    /// bedrock-api-key (a Bedrock API key from `api-key set`), gateway (an
    /// LLM gateway in front of Bedrock, --gateway-url) or anthropic.
    #[arg(long, value_enum)]
    provider: Option<Provider>,
    /// The LLM gateway's Bedrock URL (https; http only to 127.0.0.1 or
    /// localhost); selects the gateway provider. Remembered.
    #[arg(long, value_name = "URL")]
    gateway_url: Option<String>,
    /// With bedrock-api-key: which key from `api-key set --name` (default:
    /// the one chosen before, else "default").
    #[arg(long, value_name = "NAME")]
    api_key_name: Option<String>,
    /// With bedrock-api-key: write the key into settings.json (made 0600),
    /// because Claude Code reads it only from its environment or a
    /// settings file. Without it, export it in the shell Claude Code starts from.
    #[arg(long, overrides_with = "key_from_environment")]
    write_key_to_settings: bool,
    /// With bedrock-api-key: remove the key from settings.json; Claude Code
    /// then takes it from its environment.
    #[arg(long, overrides_with = "write_key_to_settings")]
    key_from_environment: bool,
    /// Sets CLAUDE_CODE_MAX_OUTPUT_TOKENS.
    #[arg(long, value_name = "N")]
    max_output_tokens: Option<u32>,
    /// Sets MAX_THINKING_TOKENS (models without adaptive reasoning).
    #[arg(long, value_name = "N")]
    max_thinking_tokens: Option<u32>,
    /// Sets CLAUDE_CODE_EFFORT_LEVEL, which adaptive-reasoning models use
    /// instead of a thinking budget; auto removes it.
    #[arg(long, value_enum)]
    effort: Option<switch::Effort>,
    /// How logins happen from now on: native (bedrock-tray's device-code
    /// flow) or command (aws sso login); awsAuthRefresh follows.
    #[arg(long, value_enum)]
    login_method: Option<bedrock_tray::app_state::LoginMethod>,
    /// Set Claude Code's awsCredentialExport to `bedrock-tray credential-process --profile P --export`.
    /// Remembered: later switches point it at keyring-backed profiles (see `credentials set`).
    #[arg(long, overrides_with = "no_credential_export")]
    credential_export: bool,
    /// Remove our awsCredentialExport and stop setting it.
    #[arg(long, overrides_with = "credential_export")]
    no_credential_export: bool,
    /// Hand Claude Code its AWS credentials only through awsCredentialExport
    /// (`bedrock-tray credential-process --profile P --export`, SSO roles too)
    /// and leave AWS_PROFILE out of its env, so the commands Claude Code runs
    /// do not inherit the profile. Remembered.
    #[arg(long, overrides_with = "no_scoped_credentials")]
    scoped_credentials: bool,
    /// Write AWS_PROFILE into Claude Code's env again.
    #[arg(long, overrides_with = "scoped_credentials")]
    no_scoped_credentials: bool,
    /// Write into this project's .claude/settings.local.json (default: the
    /// current folder) instead of your settings: Claude Code started there
    /// uses this choice, elsewhere yours.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    project: Option<PathBuf>,
    /// With --project: remove the project's own selection.
    #[arg(long)]
    clear: bool,
    /// Print the changes as JSON.
    #[arg(long)]
    json: bool,
}

/// A command's failure: the message and its kind, from which the exit
/// code follows.
pub struct Failure {
    pub message: String,
    pub kind: ErrorKind,
}

impl Failure {
    pub fn usage(e: impl std::fmt::Display) -> Self {
        Self { message: e.to_string(), kind: ErrorKind::InvalidRequest }
    }
    pub fn env(e: impl std::fmt::Display) -> Self {
        Self { message: e.to_string(), kind: ErrorKind::BrokenEnvironment }
    }
}

/// A core error becomes a failure of its own kind.
impl<E: HasKind> From<E> for Failure {
    fn from(e: E) -> Self {
        Self { message: e.to_string(), kind: e.kind() }
    }
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("bedrock-tray: {}", f.message);
            ExitCode::from(f.kind.exit_code())
        }
    }
}

/// A project folder as given on the command line: it must exist; made
/// absolute so the files named in the output can be found again.
fn project_dir(dir: &std::path::Path) -> Result<PathBuf, Failure> {
    if !dir.is_dir() {
        return Err(Failure::usage(format!("{} is not a folder", dir.display())));
    }
    std::path::absolute(dir).map_err(Failure::env)
}

/// The runtime every async command runs on: one thread, IO and timers.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(Failure::env)
}

fn init_logging() {
    bedrock_tray::logging::init();
}

fn run(cli: Cli) -> Result<(), Failure> {
    // Called by every AWS client whenever its credentials run out: skip
    // everything not needed to answer.
    if let Command::CredentialProcess { profile, duration, export } = &cli.command {
        return credentials::credential_process(profile, *duration, *export);
    }
    let paths = Paths::from_env().map_err(Failure::env)?.with_settings(cli.settings.as_deref());
    let now = time::OffsetDateTime::now_utc();
    match cli.command {
        Command::Use(args) => {
            let request = UseRequest {
                model: args.model,
                geography: args.geography,
                profile: args.profile,
                region: args.region,
                provider: args.provider,
                max_output_tokens: args.max_output_tokens,
                max_thinking_tokens: args.max_thinking_tokens,
                login_method: args.login_method,
                credential_export: match (args.credential_export, args.no_credential_export) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                effort: args.effort,
                scoped_credentials: match (args.scoped_credentials, args.no_scoped_credentials) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                project: args.project.as_deref().map(project_dir).transpose()?,
                clear_project: args.clear,
                gateway_url: args.gateway_url,
                api_key_name: args.api_key_name,
                key_in_settings: match (args.write_key_to_settings, args.key_from_environment) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
            };
            let changes = switch::run(&paths, &request)?;
            if args.json {
                render::print_json(&changes);
            } else {
                render::changes(&switch::target_file(&paths, &request), &changes);
                // Said every time: without the key Claude Code cannot call Bedrock.
                if request.project.is_none() {
                    let status = Status::read(&paths, now).map_err(Failure::env)?;
                    if let Some(k) = status.api_key.as_ref().filter(|k| !k.in_settings) {
                        println!("{}", render::api_key_hint(&k.name));
                    }
                }
            }
        }
        Command::Status { json, probe: true, dir: None } => probe::status_with_probe(&paths, json, now)?,
        Command::Status { probe: true, dir: Some(_), .. } => {
            return Err(Failure::usage("--probe checks the user's selection only: leave out --dir"))
        }
        Command::Status { json, probe: false, dir } => {
            let dir = dir.as_deref().map(project_dir).transpose()?;
            let status = Status::read_for(&paths, dir.as_deref(), now).map_err(Failure::env)?;
            if json {
                render::print_json(&status);
            } else {
                render::status(&status);
            }
        }
        Command::Models(args) => models::run(&paths, args, now)?,
        Command::Profiles { json } => {
            let list = bedrock_tray::view::profiles::list(&paths, now).map_err(Failure::env)?;
            if json {
                render::print_json(&list);
            } else {
                render::profiles(&list);
            }
        }
        Command::Watch { warn_minutes, no_refresh } => watch::run(&paths, warn_minutes, no_refresh)?,
        Command::Login(args) => login::run_login(&paths, args)?,
        Command::Logout(args) => login::run_logout(&paths, args)?,
        Command::Config(c) => config::run(&paths, c)?,
        Command::Refresh { profile } => login::run_refresh(&paths, profile)?,
        Command::Accounts { profile, refresh, json } => accounts::run(&paths, profile, refresh, json, now)?,
        Command::Onboard(args) => onboard::run(&paths, args, now)?,
        Command::Probe(args) => probe::probe(&paths, args, now)?,
        Command::Doctor { json, invoke, timeout } => probe::doctor(&paths, json, invoke, timeout, now)?,
        Command::IamPolicy => probe::iam_policy(),
        Command::CheckPreset { file } => {
            let preset = bedrock_tray::preset::Preset::load(&file)?;
            println!(
                "{}: valid preset for {} ({} team{}, {} {} in {})",
                file.display(),
                preset.organisation,
                preset.teams.len(),
                if preset.teams.len() == 1 { "" } else { "s" },
                preset.defaults.model,
                preset.defaults.geography,
                preset.sso.region
            );
        }
        Command::Credentials { action } => credentials::run(&paths, action)?,
        Command::ApiKey { action } => api_key::run(&paths, action)?,
        Command::CredentialProcess { .. } => unreachable!("handled above"),
        Command::Repair { json } => {
            let program = bedrock_tray::program_path::installed_cli_program()?;
            let done = bedrock_tray::repair::run(&paths, &program)?;
            if json {
                render::print_json(&done);
            } else if done.is_empty() {
                println!("every command of ours already names {program}");
            } else {
                for r in &done {
                    println!("{}: {}: {} -> {}", r.file.display(), r.setting, r.old, r.new);
                }
            }
        }
        Command::Usage { since, tz, by, budget, json } => {
            usage::run(&paths, since.as_deref(), tz.as_deref(), by, budget, json)?
        }
    }
    Ok(())
}
