//! The tray menu as data: a pure function from a [`Snapshot`] to the items
//! the tray shows. The Tauri shell only renders it and routes clicks back
//! as [`MenuAction`]s, so every state is testable without a display.
//!
//! Under Linux appindicator a click on the icon produces no event and
//! tooltips are not shown, so the status line and every action live in
//! the menu itself.

use crate::catalog::Catalog;
use crate::claude::selection::Provider;
use crate::claude::settings::OwnedKey;
use crate::sso::cache::SessionState;
use crate::view::snapshot::Snapshot;
use serde::Serialize;

/// What a click asks for. Menu item ids are these, rendered as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MenuAction {
    Model(String),
    /// `CLAUDE_CODE_EFFORT_LEVEL` (`auto` removes it).
    Effort(String),
    Geography(String),
    Profile(String),
    Provider(Provider),
    LogIn,
    /// End the selected profile's SSO session (Logout, token removed).
    SignOut,
    /// Sign out, then sign in again: a fresh session now.
    RenewSession,
    CheckConnection,
    OpenDashboard,
    ToggleAutostart,
    /// Download and install the update the tray found (see [`with_update`]).
    InstallUpdate,
    Quit,
}

impl MenuAction {
    /// The item id.
    pub fn id(&self) -> String {
        match self {
            MenuAction::Model(k) => format!("model:{k}"),
            MenuAction::Effort(k) => format!("effort:{k}"),
            MenuAction::Geography(k) => format!("geo:{k}"),
            MenuAction::Profile(k) => format!("profile:{k}"),
            MenuAction::Provider(p) => format!("provider:{}", p.key()),
            MenuAction::LogIn => "login".into(),
            MenuAction::SignOut => "logout".into(),
            MenuAction::RenewSession => "renew".into(),
            MenuAction::CheckConnection => "probe".into(),
            MenuAction::OpenDashboard => "dashboard".into(),
            MenuAction::ToggleAutostart => "autostart".into(),
            MenuAction::InstallUpdate => "update".into(),
            MenuAction::Quit => "quit".into(),
        }
    }

    /// Parses an item id back; unknown ids are ignored by the caller.
    pub fn parse(id: &str) -> Option<Self> {
        let (kind, arg) = id.split_once(':').unwrap_or((id, ""));
        Some(match (kind, arg) {
            ("model", k) if !k.is_empty() => MenuAction::Model(k.into()),
            ("effort", k) if !k.is_empty() => MenuAction::Effort(k.into()),
            ("geo", k) if !k.is_empty() => MenuAction::Geography(k.into()),
            ("profile", k) if !k.is_empty() => MenuAction::Profile(k.into()),
            ("provider", k) => MenuAction::Provider(Provider::from_key(k)?),
            ("login", "") => MenuAction::LogIn,
            ("logout", "") => MenuAction::SignOut,
            ("renew", "") => MenuAction::RenewSession,
            ("probe", "") => MenuAction::CheckConnection,
            ("dashboard", "") => MenuAction::OpenDashboard,
            ("autostart", "") => MenuAction::ToggleAutostart,
            ("update", "") => MenuAction::InstallUpdate,
            ("quit", "") => MenuAction::Quit,
            _ => return None,
        })
    }
}

/// The Provider submenu: every provider, the selected one checked; the
/// API-key provider disabled (with the reason) while the keyring has no
/// key, the gateway while none was ever given. With the API key left in
/// the shell, a reminder that Claude Code needs it there. When Claude Code
/// uses a provider we do not manage, none is checked and it is named.
fn provider_items(snapshot: &Snapshot, current: Option<Provider>, fixed: bool) -> Vec<MenuItem> {
    let rival = snapshot.status.as_ref().and_then(|s| s.rival_provider.as_ref());
    let current = current.filter(|_| rival.is_none());
    let mut items: Vec<MenuItem> = Provider::ALL
        .into_iter()
        .map(|p| {
            let missing = match p {
                Provider::BedrockApiKey if snapshot.providers.api_keys.is_empty() => {
                    Some(" (no key: run bedrock-tray api-key set)")
                }
                Provider::Gateway if snapshot.providers.gateway_url.is_none() => {
                    Some(" (no gateway: run bedrock-tray use --gateway-url URL)")
                }
                _ => None,
            };
            MenuItem::Check {
                id: MenuAction::Provider(p).id(),
                text: format!("{}{}", p.label(), missing.unwrap_or_default()),
                checked: current == Some(p),
                enabled: !fixed && missing.is_none(),
            }
        })
        .collect();
    if let Some(r) = rival {
        items.push(MenuItem::Label { text: format!("In use: {} ({}, not managed here)", r.label, r.source.key) });
    }
    if let Some(key) = snapshot.status.as_ref().and_then(|s| s.api_key.as_ref()).filter(|k| !k.in_settings) {
        let name =
            if key.name == crate::aws::api_key::DEFAULT_NAME { String::new() } else { format!(" --name {}", key.name) };
        items.push(MenuItem::Label {
            text: format!("Claude Code reads the key from its shell: export AWS_BEARER_TOKEN_BEDROCK=\"$(bedrock-tray api-key print{name})\""),
        });
    }
    items
}

/// One menu entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MenuItem {
    /// A line of text that cannot be clicked.
    Label {
        text: String,
    },
    Action {
        id: String,
        text: String,
        enabled: bool,
    },
    Check {
        id: String,
        text: String,
        checked: bool,
        enabled: bool,
    },
    Submenu {
        text: String,
        items: Vec<MenuItem>,
    },
    Separator,
}

/// The icon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayState {
    /// Signed in and nothing failing.
    Ok,
    /// A session expiring soon, or a probe failing.
    Warning,
    /// Expired, no credentials, or a broken file.
    Error,
    /// Not using Bedrock.
    Idle,
}

/// The whole tray: icon state, tooltip and menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrayModel {
    pub state: TrayState,
    pub tooltip: String,
    pub items: Vec<MenuItem>,
}

fn minutes_left(seconds: Option<i64>) -> String {
    match seconds {
        Some(s) if s >= 3600 => format!("{} h {} min left", s / 3600, (s % 3600) / 60),
        Some(s) if s >= 60 => format!("{} min left", s / 60),
        Some(s) => format!("{s} s left"),
        None => String::new(),
    }
}

/// Adds "Update available" to a tray, just above Quit, when the updater
/// found a newer `version` (the app knows, not the snapshot); clicking it
/// installs the update.
pub fn with_update(mut model: TrayModel, version: Option<&str>) -> TrayModel {
    if let Some(version) = version {
        let at = model.items.len().saturating_sub(1);
        model.items.insert(
            at,
            MenuItem::Action {
                id: MenuAction::InstallUpdate.id(),
                text: format!("Update available: {version}, install"),
                enabled: true,
            },
        );
    }
    model
}

/// Builds the tray for a snapshot. `autostart` is whether the app starts
/// at login (the OS knows, not the snapshot).
pub fn tray(snapshot: &Snapshot, catalog: &Catalog, autostart: bool) -> TrayModel {
    let mut items = Vec::new();
    let (state, summary) = summarise(snapshot, catalog);
    items.push(MenuItem::Label { text: summary.clone() });
    // The month and budget go in the tooltip only: the menu's first line
    // stays one short line (appindicator shows no tooltip, the dashboard does).
    let tooltip = match (&snapshot.spend, &snapshot.status) {
        (Some(spend), Some(_)) => format!("{summary}\n{}", month_line(spend)),
        _ => summary,
    };
    if let Some(status) = &snapshot.status {
        for problem in status.problems.iter().take(3) {
            items.push(MenuItem::Label { text: format!("⚠ {problem}") });
        }
    }
    for e in snapshot.errors.iter().take(2) {
        items.push(MenuItem::Label { text: format!("⚠ {e}") });
    }
    items.push(MenuItem::Separator);

    let status = snapshot.status.as_ref();
    let provider = status.map(|s| s.provider);
    let bedrock = provider.is_some_and(Provider::is_bedrock);
    let current_model = status.and_then(|s| s.model.clone());
    let current_geo = status.and_then(|s| s.geography.clone());
    let active = snapshot.probe.as_ref().and_then(|p| p.bedrock.as_ref());
    // What the organisation's managed settings fix cannot be switched here.
    let fixed = |keys: &[OwnedKey]| {
        status.is_some_and(|s| keys.iter().any(|k| s.fixed_by_policy.iter().any(|f| *f == k.display())))
    };
    let model_fixed = fixed(&[OwnedKey::Model]);
    let geo_fixed = fixed(&[OwnedKey::Model, OwnedKey::AwsRegion]);
    let profile_fixed = fixed(&[OwnedKey::AwsProfile]);
    let provider_fixed = fixed(&[OwnedKey::UseBedrock]);
    let title = |text: &str, is_fixed: bool| {
        if is_fixed {
            format!("{text} (fixed by your organisation)")
        } else {
            text.to_string()
        }
    };

    let geo_key = current_geo.clone().unwrap_or_else(|| "us".into());
    let check = ModelCheck {
        catalog,
        geo_key: &geo_key,
        active,
        bedrock,
        current: current_model.as_deref(),
        fixed: model_fixed,
    };
    items.push(MenuItem::Submenu { text: title("Model", model_fixed), items: model_items(&check, status) });

    let model = current_model.as_deref().and_then(|k| catalog.model(k).ok()).map(|(m, _)| m);
    let geo_items = catalog
        .geographies
        .iter()
        .map(|g| {
            let has_model = model.is_none_or(|m| m.profiles.contains_key(&g.key));
            let mut text = g.name.clone();
            if !has_model {
                text.push_str(&format!(" (no {})", model.map(|m| m.name.as_str()).unwrap_or("model")));
            }
            MenuItem::Check {
                id: MenuAction::Geography(g.key.clone()).id(),
                text,
                checked: bedrock && current_geo.as_deref() == Some(g.key.as_str()),
                enabled: has_model && !geo_fixed,
            }
        })
        .collect();
    items.push(MenuItem::Submenu { text: title("Geography", geo_fixed), items: geo_items });

    let current_profile = status.and_then(|s| s.profile.clone());
    let mut profile_items: Vec<MenuItem> = snapshot
        .profiles
        .iter()
        .map(|p| {
            let note = match p.session.state {
                SessionState::Valid | SessionState::Expiring => format!(" · {}", minutes_left(p.session.seconds_left)),
                SessionState::Expired => " · expired".into(),
                SessionState::Missing => " · signed out".into(),
                SessionState::NotSso => String::new(),
            };
            MenuItem::Check {
                id: MenuAction::Profile(p.name.clone()).id(),
                text: format!("{}{note}", p.name),
                checked: current_profile.as_deref() == Some(p.name.as_str()),
                enabled: crate::names::ProfileName::new(&p.name).is_ok() && !profile_fixed,
            }
        })
        .collect();
    if profile_items.is_empty() {
        profile_items.push(MenuItem::Label { text: "No AWS profiles: run bedrock-tray onboard".into() });
    }
    items.push(MenuItem::Submenu { text: title("AWS profile", profile_fixed), items: profile_items });

    items.push(MenuItem::Submenu {
        text: title("Provider", provider_fixed),
        items: provider_items(snapshot, provider, provider_fixed),
    });
    items.push(MenuItem::Separator);
    let can_log_in = status.is_some_and(|s| s.session.state != SessionState::NotSso && s.profile.is_some());
    items.push(MenuItem::Action { id: MenuAction::LogIn.id(), text: "Log in now".into(), enabled: can_log_in });
    // Only a session with a token can be ended or renewed.
    let signed_in = can_log_in
        && status.is_some_and(|s| {
            matches!(s.session.state, SessionState::Valid | SessionState::Expiring | SessionState::Expired)
        });
    items.push(MenuItem::Action {
        id: MenuAction::RenewSession.id(),
        text: "Renew session now".into(),
        enabled: signed_in,
    });
    items.push(MenuItem::Action { id: MenuAction::SignOut.id(), text: "Sign out".into(), enabled: signed_in });
    // Every Bedrock provider has its probe (the profile's, the API key's,
    // the gateway's).
    items.push(MenuItem::Action {
        id: MenuAction::CheckConnection.id(),
        text: "Check connection".into(),
        enabled: provider.is_some_and(Provider::is_bedrock),
    });
    items.push(MenuItem::Action { id: MenuAction::OpenDashboard.id(), text: "Open dashboard".into(), enabled: true });
    items.push(MenuItem::Separator);
    items.push(MenuItem::Check {
        id: MenuAction::ToggleAutostart.id(),
        text: "Start at login".into(),
        checked: autostart,
        enabled: true,
    });
    items.push(MenuItem::Action { id: MenuAction::Quit.id(), text: "Quit".into(), enabled: true });
    TrayModel { state, tooltip, items }
}

/// What a model item needs to know: where it would be called, what the
/// region's last listing offered, and which model is selected.
struct ModelCheck<'a> {
    catalog: &'a Catalog,
    geo_key: &'a str,
    active: Option<&'a crate::probe::BedrockProfiles>,
    bedrock: bool,
    current: Option<&'a str>,
    /// The organisation's managed settings fix the model.
    fixed: bool,
}

impl ModelCheck<'_> {
    /// A model's check item, disabled with the reason where the geography
    /// has no profile of it or the region's ListInferenceProfiles does not
    /// list it.
    fn item(&self, m: &crate::catalog::Model, text: String) -> MenuItem {
        let id = m.profile_id(self.geo_key);
        let listed = match (self.active, id) {
            (Some(a), Some(id)) => a.active.iter().any(|p| p.id == id),
            _ => true,
        };
        let reason = match (id, listed) {
            (None, _) => format!(" (no {} profile)", self.geo_key),
            (Some(_), false) => " (not offered in this region)".to_string(),
            _ => String::new(),
        };
        MenuItem::Check {
            id: MenuAction::Model(m.key.clone()).id(),
            text: format!("{text}{reason}"),
            checked: self.bedrock && self.current == Some(m.key.as_str()),
            enabled: id.is_some() && listed && !self.fixed,
        }
    }
}

/// The Model submenu: one item per family (its newest model the geography
/// offers, else its newest), older versions in a submenu of their own;
/// families in catalog order, so one the account reported last week shows
/// up with the rest. Then what each Claude Code alias is pinned to where
/// the geography lacks its family, and the effort level.
fn model_items(check: &ModelCheck<'_>, status: Option<&crate::view::status::Status>) -> Vec<MenuItem> {
    let catalog = check.catalog;
    let mut items = Vec::new();
    for family in catalog.families() {
        let versions: Vec<&crate::catalog::Model> = catalog.models.iter().filter(|m| m.family == family).collect();
        let top = versions.iter().find(|m| m.profiles.contains_key(check.geo_key)).unwrap_or(&versions[0]);
        items.push(check.item(top, top.name.clone()));
        let older: Vec<MenuItem> =
            versions.iter().filter(|m| m.key != top.key).map(|m| check.item(m, m.name.clone())).collect();
        if !older.is_empty() {
            let mut name = family.clone();
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            items.push(MenuItem::Submenu { text: format!("Other {name} versions"), items: older });
        }
    }
    if let Some(geo) = catalog.geography(check.geo_key).ok().filter(|_| check.bedrock) {
        let main = check.current.and_then(|k| catalog.model(k).ok()).map(|(m, _)| m);
        let substitutes: Vec<MenuItem> = crate::claude::aliases::pins(catalog, geo, main)
            .into_iter()
            .filter(|p| p.substitute)
            .map(|p| MenuItem::Label {
                text: format!(
                    "{} → {} (no {} in {})",
                    p.alias,
                    p.model_name.trim_start_matches("Claude "),
                    p.alias,
                    geo.name
                ),
            })
            .collect();
        if !substitutes.is_empty() {
            items.push(MenuItem::Separator);
            items.extend(substitutes);
        }
    }
    items.push(MenuItem::Separator);
    let effort = status.and_then(|s| s.effort.as_deref());
    let efforts = [
        ("auto", "Model default"),
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
        ("xhigh", "Extra high"),
        ("max", "Max"),
    ];
    items.push(MenuItem::Submenu {
        text: "Effort".into(),
        items: efforts
            .iter()
            .map(|(key, text)| MenuItem::Check {
                id: MenuAction::Effort((*key).to_string()).id(),
                text: (*text).to_string(),
                checked: effort.unwrap_or("auto") == *key,
                enabled: check.bedrock,
            })
            .collect(),
    });
    items
}

fn usd(v: f64) -> String {
    format!("${v:.2}")
}

/// "This month $42.10 · 21 % of the $200.00 budget".
fn month_line(spend: &crate::claude::usage::Spend) -> String {
    match (spend.budget_usd, spend.budget_percent) {
        (Some(b), Some(pct)) => format!("This month {} · {pct:.0} % of the {} budget", usd(spend.month_usd), usd(b)),
        _ => format!("This month {}", usd(spend.month_usd)),
    }
}

/// The icon state and the one-line summary, e.g.
/// "Sonnet 4.6 · EU · dev · 42 min left".
fn summarise(snapshot: &Snapshot, catalog: &Catalog) -> (TrayState, String) {
    let Some(status) = &snapshot.status else {
        return (TrayState::Error, snapshot.errors.first().cloned().unwrap_or_else(|| "settings unreadable".into()));
    };
    if let Some(rival) = &status.rival_provider {
        return (TrayState::Warning, format!("{} (Bedrock off)", rival.label));
    }
    if status.provider == Provider::Anthropic {
        return (TrayState::Idle, "Anthropic API (Bedrock off)".into());
    }
    let model = status
        .model_name
        .clone()
        .map(|n| n.trim_start_matches("Claude ").to_string())
        .or_else(|| status.model_id.clone())
        .unwrap_or_else(|| "no model".into());
    let geo = status
        .geography
        .as_deref()
        .and_then(|g| catalog.geography(g).ok())
        .map(|g| g.name.clone())
        .unwrap_or_else(|| "?".into());
    let profile = match status.provider {
        Provider::BedrockApiKey => "API key".into(),
        Provider::Gateway => "gateway".into(),
        _ => status.profile.clone().unwrap_or_else(|| "no profile".into()),
    };
    let session = &status.session;
    let (state, when) = match session.state {
        SessionState::Valid => (TrayState::Ok, minutes_left(session.seconds_left)),
        SessionState::Expiring if session.refreshable => (TrayState::Ok, minutes_left(session.seconds_left)),
        SessionState::Expiring => (TrayState::Warning, minutes_left(session.seconds_left)),
        SessionState::Expired => (TrayState::Error, "expired".into()),
        SessionState::Missing => (TrayState::Error, "signed out".into()),
        SessionState::NotSso => (TrayState::Ok, String::new()),
    };
    let probe_failing = snapshot.probe.as_ref().is_some_and(|p| !p.all_ok());
    let near_budget = snapshot.spend.as_ref().and_then(|s| s.level).is_some_and(|l| l >= 80);
    let state = match state {
        TrayState::Ok if probe_failing || near_budget || !status.problems.is_empty() => TrayState::Warning,
        s => s,
    };
    let mut parts = vec![model, geo, profile];
    if !when.is_empty() {
        parts.push(when);
    }
    if let Some(spend) = &snapshot.spend {
        parts.push(format!("{} today", usd(spend.today_usd)));
    }
    (state, parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;

    /// A snapshot read from a temporary HOME holding `settings`, an SSO
    /// profile `dev` and a token expiring in `token_secs` (None: no token).
    fn snapshot(settings: &str, token_secs: Option<i64>, refreshable: bool) -> (tempfile::TempDir, Snapshot) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_path_buf();
        std::fs::create_dir_all(home.join(".aws/sso/cache")).unwrap();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[sso-session corp]\nsso_start_url = https://c.awsapps.com/start\nsso_region = eu-west-1\n[profile dev]\nsso_session = corp\nregion = eu-central-1\n",
        )
        .unwrap();
        std::fs::write(home.join(".claude/settings.json"), settings).unwrap();
        let now = time::OffsetDateTime::now_utc();
        if let Some(secs) = token_secs {
            let mut v = serde_json::json!({"accessToken": "t", "expiresAt": crate::sso::cache::format_cli_timestamp(now + time::Duration::seconds(secs))});
            if refreshable {
                v["refreshToken"] = "r".into();
                v["clientId"] = "c".into();
                v["clientSecret"] = "s".into();
            }
            std::fs::write(home.join(".aws/sso/cache").join(crate::sso::cache::token_file_name("corp")), v.to_string())
                .unwrap();
        }
        let paths = Paths::under_home(&home);
        let snap = Snapshot::read(&paths, now);
        (dir, snap)
    }

    /// Sonnet 4.6 in the EU with every alias pinned there, as `use` writes it.
    const EU_SONNET: &str = r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev", "AWS_REGION": "eu-central-1", "ANTHROPIC_MODEL": "eu.anthropic.claude-sonnet-4-6", "ANTHROPIC_DEFAULT_OPUS_MODEL": "eu.anthropic.claude-opus-5-5", "ANTHROPIC_DEFAULT_SONNET_MODEL": "eu.anthropic.claude-sonnet-4-6", "ANTHROPIC_DEFAULT_HAIKU_MODEL": "eu.anthropic.claude-haiku-5-5", "ANTHROPIC_DEFAULT_FABLE_MODEL": "eu.anthropic.claude-opus-5-5"}}"#;

    fn find<'a>(items: &'a [MenuItem], text: &str) -> &'a MenuItem {
        items.iter().find(|i| matches!(i, MenuItem::Submenu { text: t, .. } if t == text)).unwrap()
    }

    fn checked(items: &[MenuItem]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                MenuItem::Check { id, checked: true, .. } => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn healthy_session_summary_and_check_marks() {
        let (_d, s) = snapshot(EU_SONNET, Some(42 * 60 + 30), false);
        let t = tray(&s, Catalog::builtin(), false);
        assert_eq!(t.state, TrayState::Ok);
        assert_eq!(t.tooltip, "Sonnet 4.6 · EU · dev · 42 min left");
        assert_eq!(t.items[0], MenuItem::Label { text: t.tooltip.clone() });
        let MenuItem::Submenu { items, .. } = find(&t.items, "Model") else { unreachable!() };
        let MenuItem::Submenu { items: older, .. } = find(items, "Other Sonnet versions") else { unreachable!() };
        assert_eq!(checked(older), ["model:sonnet-4-6"], "4.6 is older than the EU's newest Sonnet");
        assert!(checked(items).iter().all(|id| !id.starts_with("model:")), "one model is checked: {items:?}");
        let MenuItem::Submenu { items, .. } = find(&t.items, "Geography") else { unreachable!() };
        assert_eq!(checked(items), ["geo:eu"]);
        let MenuItem::Submenu { items, .. } = find(&t.items, "AWS profile") else { unreachable!() };
        assert_eq!(checked(items), ["profile:dev"]);
    }

    #[test]
    fn what_policy_fixes_is_shown_fixed_and_cannot_be_clicked() {
        let (d, _) = snapshot(EU_SONNET, Some(3600), false);
        let paths = Paths::under_home(d.path());
        std::fs::create_dir_all(paths.managed_settings.parent().unwrap()).unwrap();
        std::fs::write(&paths.managed_settings, r#"{"env": {"ANTHROPIC_MODEL": "us.anthropic.claude-opus-4-6-v1"}}"#)
            .unwrap();
        let s = Snapshot::read(&paths, time::OffsetDateTime::now_utc());
        let t = tray(&s, Catalog::builtin(), false);
        let MenuItem::Submenu { items, .. } = find(&t.items, "Model (fixed by your organisation)") else {
            unreachable!()
        };
        let MenuItem::Submenu { items: older, .. } = find(items, "Other Opus versions") else { unreachable!() };
        assert_eq!(checked(older), ["model:opus-4-6"], "the policy's model is the one in effect");
        assert!(items.iter().chain(older).all(|i| !matches!(i, MenuItem::Check { enabled: true, .. })));
        let MenuItem::Submenu { items, .. } = find(&t.items, "AWS profile") else { unreachable!() };
        assert!(items.iter().any(|i| matches!(i, MenuItem::Check { enabled: true, .. })), "the profile is not fixed");
        let problems = &s.status.as_ref().unwrap().problems;
        assert!(
            problems.iter().any(|p| p.contains("organisation's managed settings") && p.contains("ANTHROPIC_MODEL")),
            "{problems:?}"
        );
    }

    #[test]
    fn expiring_without_refresh_warns_and_expired_or_missing_is_an_error() {
        let (_d, s) = snapshot(EU_SONNET, Some(3 * 60), false);
        assert_eq!(tray(&s, Catalog::builtin(), false).state, TrayState::Warning);
        let (_d, s) = snapshot(EU_SONNET, Some(3 * 60), true);
        assert_eq!(tray(&s, Catalog::builtin(), false).state, TrayState::Ok, "a refreshable session renews itself");
        let (_d, s) = snapshot(EU_SONNET, Some(-60), false);
        let t = tray(&s, Catalog::builtin(), false);
        assert_eq!((t.state, t.tooltip.ends_with("expired")), (TrayState::Error, true));
        let (_d, s) = snapshot(EU_SONNET, None, false);
        assert_eq!(tray(&s, Catalog::builtin(), false).state, TrayState::Error);
    }

    #[test]
    fn a_provider_we_do_not_manage_is_named_and_none_of_ours_is_checked() {
        let (_d, s) = snapshot(r#"{"env": {"CLAUDE_CODE_USE_MANTLE": "1"}}"#, None, false);
        let t = tray(&s, Catalog::builtin(), false);
        assert_eq!(t.state, TrayState::Warning);
        assert!(t.tooltip.starts_with("Amazon Bedrock (Mantle) (Bedrock off)"), "{}", t.tooltip);
        let MenuItem::Submenu { items, .. } = find(&t.items, "Provider") else { unreachable!() };
        assert!(!items.iter().any(|i| matches!(i, MenuItem::Check { checked: true, .. })), "{items:?}");
        assert!(
            items
                .iter()
                .any(|i| matches!(i, MenuItem::Label { text } if text.contains("In use: Amazon Bedrock (Mantle)"))),
            "{items:?}"
        );
    }

    #[test]
    fn providers_without_what_they_need_are_disabled_with_the_reason() {
        let (_d, mut s) = snapshot(EU_SONNET, Some(3600), false);
        let provider = |t: &TrayModel, key: &str| {
            let MenuItem::Submenu { items, .. } = find(&t.items, "Provider") else { unreachable!() };
            items
                .iter()
                .find(|i| matches!(i, MenuItem::Check { id, .. } if *id == format!("provider:{key}")))
                .cloned()
                .unwrap()
        };
        let t = tray(&s, Catalog::builtin(), false);
        assert!(matches!(provider(&t, "bedrock"), MenuItem::Check { checked: true, enabled: true, .. }));
        assert!(
            matches!(provider(&t, "bedrock-api-key"), MenuItem::Check { enabled: false, text, .. } if text.contains("api-key set")),
            "no key in the keyring: {:?}",
            provider(&t, "bedrock-api-key")
        );
        assert!(
            matches!(provider(&t, "gateway"), MenuItem::Check { enabled: false, text, .. } if text.contains("--gateway-url"))
        );
        s.providers = crate::view::snapshot::ProviderOptions {
            api_keys: vec!["default".into()],
            gateway_url: Some("https://gw.example.com/bedrock".into()),
        };
        if let Some(st) = s.status.as_mut() {
            st.provider = Provider::Gateway;
        }
        let t = tray(&s, Catalog::builtin(), false);
        assert!(matches!(provider(&t, "bedrock-api-key"), MenuItem::Check { enabled: true, checked: false, .. }));
        assert!(matches!(provider(&t, "gateway"), MenuItem::Check { enabled: true, checked: true, .. }));
        assert!(
            t.items
                .iter()
                .any(|i| matches!(i, MenuItem::Action { text, enabled: true, .. } if text == "Check connection")),
            "the gateway has its probe in the tray too"
        );
        assert!(
            t.items.iter().any(|i| matches!(i, MenuItem::Label { text } if text.contains("gateway"))),
            "the summary names the way in"
        );
    }

    #[test]
    fn no_profiles_and_anthropic_provider() {
        let (d, _) = snapshot("{}", None, false);
        std::fs::remove_file(d.path().join(".aws/config")).unwrap();
        let paths = Paths::under_home(d.path());
        let s = Snapshot::read(&paths, time::OffsetDateTime::now_utc());
        let t = tray(&s, Catalog::builtin(), true);
        assert_eq!(t.state, TrayState::Idle);
        let MenuItem::Submenu { items, .. } = find(&t.items, "AWS profile") else { unreachable!() };
        assert!(matches!(&items[0], MenuItem::Label { text } if text.contains("onboard")));
        assert!(t.items.iter().any(|i| matches!(i, MenuItem::Check { id, checked: true, .. } if id == "autostart")));
    }

    #[test]
    fn a_geography_without_the_model_is_disabled_with_the_reason() {
        let (_d, s) = snapshot(EU_SONNET.replace("sonnet-4-6", "opus-4-5-20251101-v1:0").as_str(), Some(3600), false);
        let t = tray(&s, Catalog::builtin(), false);
        let MenuItem::Submenu { items, .. } = find(&t.items, "Geography") else { unreachable!() };
        let jp = items.iter().find(|i| matches!(i, MenuItem::Check { id, .. } if id == "geo:jp")).unwrap();
        assert!(
            matches!(jp, MenuItem::Check { enabled: false, text, .. } if text.contains("no Claude Opus 4.5")),
            "{jp:?}"
        );
    }

    #[test]
    fn a_failing_probe_warns_and_inactive_models_are_disabled() {
        let (_d, mut s) = snapshot(EU_SONNET, Some(3600), false);
        use crate::probe::{ActiveProfile, BedrockProfiles, Outcome, ProbeName, ProbeReport, ProbeResult};
        s.probe = Some(ProbeReport {
            profile: "dev".into(),
            region: "eu-central-1".into(),
            model_id: None,
            started_at: time::OffsetDateTime::now_utc(),
            wall_ms: 1,
            results: vec![ProbeResult {
                name: ProbeName::Identity,
                outcome: Outcome::Failed,
                latency_ms: 1,
                summary: String::new(),
                cause: None,
                fix: Some("fix it".into()),
                retries: 0,
            }],
            credentials: None,
            identity: None,
            bedrock: Some(BedrockProfiles {
                active: vec![ActiveProfile {
                    model: "sonnet".into(),
                    geography: "eu".into(),
                    id: "eu.anthropic.claude-sonnet-4-6".into(),
                }],
                extra: vec![],
                pages: 1,
            }),
        });
        let t = tray(&s, Catalog::builtin(), false);
        assert_eq!(t.state, TrayState::Warning);
        let MenuItem::Submenu { items, .. } = find(&t.items, "Model") else { unreachable!() };
        let opus = items.iter().find(|i| matches!(i, MenuItem::Check { id, .. } if id == "model:opus-5-5")).unwrap();
        assert!(
            matches!(opus, MenuItem::Check { enabled: false, text, .. } if text.contains("not offered in this region")),
            "{opus:?}"
        );
    }

    #[test]
    fn models_group_by_family_newest_first_with_what_the_account_listed() {
        use crate::catalog::account::{AccountListing, ListedProfile, ProfileKind};
        let (_d, s) = snapshot(EU_SONNET, Some(3600), false);
        let ids = ["eu.anthropic.claude-quill-7-1", "eu.anthropic.claude-opus-5-5"];
        let listed = ids
            .iter()
            .map(|id| {
                let arn = format!("arn:aws:bedrock:eu-central-1:123456789012:inference-profile/{id}");
                ListedProfile::from_summary(id, &arn, id, ProfileKind::SystemDefined, "ACTIVE", &[])
            })
            .collect();
        let listing = AccountListing::new("eu-central-1", time::OffsetDateTime::now_utc(), listed);
        let catalog = Catalog::builtin().merged(&[listing]);
        let t = tray(&s, &catalog, false);
        let MenuItem::Submenu { items, .. } = find(&t.items, "Model") else { unreachable!() };
        let tops: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                MenuItem::Check { id, .. } if id.starts_with("model:") => Some(id.as_str()),
                _ => None,
            })
            .collect();
        // One item per family: its newest model the EU offers.
        for family in ["opus", "sonnet", "haiku", "fable", "quill"] {
            assert_eq!(tops.iter().filter(|id| id.starts_with(&format!("model:{family}-"))).count(), 1, "{tops:?}");
        }
        assert!(tops.contains(&"model:opus-5-5") && tops.contains(&"model:quill-7-1"), "{tops:?}");
        let MenuItem::Submenu { items: older, .. } = find(items, "Other Sonnet versions") else { unreachable!() };
        assert_eq!(checked(older), ["model:sonnet-4-6"], "the selected older version is checked in its submenu");
        // Fable has no EU profile: its item says so, and the pinned stand-in is named.
        let fable =
            items.iter().find(|i| matches!(i, MenuItem::Check { id, .. } if id.starts_with("model:fable"))).unwrap();
        assert!(
            matches!(fable, MenuItem::Check { enabled: false, text, .. } if text.contains("no eu profile")),
            "{fable:?}"
        );
        assert!(
            items.iter().any(|i| matches!(i, MenuItem::Label { text } if text.starts_with("fable → ") && text.contains("no fable in EU"))),
            "{items:?}"
        );
        let MenuItem::Submenu { items: effort, .. } = find(items, "Effort") else { unreachable!() };
        assert_eq!(checked(effort), ["effort:auto"]);
    }

    #[test]
    fn spend_shows_in_the_summary_and_tooltip_and_a_near_budget_warns() {
        use crate::claude::usage::Spend;
        let (_d, s) = snapshot(EU_SONNET, Some(42 * 60 + 30), false);
        let t =
            tray(&s.clone().with_spend(Some(Spend::new(1.2, 42.1, "2026-11", Some(200.0)))), Catalog::builtin(), false);
        assert_eq!(t.items[0], MenuItem::Label { text: "Sonnet 4.6 · EU · dev · 42 min left · $1.20 today".into() });
        assert_eq!(
            t.tooltip,
            "Sonnet 4.6 · EU · dev · 42 min left · $1.20 today\nThis month $42.10 · 21 % of the $200.00 budget"
        );
        assert_eq!(t.state, TrayState::Ok, "21 % of the budget is no warning");

        let t = tray(&s.clone().with_spend(Some(Spend::new(0.0, 3.0, "2026-11", None))), Catalog::builtin(), false);
        assert!(t.tooltip.ends_with("· $0.00 today\nThis month $3.00"), "no budget, no percentage: {}", t.tooltip);

        let near = s.clone().with_spend(Some(Spend::new(5.0, 160.0, "2026-11", Some(200.0))));
        assert_eq!(tray(&near, Catalog::builtin(), false).state, TrayState::Warning, "80 % of the budget warns");
        let over = s.with_spend(Some(Spend::new(5.0, 260.0, "2026-11", Some(200.0))));
        let t = tray(&over, Catalog::builtin(), false);
        assert_eq!(t.state, TrayState::Warning);
        assert!(t.tooltip.contains("130 % of the $200.00 budget"), "{}", t.tooltip);
    }

    #[test]
    fn ids_round_trip() {
        for a in [
            MenuAction::Model("opus".into()),
            MenuAction::Geography("eu".into()),
            MenuAction::Profile("dev".into()),
            MenuAction::Provider(Provider::Anthropic),
            MenuAction::LogIn,
            MenuAction::SignOut,
            MenuAction::RenewSession,
            MenuAction::CheckConnection,
            MenuAction::OpenDashboard,
            MenuAction::ToggleAutostart,
            MenuAction::InstallUpdate,
            MenuAction::Quit,
        ] {
            assert_eq!(MenuAction::parse(&a.id()), Some(a));
        }
        assert_eq!(MenuAction::parse("model:"), None);
        assert_eq!(MenuAction::parse("update:x"), None);
        assert_eq!(MenuAction::parse("rm -rf"), None);
    }

    #[test]
    fn an_update_shows_just_above_quit_only_when_found() {
        let model = TrayModel {
            state: TrayState::Ok,
            tooltip: String::new(),
            items: vec![
                MenuItem::Separator,
                MenuItem::Action { id: MenuAction::Quit.id(), text: "Quit".into(), enabled: true },
            ],
        };
        assert_eq!(with_update(model.clone(), None), model, "no update: the menu is unchanged");
        let shown = with_update(model, Some("0.2.0"));
        assert_eq!(shown.items.len(), 3);
        assert!(
            matches!(&shown.items[1], MenuItem::Action { id, text, .. } if id == "update" && text.contains("0.2.0")),
            "{:?}",
            shown.items
        );
        assert!(matches!(&shown.items[2], MenuItem::Action { id, .. } if id == "quit"), "Quit stays last");
    }
}
