fn main() {
    // Listing the commands makes Tauri generate `allow-<command>`
    // permissions; the dashboard's capability grants exactly those.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "get_snapshot",
        "get_catalog",
        "select",
        "login",
        "check_connection",
        "import_keys",
        "wizard_status",
        "wizard_preset",
        "wizard_managed_preset",
        "wizard_preset_url",
        "wizard_pending_link",
        "wizard_start_url",
        "wizard_run",
        "wizard_choose",
    ])))
    .expect("tauri build script");
}
