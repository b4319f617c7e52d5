//! `bedrock-tray accounts`: what the SSO session can reach.

use super::{render, Failure};
use bedrock_tray::paths::Paths;
use bedrock_tray::sso::accounts;
use time::OffsetDateTime;

pub fn run(
    paths: &Paths,
    profile: Option<String>,
    refresh: bool,
    json: bool,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    let profile = super::login::profile(paths, profile)?;
    let profile = &profile;
    let runtime = super::runtime()?;
    let roles = runtime.block_on(accounts::list_for_profile(paths, profile, refresh, now))?;
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
