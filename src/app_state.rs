//! The app's own small state file: choices that are not Claude Code's to
//! keep (login method, the Bedrock selection while the provider is the
//! Anthropic API).

use crate::atomic_file::{write_atomic, WriteError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a login is performed when one is needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// bedrock-tray's own device-code flow (no AWS CLI needed).
    #[default]
    Native,
    /// The settings' `awsAuthRefresh` command (usually `aws sso login`).
    Command,
}

/// The Bedrock choices remembered while the provider is the Anthropic API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedBedrock {
    pub model_id: Option<String>,
    pub small_model_id: Option<String>,
}

/// Contents of `state.json`. Unknown fields are ignored on read, so an
/// older build can read a newer file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppState {
    /// `None` until the user (or a preset) chooses.
    pub login_method: Option<LoginMethod>,
    pub remembered_bedrock: Option<RememberedBedrock>,
    /// Minutes before expiry at which to warn.
    pub warn_minutes: Option<Vec<u32>>,
}

/// The state file exists but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AppStateError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is corrupt ({message}); delete it to start over", path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl AppState {
    /// Reads the state; a missing file is the default state.
    ///
    /// # Errors
    /// [`AppStateError`] when the file exists but is unreadable or corrupt.
    pub fn load(path: &Path) -> Result<Self, AppStateError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| AppStateError::Corrupt { path: path.to_path_buf(), message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(AppStateError::Read { path: path.to_path_buf(), source }),
        }
    }

    /// Writes the state atomically (0600).
    ///
    /// # Errors
    /// [`AppStateError::Write`].
    pub fn save(&self, path: &Path) -> Result<(), AppStateError> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("state serialises");
        bytes.push(b'\n');
        write_atomic(path, &bytes, 0o600)?;
        Ok(())
    }
}
