//! Renders the core's tray model and routes clicks back to core operations.
//! No decisions are made here: what to show is `menu_model::tray`.

use crate::shared::AppShared;
use bedrock_tray::catalog::Catalog;
use bedrock_tray::login::{self, LoginOutcome, LoginPrompt};
use bedrock_tray::menu_model::{self, MenuAction, MenuItem, TrayState};
use bedrock_tray::probe::{self, ProbeOptions, ProbeTarget};
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::sso_oidc::DeviceAuthorization;
use bedrock_tray::switch::{self, UseRequest};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem as TauriItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_notification::NotificationExt as _;

pub const TRAY_ID: &str = "main";

fn icon(state: TrayState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        TrayState::Ok => include_bytes!("../icons/tray-ok.png"),
        TrayState::Warning => include_bytes!("../icons/tray-warning.png"),
        TrayState::Error => include_bytes!("../icons/tray-error.png"),
        TrayState::Idle => include_bytes!("../icons/tray-idle.png"),
    };
    Image::from_bytes(bytes).expect("bundled icons are valid PNGs")
}

/// Appends `items` to a menu or submenu.
fn append_all<R: Runtime>(
    app: &AppHandle<R>,
    items: &[MenuItem],
    append: &dyn Fn(&dyn IsMenuItem<R>) -> tauri::Result<()>,
) -> tauri::Result<()> {
    for item in items {
        match item {
            MenuItem::Label { text } => append(&TauriItem::with_id(app, format!("label:{text}"), text, false, None::<&str>)?)?,
            MenuItem::Action { id, text, enabled } => append(&TauriItem::with_id(app, id, text, *enabled, None::<&str>)?)?,
            MenuItem::Check { id, text, checked, enabled } => {
                append(&CheckMenuItem::with_id(app, id, text, *enabled, *checked, None::<&str>)?)?
            }
            MenuItem::Separator => append(&PredefinedMenuItem::separator(app)?)?,
            MenuItem::Submenu { text, items } => {
                let sub = Submenu::new(app, text, true)?;
                append_all(app, items, &|i| sub.append(i))?;
                append(&sub)?;
            }
        }
    }
    Ok(())
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, items: &[MenuItem]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    append_all(app, items, &|i| menu.append(i))?;
    Ok(menu)
}

fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.autolaunch().is_enabled().unwrap_or(false)
}

/// Creates the tray icon. Where no tray host exists (a bare X server, some
/// GNOME setups) this fails; the app keeps running and the dashboard stays
/// reachable by launching the app again.
pub fn create<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) -> tauri::Result<TrayIcon<R>> {
    let model = menu_model::tray(snapshot, Catalog::builtin(), autostart_enabled(app));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(model.state))
        .tooltip(&model.tooltip)
        .menu(&build_menu(app, &model.items)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_click(app, event.id().as_ref()))
        .build(app)
}

/// Re-renders the tray for a new snapshot.
pub fn update<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let model = menu_model::tray(snapshot, Catalog::builtin(), autostart_enabled(app));
    let _ = tray.set_icon(Some(icon(model.state)));
    let _ = tray.set_tooltip(Some(&model.tooltip));
    if let Ok(menu) = build_menu(app, &model.items) {
        let _ = tray.set_menu(Some(menu));
    }
}

fn on_click<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = MenuAction::parse(id) else { return };
    let shared = app.state::<AppShared>();
    let request = match action {
        MenuAction::Model(m) => UseRequest { model: Some(m), ..UseRequest::default() },
        MenuAction::Geography(g) => UseRequest { geography: Some(g), ..UseRequest::default() },
        MenuAction::Profile(p) => UseRequest { profile: Some(p), ..UseRequest::default() },
        MenuAction::Provider(p) => UseRequest { provider: Some(p), ..UseRequest::default() },
        MenuAction::LogIn => return start_login(app),
        MenuAction::CheckConnection => return start_probe(app),
        MenuAction::OpenDashboard => return crate::app::open_dashboard(app),
        MenuAction::ToggleAutostart => {
            let auto = app.autolaunch();
            let _ = if auto.is_enabled().unwrap_or(false) { auto.disable() } else { auto.enable() };
            update(app, &shared.latest());
            return;
        }
        MenuAction::Quit => return app.exit(0),
    };
    match switch::run(&shared.paths, &request) {
        Ok(_) => {
            let _ = shared.poke.send(());
        }
        Err(e) => notify(app, "Could not switch", &e.to_string()),
    }
}

pub fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let _ = app.notification().builder().title(title).body(body).show();
}

struct DashboardPrompt<R: Runtime>(AppHandle<R>);

impl<R: Runtime> LoginPrompt for DashboardPrompt<R> {
    fn show(&mut self, a: &DeviceAuthorization) {
        let _ = self.0.emit("login", serde_json::json!({"user_code": a.user_code, "url": a.verification_uri_complete}));
        notify(&self.0, "Approve the AWS sign-in", &format!("Confirm the code {} in your browser.", a.user_code));
    }
}

/// Logs the selected profile in with the device-code flow; the browser
/// opens on the approval page and a notification says why.
pub fn start_login<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let snapshot = shared.latest();
        let Some(name) = snapshot.status.as_ref().and_then(|s| s.profile.clone()) else {
            return notify(&app, "No AWS profile selected", "Pick a profile from the tray menu first.");
        };
        let profiles = bedrock_tray::aws_profiles::AwsProfiles::load(&shared.paths.aws_config, &shared.paths.aws_credentials);
        let Some(profile) = profiles.ok().and_then(|p| p.get(&name).cloned()) else { return };
        let target = match login::target_of(&profile) {
            Ok(t) => t,
            Err(e) => return notify(&app, "Cannot log in", &e.to_string()),
        };
        let mut prompt = DashboardPrompt(app.clone());
        match login::device_login(&shared.paths, &target, &mut prompt, true).await {
            Ok(LoginOutcome::LoggedIn { .. } | LoginOutcome::Joined { .. }) => {
                let _ = app.emit("login", serde_json::json!({"done": true}));
                let _ = shared.poke.send(());
            }
            Err(e) => {
                let _ = app.emit("login", serde_json::json!({"error": e.to_string()}));
                notify(&app, "AWS sign-in failed", &e.to_string());
            }
        }
    });
}

/// Runs the probes for the current selection and shows the result.
pub fn start_probe<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let report = match ProbeTarget::from_settings(&shared.paths, None) {
            Ok(target) => probe::run(&shared.paths, &target, &ProbeOptions::default(), time::OffsetDateTime::now_utc()).await,
            Err(e) => return notify(&app, "Nothing to check", &e),
        };
        if let Some(fix) = report.results.iter().find_map(|r| r.fix.clone()) {
            notify(&app, "Connection check failed", &fix);
        }
        *shared.probe.lock().expect("probe lock") = Some(report);
        let _ = shared.poke.send(());
    });
}
