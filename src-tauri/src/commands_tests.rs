//! The commands through Tauri's real IPC path on the mock runtime (no
//! display, no WebKit): argument parsing, the core call, and the
//! `{kind, message}` error the dashboard shows.

use crate::actions::DASHBOARD;
use crate::app::build_app;
use bedrock_tray::paths::Paths;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

const AWS_CONFIG: &str = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\nregion = eu-central-1\n";
const SETTINGS: &str = "{\n  \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n  \"env\": {\"KEEP\": \"1\"}\n}\n";

struct Fixture {
    home: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn fixture() -> Fixture {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".claude/settings.json"), SETTINGS).unwrap();
    std::fs::write(home.path().join(".aws/config"), AWS_CONFIG).unwrap();
    let paths = Paths::under_home(home.path());
    let app = build_app(mock_builder(), paths).build(mock_context(noop_assets())).unwrap();
    let window = WebviewWindowBuilder::new(&app, DASHBOARD, Default::default()).build().unwrap();
    Fixture { home, _app: app, window }
}

fn invoke(f: &Fixture, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        &f.window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the IPC origin is tauri://localhost.
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
fn select_switches_through_the_core_and_keeps_foreign_keys() {
    let f = fixture();
    invoke(&f, "select", json!({"profile": "dev", "model": "opus", "geography": "us"}))
        .expect("a valid switch succeeds");
    let s = settings(&f);
    let catalog = bedrock_tray::catalog::Catalog::builtin();
    let newest_us_opus = catalog.family_default("opus", catalog.geography("us").unwrap()).unwrap().profile_id("us");
    assert_eq!(s["env"]["ANTHROPIC_MODEL"], json!(newest_us_opus), "the newest US Opus profile");
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
        json!({"profile": "nope"}),
        json!({"model": "gpt-5"}),
        json!({"geography": "mars"}),
        json!({"provider": "openai"}),
        // No gateway chosen yet (the CLI's `use --gateway-url` sets one up).
        json!({"provider": "gateway"}),
        json!({"model": 42}),
    ] {
        let err = invoke(&f, "select", body.clone()).expect_err("refused");
        let message = err["message"].as_str().unwrap_or_else(|| err.as_str().unwrap_or_default());
        assert!(!message.is_empty(), "{body}: the error says why: {err}");
        if err.is_object() {
            assert_eq!(err["kind"], json!("invalid"), "{body} is a bad request: {err}");
        }
    }
    assert_eq!(
        std::fs::read_to_string(f.home.path().join(".claude/settings.json")).unwrap(),
        SETTINGS,
        "nothing written"
    );
}

#[test]
fn the_snapshot_carries_the_profiles_and_no_token() {
    let f = fixture();
    let snapshot = invoke(&f, "get_snapshot", json!({})).unwrap();
    assert_eq!(snapshot["profiles"][0]["name"], json!("dev"), "profiles come from the AWS config");
    let catalog = invoke(&f, "get_catalog", json!({})).unwrap();
    assert!(
        catalog["models"].as_array().unwrap().iter().any(|m| m["family"] == "opus" && m["key"] == "opus-4-6"),
        "the catalog's models are offered, each with its family"
    );
    assert!(!snapshot.to_string().contains("accessToken"), "no token reaches the web view");
}

#[test]
fn the_wizard_checks_a_preset_or_start_url_before_anything_runs() {
    let f = fixture();
    let broken = "organisation = \"X\"\n[sso]\nstart_url = \"https://x.awsapps.com/start\"\nregion = \"eu-west-1\"\nsession_name = \"x\"\n[defaults]\ngeography = \"mars\"\n";
    let err =
        invoke(&f, "wizard_preset", json!({"text": broken, "file_name": "team.toml"})).expect_err("a bad geography");
    assert_eq!(err["kind"], json!("invalid"));
    assert!(err["message"].as_str().unwrap().contains("defaults.geography"), "names the field: {err}");
    let err = invoke(&f, "wizard_run", json!({})).expect_err("nothing loaded yet");
    assert!(err["message"].as_str().unwrap().contains("preset"), "{err}");
    let err = invoke(
        &f,
        "wizard_start_url",
        json!({"start_url": "https://x.awsapps.com/start\n[profile evil]", "sso_region": "eu-west-1"}),
    )
    .expect_err("a newline in the URL");
    assert!(err["message"].as_str().unwrap().contains("sso.start_url"), "{err}");

    let view = invoke(
        &f,
        "wizard_start_url",
        json!({"start_url": "https://d-1234567890.awsapps.com/start", "sso_region": "eu-west-1"}),
    )
    .unwrap();
    assert_eq!(view["default_geography"], json!("eu"), "an EU directory starts on EU profiles");
    assert!(view["models"].as_array().unwrap().iter().any(|m| m["key"] == "sonnet"));
    assert_eq!(
        invoke(&f, "wizard_choose", json!({"index": 0})).unwrap_err()["kind"],
        json!("invalid"),
        "no choice pending"
    );
    assert_eq!(std::fs::read_to_string(f.home.path().join(".aws/config")).unwrap(), AWS_CONFIG, "nothing written");
}

#[test]
fn importing_keys_checks_the_profile_before_the_keyring() {
    let f = fixture();
    let err = invoke(&f, "import_keys", json!({"profile": "x; rm -rf ~"})).expect_err("a hostile name");
    assert_eq!(err["kind"], json!("invalid"), "{err}");
    let err = invoke(&f, "import_keys", json!({"profile": "dev"})).expect_err("dev has no keys");
    assert!(err["message"].as_str().unwrap().contains("nothing to import"), "{err}");
    assert_eq!(std::fs::read_to_string(f.home.path().join(".aws/config")).unwrap(), AWS_CONFIG, "nothing written");
}

#[test]
fn a_command_outside_the_app_is_not_reachable() {
    let f = fixture();
    assert!(invoke(&f, "plugin:shell|execute", json!({"program": "sh"})).is_err(), "no shell plugin");
}

#[test]
fn the_wizard_offers_the_managed_preset_first_and_fetches_https_only() {
    let f = fixture();
    assert_eq!(invoke(&f, "wizard_managed_preset", json!({})).unwrap(), Value::Null, "none placed");
    let paths = Paths::under_home(f.home.path());
    std::fs::create_dir_all(paths.managed_preset.parent().unwrap()).unwrap();
    let preset = "organisation = \"Example Corp\"\n[sso]\nstart_url = \"https://x.awsapps.com/start\"\nregion = \"eu-west-1\"\nsession_name = \"x\"\n";
    std::fs::write(&paths.managed_preset, preset).unwrap();
    let managed = invoke(&f, "wizard_managed_preset", json!({})).unwrap();
    assert_eq!(managed["path"], json!(paths.managed_preset.to_str().unwrap()));
    assert_eq!(managed["preset"]["organisation"], json!("Example Corp"));

    let err = invoke(&f, "wizard_preset_url", json!({"url": "http://127.0.0.1:9/team.toml"})).unwrap_err();
    assert_eq!(err["kind"], json!("invalid"), "{err}");
    let err = invoke(&f, "wizard_preset_url", json!({"url": paths.managed_preset.to_str().unwrap()})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("https"), "a local path is not fetched: {err}");
}

#[test]
fn an_onboarding_link_is_offered_once_and_never_loads_by_itself() {
    let f = fixture();
    use tauri::Manager;
    let wizard = f.window.state::<crate::wizard::Wizard>();
    assert!(wizard.take_link("bedrock-tray://onboard?preset=http://example.com/t.toml").is_err(), "http refused");
    assert_eq!(invoke(&f, "wizard_pending_link", json!({})).unwrap(), Value::Null);
    wizard.take_link("bedrock-tray://onboard?preset=https%3A%2F%2Fexample.com%2Fteam.toml").unwrap();
    let pending = invoke(&f, "wizard_pending_link", json!({})).unwrap();
    assert_eq!(pending["url"], json!("https://example.com/team.toml"));
    assert_eq!(invoke(&f, "wizard_pending_link", json!({})).unwrap(), Value::Null, "offered once");
    let err = invoke(&f, "wizard_run", json!({})).expect_err("nothing was loaded by the link");
    assert!(err["message"].as_str().unwrap().contains("preset"), "{err}");
}
