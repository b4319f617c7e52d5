//! `bedrock-tray config`: the app's own choices (login method, warning
//! thresholds), kept in its state file, never in Claude Code's settings.

use super::Failure;
use bedrock_tray::app_state::{AppState, LoginMethod};
use bedrock_tray::paths::Paths;

#[derive(clap::Subcommand)]
pub enum ConfigCommand {
    /// Show the app's choices as JSON.
    Show,
    /// How logins run: native (our device-code flow) or command (the settings' awsAuthRefresh, e.g. `aws sso login`).
    /// Takes effect for awsAuthRefresh at the next `bedrock-tray use --profile`.
    LoginMethod {
        #[arg(value_enum)]
        method: LoginMethod,
    },
    /// Warn this many minutes before a session expires (e.g. `15 5`); no value restores the default.
    WarnMinutes { minutes: Vec<u32> },
}

pub fn run(paths: &Paths, command: ConfigCommand) -> Result<(), Failure> {
    let path = paths.app_state();
    let mut state = AppState::load(&path).map_err(Failure::env)?;
    match command {
        ConfigCommand::Show => {
            let method = state.login_method;
            println!(
                "{}",
                serde_json::json!({
                    "login_method": method,
                    "login_method_in_force": method.unwrap_or_default(),
                    "warn_minutes": state.warn_minutes.clone().unwrap_or_else(|| vec![15, 5]),
                    "state_file": path,
                })
            );
            return Ok(());
        }
        ConfigCommand::LoginMethod { method } => {
            state.login_method = Some(method);
            state.save(&path).map_err(Failure::env)?;
            let what = match method {
                LoginMethod::Native => "bedrock-tray's own device-code login",
                LoginMethod::Command => "the settings' awsAuthRefresh command",
            };
            println!("logins now use {what}; run `bedrock-tray use --profile NAME` to update awsAuthRefresh");
        }
        ConfigCommand::WarnMinutes { minutes } => {
            if minutes.iter().any(|m| *m == 0 || *m > 24 * 60) {
                return Err(Failure::usage("warning thresholds are minutes between 1 and 1440"));
            }
            state.warn_minutes = (!minutes.is_empty()).then_some(minutes);
            state.save(&path).map_err(Failure::env)?;
            println!("warnings at {:?} minutes before expiry", state.warn_minutes.clone().unwrap_or_else(|| vec![15, 5]));
        }
    }
    Ok(())
}
