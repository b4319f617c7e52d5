//! Lists the app's own commands so the capabilities file can grant them to
//! the dashboard window only (unlisted commands are callable from any window).

/// The commands of `src/commands.rs`; keep in step with `capabilities/`.
const COMMANDS: &[&str] = &["dashboard_state", "use_selection", "log_in", "check_now"];

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("failed to run tauri-build");
}
