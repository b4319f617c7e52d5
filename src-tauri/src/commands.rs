//! The dashboard's commands: parse the arguments with the core's types, call
//! the core, convert the error to `{kind, message}`. Nothing else.

use crate::AppShared;
use bedrock_tray::catalog::Catalog;
use bedrock_tray::names::ProfileName;
use bedrock_tray::selection::Provider;
use bedrock_tray::snapshot::Snapshot;
use bedrock_tray::switch::{self, UseRequest};
use serde::Serialize;
use tauri::{Runtime, State};

/// The app state as commands see it.
pub type Shared<'a> = State<'a, AppShared>;

/// An error as the UI sees it: a stable kind to branch on, and the core's
/// message (which names the fix) to show.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl CommandError {
    fn invalid(message: impl ToString) -> Self {
        Self { kind: "invalid", message: message.to_string() }
    }
}

impl From<switch::UseError> for CommandError {
    fn from(e: switch::UseError) -> Self {
        let kind = if e.is_usage() { "invalid" } else { "environment" };
        Self { kind, message: e.to_string() }
    }
}

/// One catalog entry for the selects.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub key: String,
    pub name: String,
    /// Geographies (for a model) that serve it.
    pub geographies: Vec<String>,
}

/// Everything the dashboard renders: the latest snapshot and the choices.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardState {
    pub snapshot: Snapshot,
    pub models: Vec<Choice>,
    pub geographies: Vec<Choice>,
}

impl DashboardState {
    /// The dashboard's view of `snapshot`.
    pub fn of(snapshot: &Snapshot) -> Self {
        let catalog = Catalog::builtin();
        Self {
            snapshot: snapshot.clone(),
            models: catalog
                .models
                .iter()
                .map(|m| Choice { key: m.key.clone(), name: m.name.clone(), geographies: m.profiles.keys().cloned().collect() })
                .collect(),
            geographies: catalog
                .geographies
                .iter()
                .map(|g| Choice { key: g.key.clone(), name: g.name.clone(), geographies: vec![] })
                .collect(),
        }
    }
}

/// The latest snapshot with the catalog's choices.
#[tauri::command]
pub fn dashboard_state(shared: Shared<'_>) -> DashboardState {
    DashboardState::of(&shared.latest())
}

/// Switches model, geography, profile and/or provider, exactly as
/// `bedrock-tray use` does. The new snapshot arrives by event.
///
/// # Errors
/// `invalid` for a value the core refuses (unknown model or geography,
/// hostile profile name); `environment` when a file cannot be written.
#[tauri::command]
pub fn use_selection(
    shared: Shared<'_>,
    model: Option<String>,
    geography: Option<String>,
    profile: Option<String>,
    provider: Option<String>,
) -> Result<(), CommandError> {
    let catalog = Catalog::builtin();
    if let Some(m) = &model {
        catalog.model(m).map_err(CommandError::invalid)?;
    }
    if let Some(g) = &geography {
        catalog.geography(g).map_err(CommandError::invalid)?;
    }
    let profile = profile.map(ProfileName::new).transpose().map_err(CommandError::invalid)?;
    let provider = match provider.as_deref() {
        None => None,
        Some("bedrock") => Some(Provider::Bedrock),
        Some("anthropic") => Some(Provider::Anthropic),
        Some(other) => return Err(CommandError::invalid(format!("unknown provider {other:?}: choose bedrock or anthropic"))),
    };
    let request = UseRequest { model, geography, profile: profile.map(|p| p.to_string()), provider, ..UseRequest::default() };
    shared.switch(&request)
}

/// Starts a login for the selected profile (device-code page in the
/// browser, or the settings' awsAuthRefresh command).
///
/// # Errors
/// `unavailable` when no login can start (no SSO profile selected).
#[tauri::command]
pub fn log_in<R: Runtime>(app: tauri::AppHandle<R>) -> Result<(), CommandError> {
    crate::start_login(&app).map_err(|message| CommandError { kind: "unavailable", message })
}

/// Re-reads every file now (and, once probes exist, runs them).
#[tauri::command]
pub fn check_now(shared: Shared<'_>) {
    shared.refresh();
}

#[cfg(test)]
mod tests {
    //! The commands through Tauri's real IPC path on the mock runtime (no
    //! display): argument parsing, the core call, the `{kind, message}` error.
    use super::*;
    use bedrock_tray::paths::Paths;
    use serde_json::{json, Value};
    use std::sync::Arc;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewWindow, WebviewWindowBuilder};

    const AWS_CONFIG: &str = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\nregion = eu-central-1\n";
    const SETTINGS: &str = "{\n  \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n  \"env\": {\"KEEP\": \"1\"}\n}\n";

    struct Fixture {
        home: tempfile::TempDir,
        _app: tauri::App<tauri::test::MockRuntime>,
        window: WebviewWindow<tauri::test::MockRuntime>,
    }

    fn fixture() -> Fixture {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".claude")).unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".claude/settings.json"), SETTINGS).unwrap();
        std::fs::write(home.path().join(".aws/config"), AWS_CONFIG).unwrap();
        let h = home.path().to_path_buf();
        let paths = Paths::from_lookup(|k| (k == "HOME").then(|| h.clone().into_os_string())).unwrap();
        let snapshot = Arc::new(Snapshot::read(&paths, time::OffsetDateTime::now_utc()));
        let (_tx, rx) = tokio::sync::watch::channel(snapshot);
        let app = crate::build_app(mock_builder())
            .manage(AppShared::with_channel(paths, rx))
            .build(mock_context(noop_assets()))
            .unwrap();
        let window = WebviewWindowBuilder::new(&app, crate::DASHBOARD, Default::default()).build().unwrap();
        Fixture { home, _app: app, window }
    }

    fn invoke(f: &Fixture, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &f.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                // On Linux the IPC origin must be tauri://localhost.
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|r| r.deserialize::<Value>().unwrap())
    }

    fn settings(f: &Fixture) -> Value {
        serde_json::from_str(&std::fs::read_to_string(f.home.path().join(".claude/settings.json")).unwrap()).unwrap()
    }

    #[test]
    fn use_selection_switches_through_the_core_and_keeps_foreign_keys() {
        let f = fixture();
        invoke(&f, "use_selection", json!({"profile": "dev", "model": "opus", "geography": "us"})).expect("a valid switch succeeds");
        let s = settings(&f);
        let (opus, _) = Catalog::builtin().model("opus").unwrap();
        assert_eq!(s["env"]["ANTHROPIC_MODEL"], json!(opus.profile_id("us").unwrap()), "the US Opus profile is selected");
        assert_eq!(s["env"]["AWS_PROFILE"], json!("dev"));
        assert_eq!(s["env"]["KEEP"], json!("1"), "a key we do not own survives");
        assert_eq!(s["permissions"], json!({"allow": ["Bash(ls)"]}), "permissions survive");
    }

    #[test]
    fn hostile_or_unknown_values_are_refused_as_invalid_and_nothing_is_written() {
        let f = fixture();
        for body in [
            json!({"profile": "dev\n[default]"}),
            json!({"profile": "$(rm -rf ~)"}),
            json!({"model": "gpt-5"}),
            json!({"geography": "mars"}),
            json!({"provider": "openai"}),
        ] {
            let err = invoke(&f, "use_selection", body.clone()).expect_err("refused");
            assert_eq!(err["kind"], json!("invalid"), "{body} is a bad request: {err}");
            assert!(!err["message"].as_str().unwrap().is_empty(), "the message names the fix: {err}");
        }
        assert_eq!(std::fs::read_to_string(f.home.path().join(".claude/settings.json")).unwrap(), SETTINGS, "nothing written");
    }

    #[test]
    fn unknown_profile_is_invalid_with_the_core_message() {
        let f = fixture();
        let err = invoke(&f, "use_selection", json!({"profile": "nope"})).expect_err("no such profile");
        assert_eq!(err["kind"], json!("invalid"));
        assert!(err["message"].as_str().unwrap().contains("nope"), "names the profile: {err}");
    }

    #[test]
    fn dashboard_state_carries_the_snapshot_and_the_choices() {
        let f = fixture();
        let state = invoke(&f, "dashboard_state", json!({})).unwrap();
        assert_eq!(state["snapshot"]["profiles"][0]["name"], json!("dev"), "profiles come from the AWS config");
        assert!(state["models"].as_array().unwrap().iter().any(|m| m["key"] == "opus"), "the catalog's models are offered");
        assert!(state["geographies"].as_array().unwrap().iter().any(|g| g["key"] == "eu"));
        let text = state.to_string();
        assert!(!text.contains("accessToken"), "no token reaches the web view");
    }

    #[test]
    fn log_in_without_a_profile_says_so() {
        let f = fixture();
        let err = invoke(&f, "log_in", json!({})).expect_err("no profile selected yet");
        assert_eq!(err["kind"], json!("unavailable"));
        assert!(err["message"].as_str().unwrap().contains("profile"), "{err}");
    }
}
