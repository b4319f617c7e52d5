//! The tray app: a thin adapter from the bedrock-tray core to a tray icon,
//! an on-demand dashboard window and notifications. Snapshots come only
//! from the core's watcher; every action calls a core operation.

pub mod commands;
mod tray;

use bedrock_tray::app_state::{AppState, LoginMethod};
use bedrock_tray::aws_profiles::AwsProfiles;
use bedrock_tray::claude_settings::{OwnedKey, SettingsDoc};
use bedrock_tray::login::{self, LoginPrompt};
use bedrock_tray::paths::Paths;
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::sso_oidc::DeviceAuthorization;
use bedrock_tray::switch::{self, UseRequest};
use bedrock_tray::watch::{SessionEvent, SystemClock, WatchOptions, Watcher};
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, Builder, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The dashboard window's label (the capabilities grant commands to it only).
pub const DASHBOARD: &str = "dashboard";
/// The event carrying a whole [`commands::DashboardState`] on every snapshot.
pub const SNAPSHOT_EVENT: &str = "snapshot";
/// The event carrying a device-code prompt during a login.
pub const LOGIN_EVENT: &str = "login";

/// State shared by the tray, the commands and the watcher task.
pub struct AppShared {
    paths: Paths,
    snapshots: tokio::sync::watch::Receiver<Arc<Snapshot>>,
    /// Kept alive for as long as the app runs; `None` in unit tests that
    /// feed snapshots by hand.
    watcher: Option<Watcher>,
}

impl AppShared {
    /// Shares `watcher`'s snapshots.
    pub fn new(paths: Paths, watcher: Watcher) -> Self {
        Self { paths, snapshots: watcher.subscribe(), watcher: Some(watcher) }
    }

    /// For tests: snapshots come from `snapshots` and no files are watched.
    pub fn with_channel(paths: Paths, snapshots: tokio::sync::watch::Receiver<Arc<Snapshot>>) -> Self {
        Self { paths, snapshots, watcher: None }
    }

    /// The latest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// Runs the `use` operation and has the watcher re-read at once.
    ///
    /// # Errors
    /// The core's refusal, converted.
    pub fn switch(&self, request: &UseRequest) -> Result<(), commands::CommandError> {
        switch::run(&self.paths, request)?;
        self.refresh();
        Ok(())
    }

    /// Re-reads the files now.
    pub fn refresh(&self) {
        if let Some(w) = &self.watcher {
            w.poke();
        }
    }
}

/// Registers the plugins, commands and state on `builder`; generic over the
/// runtime so tests pass `tauri::test::mock_builder()`.
pub fn build_app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::dashboard_state,
        commands::use_selection,
        commands::log_in,
        commands::check_now,
    ])
}

/// Opens the dashboard, or focuses it when it is already open. Closing it
/// destroys it, so the idle app holds no WebKit process.
pub fn open_dashboard<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(DASHBOARD) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, DASHBOARD, WebviewUrl::App("index.html".into()))
        .title("bedrock-tray")
        .inner_size(560.0, 720.0)
        .min_inner_size(420.0, 480.0)
        .build();
    if let Err(e) = built {
        tracing::error!("cannot open the dashboard: {e}");
    }
}

/// Sends the whole state to the dashboard (if open) and re-renders the tray.
fn publish<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) {
    let _ = app.emit_to(DASHBOARD, SNAPSHOT_EVENT, commands::DashboardState::of(snapshot));
    tray::render(app, snapshot);
}

/// Shows a desktop notification; a desktop without a notification service
/// only loses the popup.
fn notify<R: Runtime>(app: &AppHandle<R>, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title("bedrock-tray").body(body).show() {
        tracing::warn!("notification not shown ({e}): {body}");
    }
}

/// A device-code prompt as the dashboard shows it (no secret in it: the
/// user code is meant to be read by the user).
#[derive(Clone, Serialize)]
struct LoginPromptEvent {
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
}

struct WindowPrompt<R: Runtime>(AppHandle<R>);

impl<R: Runtime> LoginPrompt for WindowPrompt<R> {
    fn show(&mut self, a: &DeviceAuthorization) {
        let _ = self.0.emit_to(
            DASHBOARD,
            LOGIN_EVENT,
            LoginPromptEvent {
                user_code: a.user_code.clone(),
                verification_uri: a.verification_uri.clone(),
                verification_uri_complete: a.verification_uri_complete.clone(),
            },
        );
        notify(&self.0, &format!("Sign in: confirm the code {} in the browser page that just opened", a.user_code));
    }
}

/// Starts a login for the selected profile in the background: the native
/// device-code flow, or the settings' awsAuthRefresh command when the user
/// chose that method. Concurrent logins join through the core's lock.
///
/// # Errors
/// Why no login can start, as one sentence with its fix.
pub fn start_login<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let paths = app.state::<AppShared>().paths.clone();
    let doc = SettingsDoc::read(&paths.claude_settings).map_err(|e| e.to_string())?;
    let name = doc.get(OwnedKey::AwsProfile).ok_or("no AWS profile selected: choose one under AWS profile")?;
    let profiles = AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).map_err(|e| e.to_string())?;
    let profile = profiles.get(&name).ok_or_else(|| format!("AWS profile {name:?} is not in the AWS config: choose another"))?;
    let target = login::target_of(profile).map_err(|e| e.to_string())?;
    let method = AppState::load(&paths.app_state()).ok().and_then(|s| s.login_method).unwrap_or_default();
    let command = doc.get(OwnedKey::AuthRefresh).filter(|c| method == LoginMethod::Command && !login::is_native_login_command(c));
    let env: Vec<(String, String)> = doc
        .env()
        .map(|e| e.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    let app = app.clone();
    // The core's prompt is not `Send`: the login gets its own thread and
    // a small runtime, which also keeps a long browser wait off the app's.
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => return notify(&app, &format!("Login failed: {e}")),
        };
        let outcome = runtime.block_on(async {
            match command {
                Some(c) => login::run_refresh_command(&paths, &target, &c, &env, std::time::Duration::from_secs(180)).await,
                None => login::device_login(&paths, &target, &mut WindowPrompt(app.clone()), true).await,
            }
        });
        match outcome {
            Ok(_) => notify(&app, "Signed in"),
            Err(e) => notify(&app, &format!("Login failed: {e}")),
        }
        app.state::<AppShared>().refresh();
    });
    Ok(())
}

fn on_session_event<R: Runtime>(app: &AppHandle<R>, event: SessionEvent, auto_login: bool) {
    match event {
        SessionEvent::ExpiresSoon { session, minutes, refreshable, .. } => {
            let how = if refreshable { "it will be refreshed silently" } else { "choose Log in now to stay signed in" };
            notify(app, &format!("Session {session} expires in under {minutes} min: {how}"));
        }
        SessionEvent::RefreshFailed { session, reason, .. } => notify(app, &format!("Silent refresh of {session} failed: {reason}")),
        SessionEvent::Expired { session, .. } | SessionEvent::LoginNeeded { session, .. } => {
            if auto_login && start_login(app).is_ok() {
                notify(app, &format!("Session {session} expired: a sign-in page opens, approve it to continue"));
            } else {
                notify(app, &format!("Session {session} expired: choose Log in now"));
            }
        }
        SessionEvent::Refreshed { .. } => {}
    }
}

/// Starts the watcher and the tasks that turn its snapshots and events into
/// tray updates, dashboard events and notifications.
fn start_watching<R: Runtime>(app: &AppHandle<R>, paths: Paths) -> Result<(), Box<dyn std::error::Error>> {
    let watcher = tauri::async_runtime::block_on(async { Watcher::spawn(paths.clone(), Arc::new(SystemClock), WatchOptions::default()) })?;
    let mut snapshots = watcher.subscribe();
    let mut events = watcher.events();
    app.manage(AppShared::new(paths, watcher));
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let snapshot = snapshots.borrow_and_update().clone();
            publish(&handle, &snapshot);
            // The countdown in the menu's summary line moves each minute
            // even when no file changes: re-render the text, read nothing.
            tokio::select! {
                changed = snapshots.changed() => if changed.is_err() { break },
                () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            }
        }
    });
    let handle = app.clone();
    let auto_login = std::env::var_os("BEDROCK_TRAY_NO_AUTO_LOGIN").is_none();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) => on_session_event(&handle, e, auto_login),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
    });
    Ok(())
}

/// Runs the tray app until Quit.
pub fn run() {
    bedrock_tray::logging::init();
    let open_at_start = std::env::args().any(|a| a == "--open-dashboard");
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bedrock-tray-app: {e}");
            std::process::exit(1);
        }
    };
    let builder = Builder::default()
        // First, so a second launch exits before doing anything else.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| open_dashboard(app)))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None));
    let app = build_app(builder)
        .setup(move |app| {
            let handle = app.handle().clone();
            start_watching(&handle, paths)?;
            tray::create(&handle);
            publish(&handle, &handle.state::<AppShared>().latest());
            tracing::info!("tray ready");
            if open_at_start {
                open_dashboard(&handle);
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building bedrock-tray-app");
    app.run(|_app, event| {
        // Tray-only: closing the last window must not quit; Quit exits with a code.
        if let tauri::RunEvent::ExitRequested { code: None, api, .. } = event {
            api.prevent_exit();
        }
    });
}
