//! The dashboard's commands: parse the arguments with the core's types, call
//! the core, convert the error to `{kind, message}`. Nothing else.

use crate::AppShared;
use bedrock_tray::catalog::Catalog;
use bedrock_tray::names::ProfileName;
use bedrock_tray::selection::Provider;
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::switch::{self, UseRequest};
use serde::Serialize;
use tauri::{Runtime, State};

/// The app state as commands see it.
pub type Shared<'a> = State<'a, AppShared>;

/// An error as the UI sees it: a stable kind to branch on, and the core's
/// message (which names the fix) to show.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl CommandError {
    fn invalid(message: impl ToString) -> Self {
        Self { kind: "invalid", message: message.to_string() }
    }
}

impl From<switch::UseError> for CommandError {
    fn from(e: switch::UseError) -> Self {
        let kind = if e.is_usage() { "invalid" } else { "environment" };
        Self { kind, message: e.to_string() }
    }
}

/// One catalog entry for the selects.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub key: String,
    pub name: String,
    /// Geographies (for a model) that serve it.
    pub geographies: Vec<String>,
}

/// Everything the dashboard renders: the latest snapshot and the choices.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardState {
    pub snapshot: Snapshot,
    pub models: Vec<Choice>,
    pub geographies: Vec<Choice>,
}

impl DashboardState {
    /// The dashboard's view of `snapshot`.
    pub fn of(snapshot: &Snapshot) -> Self {
        let catalog = Catalog::builtin();
        Self {
            snapshot: snapshot.clone(),
            models: catalog
                .models
                .iter()
                .map(|m| Choice { key: m.key.clone(), name: m.name.clone(), geographies: m.profiles.keys().cloned().collect() })
                .collect(),
            geographies: catalog
                .geographies
                .iter()
                .map(|g| Choice { key: g.key.clone(), name: g.name.clone(), geographies: vec![] })
                .collect(),
        }
    }
}

/// The latest snapshot with the catalog's choices.
#[tauri::command]
pub fn dashboard_state(shared: Shared<'_>) -> DashboardState {
    DashboardState::of(&shared.latest())
}

/// Switches model, geography, profile and/or provider, exactly as
/// `bedrock-tray use` does. The new snapshot arrives by event.
///
/// # Errors
/// `invalid` for a value the core refuses (unknown model or geography,
/// hostile profile name); `environment` when a file cannot be written.
#[tauri::command]
pub fn use_selection(
    shared: Shared<'_>,
    model: Option<String>,
    geography: Option<String>,
    profile: Option<String>,
    provider: Option<String>,
) -> Result<(), CommandError> {
    let catalog = Catalog::builtin();
    if let Some(m) = &model {
        catalog.model(m).map_err(CommandError::invalid)?;
    }
    if let Some(g) = &geography {
        catalog.geography(g).map_err(CommandError::invalid)?;
    }
    let profile = profile.map(ProfileName::new).transpose().map_err(CommandError::invalid)?;
    let provider = match provider.as_deref() {
        None => None,
        Some("bedrock") => Some(Provider::Bedrock),
        Some("anthropic") => Some(Provider::Anthropic),
        Some(other) => return Err(CommandError::invalid(format!("unknown provider {other:?}: choose bedrock or anthropic"))),
    };
    let request = UseRequest { model, geography, profile: profile.map(|p| p.to_string()), provider, ..UseRequest::default() };
    shared.switch(&request)
}

/// Starts a login for the selected profile (device-code page in the
/// browser, or the settings' awsAuthRefresh command).
///
/// # Errors
/// `unavailable` when no login can start (no SSO profile selected).
#[tauri::command]
pub fn log_in<R: Runtime>(app: tauri::AppHandle<R>) -> Result<(), CommandError> {
    crate::start_login(&app).map_err(|message| CommandError { kind: "unavailable", message })
}

/// Re-reads every file now (and, once probes exist, runs them).
#[tauri::command]
pub fn check_now(shared: Shared<'_>) {
    shared.refresh();
}
