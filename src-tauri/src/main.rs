//! bedrock-tray-app: the tray. A thin adapter from the core crate to a tray
//! icon, a menu and notifications; the dashboard window runs in a process
//! of its own (this program with `--dashboard`, see [`dashboard`]).

// A GUI app on Windows has no console.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod actions;
mod app;
mod commands;
#[cfg(test)]
mod commands_tests;
mod dashboard;
mod error;
mod gl;
mod shared;
mod tray;
mod updater;
mod wizard;
mod working_set;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.iter().any(|a| a == dashboard::FLAG) {
        bedrock_tray::logging::init();
        app::run_dashboard()
    } else {
        // Before GTK and before any thread: the tray draws no window.
        let inherit = gl::disable_for_tray();
        bedrock_tray::logging::init();
        repair_stale_commands();
        app::run_tray(args.iter().any(|a| a == "--open-dashboard"), inherit)
    };
    if let Err(e) = result {
        eprintln!("bedrock-tray-app: {e}");
        std::process::exit(1);
    }
}

/// Points the commands we wrote earlier (`awsAuthRefresh`,
/// `awsCredentialExport`, `credential_process`) at the CLI installed beside
/// this app, in case the app moved or was upgraded since: a command naming
/// a program that is gone fails every AWS client of that profile. Runs
/// before the tray starts, so the first snapshot already sees the result.
fn repair_stale_commands() {
    let Ok(paths) = bedrock_tray::paths::Paths::from_env() else { return };
    let program = match bedrock_tray::program_path::installed_cli_program() {
        Ok(p) => p,
        Err(e) => return tracing::warn!("commands not repaired: {e}"),
    };
    match bedrock_tray::repair::run(&paths, &program) {
        Ok(done) => {
            for r in done {
                tracing::info!("repaired {} in {}: now {}", r.setting, r.file.display(), r.new);
            }
        }
        Err(e) => tracing::warn!("commands not repaired: {e}"),
    }
}
