//! `bedrock-tray accounts`: what the SSO session can reach.

use super::{render, Failure};
use bedrock_tray::aws_profiles::AwsProfiles;
use bedrock_tray::claude_settings::{OwnedKey, SettingsDoc};
use bedrock_tray::names::ProfileName;
use bedrock_tray::paths::Paths;
use bedrock_tray::sso_accounts;
use time::OffsetDateTime;

pub fn run(paths: &Paths, profile: Option<String>, refresh: bool, json: bool, now: OffsetDateTime) -> Result<(), Failure> {
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).map_err(Failure::env)?;
    let name = match profile {
        Some(p) => p,
        None => SettingsDoc::read(&paths.claude_settings)
            .map_err(Failure::env)?
            .get(OwnedKey::AwsProfile)
            .ok_or_else(|| Failure::usage("no profile selected: pass --profile NAME"))?,
    };
    let name = ProfileName::new(name).map_err(Failure::usage)?;
    let profile = profiles.require(&name).map_err(Failure::usage)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(Failure::env)?;
    let roles = runtime
        .block_on(sso_accounts::list_for_profile(paths, profile, refresh, now))
        .map_err(|e| match e {
            sso_accounts::AccountsError::NotSso(_) => Failure::usage(e),
            _ => Failure::env(e),
        })?;
    if json {
        render::print_json(&roles);
        return Ok(());
    }
    if roles.is_empty() {
        println!("the session reaches no accounts: ask your AWS admin for an assignment");
        return Ok(());
    }
    println!("{:<28} {:<14} ROLE", "ACCOUNT", "ID");
    for r in &roles {
        println!("{:<28} {:<14} {}", r.account_name, r.account_id, r.role_name);
    }
    Ok(())
}
