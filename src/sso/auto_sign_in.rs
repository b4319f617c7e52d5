//! When the tray may start a sign-in by itself.
//!
//! A sign-in page that opens on its own trains people to approve whatever
//! page appears, which is what phishing relies on (device-code phishing in
//! particular). So the tray starts one only for the session Claude Code
//! uses now (the selected profile's), only when that session has expired or
//! is about to and could not be refreshed silently, and at most once per
//! expiry: a sign-in that fails or is ignored is not started again until
//! the token file shows a new expiry. Every other session's expiry is at
//! most a notification.

use crate::sso::cache::SessionState;
use crate::view::snapshot::Snapshot;
use crate::watch::SessionEvent;
use std::collections::HashSet;
use std::path::PathBuf;
use time::OffsetDateTime;

/// What the tray does with one session event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    /// Start a sign-in of the selected profile (and say why).
    SignIn,
    /// Tell the user; start nothing.
    Notify,
}

/// The memory of sign-ins already started, one per session expiry.
#[derive(Debug, Default)]
pub struct AutoSignIn {
    /// (token file, the expiry it had) of every sign-in started.
    started: HashSet<(PathBuf, Option<OffsetDateTime>)>,
}

impl AutoSignIn {
    /// Whether `event` starts a sign-in, given the files as `snapshot`
    /// shows them now (read after the event, so a session another tool has
    /// signed in meanwhile starts nothing). Records the sign-in it allows.
    pub fn react(&mut self, event: &SessionEvent, snapshot: &Snapshot) -> Reaction {
        let profiles = match event {
            // Expired, or a refresh in the last minutes failed for good
            // (dead refresh token or registration): only a login helps.
            SessionEvent::Expired { profiles, .. } | SessionEvent::LoginNeeded { profiles, .. } => profiles,
            // A warning, a refresh that will be retried, a success: the
            // session can still be saved without a browser.
            _ => return Reaction::Notify,
        };
        let Some(status) = &snapshot.status else { return Reaction::Notify };
        let Some(selected) = &status.profile else { return Reaction::Notify };
        if !profiles.contains(selected) {
            return Reaction::Notify;
        }
        let session = &status.session;
        let needs_login = match session.state {
            SessionState::Expired | SessionState::Missing => true,
            SessionState::Expiring => !session.refreshable || matches!(event, SessionEvent::LoginNeeded { .. }),
            SessionState::Valid | SessionState::NotSso => false,
        };
        let Some(path) = session.token_path.clone() else { return Reaction::Notify };
        if needs_login && self.started.insert((path, session.expires_at)) {
            Reaction::SignIn
        } else {
            Reaction::Notify
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;

    const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
";

    fn home() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        std::fs::create_dir_all(paths.aws_config.parent().unwrap()).unwrap();
        std::fs::write(&paths.aws_config, CONFIG).unwrap();
        std::fs::create_dir_all(paths.claude_settings.parent().unwrap()).unwrap();
        std::fs::write(&paths.claude_settings, r#"{"env": {"AWS_PROFILE": "dev", "CLAUDE_CODE_USE_BEDROCK": "1"}}"#)
            .unwrap();
        (dir, paths)
    }

    fn token(paths: &Paths, key: &str, expires_at: OffsetDateTime) {
        std::fs::create_dir_all(&paths.sso_cache_dir).unwrap();
        let body = serde_json::json!({
            "startUrl": "https://x.awsapps.com/start", "region": "eu-west-1",
            "accessToken": "not-a-secret",
            "expiresAt": crate::sso::cache::format_cli_timestamp(expires_at),
        });
        std::fs::write(paths.sso_cache_dir.join(crate::sso::cache::token_file_name(key)), body.to_string()).unwrap();
    }

    fn expired(profile: &str, session: &str) -> SessionEvent {
        SessionEvent::Expired { session: session.into(), profiles: vec![profile.into()] }
    }

    #[test]
    fn another_profiles_expiry_starts_no_sign_in_while_the_selected_one_is_valid() {
        let (_dir, paths) = home();
        let now = OffsetDateTime::now_utc();
        token(&paths, "corp", now + time::Duration::hours(10));
        token(&paths, "https://legacy.awsapps.com/start", now - time::Duration::minutes(1));
        let snapshot = Snapshot::read(&paths, now);
        let mut auto = AutoSignIn::default();
        assert_eq!(
            auto.react(&expired("legacy", "legacy"), &snapshot),
            Reaction::Notify,
            "legacy is not what Claude Code uses: a notification at most"
        );
        // Even a (stale) event naming the selected profile starts nothing
        // while its token file says ten hours are left.
        assert_eq!(auto.react(&expired("dev", "corp"), &snapshot), Reaction::Notify);
    }

    #[test]
    fn the_selected_session_signs_in_once_per_expiry() {
        let (_dir, paths) = home();
        let now = OffsetDateTime::now_utc();
        token(&paths, "corp", now - time::Duration::minutes(1));
        let mut auto = AutoSignIn::default();
        let snapshot = Snapshot::read(&paths, now);
        assert_eq!(auto.react(&expired("dev", "corp"), &snapshot), Reaction::SignIn);
        // The sign-in failed or was ignored; the same expiry comes round
        // again (a restart of the watcher, a second event): no loop.
        for _ in 0..3 {
            assert_eq!(auto.react(&expired("dev", "corp"), &snapshot), Reaction::Notify);
        }
        // Signed in elsewhere, and that session expired in its turn: one more.
        token(&paths, "corp", now - time::Duration::seconds(5));
        assert_eq!(auto.react(&expired("dev", "corp"), &Snapshot::read(&paths, now)), Reaction::SignIn);
    }

    #[test]
    fn warnings_and_retried_refreshes_never_sign_in() {
        let (_dir, paths) = home();
        let now = OffsetDateTime::now_utc();
        token(&paths, "corp", now + time::Duration::minutes(4));
        let snapshot = Snapshot::read(&paths, now);
        let mut auto = AutoSignIn::default();
        let soon = SessionEvent::ExpiresSoon {
            session: "corp".into(),
            profiles: vec!["dev".into()],
            minutes: 5,
            refreshable: false,
        };
        let retry = SessionEvent::RefreshFailed {
            session: "corp".into(),
            profiles: vec!["dev".into()],
            reason: "network".into(),
            retrying: true,
        };
        assert_eq!(auto.react(&soon, &snapshot), Reaction::Notify);
        assert_eq!(auto.react(&retry, &snapshot), Reaction::Notify);
        let dead =
            SessionEvent::LoginNeeded { session: "corp".into(), profiles: vec!["dev".into()], reason: "x".into() };
        assert_eq!(auto.react(&dead, &snapshot), Reaction::SignIn, "four minutes left and no refresh possible");
    }
}
