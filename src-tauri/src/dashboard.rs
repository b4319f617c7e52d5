//! The dashboard lives in a process of its own: the same program started
//! with [`FLAG`]. The tray process never creates a webview, so WebKit (its
//! web and network processes, hundreds of MB) exists only while the window
//! is open, and closing the window ends the process and WebKit with it.
//!
//! On Linux each dashboard process registers its own single-instance name
//! on the session bus ([`BUS_ID`]): opening the dashboard while one is open
//! asks that process to come forward instead of starting another. (Off
//! Linux the plugin keys on the app identifier alone, which the tray owns:
//! the dashboard goes without it there; never built here.)

use crate::actions::DASHBOARD;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The argument that makes the program the dashboard process.
pub const FLAG: &str = "--dashboard";

/// The dashboard's single-instance name (the tray's is the app identifier).
pub const BUS_ID: &str = "dev.bedrock-tray.dashboard";

/// What the tray set in its own environment that the dashboard must not
/// inherit, with the value it had before (see [`crate::gl`]).
#[derive(Debug, Clone, Default)]
pub struct Inherit {
    pub gdk_gl: Option<std::ffi::OsString>,
}

/// From the tray process: brings the open dashboard forward, or starts the
/// dashboard process. On a thread of its own: a dashboard that does not
/// answer must not freeze the menu.
pub fn open(inherit: &Inherit) {
    open_with(inherit, Vec::new());
}

/// Passes a `bedrock-tray://` link to the dashboard (`--link URL`), which
/// shows it and loads nothing until the user clicks.
pub const LINK_FLAG: &str = "--link";

/// [`open`], handing the dashboard extra arguments (a [`LINK_FLAG`]).
pub fn open_with(inherit: &Inherit, extra: Vec<String>) {
    let inherit = inherit.clone();
    let started = std::thread::Builder::new().name("open-dashboard".into()).spawn(move || {
        #[cfg(target_os = "linux")]
        match focus_running(&extra) {
            Ok(()) => return,
            Err(e) => tracing::debug!("no dashboard to bring forward ({e})"),
        }
        // Started by us and not registered yet (a double click), or, off
        // Linux, open: it shows itself; a second one would be a duplicate.
        // (Off Linux an open dashboard is not brought forward: never run.)
        if STARTED.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Err(e) = spawn(&inherit, &extra) {
            STARTED.store(false, Ordering::SeqCst);
            tracing::error!("cannot start the dashboard: {e}");
        }
    });
    if let Err(e) = started {
        tracing::error!("cannot start the dashboard: {e}");
    }
}

/// Whether a dashboard process this tray started is still running.
static STARTED: AtomicBool = AtomicBool::new(false);

/// Asks a running dashboard process to show itself, through the D-Bus
/// object tauri-plugin-single-instance serves for [`BUS_ID`] (the call a
/// second `--dashboard` launch makes, without starting a process).
#[cfg(target_os = "linux")]
fn focus_running(extra: &[String]) -> zbus::Result<()> {
    let name = format!("{BUS_ID}.SingleInstance");
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    let bus = zbus::blocking::Connection::session()?;
    bus.call_method(
        Some(name.as_str()),
        path.as_str(),
        Some("org.SingleInstance.DBus"),
        "ExecuteCallback",
        &([FLAG.to_string()].into_iter().chain(extra.iter().cloned()).collect::<Vec<_>>(), String::new()),
    )?;
    Ok(())
}

fn spawn(inherit: &Inherit, extra: &[String]) -> std::io::Result<()> {
    let program = program()?;
    let mut command = Command::new(program);
    command.arg(FLAG).args(extra).stdin(Stdio::null());
    match &inherit.gdk_gl {
        Some(v) => command.env("GDK_GL", v),
        None => command.env_remove("GDK_GL"),
    };
    let mut child = command.spawn()?;
    // Reap it when it exits, so no zombie stays behind.
    std::thread::Builder::new().name("dashboard-reaper".into()).spawn(move || {
        let _ = child.wait();
        STARTED.store(false, Ordering::SeqCst);
        crate::working_set::touched();
    })?;
    Ok(())
}

/// This program, to start again as the dashboard.
fn program() -> std::io::Result<PathBuf> {
    std::env::current_exe()
}

/// In the dashboard process: creates the window (at start) or brings it
/// forward (when asked through the single-instance name).
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(DASHBOARD) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, DASHBOARD, WebviewUrl::App("index.html".into()))
        .title("bedrock-tray")
        .inner_size(560.0, 760.0)
        .min_inner_size(420.0, 480.0)
        .build();
    if let Err(e) = built {
        tracing::error!("cannot open the dashboard: {e}");
        app.exit(1);
    }
}

/// In the dashboard: a [`LINK_FLAG`] among `args` becomes the wizard's
/// pending link, which the page shows and loads only on a click.
pub fn take_link_args<R: Runtime>(app: &AppHandle<R>, args: &[String]) {
    let Some(url) = args.iter().position(|a| a == LINK_FLAG).and_then(|i| args.get(i + 1)) else { return };
    match app.state::<crate::wizard::Wizard>().take_link(url) {
        Ok(()) => {
            let _ = app.emit("deep_link", ());
        }
        Err(e) => tracing::warn!("ignored a link: {e}"),
    }
}
