//! `api-key set|remove|status|print`: a Bedrock API key
//! (`AWS_BEARER_TOKEN_BEDROCK`) kept in the OS keyring, for the
//! `bedrock-api-key` provider. The key is read from the terminal without
//! echo or from stdin, never from arguments, and never printed, except by
//! `print` into a pipe (see [`print`]).

use super::Failure;
use bedrock_tray::app_state::AppState;
use bedrock_tray::aws::api_key;
use bedrock_tray::aws::keychain::OsKeyring;
use bedrock_tray::names::ApiKeyName;
use bedrock_tray::paths::Paths;
use bedrock_tray::secret::Secret;
use std::io::{BufRead, IsTerminal, Write};

#[derive(clap::Subcommand)]
pub enum ApiKeyAction {
    /// Store a Bedrock API key in the OS keyring (read from the terminal
    /// without echo, or from stdin; never from arguments).
    Set {
        /// The key's name, to keep more than one.
        #[arg(long, default_value = api_key::DEFAULT_NAME)]
        name: String,
    },
    /// Remove a Bedrock API key from the OS keyring.
    Remove {
        #[arg(long, default_value = api_key::DEFAULT_NAME)]
        name: String,
    },
    /// Which keys the keyring holds (by name and last four characters).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print the key, for `export AWS_BEARER_TOKEN_BEDROCK="$(bedrock-tray
    /// api-key print)"`: only into a pipe, never onto a terminal.
    Print {
        #[arg(long, default_value = api_key::DEFAULT_NAME)]
        name: String,
    },
}

fn name(s: &str) -> Result<ApiKeyName, Failure> {
    ApiKeyName::new(s.trim()).map_err(Failure::usage)
}

/// The key from the terminal (echo off) or the first line of stdin.
fn read_key() -> Result<Secret, Failure> {
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        eprint!("Bedrock API key: ");
        let _ = std::io::stderr().flush();
        rpassword::read_password().map_err(Failure::env)?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(Failure::env)?;
        line
    };
    let key = Secret::new(line.trim());
    drop(zeroize::Zeroizing::new(line));
    api_key::check(key.expose()).map_err(Failure::usage)?;
    Ok(key)
}

/// Runs `api-key ...`.
pub fn run(paths: &Paths, action: ApiKeyAction) -> Result<(), Failure> {
    let state_path = paths.app_state();
    match action {
        ApiKeyAction::Set { name: n } => {
            let name = name(&n)?;
            let key = read_key()?;
            // Keyring first: if it is unavailable, nothing is written anywhere.
            api_key::set(&OsKeyring, &name, &key).map_err(Failure::env)?;
            let fingerprint = api_key::fingerprint(key.expose());
            AppState::update(&state_path, |s| {
                s.api_keys.insert(name.to_string(), fingerprint.clone());
            })
            .map_err(Failure::env)?;
            println!("stored Bedrock API key {name} ({fingerprint}) in the OS keyring; select it with `bedrock-tray use --provider bedrock-api-key{}`", name_flag(&name));
        }
        ApiKeyAction::Remove { name: n } => {
            let name = name(&n)?;
            let removed = api_key::remove(&OsKeyring, &name).map_err(Failure::env)?;
            AppState::update(&state_path, |s| {
                s.api_keys.remove(name.as_str());
            })
            .map_err(Failure::env)?;
            if removed {
                println!("removed Bedrock API key {name} from the OS keyring");
            } else {
                println!("the OS keyring had no Bedrock API key named {name}");
            }
            // A copy written into the settings is not the keyring's: say so.
            let doc =
                bedrock_tray::claude::settings::SettingsDoc::read(&paths.claude_settings).map_err(Failure::env)?;
            if doc.get(bedrock_tray::claude::settings::OwnedKey::BearerToken).is_some() {
                println!(
                    "{} still holds a copy of a key in env.AWS_BEARER_TOKEN_BEDROCK: run `bedrock-tray use --provider bedrock` (or another provider) to remove it",
                    paths.claude_settings.display()
                );
            }
        }
        ApiKeyAction::Status { json } => {
            let state = AppState::load(&state_path).map_err(Failure::env)?;
            if json {
                super::render::print_json(&state.api_keys);
            } else if state.api_keys.is_empty() {
                println!("no Bedrock API key stored: run `bedrock-tray api-key set`");
            } else {
                for (name, fingerprint) in &state.api_keys {
                    println!("{name}  {fingerprint}");
                }
            }
        }
        ApiKeyAction::Print { name: n } => print(&name(&n)?)?,
    }
    Ok(())
}

fn name_flag(name: &ApiKeyName) -> String {
    if name.as_str() == api_key::DEFAULT_NAME {
        String::new()
    } else {
        format!(" --api-key-name {name}")
    }
}

/// Prints the key for a shell's `$(...)`: refused when stdout is a
/// terminal, where it would stay on screen and in the scrollback.
fn print(name: &ApiKeyName) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() {
        return Err(Failure::usage(format!(
            "api-key print writes the key only into a pipe, not onto a terminal: use `export AWS_BEARER_TOKEN_BEDROCK=\"$(bedrock-tray api-key print{})\"`",
            if name.as_str() == api_key::DEFAULT_NAME { String::new() } else { format!(" --name {name}") }
        )));
    }
    let key = api_key::get(&OsKeyring, name).map_err(Failure::env)?.ok_or_else(|| {
        Failure::usage(format!(
            "no Bedrock API key named {name} in the OS keyring: run `bedrock-tray api-key set --name {name}`"
        ))
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", key.expose()).map_err(Failure::env)?;
    Ok(())
}
