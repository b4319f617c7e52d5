//! What the whole app can be asked to do, from the tray menu, a dashboard
//! command or a session event: log in, check the connection, notify.

use crate::shared::AppShared;
use bedrock_tray::probe::{self, ProbeOptions, ProbeTarget};
use bedrock_tray::sso::login::{self, Approval, Flow, LoginOutcome, LoginPrompt};
use bedrock_tray::sso::logout;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt as _;

/// The dashboard window's label (its capability names it).
pub const DASHBOARD: &str = "dashboard";

pub fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let _ = app.notification().builder().title(title).body(body).show();
}

struct DashboardPrompt<R: Runtime>(AppHandle<R>);

impl<R: Runtime> LoginPrompt for DashboardPrompt<R> {
    fn show(&mut self, approval: Approval<'_>) {
        match approval {
            Approval::DeviceCode(a) => {
                let _ = self
                    .0
                    .emit("login", serde_json::json!({"user_code": a.user_code, "url": a.verification_uri_complete}));
                notify(
                    &self.0,
                    "Approve the AWS sign-in",
                    &format!("Confirm the code {} in your browser.", a.user_code),
                );
            }
            Approval::Browser { url } => {
                let _ = self.0.emit("login", serde_json::json!({"url": url}));
                notify(
                    &self.0,
                    "Approve the AWS sign-in",
                    "Approve the access request on the page that opened in your browser.",
                );
            }
        }
    }
}

/// The flow the app signs in with: the authorization code (PKCE), or the
/// device code where the user or a preset chose it.
fn flow(paths: &bedrock_tray::paths::Paths) -> Flow {
    let state = bedrock_tray::app_state::AppState::load(&paths.app_state()).unwrap_or_default();
    if state.device_code == Some(true) {
        Flow::DeviceCode
    } else {
        Flow::AuthorizationCode
    }
}

/// Signs the selected profile out: the portal's Logout, the token and the
/// cached role credentials removed.
pub fn start_logout<R: Runtime>(app: &AppHandle<R>, then_sign_in: bool) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let Some(name) = shared.latest().status.as_ref().and_then(|s| s.profile.clone()) else {
            return notify(&app, "No AWS profile selected", "Pick a profile from the tray menu first.");
        };
        let profiles = match bedrock_tray::aws::profiles::AwsProfiles::load(
            &shared.paths.aws_config,
            &shared.paths.aws_credentials,
        ) {
            Ok(p) => p,
            Err(e) => return notify(&app, "Cannot sign out", &e.to_string()),
        };
        let Some(profile) = profiles.get(&name).cloned() else { return };
        match logout::logout_profile(&shared.paths, &profiles, &profile).await {
            Ok(_) if then_sign_in => start_login(&app),
            Ok(_) => notify(&app, "Signed out", &format!("Profile {name}: the AWS session is closed.")),
            Err(e) => notify(&app, "Cannot sign out", &e.to_string()),
        }
        let _ = shared.poke.send(());
    });
}

/// Logs the selected profile in (authorization code with PKCE unless the
/// device code was chosen); the browser opens on the approval page and a
/// notification says why.
pub fn start_login<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let snapshot = shared.latest();
        let Some(name) = snapshot.status.as_ref().and_then(|s| s.profile.clone()) else {
            return notify(&app, "No AWS profile selected", "Pick a profile from the tray menu first.");
        };
        let profiles =
            bedrock_tray::aws::profiles::AwsProfiles::load(&shared.paths.aws_config, &shared.paths.aws_credentials);
        let Some(profile) = profiles.ok().and_then(|p| p.get(&name).cloned()) else { return };
        let target = match login::target_of(&profile) {
            Ok(t) => t,
            Err(e) => return notify(&app, "Cannot log in", &e.to_string()),
        };
        let mut prompt = DashboardPrompt(app.clone());
        match login::login(&shared.paths, &target, &mut prompt, true, flow(&shared.paths)).await {
            Ok(LoginOutcome::LoggedIn { .. } | LoginOutcome::Joined { .. }) => {
                let _ = app.emit("login", serde_json::json!({"done": true}));
                let _ = shared.poke.send(());
                // Signed in: show at once whether identity and Bedrock work.
                start_probe(&app);
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
        // The API-key and gateway providers have a probe of their own.
        if let Some(target) = bedrock_tray::doctor::access_target(&shared.paths) {
            let store = bedrock_tray::aws::keychain::OsKeyring;
            let limit = probe::access::ACCESS_TIMEOUT;
            match probe::access::run(&shared.paths, &target, &store, limit, false).await {
                Ok(checks) => match checks.iter().find(|c| !c.ok) {
                    Some(c) => notify(&app, "Connection check failed", c.fix.as_deref().unwrap_or(&c.detail)),
                    None => notify(
                        &app,
                        "Connection OK",
                        &checks.iter().map(|c| c.detail.as_str()).collect::<Vec<_>>().join("; "),
                    ),
                },
                Err(e) => notify(&app, "Connection check failed", &e.to_string()),
            }
            return;
        }
        let report = match ProbeTarget::from_settings(&shared.paths, None) {
            Ok(target) => {
                probe::run(&shared.paths, &target, &ProbeOptions::default(), time::OffsetDateTime::now_utc()).await
            }
            Err(e) => return notify(&app, "Nothing to check", &e),
        };
        if let Some(fix) = report.results.iter().find_map(|r| r.fix.clone()) {
            notify(&app, "Connection check failed", &fix);
        }
        let bedrock_ok = report.bedrock.is_some();
        *shared.probe.lock().expect("probe lock") = Some(report);
        let _ = shared.poke.send(());
        // The probe re-read the selected region's models; the account is
        // reachable, so read the other geographies' too.
        if bedrock_ok {
            refresh_models(&app);
        }
    });
}

/// Reads the account's inference profiles in every geography's default
/// region (`bedrock-tray models --refresh`); the watcher sees the cached
/// listings change and the menu follows. A failed region keeps its last
/// good listing.
pub fn refresh_models<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = app.state::<AppShared>();
        let Ok(target) = ProbeTarget::from_settings(&shared.paths, None) else { return };
        let now = time::OffsetDateTime::now_utc();
        let report = probe::models::refresh(&shared.paths, &target, &ProbeOptions::default(), now).await;
        for r in report.regions.iter().filter(|r| r.error.is_some()) {
            tracing::info!("model list of {}: {}", r.region, r.error.as_deref().unwrap_or_default());
        }
    });
}
