//! The dashboard's commands: parse, call the core, convert the error. Every
//! argument is validated by the core's own types before anything is
//! written; errors reach the UI as `{kind, message}`.

use crate::shared::Shared;
use bedrock_tray::selection::Provider;
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::switch::{self, UseError, UseRequest};
use serde::Serialize;
use tauri::{AppHandle, Runtime};

/// An error as the UI sees it: a kind to branch on, a sentence to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl From<UseError> for CommandError {
    fn from(e: UseError) -> Self {
        Self { kind: if e.is_usage() { "invalid" } else { "environment" }, message: e.to_string() }
    }
}

/// The latest snapshot (the dashboard asks once when it opens; after that
/// every change arrives as a `snapshot` event).
#[tauri::command]
pub fn get_snapshot(shared: Shared<'_>) -> Snapshot {
    (*shared.latest()).clone()
}

/// The catalog's choices: models (with the geographies that offer them)
/// and geographies.
#[tauri::command]
pub fn get_catalog() -> serde_json::Value {
    let c = bedrock_tray::catalog::Catalog::builtin();
    serde_json::json!({
        "models": c.models.iter().map(|m| serde_json::json!({
            "key": m.key, "name": m.name, "geographies": m.profiles.keys().collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "geographies": c.geographies.iter().map(|g| serde_json::json!({"key": g.key, "name": g.name})).collect::<Vec<_>>(),
    })
}

/// Switches model, geography, profile or provider: the same operation as
/// `bedrock-tray use`.
#[tauri::command]
pub fn select(
    shared: Shared<'_>,
    model: Option<String>,
    geography: Option<String>,
    profile: Option<String>,
    provider: Option<String>,
) -> Result<usize, CommandError> {
    let provider = match provider.as_deref() {
        None => None,
        Some("bedrock") => Some(Provider::Bedrock),
        Some("anthropic") => Some(Provider::Anthropic),
        Some(other) => return Err(CommandError { kind: "invalid", message: format!("unknown provider {other:?}") }),
    };
    let request = UseRequest { model, geography, profile, provider, ..UseRequest::default() };
    let changes = switch::run(&shared.paths, &request)?;
    let _ = shared.poke.send(());
    Ok(changes.len())
}

/// Starts a login for the selected profile; progress arrives as events.
#[tauri::command]
pub fn login<R: Runtime>(app: AppHandle<R>) {
    crate::tray::start_login(&app);
}

/// Runs the connectivity probes; the result arrives with the next snapshot.
#[tauri::command]
pub fn check_connection<R: Runtime>(app: AppHandle<R>) {
    crate::tray::start_probe(&app);
}
