//! Wiring of the two processes: the tray (plugins, the menu, the watcher
//! feeding it, notifications, automatic refresh) and the dashboard (its
//! window, the commands, a watcher of its own feeding the window). Both read
//! the same files through the same core; what must happen once (a sign-in,
//! a refresh) takes the core's per-session login lock, so it stays single
//! flight across the two.

use crate::actions::{notify, start_login};
use crate::dashboard::{self, Inherit};
use crate::shared::AppShared;
use crate::{commands, tray};
use bedrock_tray::paths::Paths;
use bedrock_tray::sso::auto_sign_in::{AutoSignIn, Reaction};
use bedrock_tray::view::snapshot::Snapshot;
use bedrock_tray::watch::{SessionEvent, SystemClock, WatchOptions, Watcher};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime};

/// The app's builder, generic over the runtime so tests can pass
/// `tauri::test::mock_builder()`.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>, paths: Paths) -> tauri::Builder<R> {
    let (poke, pokes) = tokio::sync::mpsc::unbounded_channel();
    let first = Arc::new(Snapshot::read(&paths, time::OffsetDateTime::now_utc()));
    builder
        .manage(AppShared { paths, latest: Mutex::new(first), probe: Mutex::new(None), spend: Mutex::new(None), poke })
        .manage(Mutex::new(Some(pokes)))
        .manage(crate::wizard::Wizard::default())
        .manage(crate::updater::UpdateAvailable::default())
        .invoke_handler(tauri::generate_handler![
            commands::get_snapshot,
            commands::get_catalog,
            commands::select,
            commands::login,
            commands::check_connection,
            commands::import_keys,
            crate::wizard::wizard_status,
            crate::wizard::wizard_preset,
            crate::wizard::wizard_managed_preset,
            crate::wizard::wizard_preset_url,
            crate::wizard::wizard_pending_link,
            crate::wizard::wizard_start_url,
            crate::wizard::wizard_run,
            crate::wizard::wizard_choose
        ])
}

/// Which process this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Owns the menu, the notifications and the automatic refresh.
    Tray,
    /// Shows the window; leaves every automatic action to the tray.
    Dashboard,
}

/// Feeds every new snapshot to the tray or the dashboard; in the tray,
/// turns session events into notifications (and, when nothing else can
/// help, a login the user only has to approve).
fn start_watching<R: Runtime>(app: &AppHandle<R>, role: Role) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let mut options = bedrock_tray::app_state::AppState::load(&shared.paths.app_state())
            .ok()
            .and_then(|s| s.warn_minutes)
            .filter(|w| !w.is_empty())
            .map(|warn_minutes| WatchOptions { warn_minutes, auto_refresh: true })
            .unwrap_or_default();
        // One process refreshes: the tray, which runs all the time.
        options.auto_refresh = role == Role::Tray;
        let watcher = match Watcher::spawn(shared.paths.clone(), Arc::new(SystemClock), options) {
            Ok(w) => w,
            Err(e) => return notify(&app, "bedrock-tray cannot watch your files", &e.to_string()),
        };
        let mut pokes = app
            .state::<Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<()>>>>()
            .lock()
            .expect("pokes lock")
            .take()
            .expect("the watcher starts once");
        let mut snapshots = watcher.subscribe();
        let mut events = watcher.events();
        let mut auto_sign_in = AutoSignIn::default();
        // Spend: re-read the transcripts' new lines once a minute (the
        // first tick is immediate).
        let mut spend_timer =
            tokio::time::interval(std::time::Duration::from_secs(bedrock_tray::claude::usage::SPEND_REFRESH_SECS));
        spend_timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let view = shared.view(&snapshots.borrow_and_update());
            match role {
                Role::Tray => {
                    tray::update(&app, &view);
                    crate::working_set::touched();
                }
                Role::Dashboard => {
                    let _ = app.emit("snapshot", &*view);
                }
            }
            // Wait for something that changes what the views show.
            loop {
                let redraw = tokio::select! {
                    changed = snapshots.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        true
                    }
                    // After one of our own writes, or with a new probe
                    // result that must reach the views.
                    Some(()) = pokes.recv() => {
                        watcher.poke();
                        true
                    }
                    _ = spend_timer.tick() => refresh_spend(&app, role).await,
                    event = events.recv() => match event {
                        Ok(e) => {
                            if role == Role::Tray {
                                on_session_event(&app, e, &mut auto_sign_in);
                            }
                            false
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => false,
                        Err(_) => return,
                    },
                };
                if redraw {
                    break;
                }
            }
        }
    });
}

/// Whether an expired session starts a login by itself. Off with
/// `BEDROCK_TRAY_NO_AUTO_LOGIN=1` (measurements, kiosks, tests): a browser
/// opening on its own is wrong there.
fn auto_login() -> bool {
    std::env::var_os("BEDROCK_TRAY_NO_AUTO_LOGIN").is_none_or(|v| v.is_empty() || v == "0")
}

/// Re-reads what Claude Code cost and, in the tray, warns at the budget's
/// thresholds (once per threshold and month). Returns whether the summary
/// changed.
async fn refresh_spend<R: Runtime>(app: &AppHandle<R>, role: Role) -> bool {
    let paths = app.state::<AppShared>().paths.clone();
    let now = time::OffsetDateTime::now_utc();
    let read = tauri::async_runtime::spawn_blocking(move || {
        use bedrock_tray::claude::usage::{spend_now, Zone};
        // "Today" and the budget's month are the user's, in the local zone
        // (looked up each time: the user may travel while the tray runs).
        let zone = Zone::local().unwrap_or_else(|e| {
            tracing::warn!("{e}: counting days in UTC");
            Zone::utc()
        });
        spend_now(&paths, now, &zone)
    })
    .await;
    let spend = match read {
        Ok(Ok(spend)) => spend,
        Ok(Err(e)) => {
            tracing::warn!("cannot read Claude Code's transcripts: {e}");
            return false;
        }
        Err(_) => return false,
    };
    let shared = app.state::<AppShared>();
    if role == Role::Tray {
        if let Some(warning) = bedrock_tray::claude::usage::take_budget_warning(&shared.paths.app_state(), &spend) {
            notify(app, &warning.title, &warning.body);
        }
    }
    let mut current = shared.spend.lock().expect("spend lock");
    let changed = current.as_ref() != Some(&spend);
    *current = Some(spend);
    changed
}

fn on_session_event<R: Runtime>(app: &AppHandle<R>, event: SessionEvent, auto_sign_in: &mut AutoSignIn) {
    // Decide on the files as they are now, not as they were when the
    // event was queued: another tool may have signed in meanwhile.
    let paths = &app.state::<AppShared>().paths;
    let reaction = auto_sign_in.react(&event, &Snapshot::read(paths, time::OffsetDateTime::now_utc()));
    tracing::info!(?event, ?reaction, "session event");
    match event {
        SessionEvent::ExpiresSoon { profiles, minutes, refreshable, .. } => {
            let what =
                if refreshable { "it will be refreshed automatically" } else { "use Log in now from the tray menu" };
            notify(
                app,
                &format!("AWS session ends in under {minutes} min"),
                &format!("Profiles {}: {what}.", profiles.join(", ")),
            );
        }
        SessionEvent::Expired { profiles, .. } if reaction == Reaction::SignIn && auto_login() => {
            notify(
                app,
                "AWS session expired",
                &format!(
                    "Profiles {} (in use by Claude Code): opening the sign-in page so you only have to approve.",
                    profiles.join(", ")
                ),
            );
            start_login(app);
        }
        SessionEvent::Expired { profiles, .. } => {
            notify(
                app,
                "AWS session expired",
                &format!("Profiles {}: use Log in now from the tray menu when you need them.", profiles.join(", ")),
            );
        }
        SessionEvent::Refreshed { .. } => {}
        SessionEvent::RefreshFailed { reason, .. } => notify(app, "Silent refresh failed, retrying", &reason),
        SessionEvent::LoginNeeded { reason, .. } if reaction == Reaction::SignIn && auto_login() => {
            notify(
                app,
                "AWS login needed",
                &format!("{reason}. Opening the sign-in page so you only have to approve."),
            );
            start_login(app);
        }
        SessionEvent::LoginNeeded { reason, .. } => {
            notify(app, "AWS login needed", &format!("{reason}. Use Log in now from the tray menu."))
        }
    }
}

/// `bedrock-tray://onboard?preset=URL` links: handed to the dashboard
/// process (`--link URL`), which asks before loading the preset; nothing
/// runs on a link alone.
fn watch_links<R: Runtime>(app: &AppHandle<R>, inherit: &Inherit) {
    use tauri_plugin_deep_link::DeepLinkExt;
    // Linux and Windows learn the scheme at run time (macOS from the bundle).
    #[cfg(any(target_os = "linux", windows))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!("bedrock-tray:// links not registered: {e}");
    }
    let offer = {
        let inherit = inherit.clone();
        move |urls: Vec<tauri::Url>| {
            for url in urls {
                dashboard::open_with(&inherit, vec![dashboard::LINK_FLAG.into(), url.to_string()]);
            }
        }
    };
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        offer(urls);
    }
    app.deep_link().on_open_url(move |event| offer(event.urls()));
}

/// Builds and runs the tray until Quit. It never creates a webview: the
/// dashboard is another process ([`dashboard::open`]).
///
/// # Errors
/// Tauri could not start (no display at all).
pub fn run_tray(open_at_start: bool, inherit: Inherit) -> Result<(), Box<dyn std::error::Error>> {
    let paths = Paths::from_env()?;
    // The tray waits on files and timers: one worker thread is plenty.
    // Tauri's own runtime starts one per core, each with its own malloc
    // arena once it has run a task (tens of idle threads on a workstation).
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("tray-async").enable_all().build()?;
    tauri::async_runtime::set(runtime.handle().clone());
    // Gives back the pages the tray's work touched once it has been quiet
    // for 10 s: long enough for start-up's burst (first snapshot, model
    // refresh, spend) to settle.
    crate::working_set::trim_when_quiet(std::time::Duration::from_secs(10));
    let second_launch = inherit.clone();
    let update_source = crate::updater::source(&paths);
    let check_source = update_source.clone();
    let mut builder = tauri::Builder::default()
        // A second launch opens the dashboard.
        .plugin(tauri_plugin_single_instance::init(move |_app, _args, _cwd| dashboard::open(&second_launch)))
        // After single-instance: a link opened while the app runs reaches
        // this instance (the plugin's deep-link feature forwards it).
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .setup(move |app| {
            // macOS: a menu-bar app, no Dock icon and no app menu.
            #[cfg(target_os = "macos")]
            app.set_activation_policy(tauri::ActivationPolicy::Accessory);
            let handle = app.handle().clone();
            let first = handle.state::<AppShared>().latest();
            match tray::create(&handle, &first) {
                Ok(()) => tracing::info!("ready: tray icon shown"),
                // No tray host: keep running; the dashboard is one launch away.
                Err(e) => tracing::warn!(
                    "ready without a tray icon ({e}); launch bedrock-tray-app again to open the dashboard"
                ),
            }
            handle.manage(inherit.clone());
            start_watching(&handle, Role::Tray);
            // The account's model list, when the cached one is a day old
            // and the selected session can sign requests.
            let shared = handle.state::<AppShared>();
            let signed_in = first.status.as_ref().is_some_and(|s| {
                use bedrock_tray::sso::cache::SessionState::{Expired, Missing};
                s.profile.is_some() && !matches!(s.session.state, Expired | Missing)
            });
            if signed_in
                && std::env::var_os("BEDROCK_TRAY_NO_AUTO_LOGIN").is_none()
                && bedrock_tray::view::models::needs_refresh(&shared.paths, time::OffsetDateTime::now_utc())
            {
                crate::actions::refresh_models(&handle);
            }
            watch_links(&handle, &inherit);
            if let Some(source) = check_source.clone() {
                crate::updater::check(&handle, source);
            }
            // First run: the dashboard opens on its setup wizard.
            if open_at_start || handle.state::<AppShared>().setup_needed().is_some() {
                dashboard::open(&inherit);
            }
            Ok(())
        });
    if let Some(source) = &update_source {
        builder = builder.plugin(crate::updater::plugin(source));
    }
    build_app(builder, paths).build(tauri::generate_context!())?.run(|_app, event| {
        // A tray app lives on with no window; only Quit ends it.
        if let RunEvent::ExitRequested { api, code: None, .. } = event {
            api.prevent_exit();
        }
    });
    drop(runtime);
    Ok(())
}

/// Builds and runs the dashboard process: its window at once, and the
/// process ends when the window closes (WebKit's processes with it).
///
/// # Errors
/// Tauri could not start (no display at all, broken WebKit install).
pub fn run_dashboard() -> Result<(), Box<dyn std::error::Error>> {
    let paths = Paths::from_env()?;
    let builder = tauri::Builder::default();
    // Opening the dashboard again brings this one forward.
    #[cfg(target_os = "linux")]
    let builder = builder.plugin(
        tauri_plugin_single_instance::Builder::new()
            .dbus_id(dashboard::BUS_ID)
            .callback(|app, args, _cwd| {
                dashboard::take_link_args(app, &args);
                dashboard::show_window(app)
            })
            .build(),
    );
    let builder = builder.plugin(tauri_plugin_notification::init()).setup(|app| {
        let handle = app.handle().clone();
        start_watching(&handle, Role::Dashboard);
        dashboard::take_link_args(&handle, &std::env::args().collect::<Vec<_>>());
        dashboard::show_window(&handle);
        Ok(())
    });
    // The last window closed: Tauri exits unless asked not to.
    build_app(builder, paths).build(tauri::generate_context!())?.run(|_app, _event| {});
    Ok(())
}
