//! The SSO token cache shared with AWS CLI v2, botocore and Claude Code:
//! `~/.aws/sso/cache/<sha1 hex>.json`. The format is theirs; we read what
//! they write and keep keys we do not know when we write.

use crate::aws::profiles::CredentialSource;
use crate::secret::Secret;
use serde::Serialize;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The SDKs refresh a token when less than this remains; we call the
/// session "expiring" from the same point.
pub const EXPIRING_WITHIN: time::Duration = time::Duration::minutes(15);

/// The file name of the token cache entry for a cache key (sso-session name
/// or legacy start URL), as botocore's `SSOTokenLoader` computes it.
pub fn token_file_name(cache_key: &str) -> String {
    format!("{:x}.json", Sha1::digest(cache_key.as_bytes()))
}

/// Where the token for a profile's credentials lives, if it is SSO.
pub fn token_path(cache_dir: &Path, source: &CredentialSource) -> Option<PathBuf> {
    source.sso_cache_key().map(|k| cache_dir.join(token_file_name(k)))
}

/// A parsed token cache file. Unknown keys are kept in `raw` so a rewrite
/// loses nothing. `Debug` is written by hand: `raw` holds every token in
/// clear, so it shows only its keys.
#[derive(Clone)]
pub struct SsoToken {
    pub access_token: Secret,
    pub expires_at: OffsetDateTime,
    pub refresh_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub registration_expires_at: Option<OffsetDateTime>,
    pub region: Option<String>,
    pub start_url: Option<String>,
    pub raw: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for SsoToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoToken")
            .field("expires_at", &self.expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("client_id", &self.client_id)
            .field("has_client_secret", &self.client_secret.is_some())
            .field("registration_expires_at", &self.registration_expires_at)
            .field("region", &self.region)
            .field("start_url", &self.start_url)
            .field("raw_keys", &self.raw.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SsoToken {
    /// Whether a silent refresh is possible: a refresh token and a client
    /// registration that has not expired.
    pub fn refreshable(&self, now: OffsetDateTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_none_or(|t| t > now)
    }
}

/// Why a token file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFileError {
    #[error("no SSO token at {}: log in", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("token cache file {} is corrupt ({message}): log in again", path.display())]
    Corrupt { path: PathBuf, message: String },
}

/// Parses an `expiresAt` in either form seen in the wild: the CLI's
/// `2026-11-25T04:26:55Z` and Claude Code's `2026-11-25T04:26:55.479Z`
/// (and `+00:00` offsets, which botocore also accepts).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// Formats a time the way the AWS CLI writes `expiresAt`.
pub fn format_cli_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Formats a time as RFC 3339 for our own output.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    format_cli_timestamp(t)
}

/// Reads and parses one token file.
///
/// # Errors
/// [`TokenFileError`] saying whether the file is missing, unreadable or corrupt.
pub fn read_token(path: &Path) -> Result<SsoToken, TokenFileError> {
    let bytes = match crate::bounded_read::read(path, crate::bounded_read::MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TokenFileError::Missing { path: path.to_path_buf() })
        }
        Err(e) => return Err(TokenFileError::Unreadable { path: path.to_path_buf(), message: e.to_string() }),
    };
    parse_token(&bytes).map_err(|message| TokenFileError::Corrupt { path: path.to_path_buf(), message })
}

/// Parses token file contents. The message never contains the token.
///
/// # Errors
/// A short description of what is wrong.
pub fn parse_token(bytes: &[u8]) -> Result<SsoToken, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message can quote input; keep only the position.
        format!("not valid JSON at line {} column {}", e.line(), e.column())
    })?;
    let serde_json::Value::Object(raw) = value else {
        return Err("not a JSON object".into());
    };
    let text = |k: &str| raw.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
    let access_token = text("accessToken").ok_or("no accessToken")?;
    let expires_text = text("expiresAt").ok_or("no expiresAt")?;
    let expires_at = parse_timestamp(expires_text).ok_or("expiresAt is not an RFC 3339 time")?;
    Ok(SsoToken {
        access_token: Secret::new(access_token),
        expires_at,
        refresh_token: text("refreshToken").map(Secret::new),
        client_id: text("clientId").map(str::to_string),
        client_secret: text("clientSecret").map(Secret::new),
        registration_expires_at: text("registrationExpiresAt").and_then(parse_timestamp),
        region: text("region").map(str::to_string),
        start_url: text("startUrl").map(str::to_string),
        raw,
    })
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Valid,
    /// Under [`EXPIRING_WITHIN`] left.
    Expiring,
    Expired,
    /// No usable token file.
    Missing,
    /// The profile does not use SSO.
    NotSso,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Valid => "valid",
            SessionState::Expiring => "expiring",
            SessionState::Expired => "expired",
            SessionState::Missing => "missing",
            SessionState::NotSso => "not_sso",
        }
    }
}

/// The session of one profile at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionStatus {
    pub state: SessionState,
    #[serde(serialize_with = "ser_opt_time")]
    pub expires_at: Option<OffsetDateTime>,
    pub seconds_left: Option<i64>,
    pub refreshable: bool,
    /// The token file, for SSO profiles.
    pub token_path: Option<PathBuf>,
    /// Why the state is `missing` (absent, corrupt ...).
    pub reason: Option<String>,
}

/// Serialises a time as RFC 3339 (for `#[serde(serialize_with)]`).
pub fn ser_time<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*t))
}

fn ser_opt_time<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_rfc3339(*t)),
        None => s.serialize_none(),
    }
}

impl SessionStatus {
    pub fn not_sso() -> Self {
        Self {
            state: SessionState::NotSso,
            expires_at: None,
            seconds_left: None,
            refreshable: false,
            token_path: None,
            reason: None,
        }
    }

    /// The state of a token at `now`.
    pub fn of_token(token: &SsoToken, path: PathBuf, now: OffsetDateTime) -> Self {
        let left = token.expires_at - now;
        let state = if left <= time::Duration::ZERO {
            SessionState::Expired
        } else if left < EXPIRING_WITHIN {
            SessionState::Expiring
        } else {
            SessionState::Valid
        };
        Self {
            state,
            expires_at: Some(token.expires_at),
            seconds_left: Some(left.whole_seconds().max(0)),
            refreshable: token.refreshable(now),
            token_path: Some(path),
            reason: None,
        }
    }

    /// The state of a profile's session, read from the cache at `now`.
    pub fn of_profile(cache_dir: &Path, source: &CredentialSource, now: OffsetDateTime) -> Self {
        let Some(path) = token_path(cache_dir, source) else { return Self::not_sso() };
        match read_token(&path) {
            Ok(token) => Self::of_token(&token, path, now),
            Err(e) => Self {
                state: SessionState::Missing,
                expires_at: None,
                seconds_left: None,
                refreshable: false,
                token_path: Some(path),
                reason: Some(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn file_name_matches_botocore() {
        // python3 -c 'import hashlib; print(hashlib.sha1(b"my-sso").hexdigest())'
        assert_eq!(token_file_name("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
        assert_eq!(token_file_name("https://d-123.awsapps.com/start").len(), 45);
    }

    #[test]
    fn both_timestamp_forms_parse() {
        let a = parse_timestamp("2026-11-25T04:26:55Z").unwrap();
        let b = parse_timestamp("2026-11-25T04:26:55.479Z").unwrap();
        assert_eq!(a, datetime!(2026-11-25 04:26:55 UTC));
        assert_eq!((b - a).whole_milliseconds(), 479);
        assert_eq!(format_cli_timestamp(b), "2026-11-25T04:26:55Z");
        assert!(parse_timestamp("tomorrow").is_none());
    }

    fn token(expires: &str, refresh: bool) -> SsoToken {
        let mut v = serde_json::json!({"accessToken": "at", "expiresAt": expires, "region": "eu-west-1", "startUrl": "https://x"});
        if refresh {
            v["refreshToken"] = "rt".into();
            v["clientId"] = "cid".into();
            v["clientSecret"] = "cs".into();
            v["registrationExpiresAt"] = "2027-01-01T00:00:00Z".into();
        }
        parse_token(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn debug_shows_no_token_or_secret() {
        let v = serde_json::json!({
            "accessToken": "aoaACCESS", "expiresAt": "2026-11-25T13:00:00Z", "refreshToken": "aorREFRESH",
            "clientId": "cid", "clientSecret": "csSECRET", "registrationExpiresAt": "2027-01-01T00:00:00Z",
            "someFutureField": "sffVALUE",
        });
        let t = parse_token(v.to_string().as_bytes()).unwrap();
        let shown = format!("{t:?} {t:#?}");
        for secret in ["aoaACCESS", "aorREFRESH", "csSECRET", "sffVALUE"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("cid") && shown.contains("someFutureField"), "{shown}");
    }

    #[test]
    fn states_follow_the_clock() {
        let now = datetime!(2026-11-25 12:00:00 UTC);
        let s = |exp, r| SessionStatus::of_token(&token(exp, r), PathBuf::from("t"), now);
        assert_eq!(s("2026-11-25T13:00:00Z", false).state, SessionState::Valid);
        let expiring = s("2026-11-25T12:10:00.500Z", true);
        assert_eq!(
            (expiring.state, expiring.seconds_left, expiring.refreshable),
            (SessionState::Expiring, Some(600), true)
        );
        assert_eq!(s("2026-11-25T12:00:00Z", false).state, SessionState::Expired);
        assert!(!s("2026-11-25T13:00:00Z", false).refreshable, "no refresh token, no refresh");
    }

    #[test]
    fn corrupt_files_say_why_without_leaking() {
        for (bytes, why) in [
            (&b"{\"accessToken\": \"SECRETTOKEN\", \"expiresAt\": "[..], "not valid JSON"),
            (b"[]", "not a JSON object"),
            (b"{\"expiresAt\": \"2026-01-01T00:00:00Z\"}", "no accessToken"),
            (b"{\"accessToken\": \"SECRETTOKEN\", \"expiresAt\": \"soon\"}", "RFC 3339"),
        ] {
            let e = parse_token(bytes).unwrap_err();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("SECRETTOKEN"));
        }
    }
}
