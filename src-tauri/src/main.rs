// Skeleton: the tray comes with its own issue.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running bedrock-tray-app");
}
