//! Where the tray app looks for updates, if anywhere: an endpoint serving
//! Tauri's updater JSON (`latest.json`) and the minisign public key that
//! signs the packages. Off unless configured, so a platform team can point
//! the app at its own mirror and nobody else's laptop calls out.
//!
//! Taken from, first to last: `BEDROCK_TRAY_UPDATE_ENDPOINT` and
//! `BEDROCK_TRAY_UPDATE_PUBKEY`; `bedrock-tray config updates` (the app's
//! state file); the values a release build was made with. Tauri's updater
//! refuses an update whose signature the key does not verify
//! (<https://v2.tauri.app/plugin/updater/>, "Signing updates").

use serde::{Deserialize, Serialize};

/// An update endpoint and the key its packages are signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSource {
    /// An `https://` URL of the updater JSON.
    pub endpoint: String,
    /// The minisign public key, as `tauri signer generate` prints it.
    pub pubkey: String,
}

/// An endpoint or key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateSourceError {
    #[error("invalid update endpoint {0:?}: use an https:// URL of the updater JSON (latest.json)")]
    Endpoint(String),
    #[error("invalid update public key: paste the key `tauri signer generate` printed (base64, one line)")]
    Pubkey,
}

impl crate::error_kind::HasKind for UpdateSourceError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::ErrorKind::InvalidRequest
    }
}

impl UpdateSource {
    /// Checks both values: an https URL (http only for a loopback mirror in
    /// tests), and a one-line base64 key.
    ///
    /// # Errors
    /// [`UpdateSourceError`].
    pub fn new(endpoint: &str, pubkey: &str) -> Result<Self, UpdateSourceError> {
        let endpoint = endpoint.trim();
        let host_ok = |rest: &str| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace);
        let ok = endpoint.strip_prefix("https://").is_some_and(host_ok)
            || ["http://127.0.0.1", "http://localhost"].iter().any(|p| endpoint.starts_with(p));
        if !ok {
            return Err(UpdateSourceError::Endpoint(endpoint.to_string()));
        }
        let pubkey = pubkey.trim();
        let base64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
        if pubkey.len() < 40 || !pubkey.chars().all(base64) {
            return Err(UpdateSourceError::Pubkey);
        }
        Ok(Self { endpoint: endpoint.to_string(), pubkey: pubkey.to_string() })
    }
}

/// The source in force (see the module doc for the order), or `None`: no
/// update checks. A half-set pair counts as unset.
pub fn resolve(
    env: impl Fn(&str) -> Option<String>,
    configured: Option<&UpdateSource>,
    built_in: (Option<&str>, Option<&str>),
) -> Option<UpdateSource> {
    let from_env = env("BEDROCK_TRAY_UPDATE_ENDPOINT").zip(env("BEDROCK_TRAY_UPDATE_PUBKEY"));
    if let Some((e, k)) = from_env {
        return UpdateSource::new(&e, &k).ok();
    }
    if let Some(c) = configured {
        return Some(c.clone());
    }
    let (e, k) = built_in;
    UpdateSource::new(e?, k?).ok()
}

/// The source a release build was made with (`BEDROCK_TRAY_UPDATE_ENDPOINT`
/// and `..._PUBKEY` at compile time; see `.github/workflows/release.yml`).
pub fn built_in() -> (Option<&'static str>, Option<&'static str>) {
    (option_env!("BEDROCK_TRAY_UPDATE_ENDPOINT"), option_env!("BEDROCK_TRAY_UPDATE_PUBKEY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

    #[test]
    fn off_unless_configured_and_the_environment_comes_first() {
        let none = |_: &str| None;
        assert_eq!(resolve(none, None, (None, None)), None, "nothing set: no update checks");
        assert_eq!(resolve(none, None, (Some("https://x/latest.json"), None)), None, "a half pair is unset");
        let mirror = UpdateSource::new("https://mirror.corp/bt/latest.json", KEY).unwrap();
        assert_eq!(resolve(none, Some(&mirror), (Some("https://gh/latest.json"), Some(KEY))), Some(mirror.clone()));
        let env = |k: &str| match k {
            "BEDROCK_TRAY_UPDATE_ENDPOINT" => Some("https://env/latest.json".to_string()),
            "BEDROCK_TRAY_UPDATE_PUBKEY" => Some(KEY.to_string()),
            _ => None,
        };
        assert_eq!(resolve(env, Some(&mirror), (None, None)).unwrap().endpoint, "https://env/latest.json");
    }

    #[test]
    fn bad_values_are_refused_with_what_to_use() {
        assert!(matches!(UpdateSource::new("http://mirror/latest.json", KEY), Err(UpdateSourceError::Endpoint(_))));
        assert!(matches!(UpdateSource::new("https:///x", KEY), Err(UpdateSourceError::Endpoint(_))));
        assert_eq!(UpdateSource::new("https://m/latest.json", "not a key"), Err(UpdateSourceError::Pubkey));
    }
}
