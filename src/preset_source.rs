//! Where a team preset comes from: a file, an `https://` URL a platform
//! team publishes (size-capped, optionally pinned by SHA-256), or the
//! managed location an administrator fills on every machine.
//!
//! Only https is fetched: a preset decides the SSO start URL the user signs
//! in at, so it must not be open to tampering on the way.

// The innermost cause: reqwest's own Display is only "error sending request".
use crate::catalog::Catalog;
use crate::preset::{Preset, PresetError};
use crate::sso::client::innermost;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A preset is a few hundred bytes; anything near this is not one.
pub const MAX_PRESET_BYTES: usize = 256 * 1024;

/// Why a preset could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}: presets are only downloaded over https")]
    NotHttps(String),
    #[error("{url}: {message}")]
    Download { url: String, message: String },
    #[error("{url}: the server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: larger than {MAX_PRESET_BYTES} bytes, not a preset")]
    TooLarge { url: String },
    #[error("{0}: not UTF-8 text")]
    NotText(String),
    #[error("--sha256 must be 64 hexadecimal digits")]
    BadDigest,
    #[error("{what}: its SHA-256 is {actual}, not the {expected} asked for; nothing was changed")]
    DigestMismatch { what: String, expected: String, actual: String },
    #[error("{0} is not a bedrock-tray://onboard?preset=https://… link")]
    BadLink(String),
    #[error(transparent)]
    Preset(#[from] PresetError),
}

impl crate::error_kind::HasKind for SourceError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        use crate::error_kind::ErrorKind;
        match self {
            SourceError::NotHttps(_) | SourceError::BadDigest | SourceError::BadLink(_) => ErrorKind::InvalidRequest,
            SourceError::Preset(e) => e.kind(),
            _ => ErrorKind::BrokenEnvironment,
        }
    }
}

/// Where an administrator places the team preset on this OS, offered
/// first by the wizard and used by `onboard` without `--preset`
/// (`program_data`: `%ProgramData%` on Windows).
pub fn default_managed_preset(program_data: Option<&Path>) -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/bedrock-tray/preset.toml")
    } else if cfg!(windows) {
        program_data.unwrap_or(Path::new(r"C:\ProgramData")).join("bedrock-tray").join("preset.toml")
    } else {
        PathBuf::from("/etc/bedrock-tray/preset.toml")
    }
}

/// Whether `source` names a URL rather than a file.
pub fn is_url(source: &str) -> bool {
    source.contains("://")
}

/// Loads a preset from a file or an https URL, checking `sha256` (hex)
/// when given. Nothing is written anywhere.
///
/// # Errors
/// [`SourceError`]: not https, download failure, too large, digest
/// mismatch, or an invalid preset.
pub async fn load(source: &str, sha256: Option<&str>) -> Result<Preset, SourceError> {
    let expected = sha256.map(parse_digest).transpose()?;
    let (bytes, name) = if is_url(source) {
        (download(source).await?, PathBuf::from(source))
    } else {
        let path = Path::new(source);
        let bytes = std::fs::read(path).map_err(|e| PresetError::Read { path: path.into(), source: e })?;
        (bytes, path.to_path_buf())
    };
    if let Some(expected) = expected {
        let actual = hex(&Sha256::digest(&bytes));
        if actual != expected {
            return Err(SourceError::DigestMismatch { what: source.to_string(), expected, actual });
        }
    }
    let text = String::from_utf8(bytes).map_err(|_| SourceError::NotText(source.to_string()))?;
    Ok(Preset::parse(&text, &name, Catalog::builtin())?)
}

/// The preset URL (and its pinned SHA-256, if the link has `sha256=`) of
/// a `bedrock-tray://onboard?preset=https%3A…` link, which the app opens in
/// its wizard after asking. Anything else is refused, and so is a preset
/// that is not https.
///
/// # Errors
/// [`SourceError::BadLink`] or [`SourceError::NotHttps`].
pub fn onboard_link(link: &str) -> Result<(String, Option<String>), SourceError> {
    let bad = || SourceError::BadLink(link.chars().take(200).collect());
    let url = reqwest::Url::parse(link.trim()).map_err(|_| bad())?;
    if url.scheme() != "bedrock-tray" || url.host_str() != Some("onboard") || !matches!(url.path(), "" | "/") {
        return Err(bad());
    }
    let mut preset = None;
    let mut sha256 = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "preset" if preset.is_none() => preset = Some(value.into_owned()),
            "sha256" if sha256.is_none() => sha256 = Some(parse_digest(&value)?),
            _ => return Err(bad()),
        }
    }
    let preset = preset.ok_or_else(bad)?;
    if !preset.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return Err(SourceError::NotHttps(preset));
    }
    Ok((preset, sha256))
}

fn parse_digest(text: &str) -> Result<String, SourceError> {
    let t = text.trim().to_ascii_lowercase();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t)
    } else {
        Err(SourceError::BadDigest)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Downloads at most [`MAX_PRESET_BYTES`] over https (redirects too),
/// trusting the system's certificate store.
async fn download(url: &str) -> Result<Vec<u8>, SourceError> {
    if !url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return Err(SourceError::NotHttps(url.to_string()));
    }
    let fail = |e: reqwest::Error| SourceError::Download { url: url.to_string(), message: innermost(&e) };
    let client = reqwest::Client::builder()
        .https_only(true)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(fail)?;
    let mut response = client.get(url).send().await.map_err(fail)?;
    if !response.status().is_success() {
        return Err(SourceError::Status { url: url.to_string(), status: response.status().as_u16() });
    }
    if response.content_length().is_some_and(|n| n > MAX_PRESET_BYTES as u64) {
        return Err(SourceError::TooLarge { url: url.to_string() });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fail)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_PRESET_BYTES {
            return Err(SourceError::TooLarge { url: url.to_string() });
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onboard_links_name_an_https_preset_and_nothing_else() {
        let (url, sha) = onboard_link("bedrock-tray://onboard?preset=https%3A%2F%2Fexample.com%2Fteam.toml").unwrap();
        assert_eq!((url.as_str(), sha), ("https://example.com/team.toml", None));
        let digest = "a".repeat(64);
        let (_, sha) =
            onboard_link(&format!("bedrock-tray://onboard?preset=https://example.com/t.toml&sha256={digest}")).unwrap();
        assert_eq!(sha, Some(digest));
        for bad in [
            "bedrock-tray://onboard?preset=http://example.com/t.toml",
            "bedrock-tray://onboard?preset=file:///etc/passwd",
            "bedrock-tray://use?preset=https://example.com/t.toml",
            "bedrock-tray://onboard",
            "bedrock-tray://onboard?preset=https://a/x&force=1",
            "https://example.com/t.toml",
        ] {
            assert!(onboard_link(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn http_and_bad_digests_are_refused_before_any_download() {
        let e = load("http://127.0.0.1:9/team.toml", None).await.unwrap_err();
        assert!(matches!(e, SourceError::NotHttps(_)), "{e}");
        let e = load("https://127.0.0.1:9/team.toml", Some("abc")).await.unwrap_err();
        assert!(matches!(e, SourceError::BadDigest), "{e}");
    }
}
