//! bedrock-tray-app: the tray. A thin adapter from the core crate to a tray
//! icon, a menu, notifications and an on-demand dashboard window.

// A GUI app on Windows has no console.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod actions;
mod app;
mod commands;
#[cfg(test)]
mod commands_tests;
mod error;
mod shared;
mod tray;
mod wizard;

fn main() {
    bedrock_tray::logging::init();
    let open_dashboard = std::env::args().any(|a| a == "--open-dashboard");
    if let Err(e) = app::run(open_dashboard) {
        eprintln!("bedrock-tray-app: {e}");
        std::process::exit(1);
    }
}
