//! Renders the core's tray model and routes clicks back to core operations.
//! No decisions are made here: what to show is `menu::tray`.

use crate::actions::{notify, start_login, start_probe};
use crate::shared::AppShared;
use bedrock_tray::switch::{self, UseRequest};
use bedrock_tray::view::menu::{self, MenuAction, MenuItem, TrayState};
use bedrock_tray::view::snapshot::Snapshot;
use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem as TauriItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;

pub const TRAY_ID: &str = "main";

/// The macOS menu bar wants template icons (black with alpha; the system
/// tints them for light and dark bars), so there the states differ by
/// shape; elsewhere by colour.
#[cfg(target_os = "macos")]
fn icon(state: TrayState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        TrayState::Ok => include_bytes!("../icons/tray-ok-template.png"),
        TrayState::Warning => include_bytes!("../icons/tray-warning-template.png"),
        TrayState::Error => include_bytes!("../icons/tray-error-template.png"),
        TrayState::Idle => include_bytes!("../icons/tray-idle-template.png"),
    };
    Image::from_bytes(bytes).expect("bundled icons are valid PNGs")
}

#[cfg(not(target_os = "macos"))]
fn icon(state: TrayState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        TrayState::Ok => include_bytes!("../icons/tray-ok.png"),
        TrayState::Warning => include_bytes!("../icons/tray-warning.png"),
        TrayState::Error => include_bytes!("../icons/tray-error.png"),
        TrayState::Idle => include_bytes!("../icons/tray-idle.png"),
    };
    Image::from_bytes(bytes).expect("bundled icons are valid PNGs")
}

/// A rendered menu item, kept so the next snapshot can change it in place.
enum Rendered<R: Runtime> {
    Plain(TauriItem<R>),
    Check(CheckMenuItem<R>),
    Sub(Submenu<R>),
}

/// The menu on screen: its shape (kinds and ids in order) and its items in
/// the same order, so a snapshot with the same shape updates texts, checks
/// and enabled flags in place. Rebuilding would close a menu the user has
/// open; the shape only changes when problems appear or profiles change.
struct OnScreen<R: Runtime> {
    shape: Vec<String>,
    items: Vec<Rendered<R>>,
}

/// Managed by [`create`]; absent where no tray host exists.
struct TrayHandle<R: Runtime> {
    icon: TrayIcon<R>,
    menu: Mutex<OnScreen<R>>,
    /// What the icon and tooltip show now: setting the icon writes a PNG
    /// and signals the tray host, so it happens only on a change.
    shown: Mutex<(TrayState, String)>,
}

fn shape_of(items: &[MenuItem], out: &mut Vec<String>) {
    for item in items {
        match item {
            MenuItem::Label { .. } => out.push("label".into()),
            MenuItem::Action { id, .. } => out.push(format!("action:{id}")),
            MenuItem::Check { id, .. } => out.push(format!("check:{id}")),
            MenuItem::Separator => out.push("-".into()),
            MenuItem::Submenu { items, .. } => {
                out.push("submenu".into());
                shape_of(items, out);
                out.push("end".into());
            }
        }
    }
}

/// Creates `items` (depth first) and appends them with `append`; labels get
/// positional ids because their text changes.
fn build_items<R: Runtime>(
    app: &AppHandle<R>,
    items: &[MenuItem],
    append: &dyn Fn(&dyn IsMenuItem<R>) -> tauri::Result<()>,
    out: &mut Vec<Rendered<R>>,
) -> tauri::Result<()> {
    for item in items {
        match item {
            MenuItem::Label { text } => {
                let made = TauriItem::with_id(app, format!("label:{}", out.len()), text, false, None::<&str>)?;
                append(&made)?;
                out.push(Rendered::Plain(made));
            }
            MenuItem::Action { id, text, enabled } => {
                let made = TauriItem::with_id(app, id, text, *enabled, None::<&str>)?;
                append(&made)?;
                out.push(Rendered::Plain(made));
            }
            MenuItem::Check { id, text, checked, enabled } => {
                let made = CheckMenuItem::with_id(app, id, text, *enabled, *checked, None::<&str>)?;
                append(&made)?;
                out.push(Rendered::Check(made));
            }
            MenuItem::Separator => append(&PredefinedMenuItem::separator(app)?)?,
            MenuItem::Submenu { text, items } => {
                let sub = Submenu::new(app, text, true)?;
                out.push(Rendered::Sub(sub.clone()));
                build_items(app, items, &|i| sub.append(i), out)?;
                append(&sub)?;
            }
        }
    }
    Ok(())
}

/// Applies `items` to an on-screen menu of the same shape, in the order
/// [`build_items`] rendered them.
fn update_items<R: Runtime>(items: &[MenuItem], on_screen: &mut std::slice::Iter<'_, Rendered<R>>) {
    for item in items {
        match (item, item_slot(item, on_screen)) {
            (MenuItem::Label { text }, Some(Rendered::Plain(m))) => {
                let _ = m.set_text(text);
            }
            (MenuItem::Action { text, enabled, .. }, Some(Rendered::Plain(m))) => {
                let _ = m.set_text(text);
                let _ = m.set_enabled(*enabled);
            }
            (MenuItem::Check { text, checked, enabled, .. }, Some(Rendered::Check(m))) => {
                let _ = m.set_text(text);
                let _ = m.set_enabled(*enabled);
                let _ = m.set_checked(*checked);
            }
            (MenuItem::Submenu { text, items }, Some(Rendered::Sub(m))) => {
                let _ = m.set_text(text);
                update_items(items, on_screen);
            }
            _ => {}
        }
    }
}

fn item_slot<'a, R: Runtime>(
    item: &MenuItem,
    on_screen: &mut std::slice::Iter<'a, Rendered<R>>,
) -> Option<&'a Rendered<R>> {
    // Separators are not kept: they never change.
    if matches!(item, MenuItem::Separator) {
        None
    } else {
        on_screen.next()
    }
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, items: &[MenuItem]) -> tauri::Result<(Menu<R>, OnScreen<R>)> {
    let menu = Menu::new(app)?;
    let mut rendered = Vec::new();
    build_items(app, items, &|i| menu.append(i), &mut rendered)?;
    let mut shape = Vec::new();
    shape_of(items, &mut shape);
    Ok((menu, OnScreen { shape, items: rendered }))
}

fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.autolaunch().is_enabled().unwrap_or(false)
}

/// The menu model plus "Update available" when the updater found one.
fn with_update<R: Runtime>(app: &AppHandle<R>, model: menu::TrayModel) -> menu::TrayModel {
    let found = app.try_state::<crate::updater::UpdateAvailable>().and_then(|u| u.0.lock().ok()?.clone());
    menu::with_update(model, found.as_deref())
}

/// Creates the tray icon. Where no tray host exists (a bare X server, some
/// GNOME setups) this fails; the app keeps running and the dashboard stays
/// reachable by launching the app again.
pub fn create<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) -> tauri::Result<()> {
    let model = with_update(app, menu::tray(snapshot, &snapshot.catalog, autostart_enabled(app)));
    let (menu, on_screen) = build_menu(app, &model.items)?;
    let icon = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(model.state))
        .icon_as_template(cfg!(target_os = "macos"))
        .tooltip(&model.tooltip)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_click(app, event.id().as_ref()))
        .build(app)?;
    app.manage(TrayHandle { icon, menu: Mutex::new(on_screen), shown: Mutex::new((model.state, model.tooltip)) });
    Ok(())
}

/// Re-renders the tray for a new snapshot: in place when the menu keeps its
/// shape, rebuilt otherwise.
pub fn update<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) {
    let Some(tray) = app.try_state::<TrayHandle<R>>() else { return };
    let model = with_update(app, menu::tray(snapshot, &snapshot.catalog, autostart_enabled(app)));
    {
        let mut shown = tray.shown.lock().expect("tray icon lock");
        if shown.0 != model.state {
            let _ = tray.icon.set_icon(Some(icon(model.state)));
            #[cfg(target_os = "macos")]
            let _ = tray.icon.set_icon_as_template(true);
        }
        if shown.1 != model.tooltip {
            // Linux (AppIndicator) has no tooltips; the menu's first line
            // says the same there.
            let _ = tray.icon.set_tooltip(Some(&model.tooltip));
        }
        *shown = (model.state, model.tooltip.clone());
    }
    let mut on_screen = tray.menu.lock().expect("tray menu lock");
    let mut shape = Vec::new();
    shape_of(&model.items, &mut shape);
    if shape == on_screen.shape {
        update_items(&model.items, &mut on_screen.items.iter());
        return;
    }
    match build_menu(app, &model.items) {
        Ok((menu, fresh)) => {
            if tray.icon.set_menu(Some(menu)).is_ok() {
                *on_screen = fresh;
            }
        }
        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
    }
}

fn on_click<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = MenuAction::parse(id) else { return };
    // Whatever the item does touches pages: give them back once quiet.
    crate::working_set::touched();
    let shared = app.state::<AppShared>();
    let request = match action {
        MenuAction::Model(m) => UseRequest { model: Some(m), ..UseRequest::default() },
        MenuAction::Effort(e) => match switch::Effort::parse(&e) {
            Some(effort) => UseRequest { effort: Some(effort), ..UseRequest::default() },
            None => return,
        },
        MenuAction::Geography(g) => UseRequest { geography: Some(g), ..UseRequest::default() },
        MenuAction::Profile(p) => UseRequest { profile: Some(p), ..UseRequest::default() },
        MenuAction::Provider(p) => UseRequest { provider: Some(p), ..UseRequest::default() },
        MenuAction::LogIn => return start_login(app),
        MenuAction::SignOut => return crate::actions::start_logout(app, false),
        MenuAction::RenewSession => return crate::actions::start_logout(app, true),
        MenuAction::CheckConnection => return start_probe(app),
        MenuAction::OpenDashboard => return crate::dashboard::open(&app.state::<crate::dashboard::Inherit>()),
        MenuAction::ToggleAutostart => {
            let auto = app.autolaunch();
            let _ = if auto.is_enabled().unwrap_or(false) { auto.disable() } else { auto.enable() };
            update(app, &shared.latest());
            return;
        }
        MenuAction::InstallUpdate => return crate::updater::install(app),
        MenuAction::Quit => return app.exit(0),
    };
    match switch::run(&shared.paths, &request) {
        Ok(_) => {
            let _ = shared.poke.send(());
        }
        Err(e) => notify(app, "Could not switch", &e.to_string()),
    }
}
