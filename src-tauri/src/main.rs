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
mod wizard;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.iter().any(|a| a == dashboard::FLAG) {
        bedrock_tray::logging::init();
        app::run_dashboard()
    } else {
        // Before GTK and before any thread: the tray draws no window.
        let inherit = gl::disable_for_tray();
        bedrock_tray::logging::init();
        app::run_tray(args.iter().any(|a| a == "--open-dashboard"), inherit)
    };
    if let Err(e) = result {
        eprintln!("bedrock-tray-app: {e}");
        std::process::exit(1);
    }
}
