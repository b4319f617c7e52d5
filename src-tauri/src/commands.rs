//! The dashboard's commands: parse, call the core, convert the error. Every
//! argument is validated by the core's own types before anything is
//! written; errors reach the UI as `{kind, message}`.

use crate::error::CommandError;
use crate::shared::Shared;
use bedrock_tray::claude::selection::Provider;
use bedrock_tray::switch::{self, UseRequest};
use bedrock_tray::view::snapshot::Snapshot;
use tauri::{AppHandle, Runtime};

/// The latest snapshot (the dashboard asks once when it opens; after that
/// every change arrives as a `snapshot` event).
#[tauri::command]
pub fn get_snapshot(shared: Shared<'_>) -> Snapshot {
    (*shared.latest()).clone()
}

/// The catalog's choices, as the account last listed them merged with the
/// built-in list: models newest first within each family (with the
/// geographies that offer them and where each came from) and geographies.
#[tauri::command]
pub fn get_catalog(shared: Shared<'_>) -> serde_json::Value {
    let view = bedrock_tray::view::models::ModelsView::read(&shared.paths, time::OffsetDateTime::now_utc());
    serde_json::json!({
        "models": view.models.iter().map(|m| serde_json::json!({
            "key": m.key, "name": m.name, "family": m.family, "geographies": m.profiles.keys().collect::<Vec<_>>(),
            "profiles": m.profiles, "source": m.source, "prices": m.prices,
        })).collect::<Vec<_>>(),
        "geographies": view.geographies.iter().map(|g| serde_json::json!({"key": g.key, "name": g.name})).collect::<Vec<_>>(),
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
        Some(key) => match Provider::from_key(key) {
            Some(p) => Some(p),
            None => return Err(CommandError::invalid(format!("unknown provider {key:?}"))),
        },
    };
    let request = UseRequest { model, geography, profile, provider, ..UseRequest::default() };
    let changes = switch::run(&shared.paths, &request)?;
    let _ = shared.poke.send(());
    Ok(changes.len())
}

/// Starts a login for the selected profile; progress arrives as events.
#[tauri::command]
pub fn login<R: Runtime>(app: AppHandle<R>) {
    crate::actions::start_login(&app);
}

/// Moves a profile's plaintext AWS keys into the OS keyring (as
/// `bedrock-tray credentials import` does) and says where the backup is.
#[tauri::command]
pub fn import_keys(shared: Shared<'_>, profile: String) -> Result<String, CommandError> {
    use bedrock_tray::aws::plaintext_keys;
    let name = bedrock_tray::names::ProfileName::new(profile.as_str()).map_err(CommandError::invalid)?;
    let kc = bedrock_tray::aws::keychain::Keychain::new(bedrock_tray::aws::keychain::OsKeyring);
    let done = plaintext_keys::import(&shared.paths, &kc, &name, &bedrock_tray::program_path::cli_program()?)?;
    let _ = shared.poke.send(());
    Ok(format!(
        "Profile {name}'s keys are in the keyring now. The old file is kept, its secret values redacted, at {}.",
        done.backup.display()
    ))
}

/// Runs the connectivity probes; the result arrives with the next snapshot.
#[tauri::command]
pub fn check_connection<R: Runtime>(app: AppHandle<R>) {
    crate::actions::start_probe(&app);
}
