//! Updates through tauri-plugin-updater, only when an update source is
//! configured ([`bedrock_tray::updates`]): a check at start, "Update
//! available" in the tray when it finds one, and the install when that item
//! is clicked. With no source the plugin is not even registered.

use crate::actions::notify;
use bedrock_tray::updates::UpdateSource;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::UpdaterExt;

/// The version the last check found, if newer than this build.
#[derive(Default)]
pub struct UpdateAvailable(pub Mutex<Option<String>>);

/// The source in force for this app, if any.
pub fn source(paths: &bedrock_tray::paths::Paths) -> Option<UpdateSource> {
    let state = bedrock_tray::app_state::AppState::load(&paths.app_state()).ok();
    bedrock_tray::updates::resolve(
        |k| std::env::var(k).ok(),
        state.as_ref().and_then(|s| s.updates.as_ref()),
        bedrock_tray::updates::built_in(),
    )
}

/// Registers the plugin with the source's key (tauri.conf.json carries
/// an empty one, so nothing verifies against a key nobody configured).
pub fn plugin<R: Runtime>(source: &UpdateSource) -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().pubkey(source.pubkey.clone()).build()
}

fn updater<R: Runtime>(app: &AppHandle<R>, source: &UpdateSource) -> Result<tauri_plugin_updater::Updater, String> {
    let url = source.endpoint.parse().map_err(|e| format!("update endpoint {}: {e}", source.endpoint))?;
    app.updater_builder()
        .endpoints(vec![url])
        .and_then(|b| b.pubkey(source.pubkey.clone()).build())
        .map_err(|e| e.to_string())
}

/// Checks once, in the background; a newer version shows in the tray.
pub fn check<R: Runtime>(app: &AppHandle<R>, source: UpdateSource) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let found = match updater(&app, &source) {
            Ok(u) => u.check().await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match found {
            Ok(Some(update)) => {
                tracing::info!("update available: {}", update.version);
                *app.state::<UpdateAvailable>().0.lock().expect("update lock") = Some(update.version.clone());
                crate::tray::update(&app, &app.state::<crate::shared::AppShared>().latest());
            }
            Ok(None) => tracing::info!("no update at {}", source.endpoint),
            Err(e) => tracing::warn!("update check failed: {e}"),
        }
    });
}

/// Downloads, verifies (the plugin refuses a bad signature) and installs
/// the update, then restarts into it.
pub fn install<R: Runtime>(app: &AppHandle<R>) {
    let Some(source) = source(&app.state::<crate::shared::AppShared>().paths) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        notify(&app, "Updating bedrock-tray", "Downloading the update; the app restarts when it is installed.");
        let result = match updater(&app, &source) {
            Ok(u) => match u.check().await {
                Ok(Some(update)) => update.download_and_install(|_, _| {}, || {}).await.map_err(|e| e.to_string()),
                Ok(None) => Err("no update is available any more".into()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => app.restart(),
            Err(e) => notify(&app, "Update failed", &e),
        }
    });
}
