//! Where a team preset comes from: a file, an `https://` URL a platform
//! team publishes (size-capped, optionally pinned by SHA-256), or the
//! managed location an administrator fills on every machine.
//!
//! Only https is fetched: a preset decides the SSO start URL the user signs
//! in at, so it must not be open to tampering on the way.

use crate::catalog::Catalog;
use crate::preset::{Preset, PresetError};
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
    #[error(transparent)]
    Preset(#[from] PresetError),
}

impl crate::error_kind::HasKind for SourceError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        use crate::error_kind::ErrorKind;
        match self {
            SourceError::NotHttps(_) | SourceError::BadDigest => ErrorKind::InvalidRequest,
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

/// The innermost cause: reqwest's own Display is only "error sending request".
fn innermost(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn http_and_bad_digests_are_refused_before_any_download() {
        let e = load("http://127.0.0.1:9/team.toml", None).await.unwrap_err();
        assert!(matches!(e, SourceError::NotHttps(_)), "{e}");
        let e = load("https://127.0.0.1:9/team.toml", Some("abc")).await.unwrap_err();
        assert!(matches!(e, SourceError::BadDigest), "{e}");
    }
}
