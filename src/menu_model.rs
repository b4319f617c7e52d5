//! The tray menu as data: a pure function from a [`Snapshot`] to a menu
//! description with stable ids. The tray app only renders it and routes
//! clicks back through [`MenuAction::parse`]; everything here is tested
//! without a display.

use crate::catalog::Catalog;
use crate::selection::Provider;
use crate::snapshot::Snapshot;
use crate::sso_cache::SessionState;
use serde::Serialize;
use time::OffsetDateTime;

/// What a click on a menu item asks for. Its id is the only thing the tray
/// stores, so every click is handled in one `match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    Model(String),
    Geography(String),
    Profile(String),
    Provider(Provider),
    LogIn,
    CheckConnection,
    OpenDashboard,
    StartAtLogin,
    Quit,
}

impl MenuAction {
    /// The item id (`model:sonnet`, `geo:eu`, `profile:dev`, `quit` ...).
    pub fn id(&self) -> String {
        match self {
            MenuAction::Model(k) => format!("model:{k}"),
            MenuAction::Geography(k) => format!("geo:{k}"),
            MenuAction::Profile(k) => format!("profile:{k}"),
            MenuAction::Provider(Provider::Bedrock) => "provider:bedrock".into(),
            MenuAction::Provider(Provider::Anthropic) => "provider:anthropic".into(),
            MenuAction::LogIn => "login".into(),
            MenuAction::CheckConnection => "check".into(),
            MenuAction::OpenDashboard => "dashboard".into(),
            MenuAction::StartAtLogin => "autostart".into(),
            MenuAction::Quit => "quit".into(),
        }
    }

    /// The action behind an item id; `None` for ids this menu never makes
    /// (the summary line, separators).
    pub fn parse(id: &str) -> Option<Self> {
        Some(match id.split_once(':') {
            Some(("model", k)) => MenuAction::Model(k.to_string()),
            Some(("geo", k)) => MenuAction::Geography(k.to_string()),
            Some(("profile", k)) => MenuAction::Profile(k.to_string()),
            Some(("provider", "bedrock")) => MenuAction::Provider(Provider::Bedrock),
            Some(("provider", "anthropic")) => MenuAction::Provider(Provider::Anthropic),
            Some(_) => return None,
            None => match id {
                "login" => MenuAction::LogIn,
                "check" => MenuAction::CheckConnection,
                "dashboard" => MenuAction::OpenDashboard,
                "autostart" => MenuAction::StartAtLogin,
                "quit" => MenuAction::Quit,
                _ => return None,
            },
        })
    }
}

/// Which tray icon to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IconState {
    Ok,
    /// Session expiring, a probe failing, a problem with the selection.
    Warning,
    /// Session expired, no credentials, settings unreadable.
    Error,
    /// The Anthropic API is selected: nothing to watch.
    Idle,
}

/// One menu entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A disabled line of text.
    Label { id: String, text: String },
    /// A clickable entry; `checked: Some(_)` renders a check item.
    Action { id: String, text: String, enabled: bool, checked: Option<bool> },
    Submenu { id: String, text: String, items: Vec<Item> },
    Separator,
}

/// The whole tray: icon, tooltip and menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrayModel {
    pub icon: IconState,
    /// Why the icon looks the way it does (one line).
    pub tooltip: String,
    pub summary: String,
    pub items: Vec<Item>,
}

/// What the menu shows besides the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Extras<'a> {
    /// Whether the app starts at login.
    pub autostart: bool,
    /// Failing connectivity checks, each as one sentence.
    pub failing_probes: &'a [String],
}

fn action(a: MenuAction, text: impl Into<String>, checked: Option<bool>) -> Item {
    Item::Action { id: a.id(), text: text.into(), enabled: true, checked }
}

/// "42 min left", "3 h 05 min left", "expired".
pub fn time_left(seconds: i64) -> String {
    if seconds <= 0 {
        return "expired".into();
    }
    let minutes = (seconds + 59) / 60;
    if minutes < 60 {
        format!("{minutes} min left")
    } else {
        format!("{} h {:02} min left", minutes / 60, minutes % 60)
    }
}

/// Builds the tray from `snapshot` as of `now` (the countdown is computed
/// from the session's expiry, so a menu rebuilt later is still right).
pub fn build(snapshot: &Snapshot, catalog: &Catalog, extras: &Extras<'_>, now: OffsetDateTime) -> TrayModel {
    let status = snapshot.status.as_ref();
    let provider = status.map(|s| s.provider);
    let bedrock = provider != Some(Provider::Anthropic);

    // Icon, tooltip and summary.
    let left = status.and_then(|s| s.session.expires_at).map(|e| (e - now).whole_seconds());
    let session_state = status.map(|s| match (s.session.state, left) {
        (SessionState::Valid | SessionState::Expiring, Some(l)) if l <= 0 => SessionState::Expired,
        (SessionState::Valid, Some(l)) if l < crate::sso_cache::EXPIRING_WITHIN.whole_seconds() => SessionState::Expiring,
        (state, _) => state,
    });
    let (icon, tooltip) = match (status, session_state) {
        (None, _) => (IconState::Error, snapshot.errors.first().cloned().unwrap_or_else(|| "settings unreadable".into())),
        (Some(_), _) if !bedrock => (IconState::Idle, "Claude Code uses the Anthropic API".into()),
        (Some(s), _) if s.profile.is_none() => (IconState::Error, "no AWS profile selected: choose one under AWS profile".into()),
        (Some(_), Some(SessionState::Expired)) => (IconState::Error, "session expired: choose Log in now".into()),
        (Some(s), Some(SessionState::Missing)) => (
            IconState::Error,
            format!("no credentials: {}", s.session.reason.clone().unwrap_or_else(|| "choose Log in now".into())),
        ),
        (Some(_), Some(SessionState::Expiring)) => {
            (IconState::Warning, format!("session expiring: {}", time_left(left.unwrap_or(0))))
        }
        (Some(_), _) if !extras.failing_probes.is_empty() => (IconState::Warning, extras.failing_probes[0].clone()),
        (Some(s), _) if !s.problems.is_empty() => (IconState::Warning, s.problems[0].clone()),
        (Some(_), _) => (IconState::Ok, "signed in and switched".into()),
    };
    let summary = match status {
        None => "settings.json unreadable".to_string(),
        Some(_) if !bedrock => "Anthropic API".to_string(),
        Some(s) => {
            let mut parts = vec![
                s.model_name.as_deref().map(|n| n.trim_start_matches("Claude ").to_string()).or_else(|| s.model_id.clone()).unwrap_or_else(|| "no model".into()),
                s.geography.clone().map(|g| g.to_uppercase()).unwrap_or_else(|| "?".into()),
                s.profile.clone().unwrap_or_else(|| "no profile".into()),
            ];
            match (session_state, left) {
                (Some(SessionState::NotSso), _) => {}
                (Some(SessionState::Missing), _) => parts.push("not signed in".into()),
                (_, Some(l)) => parts.push(time_left(l)),
                _ => {}
            }
            parts.join(" · ")
        }
    };

    let mut items = vec![Item::Label { id: "summary".into(), text: summary.clone() }];
    for (i, p) in extras.failing_probes.iter().enumerate() {
        items.push(Item::Label { id: format!("probe:{i}"), text: format!("✗ {p}") });
    }
    items.push(Item::Separator);

    // Model: the catalog's models, plus the selected one when the catalog
    // does not know it (a hand-edited ID), so the check mark never lies.
    let current_model = status.and_then(|s| s.model.clone());
    let current_geo = status.and_then(|s| s.geography.clone());
    let mut models: Vec<Item> = catalog
        .models
        .iter()
        .map(|m| {
            let available = current_geo.as_deref().is_none_or(|g| m.profile_id(g).is_some());
            let text = if available { m.name.clone() } else { format!("{} (not in {})", m.name, current_geo.as_deref().unwrap_or("").to_uppercase()) };
            Item::Action {
                id: MenuAction::Model(m.key.clone()).id(),
                text,
                enabled: available,
                checked: Some(current_model.as_deref() == Some(m.key.as_str())),
            }
        })
        .collect();
    if let Some(s) = status {
        if s.model.is_none() {
            if let Some(id) = &s.model_id {
                models.push(Item::Label { id: "model:custom".into(), text: format!("✓ {id} (not in the catalog)") });
            }
        }
    }
    // Geography: those serving the selected model (all when none is known).
    let model = current_model.as_deref().and_then(|k| catalog.models.iter().find(|m| m.key == k));
    let geos: Vec<Item> = catalog
        .geographies
        .iter()
        .map(|g| {
            let available = model.is_none_or(|m| m.profile_id(&g.key).is_some());
            let text = if available { g.name.clone() } else { format!("{} (no {})", g.name, model.map_or("", |m| m.name.as_str())) };
            Item::Action {
                id: MenuAction::Geography(g.key.clone()).id(),
                text,
                enabled: available,
                checked: Some(current_geo.as_deref() == Some(g.key.as_str())),
            }
        })
        .collect();
    let current_profile = status.and_then(|s| s.profile.clone());
    let mut profiles: Vec<Item> = snapshot
        .profiles
        .iter()
        .map(|p| {
            let text = match p.session.state {
                SessionState::Expired => format!("{} (expired)", p.name),
                SessionState::Missing => format!("{} (signed out)", p.name),
                _ => p.name.clone(),
            };
            action(MenuAction::Profile(p.name.clone()), text, Some(current_profile.as_deref() == Some(p.name.as_str())))
        })
        .collect();
    if profiles.is_empty() {
        profiles.push(Item::Label { id: "profile:none".into(), text: "No profiles in ~/.aws/config: run bedrock-tray onboard".into() });
    }
    items.push(Item::Submenu { id: "menu:model".into(), text: "Model".into(), items: models });
    items.push(Item::Submenu { id: "menu:geo".into(), text: "Geography".into(), items: geos });
    items.push(Item::Submenu { id: "menu:profile".into(), text: "AWS profile".into(), items: profiles });
    items.push(Item::Submenu {
        id: "menu:provider".into(),
        text: "Provider".into(),
        items: vec![
            action(MenuAction::Provider(Provider::Bedrock), "Amazon Bedrock", Some(bedrock && status.is_some())),
            action(MenuAction::Provider(Provider::Anthropic), "Anthropic API", Some(!bedrock)),
        ],
    });
    items.push(Item::Separator);
    let login_text = match session_state {
        Some(SessionState::Expired | SessionState::Missing | SessionState::Expiring) if bedrock => "Log in now…",
        _ => "Log in now",
    };
    items.push(Item::Action {
        id: MenuAction::LogIn.id(),
        text: login_text.into(),
        enabled: bedrock && current_profile.is_some(),
        checked: None,
    });
    items.push(action(MenuAction::CheckConnection, "Check connection", None));
    items.push(action(MenuAction::OpenDashboard, "Open dashboard", None));
    items.push(Item::Separator);
    items.push(action(MenuAction::StartAtLogin, "Start at login", Some(extras.autostart)));
    items.push(action(MenuAction::Quit, "Quit", None));
    TrayModel { icon, tooltip, summary, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles_view::ProfileRow;
    use crate::sso_cache::SessionStatus;
    use crate::status::Status;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    fn session(state: SessionState, minutes_left: Option<i64>) -> SessionStatus {
        SessionStatus {
            state,
            expires_at: minutes_left.map(|m| NOW + time::Duration::minutes(m)),
            seconds_left: minutes_left.map(|m| m * 60),
            refreshable: false,
            token_path: None,
            reason: None,
        }
    }

    fn status(model: Option<&str>, model_id: Option<&str>, session: SessionStatus) -> Status {
        Status {
            settings_path: "/h/.claude/settings.json".into(),
            provider: Provider::Bedrock,
            profile: Some("dev".into()),
            region: Some("eu-west-1".into()),
            geography: Some("eu".into()),
            model: model.map(str::to_string),
            model_name: model.map(|m| Catalog::builtin().model(m).unwrap().0.name.clone()),
            model_id: model_id.map(str::to_string),
            small_model_id: None,
            auth_refresh: None,
            credentials: Some("sso".into()),
            session,
            problems: vec![],
        }
    }

    fn snap(status: Status, profiles: &[(&str, SessionState)]) -> Snapshot {
        Snapshot {
            taken_at: NOW,
            status: Some(status),
            profiles: profiles
                .iter()
                .map(|(n, st)| ProfileRow {
                    name: n.to_string(),
                    region: None,
                    credentials: "sso",
                    sso_session: None,
                    account_id: None,
                    role_name: None,
                    session: session(*st, None),
                })
                .collect(),
            errors: vec![],
        }
    }

    fn find<'a>(items: &'a [Item], id: &str) -> Option<&'a Item> {
        items.iter().find_map(|i| match i {
            Item::Action { id: x, .. } | Item::Label { id: x, .. } if x == id => Some(i),
            Item::Submenu { id: x, .. } if x == id => Some(i),
            Item::Submenu { items, .. } => find(items, id),
            _ => None,
        })
    }

    fn checked(items: &[Item], id: &str) -> Option<bool> {
        match find(items, id) {
            Some(Item::Action { checked, .. }) => *checked,
            other => panic!("{id} is not an action: {other:?}"),
        }
    }

    fn tray(s: &Snapshot) -> TrayModel {
        build(s, Catalog::builtin(), &Extras::default(), NOW)
    }

    #[test]
    fn ids_round_trip_so_every_click_reaches_its_handler() {
        for a in [
            MenuAction::Model("sonnet".into()),
            MenuAction::Geography("eu".into()),
            MenuAction::Profile("team:dev".into()),
            MenuAction::Provider(Provider::Anthropic),
            MenuAction::LogIn,
            MenuAction::CheckConnection,
            MenuAction::OpenDashboard,
            MenuAction::StartAtLogin,
            MenuAction::Quit,
        ] {
            assert_eq!(MenuAction::parse(&a.id()), Some(a.clone()), "id {} must parse back", a.id());
        }
        assert_eq!(MenuAction::parse("summary"), None, "the summary line is not an action");
    }

    #[test]
    fn healthy_selection_is_checked_and_summarised() {
        let s = snap(status(Some("sonnet"), Some("eu.x"), session(SessionState::Valid, Some(42))), &[("dev", SessionState::Valid), ("prod", SessionState::Valid)]);
        let t = tray(&s);
        assert_eq!(t.icon, IconState::Ok, "valid session, no problems: {t:?}");
        assert!(t.summary.starts_with("Sonnet"), "summary names the model first: {}", t.summary);
        assert!(t.summary.ends_with("EU · dev · 42 min left"), "summary: {}", t.summary);
        assert_eq!(checked(&t.items, "model:sonnet"), Some(true), "selected model is checked");
        assert_eq!(checked(&t.items, "model:opus"), Some(false), "other models are not");
        assert_eq!(checked(&t.items, "geo:eu"), Some(true), "selected geography is checked");
        assert_eq!(checked(&t.items, "geo:us"), Some(false));
        assert_eq!(checked(&t.items, "profile:dev"), Some(true), "selected profile is checked");
        assert_eq!(checked(&t.items, "profile:prod"), Some(false));
        for id in ["login", "check", "dashboard", "autostart", "quit", "provider:bedrock", "provider:anthropic"] {
            assert!(find(&t.items, id).is_some(), "{id} is always in the menu");
        }
    }

    #[test]
    fn no_profiles_says_how_to_get_one() {
        let mut st = status(Some("sonnet"), Some("eu.x"), session(SessionState::NotSso, None));
        st.profile = None;
        let t = tray(&snap(st, &[]));
        assert_eq!(t.icon, IconState::Error, "no profile means no credentials");
        match find(&t.items, "profile:none") {
            Some(Item::Label { text, .. }) => assert!(text.contains("onboard"), "the empty submenu names the fix: {text}"),
            other => panic!("expected a hint label, got {other:?}"),
        }
        assert!(t.summary.contains("no profile"), "{}", t.summary);
    }

    #[test]
    fn expired_session_is_an_error_with_login_offered() {
        let s = snap(status(Some("sonnet"), Some("eu.x"), session(SessionState::Expired, Some(-5))), &[("dev", SessionState::Expired)]);
        let t = tray(&s);
        assert_eq!(t.icon, IconState::Error);
        assert!(t.tooltip.contains("expired"), "{}", t.tooltip);
        assert!(t.summary.ends_with("expired"), "{}", t.summary);
        match find(&t.items, "profile:dev") {
            Some(Item::Action { text, .. }) => assert!(text.contains("expired"), "{text}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(find(&t.items, "login"), Some(Item::Action { enabled: true, .. })), "login is offered");
    }

    #[test]
    fn expiring_session_warns_with_minutes() {
        let s = snap(status(Some("sonnet"), Some("eu.x"), session(SessionState::Expiring, Some(3))), &[("dev", SessionState::Expiring)]);
        let t = tray(&s);
        assert_eq!(t.icon, IconState::Warning);
        assert!(t.tooltip.contains("3 min left"), "{}", t.tooltip);
    }

    #[test]
    fn a_valid_session_crossing_the_threshold_later_warns_without_a_new_snapshot() {
        let s = snap(status(Some("sonnet"), Some("eu.x"), session(SessionState::Valid, Some(20))), &[]);
        let t = build(&s, Catalog::builtin(), &Extras::default(), NOW + time::Duration::minutes(10));
        assert_eq!(t.icon, IconState::Warning, "10 min left is under the 15 min threshold");
        assert!(t.summary.ends_with("10 min left"), "{}", t.summary);
    }

    #[test]
    fn failing_probe_warns_and_is_listed() {
        let s = snap(status(Some("sonnet"), Some("eu.x"), session(SessionState::Valid, Some(300))), &[]);
        let probes = vec!["Bedrock unreachable: check the VPN".to_string()];
        let t = build(&s, Catalog::builtin(), &Extras { autostart: true, failing_probes: &probes }, NOW);
        assert_eq!(t.icon, IconState::Warning);
        assert_eq!(t.tooltip, probes[0]);
        assert!(t.items.iter().any(|i| matches!(i, Item::Label { text, .. } if text.contains("VPN"))), "probe shown in the menu");
        assert_eq!(checked(&t.items, "autostart"), Some(true));
        assert!(t.summary.contains("5 h 00 min left"), "{}", t.summary);
    }

    #[test]
    fn unknown_model_id_is_shown_checked_and_no_catalog_model_is() {
        let s = snap(status(None, Some("eu.anthropic.claude-future-9"), session(SessionState::Valid, Some(60))), &[]);
        let t = tray(&s);
        match find(&t.items, "model:custom") {
            Some(Item::Label { text, .. }) => assert!(text.contains("claude-future-9"), "{text}"),
            other => panic!("{other:?}"),
        }
        for m in &Catalog::builtin().models {
            assert_eq!(checked(&t.items, &format!("model:{}", m.key)), Some(false), "{} must not be checked", m.key);
        }
        assert!(t.summary.starts_with("eu.anthropic.claude-future-9"), "{}", t.summary);
    }

    #[test]
    fn anthropic_provider_is_idle_and_login_disabled() {
        let mut st = status(Some("sonnet"), Some("eu.x"), session(SessionState::NotSso, None));
        st.provider = Provider::Anthropic;
        let t = tray(&snap(st, &[]));
        assert_eq!(t.icon, IconState::Idle);
        assert_eq!(checked(&t.items, "provider:anthropic"), Some(true));
        assert!(matches!(find(&t.items, "login"), Some(Item::Action { enabled: false, .. })));
    }

    #[test]
    fn unreadable_settings_is_an_error_naming_the_file_problem() {
        let s = Snapshot { taken_at: NOW, status: None, profiles: vec![], errors: vec!["cannot parse settings.json: fix line 3".into()] };
        let t = tray(&s);
        assert_eq!(t.icon, IconState::Error);
        assert!(t.tooltip.contains("line 3"), "{}", t.tooltip);
    }
}
