//! What the whole app can be asked to do, from the tray menu, a dashboard
//! command or a session event: log in, check the connection, notify.

use crate::shared::AppShared;
use bedrock_tray::probe::{self, ProbeOptions, ProbeTarget};
use bedrock_tray::sso::login::{self, LoginOutcome, LoginPrompt};
use bedrock_tray::sso::oidc::DeviceAuthorization;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt as _;

/// The dashboard window's label (its capability names it).
pub const DASHBOARD: &str = "dashboard";

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
        let profiles =
            bedrock_tray::aws::profiles::AwsProfiles::load(&shared.paths.aws_config, &shared.paths.aws_credentials);
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
        let report = match ProbeTarget::from_settings(&shared.paths, None) {
            Ok(target) => {
                probe::run(&shared.paths, &target, &ProbeOptions::default(), time::OffsetDateTime::now_utc()).await
            }
            Err(e) => return notify(&app, "Nothing to check", &e),
        };
        if let Some(fix) = report.results.iter().find_map(|r| r.fix.clone()) {
            notify(&app, "Connection check failed", &fix);
        }
        *shared.probe.lock().expect("probe lock") = Some(report);
        let _ = shared.poke.send(());
    });
}
