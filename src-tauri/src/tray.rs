//! Renders the core's [`menu_model::TrayModel`] as a tray icon and routes
//! clicks back to core operations. Items change in place (`set_checked`,
//! `set_text`) while the menu's shape stays the same, so an open menu does
//! not close under the user's pointer.

use crate::{open_dashboard, start_login, AppShared};
use bedrock_tray::catalog::Catalog;
use bedrock_tray::menu_model::{self, Extras, IconState, Item, MenuAction, TrayModel};
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::switch::UseRequest;
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, MenuItemKind, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt;

const TRAY_ID: &str = "main";

/// The rendered menu: its model and items by id, for in-place updates.
struct Rendered<R: Runtime> {
    shape: Vec<String>,
    items: HashMap<String, MenuItemKind<R>>,
}

struct TrayState<R: Runtime> {
    tray: TrayIcon<R>,
    rendered: Mutex<Option<Rendered<R>>>,
}

fn icon(state: IconState) -> Image<'static> {
    match state {
        IconState::Ok => tauri::include_image!("icons/tray-ok.png"),
        IconState::Warning => tauri::include_image!("icons/tray-warning.png"),
        IconState::Error => tauri::include_image!("icons/tray-error.png"),
        IconState::Idle => tauri::include_image!("icons/tray-idle.png"),
    }
}

/// Creates the tray icon. Where no tray host exists the icon is simply not
/// shown; the app keeps running and a second launch opens the dashboard.
pub fn create<R: Runtime>(app: &AppHandle<R>) {
    let built = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(IconState::Idle))
        .tooltip("bedrock-tray")
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_click(app, event.id().as_ref()))
        .build(app);
    match built {
        Ok(tray) => {
            app.manage(TrayState { tray, rendered: Mutex::new(None) });
        }
        Err(e) => tracing::warn!("no tray icon ({e}): launch bedrock-tray-app again to open the dashboard"),
    }
}

fn shape(items: &[Item], out: &mut Vec<String>) {
    for i in items {
        match i {
            Item::Label { id, .. } => out.push(format!("l:{id}")),
            Item::Action { id, checked, .. } => out.push(format!("{}:{id}", if checked.is_some() { "c" } else { "a" })),
            Item::Submenu { id, items, .. } => {
                out.push(format!("s:{id}"));
                shape(items, out);
                out.push("end".into());
            }
            Item::Separator => out.push("-".into()),
        }
    }
}

fn make<R: Runtime>(app: &AppHandle<R>, item: &Item, ids: &mut HashMap<String, MenuItemKind<R>>) -> tauri::Result<MenuItemKind<R>> {
    Ok(match item {
        Item::Label { id, text } => MenuItemKind::MenuItem(MenuItem::with_id(app, id.as_str(), text, false, None::<&str>)?),
        Item::Action { id, text, enabled, checked: None } => MenuItemKind::MenuItem(MenuItem::with_id(app, id.as_str(), text, *enabled, None::<&str>)?),
        Item::Action { id, text, enabled, checked: Some(c) } => {
            MenuItemKind::Check(CheckMenuItem::with_id(app, id.as_str(), text, *enabled, *c, None::<&str>)?)
        }
        Item::Submenu { id, text, items } => {
            let sub = Submenu::with_id(app, id.as_str(), text, true)?;
            for child in items {
                let made = make(app, child, ids)?;
                sub.append(&made as &dyn IsMenuItem<R>)?;
            }
            MenuItemKind::Submenu(sub)
        }
        Item::Separator => return Ok(MenuItemKind::Predefined(PredefinedMenuItem::separator(app)?)),
    })
    .inspect(|made| {
        if let Item::Label { id, .. } | Item::Action { id, .. } = item {
            ids.insert(id.clone(), made.clone());
        }
    })
}

fn update<R: Runtime>(items: &[Item], ids: &HashMap<String, MenuItemKind<R>>) {
    for i in items {
        match (i, ids.get(match i {
            Item::Label { id, .. } | Item::Action { id, .. } | Item::Submenu { id, .. } => id.as_str(),
            Item::Separator => "",
        })) {
            (Item::Label { text, .. }, Some(MenuItemKind::MenuItem(m))) => {
                let _ = m.set_text(text);
            }
            (Item::Action { text, enabled, .. }, Some(MenuItemKind::MenuItem(m))) => {
                let _ = m.set_text(text);
                let _ = m.set_enabled(*enabled);
            }
            (Item::Action { text, enabled, checked: Some(c), .. }, Some(MenuItemKind::Check(m))) => {
                let _ = m.set_text(text);
                let _ = m.set_enabled(*enabled);
                let _ = m.set_checked(*c);
            }
            (Item::Submenu { items, .. }, _) => update(items, ids),
            _ => {}
        }
    }
}

fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.autolaunch().is_enabled().unwrap_or(false)
}

/// Re-renders the tray from `snapshot` (no-op without a tray).
pub fn render<R: Runtime>(app: &AppHandle<R>, snapshot: &Snapshot) {
    let Some(state) = app.try_state::<TrayState<R>>() else { return };
    let model: TrayModel = menu_model::build(
        snapshot,
        Catalog::builtin(),
        &Extras { autostart: autostart_enabled(app), failing_probes: &[] },
        time::OffsetDateTime::now_utc(),
    );
    let _ = state.tray.set_icon(Some(icon(model.icon)));
    let _ = state.tray.set_tooltip(Some(&model.tooltip));
    let mut new_shape = Vec::new();
    shape(&model.items, &mut new_shape);
    let Ok(mut rendered) = state.rendered.lock() else { return };
    if let Some(r) = rendered.as_ref().filter(|r| r.shape == new_shape) {
        update(&model.items, &r.items);
        return;
    }
    let mut ids = HashMap::new();
    let built = model
        .items
        .iter()
        .map(|i| make(app, i, &mut ids))
        .collect::<tauri::Result<Vec<_>>>()
        .and_then(|items| Menu::with_items(app, &items.iter().map(|i| i as &dyn IsMenuItem<R>).collect::<Vec<_>>()));
    match built.and_then(|menu| state.tray.set_menu(Some(menu))) {
        Ok(()) => *rendered = Some(Rendered { shape: new_shape, items: ids }),
        Err(e) => tracing::warn!("cannot build the tray menu: {e}"),
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
        MenuAction::LogIn => {
            if let Err(e) = start_login(app) {
                crate::notify(app, &e);
            }
            return;
        }
        MenuAction::CheckConnection => return shared.refresh(),
        MenuAction::OpenDashboard => return open_dashboard(app),
        MenuAction::StartAtLogin => {
            let launcher = app.autolaunch();
            let result = if launcher.is_enabled().unwrap_or(false) { launcher.disable() } else { launcher.enable() };
            if let Err(e) = result {
                crate::notify(app, &format!("cannot change start at login: {e}"));
            }
            return render(app, &shared.latest());
        }
        MenuAction::Quit => return app.exit(0),
    };
    if let Err(e) = shared.switch(&request) {
        crate::notify(app, &e.message);
    }
}
