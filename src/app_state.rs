//! The app's own small state file: choices that are not Claude Code's to
//! keep (login method, the Bedrock selection while the provider is the
//! Anthropic API, the monthly budget and which budget warning was shown).

use crate::atomic_file::{update_atomic, WriteError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a login is performed when one is needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// bedrock-tray's own login (no AWS CLI needed): the browser with PKCE, or a device code.
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
    /// Monthly Claude Code budget in USD (positive and finite; see
    /// [`check_budget`]).
    pub monthly_budget_usd: Option<f64>,
    /// The last budget warning shown, so each threshold warns once a month.
    pub budget_warned: Option<BudgetWarned>,
    /// Whether `use` points Claude Code's `awsCredentialExport` at
    /// `bedrock-tray credential-process --export` for keyring-backed
    /// profiles. `None`: never chosen (off).
    pub credential_export: Option<bool>,
    /// Sign in with the device code instead of the authorization code
    /// (PKCE): set by a preset's `defaults.device_code`.
    /// `None`: never chosen (authorization code).
    pub device_code: Option<bool>,
    /// Whether `use` hands Claude Code its AWS credentials only through
    /// `awsCredentialExport` and leaves `env.AWS_PROFILE` out, so the
    /// commands Claude Code runs do not inherit the profile. `None`: never
    /// chosen (off).
    pub scoped_credentials: Option<bool>,
    /// Where the tray app looks for updates (`bedrock-tray config updates`);
    /// `None`: the environment or the build decides (see [`crate::updates`]).
    pub updates: Option<crate::updates::UpdateSource>,
    /// The Bedrock API keys in the keyring (`api-key set`), by name, each
    /// with its fingerprint (never the key): what status and the menu show
    /// without asking the keyring.
    pub api_keys: std::collections::BTreeMap<String, String>,
    /// The API-key provider as chosen with `use --provider bedrock-api-key`:
    /// which key, and whether it was written into the settings. `None`
    /// while another provider is selected.
    pub api_key_choice: Option<ApiKeyChoice>,
    /// The LLM gateway last chosen (`use --provider gateway --gateway-url`),
    /// kept so the menu can switch back to it.
    pub gateway_url: Option<String>,
    /// The AWS profile in use before a switch to the API-key or gateway
    /// provider, restored on the way back to Bedrock.
    pub bedrock_profile: Option<String>,
}

/// The API-key provider as the user chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyChoice {
    /// The key's name in the keyring.
    pub name: String,
    /// Whether the key was written into Claude Code's settings
    /// (`--write-key-to-settings`); else Claude Code takes it from the
    /// shell the user exported it in.
    pub in_settings: bool,
}

/// A budget warning that was shown: its threshold (percent) and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetWarned {
    /// `YYYY-MM`.
    pub month: String,
    /// 50, 80 or 100.
    pub threshold: u8,
}

/// A budget that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid budget {0}: it must be a positive number of US dollars")]
pub struct InvalidBudget(pub f64);

/// Checks a monthly budget: positive and finite.
///
/// # Errors
/// [`InvalidBudget`] for zero, negative, infinite or NaN amounts.
pub fn check_budget(usd: f64) -> Result<f64, InvalidBudget> {
    if usd.is_finite() && usd > 0.0 {
        Ok(usd)
    } else {
        Err(InvalidBudget(usd))
    }
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
    /// The monthly budget, if one is set and valid (a hand-edited bad
    /// value counts as none rather than as a budget of zero).
    pub fn budget(&self) -> Option<f64> {
        self.monthly_budget_usd.and_then(|b| check_budget(b).ok())
    }

    /// Reads the state; a missing file is the default state.
    ///
    /// # Errors
    /// [`AppStateError`] when the file exists but is unreadable or corrupt.
    pub fn load(path: &Path) -> Result<Self, AppStateError> {
        match crate::bounded_read::read(path, crate::bounded_read::MAX_FILE_BYTES) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| AppStateError::Corrupt { path: path.to_path_buf(), message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(AppStateError::Read { path: path.to_path_buf(), source }),
        }
    }

    fn parse(path: &Path, bytes: Option<&[u8]>) -> Result<Self, AppStateError> {
        match bytes {
            None => Ok(Self::default()),
            Some(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| AppStateError::Corrupt { path: path.to_path_buf(), message: e.to_string() }),
        }
    }

    /// Loads the state, applies `change` and writes it back atomically
    /// (0600), when that changed anything. The tray and the CLI both write
    /// this file: when another process wrote it since it was read, `change`
    /// is applied again to their version, so neither loses its choice.
    /// Returns the state as written.
    ///
    /// # Errors
    /// The file cannot be read, is corrupt, or cannot be written.
    pub fn update(path: &Path, mut change: impl FnMut(&mut AppState)) -> Result<AppState, AppStateError> {
        let current = match crate::bounded_read::read(path, crate::bounded_read::MAX_FILE_BYTES) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(AppStateError::Read { path: path.to_path_buf(), source }),
        };
        let mut result = Self::parse(path, current.as_deref())?;
        update_atomic(path, current, 0o600, |current| {
            let before = Self::parse(path, current)?;
            let mut state = before.clone();
            change(&mut state);
            let write = (state != before).then(|| {
                let mut bytes = serde_json::to_vec_pretty(&state).expect("state serialises");
                bytes.push(b'\n');
                bytes
            });
            result = state;
            Ok::<_, AppStateError>(write)
        })?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_must_be_positive_and_finite() {
        assert_eq!(check_budget(200.0), Ok(200.0));
        for bad in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            assert!(check_budget(bad).is_err(), "{bad} is not a budget");
        }
        let hand_edited = AppState { monthly_budget_usd: Some(-5.0), ..AppState::default() };
        assert_eq!(hand_edited.budget(), None, "a bad value on disk is no budget");
    }

    #[test]
    fn older_state_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::fs::write(&p, r#"{"login_method": "native", "unknown_future_key": 1}"#).unwrap();
        let s = AppState::load(&p).unwrap();
        assert_eq!((s.monthly_budget_usd, s.budget_warned.clone()), (None, None));
        let s = AppState::update(&p, |s| {
            s.monthly_budget_usd = Some(200.0);
            s.budget_warned = Some(BudgetWarned { month: "2026-11".into(), threshold: 80 });
        })
        .unwrap();
        assert_eq!(AppState::load(&p).unwrap(), s);
    }

    #[test]
    fn an_update_racing_another_process_keeps_both_choices() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        let mut runs = 0;
        AppState::update(&p, |s| {
            runs += 1;
            if runs == 1 {
                // The tray saves a budget while the CLI changes the login method.
                std::fs::write(&p, r#"{"monthly_budget_usd": 300.0}"#).unwrap();
            }
            s.login_method = Some(LoginMethod::Command);
        })
        .unwrap();
        let s = AppState::load(&p).unwrap();
        assert_eq!((s.login_method, s.budget()), (Some(LoginMethod::Command), Some(300.0)));
    }
}
