//! `bedrock-tray config`: the app's own choices (login method, warning
//! thresholds, monthly budget), kept in its state file, never in Claude
//! Code's settings.

use super::Failure;
use bedrock_tray::app_state::{check_budget, AppState, LoginMethod};
use bedrock_tray::paths::Paths;

#[derive(clap::Subcommand)]
pub enum ConfigCommand {
    /// Show the app's choices as JSON.
    Show,
    /// How logins run: native (our own login) or command (the settings' awsAuthRefresh, e.g. `aws sso login`).
    /// Takes effect for awsAuthRefresh at the next `bedrock-tray use --profile`.
    LoginMethod {
        #[arg(value_enum)]
        method: LoginMethod,
    },
    /// Warn this many minutes before a session expires (e.g. `15 5`); no value restores the default.
    WarnMinutes { minutes: Vec<u32> },
    /// Monthly Claude Code budget in USD: `usage` and the tray warn at 50, 80 and 100 percent.
    Budget {
        /// Amount in USD, e.g. 200.
        #[arg(value_name = "USD", required_unless_present = "clear", conflicts_with = "clear")]
        usd: Option<f64>,
        /// Remove the budget.
        #[arg(long)]
        clear: bool,
    },
    /// Where the tray app checks for updates: an updater JSON (latest.json) and the key its packages are signed with.
    Updates {
        /// https:// URL of the updater JSON, e.g. a platform team's mirror.
        #[arg(long, requires = "pubkey", conflicts_with = "off")]
        endpoint: Option<String>,
        /// The minisign public key (`tauri signer generate` prints it).
        #[arg(long, requires = "endpoint")]
        pubkey: Option<String>,
        /// No update checks (unless BEDROCK_TRAY_UPDATE_ENDPOINT is set).
        #[arg(long, required_unless_present = "endpoint")]
        off: bool,
    },
}

pub fn run(paths: &Paths, command: ConfigCommand) -> Result<(), Failure> {
    let path = paths.app_state();
    let state = AppState::load(&path).map_err(Failure::env)?;
    match command {
        ConfigCommand::Show => {
            let method = state.login_method;
            println!(
                "{}",
                serde_json::json!({
                    "login_method": method,
                    "login_method_in_force": method.unwrap_or_default(),
                    "warn_minutes": state.warn_minutes.clone().unwrap_or_else(|| vec![15, 5]),
                    "monthly_budget_usd": state.budget(),
                    "credential_export": state.credential_export.unwrap_or(false),
                    "updates": bedrock_tray::updates::resolve(
                        |k| std::env::var(k).ok(),
                        state.updates.as_ref(),
                        bedrock_tray::updates::built_in()
                    ),
                    "state_file": path,
                })
            );
            return Ok(());
        }
        ConfigCommand::Updates { endpoint, pubkey, off } => {
            let updates = match (endpoint, pubkey) {
                (Some(e), Some(k)) if !off => Some(bedrock_tray::updates::UpdateSource::new(&e, &k)?),
                _ => None,
            };
            let state = AppState::update(&path, |s| s.updates.clone_from(&updates)).map_err(Failure::env)?;
            match &state.updates {
                Some(u) => println!("the tray app checks {} for updates", u.endpoint),
                None => println!("update checks off (unless BEDROCK_TRAY_UPDATE_ENDPOINT is set)"),
            }
        }
        ConfigCommand::LoginMethod { method } => {
            AppState::update(&path, |s| s.login_method = Some(method)).map_err(Failure::env)?;
            let what = match method {
                LoginMethod::Native => "bedrock-tray's own login",
                LoginMethod::Command => "the settings' awsAuthRefresh command",
            };
            println!("logins now use {what}; run `bedrock-tray use --profile NAME` to update awsAuthRefresh");
        }
        ConfigCommand::WarnMinutes { minutes } => {
            if minutes.iter().any(|m| *m == 0 || *m > 24 * 60) {
                return Err(Failure::usage("warning thresholds are minutes between 1 and 1440"));
            }
            let warn = (!minutes.is_empty()).then_some(minutes);
            let state = AppState::update(&path, |s| s.warn_minutes.clone_from(&warn)).map_err(Failure::env)?;
            println!(
                "warnings at {:?} minutes before expiry",
                state.warn_minutes.clone().unwrap_or_else(|| vec![15, 5])
            );
        }
        ConfigCommand::Budget { usd, clear } => {
            let budget = if clear { None } else { usd.map(check_budget).transpose().map_err(Failure::usage)? };
            let state = AppState::update(&path, |s| {
                s.monthly_budget_usd = budget;
                // A new amount starts the month's warnings afresh.
                s.budget_warned = None;
            })
            .map_err(Failure::env)?;
            match state.monthly_budget_usd {
                Some(b) => println!("monthly budget ${b:.2}: warnings at 50, 80 and 100 percent"),
                None => println!("no monthly budget"),
            }
        }
    }
    Ok(())
}
