//! `bedrock-tray login`, `logout` and `refresh`.

use super::Failure;
use bedrock_tray::app_state::{AppState, LoginMethod};
use bedrock_tray::aws::profiles::{AwsProfile, AwsProfiles};
use bedrock_tray::claude::settings::{OwnedKey, SettingsDoc};
use bedrock_tray::names::ProfileName;
use bedrock_tray::paths::Paths;
use bedrock_tray::sso::cache::format_rfc3339;
use bedrock_tray::sso::login::{self, Approval, Flow, LoginOutcome, LoginPrompt};
use bedrock_tray::sso::logout;
use std::time::Duration;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// The SSO profile (default: the one selected in Claude Code's settings).
    #[arg(long)]
    profile: Option<String>,
    /// Print the sign-in link (and code) instead of opening the browser.
    #[arg(long)]
    no_browser: bool,
    /// Sign in with a device code (approve on any device) instead of the
    /// authorization code with a redirect to this machine.
    #[arg(long)]
    device_code: bool,
    /// native: our own login; command: the settings' awsAuthRefresh.
    #[arg(long, value_enum)]
    method: Option<LoginMethod>,
}

pub struct TerminalPrompt;

impl LoginPrompt for TerminalPrompt {
    fn show(&mut self, approval: Approval<'_>) {
        match approval {
            Approval::DeviceCode(a) => {
                eprintln!("To sign in, open this page and confirm the code {}:", a.user_code);
                eprintln!("  {}", a.verification_uri_complete);
                eprintln!("(or open {} and type the code)", a.verification_uri);
            }
            // The URL alone on its line, as the AWS CLI prints it, so it
            // can be copied whole (it is too long for some terminals to
            // wrap cleanly).
            Approval::Browser { url } => {
                eprintln!("To sign in, open this page in a browser on this machine and approve the request:");
                eprintln!();
                eprintln!("{url}");
                eprintln!();
                eprintln!("(on another device? run the login again with --device-code)");
            }
        }
    }
}

/// The profile named, or the one selected in the settings.
pub fn profile(paths: &Paths, name: Option<String>) -> Result<AwsProfile, Failure> {
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).map_err(Failure::env)?;
    let name = match name {
        Some(n) => n,
        None => SettingsDoc::read(&paths.claude_settings)
            .map_err(Failure::env)?
            .get(OwnedKey::AwsProfile)
            .ok_or_else(|| Failure::usage("no profile selected: pass --profile NAME"))?,
    };
    let name = ProfileName::new(name).map_err(Failure::usage)?;
    profiles.require(&name).cloned().map_err(Failure::usage)
}

/// Resolves on the first Ctrl-C (SIGINT). The handler is in place when
/// this returns, before anything is shown.
#[cfg(unix)]
fn interrupted() -> Result<impl std::future::Future<Output = ()>, Failure> {
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).map_err(Failure::env)?;
    Ok(async move {
        sigint.recv().await;
    })
}

/// Resolves on the first Ctrl-C.
#[cfg(not(unix))]
fn interrupted() -> Result<impl std::future::Future<Output = ()>, Failure> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

pub fn run_login(paths: &Paths, args: LoginArgs) -> Result<(), Failure> {
    let profile = profile(paths, args.profile)?;
    let target = login::target_of(&profile)?;
    let state = AppState::load(&paths.app_state()).map_err(Failure::env)?;
    let method = args.method.or(state.login_method).unwrap_or_default();
    let flow =
        if args.device_code || state.device_code == Some(true) { Flow::DeviceCode } else { Flow::AuthorizationCode };
    let outcome = match method {
        LoginMethod::Native => super::runtime()?.block_on(async {
            // Ctrl-C ends the sign-in cleanly (the login's files are written
            // whole or not at all), also when SIGINT was ignored on entry,
            // as it is for a background job of a script.
            let interrupted = interrupted()?;
            let mut prompt = TerminalPrompt;
            tokio::select! {
                outcome = login::login(paths, &target, &mut prompt, !args.no_browser, flow) => {
                    outcome.map_err(Failure::from)
                }
                () = interrupted => {
                    eprintln!("bedrock-tray: sign-in cancelled; nothing was saved");
                    std::process::exit(130);
                }
            }
        })?,
        LoginMethod::Command => {
            let doc = SettingsDoc::read(&paths.claude_settings).map_err(Failure::env)?;
            let command = doc
                .get(OwnedKey::AuthRefresh)
                .ok_or_else(|| Failure::usage("the settings have no awsAuthRefresh command: use --method native"))?;
            if login::is_native_login_command(&command) {
                // awsAuthRefresh is this very login: run it natively rather
                // than have a child wait for our own lock.
                return run_login(
                    paths,
                    LoginArgs {
                        profile: Some(profile.name.clone()),
                        no_browser: args.no_browser,
                        device_code: args.device_code,
                        method: Some(LoginMethod::Native),
                    },
                );
            }
            let env: Vec<(String, String)> = doc
                .env()
                .map(|e| e.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
                .unwrap_or_default();
            super::runtime()?.block_on(login::run_refresh_command(
                paths,
                &target,
                &command,
                &env,
                Duration::from_secs(180),
            ))?
        }
    };
    match outcome {
        LoginOutcome::LoggedIn { expires_at } => {
            println!("signed in as profile {}; the session lasts until {}", profile.name, format_rfc3339(expires_at))
        }
        LoginOutcome::Joined { expires_at } => {
            println!("another login just signed this session in; it lasts until {}", format_rfc3339(expires_at))
        }
    }
    Ok(())
}

pub fn run_refresh(paths: &Paths, profile_name: Option<String>) -> Result<(), Failure> {
    let profile = profile(paths, profile_name)?;
    let target = login::target_of(&profile)?;
    let expires_at = super::runtime()?.block_on(login::refresh(paths, &target))?;
    println!("refreshed; the session lasts until {}", format_rfc3339(expires_at));
    Ok(())
}

#[derive(clap::Args)]
pub struct LogoutArgs {
    /// The SSO profile whose session ends (default: the one selected in
    /// Claude Code's settings). Profiles sharing its sso-session end too.
    #[arg(long, conflicts_with = "all")]
    profile: Option<String>,
    /// Every SSO session, as `aws sso logout` does.
    #[arg(long)]
    all: bool,
}

pub fn run_logout(paths: &Paths, args: LogoutArgs) -> Result<(), Failure> {
    let report = if args.all {
        super::runtime()?.block_on(logout::logout_all(paths))?
    } else {
        let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).map_err(Failure::env)?;
        let profile = profile(paths, args.profile)?;
        super::runtime()?.block_on(logout::logout_profile(paths, &profiles, &profile))?
    };
    if report.tokens_removed == 0 {
        println!("no session to sign out of: no token was cached");
    } else {
        println!(
            "signed out: {} session(s) ended at IAM Identity Center, {} token file(s) and {} cached role credential file(s) removed",
            report.portal_logouts, report.tokens_removed, report.credentials_removed
        );
    }
    for why in &report.portal_failures {
        eprintln!(
            "note: IAM Identity Center did not accept the Logout call ({why}); the local files are removed anyway"
        );
    }
    Ok(())
}
