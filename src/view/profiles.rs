//! `bedrock-tray profiles`: every AWS profile with its session state.

use crate::aws::profiles::{AwsProfiles, ProfilesError};
use crate::paths::Paths;
use crate::sso::cache::SessionStatus;
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

/// One row of the profile list.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileRow {
    pub name: String,
    pub region: Option<String>,
    pub credentials: &'static str,
    pub sso_session: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    pub session: SessionStatus,
}

/// Lists the profiles of the AWS config with their session state at `now`.
///
/// # Errors
/// [`ProfilesError`] when the config exists but cannot be read or parsed.
pub fn list(paths: &Paths, now: OffsetDateTime) -> Result<Vec<ProfileRow>, ProfilesError> {
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)?;
    Ok(rows(paths, &profiles, now))
}

/// The rows for profiles already loaded. Profiles sharing an sso-session
/// share one token file, which is read once.
pub fn rows(paths: &Paths, profiles: &AwsProfiles, now: OffsetDateTime) -> Vec<ProfileRow> {
    use crate::aws::profiles::CredentialSource as C;
    let mut sessions: HashMap<Option<String>, SessionStatus> = HashMap::new();
    profiles
        .all()
        .iter()
        .map(|p| {
            let (sso_session, account_id, role_name) = match &p.credentials {
                C::Sso { sso_session, account_id, role_name, .. } => {
                    (Some(sso_session.clone()), account_id.clone(), role_name.clone())
                }
                C::LegacySso { account_id, role_name, .. } => (None, account_id.clone(), role_name.clone()),
                _ => (None, None, None),
            };
            ProfileRow {
                name: p.name.clone(),
                region: p.region.clone(),
                credentials: p.credentials.label(),
                sso_session,
                account_id,
                role_name,
                session: sessions
                    .entry(p.credentials.sso_cache_key().map(str::to_string))
                    .or_insert_with(|| SessionStatus::of_profile(&paths.sso_cache_dir, &p.credentials, now))
                    .clone(),
            }
        })
        .collect()
}
