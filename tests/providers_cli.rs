//! The other ways into Bedrock as providers of `use`: a Bedrock API key
//! (`AWS_BEARER_TOKEN_BEDROCK`) kept in the real Secret Service, and an LLM
//! gateway (`ANTHROPIC_BEDROCK_BASE_URL` with `CLAUDE_CODE_SKIP_BEDROCK_AUTH`),
//! each with its probe against a local fake.

use crate::harness::FakeAws;
use crate::keychain_cli::PrivateKeyring;
use crate::util::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

const KEY: &str = "ABSKQmVkcm9ja0FQSUtleS1wcm92aWRlcnMtdGVzdA7q9Z";
const CONFIG: &str =
    "[profile dev]\nregion = eu-central-1\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = notasecret\n";

/// Our CLI on the private keyring's bus, isolated, with `stdin` piped in
/// and every log line on (so a key in a log would show in stderr).
fn bt(home: &TestHome, kr: &PrivateKeyring, fake: Option<&FakeAws>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(args);
    home.isolate(&mut cmd);
    if let Some(f) = fake {
        f.apply(&mut cmd);
    }
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &kr.address)
        .env("BEDROCK_TRAY_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what} failed: {}", text(&out));
    out
}

fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A home on Bedrock with profile dev in the EU.
fn on_bedrock() -> TestHome {
    let home = TestHome::new();
    home.write_aws_config(CONFIG);
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    home
}

#[test]
fn an_api_key_stays_in_the_keyring_until_the_user_writes_it_into_settings() {
    let home = on_bedrock();
    let kr = PrivateKeyring::start(&home);
    let mut seen = Vec::new();

    let set = ok(bt(&home, &kr, None, &["api-key", "set"], &format!("{KEY}\n")), "api-key set");
    assert!(text(&set).contains("<redacted …7q9Z>"), "the last four characters tell keys apart: {}", text(&set));
    seen.push(set);
    // The tray's menu offers the provider now that there is a key (and
    // still no gateway).
    let snapshot = bedrock_tray::view::snapshot::Snapshot::read(&home.paths(), time::OffsetDateTime::now_utc());
    let menu = bedrock_tray::view::menu::tray(&snapshot, &snapshot.catalog, false);
    let providers = serde_json::to_value(&menu.items).unwrap();
    let item = |id: &str| {
        providers
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["items"].as_array())
            .flatten()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {providers}"))
    };
    assert_eq!(item("provider:bedrock-api-key")["enabled"], true, "a key in the keyring: offered");
    assert_eq!(item("provider:gateway")["enabled"], false, "no gateway yet: not offered");
    let got = ok(bt(&home, &kr, None, &["api-key", "print"], ""), "api-key print into a pipe");
    assert_eq!(String::from_utf8_lossy(&got.stdout).trim(), KEY, "the keyring holds the key as it was piped in");

    // Chosen without the explicit flag: no key in any file, and the way to export it.
    let chose =
        ok(bt(&home, &kr, None, &["use", "--provider", "bedrock-api-key"], ""), "use --provider bedrock-api-key");
    let said = text(&chose);
    assert!(said.contains("export AWS_BEARER_TOKEN_BEDROCK=\"$(bedrock-tray api-key print)\""), "says how: {said}");
    let settings = home.settings_json();
    assert!(settings["env"].get("AWS_BEARER_TOKEN_BEDROCK").is_none(), "no key without the flag: {settings}");
    assert!(
        settings["env"].get("AWS_PROFILE").is_none(),
        "AWS_PROFILE would make Claude Code look for SigV4 credentials: {settings}"
    );
    assert!(settings.get("awsAuthRefresh").is_none(), "our login command goes with the profile: {settings}");
    assert!(settings["env"]["ANTHROPIC_MODEL"].as_str().unwrap().starts_with("eu."), "the geography stays: {settings}");
    seen.push(chose);
    let status = ok(bt(&home, &kr, None, &["status", "--json"], ""), "status --json");
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["provider"], "bedrock-api-key", "the state remembers the choice the settings cannot show");
    assert_eq!(v["api_key"]["in_settings"], false);
    seen.push(status);

    // Written on request: into a file only the user can read.
    std::fs::set_permissions(home.settings(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let wrote = ok(bt(&home, &kr, None, &["use", "--write-key-to-settings"], ""), "use --write-key-to-settings");
    assert_eq!(home.settings_json()["env"]["AWS_BEARER_TOKEN_BEDROCK"], KEY, "the key Claude Code reads");
    assert_eq!(mode(&home.settings()), 0o600, "a settings file holding the key is the user's only");
    seen.push(wrote);
    let status = ok(bt(&home, &kr, None, &["status", "--json"], ""), "status --json");
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((v["provider"].as_str(), v["api_key"]["in_settings"].as_bool()), (Some("bedrock-api-key"), Some(true)));
    seen.push(status);
    seen.push(ok(bt(&home, &kr, None, &["status"], ""), "status"));
    seen.push(ok(bt(&home, &kr, None, &["api-key", "status", "--json"], ""), "api-key status"));

    // Back to the profile: the key and the gateway keys go, the profile returns.
    let back = ok(bt(&home, &kr, None, &["use", "--provider", "bedrock"], ""), "use --provider bedrock");
    let settings = home.settings_json();
    for gone in ["AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_BEDROCK_BASE_URL", "CLAUDE_CODE_SKIP_BEDROCK_AUTH"] {
        assert!(settings["env"].get(gone).is_none(), "{gone} left behind: {settings}");
    }
    assert_eq!(settings["env"]["AWS_PROFILE"], "dev", "the profile used before comes back");
    seen.push(back);

    for out in &seen {
        assert!(!all_output(out).contains(KEY), "the key reached output or logs:\n{}", all_output(out));
    }
    for (path, body) in files_under(home.path()) {
        assert!(!body.contains(KEY), "the key is left in {}", path.display());
    }
}

/// Every file under `dir`, as text.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

#[test]
fn api_key_print_refuses_a_terminal_and_set_refuses_no_key() {
    let home = on_bedrock();
    let kr = PrivateKeyring::start(&home);
    let empty = bt(&home, &kr, None, &["api-key", "set"], "\n");
    assert_eq!(empty.status.code(), Some(2), "an empty key is a bad request: {}", text(&empty));
    let chose = bt(&home, &kr, None, &["use", "--provider", "bedrock-api-key"], "");
    assert_eq!(chose.status.code(), Some(2), "no key to take: {}", text(&chose));
    assert!(stderr(&chose).contains("api-key set"), "names the fix: {}", stderr(&chose));
    assert_eq!(home.settings_json()["env"]["AWS_PROFILE"], "dev", "a refused switch writes nothing");
    // `script` gives print a terminal as stdout.
    let tty = Command::new("script")
        .args(["-qec", &format!("{} api-key print", env!("CARGO_BIN_EXE_bedrock-tray")), "/dev/null"])
        .env("DBUS_SESSION_BUS_ADDRESS", &kr.address)
        .env("HOME", home.path())
        .env("BEDROCK_TRAY_CONFIG_DIR", home.path().join(".config/bedrock-tray"))
        .output()
        .unwrap();
    assert!(!tty.status.success() && text(&tty).contains("only into a pipe"), "{}", text(&tty));
}

#[test]
fn gateway_urls_are_checked_before_anything_is_written() {
    let home = on_bedrock();
    let before = std::fs::read(home.settings()).unwrap();
    for bad in [
        "http://example.com/bedrock",
        "https://gw.example.com/bedrock\"; rm -rf ~; echo \"",
        "https://user:secret@gw.example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
    ] {
        let out = home.cli(&["use", "--provider", "gateway", "--gateway-url", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(stderr(&out).contains("gateway URL"), "{bad}: {}", stderr(&out));
        assert_eq!(std::fs::read(home.settings()).unwrap(), before, "{bad}: nothing written");
        assert!(!home.path().join(".config/bedrock-tray/state.json").exists(), "{bad}: nothing remembered");
    }
    let out = home.cli(&["use", "--provider", "gateway"]);
    assert_eq!(out.status.code(), Some(2), "no gateway yet: {}", text(&out));
}

#[test]
fn the_gateway_provider_writes_its_keys_and_switching_back_removes_them() {
    let home = on_bedrock();
    home.cli_ok(&["use", "--gateway-url", "http://127.0.0.1:8080/bedrock/"]);
    let settings = home.settings_json();
    assert_eq!(settings["env"]["ANTHROPIC_BEDROCK_BASE_URL"], "http://127.0.0.1:8080/bedrock");
    assert_eq!(settings["env"]["CLAUDE_CODE_SKIP_BEDROCK_AUTH"], "1");
    assert!(settings["env"].get("AWS_PROFILE").is_none(), "no SigV4 credentials behind a gateway: {settings}");
    let status: serde_json::Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    assert_eq!(
        (status["provider"].as_str(), status["gateway_url"].as_str()),
        (Some("gateway"), Some("http://127.0.0.1:8080/bedrock"))
    );
    home.cli_ok(&["use", "--provider", "bedrock"]);
    let settings = home.settings_json();
    assert!(
        settings["env"].get("ANTHROPIC_BEDROCK_BASE_URL").is_none()
            && settings["env"].get("CLAUDE_CODE_SKIP_BEDROCK_AUTH").is_none(),
        "{settings}"
    );
    assert_eq!(settings["env"]["AWS_PROFILE"], "dev");
    // Remembered: the gateway comes back without its URL.
    home.cli_ok(&["use", "--provider", "gateway"]);
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_BEDROCK_BASE_URL"], "http://127.0.0.1:8080/bedrock");
}

#[test]
fn the_api_key_probe_tells_an_accepted_key_from_a_refused_one() {
    let home = on_bedrock();
    let kr = PrivateKeyring::start(&home);
    let fake = FakeAws::start();
    // Unsigned calls name no region: the fake answers them as the selection's.
    fake.config(serde_json::json!({"bearer_keys": [KEY], "default_region": "eu-central-1"}));
    ok(bt(&home, &kr, None, &["api-key", "set"], &format!("{KEY}\n")), "api-key set");
    ok(bt(&home, &kr, None, &["use", "--provider", "bedrock-api-key"], ""), "use");

    let good = bt(&home, &kr, Some(&fake), &["probe", "--json", "--invoke"], "");
    assert!(good.status.success(), "the fake accepts the key: {}", text(&good));
    let checks: serde_json::Value = serde_json::from_slice(&good.stdout).unwrap();
    let names: Vec<&str> = checks.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["api key", "invoke"], "{checks}");
    let log = fake.state()["log"].clone();
    let ops: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["op"].as_str().unwrap(), e["auth"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(
        ops,
        [("bedrock:ListInferenceProfiles", "bearer"), ("bedrock-runtime:Converse", "bearer")],
        "one list and one model call, each with Authorization: Bearer and no signature"
    );

    let wrong = format!("{KEY}WRONG");
    ok(bt(&home, &kr, None, &["api-key", "set"], &format!("{wrong}\n")), "api-key set (another key)");
    let bad = bt(&home, &kr, Some(&fake), &["doctor"], "");
    assert_eq!(bad.status.code(), Some(1), "a refused key fails doctor: {}", text(&bad));
    let said = text(&bad);
    assert!(said.contains("refused the API key") && said.contains("HTTP 403"), "the specific failure: {said}");
    assert!(said.contains("api-key set"), "with its fix: {said}");
    assert!(said.contains("not in the settings"), "doctor says Claude Code needs the key in its shell: {said}");
    for out in [&good, &bad] {
        assert!(!all_output(out).contains(KEY), "the key reached output:\n{}", all_output(out));
    }
}

#[test]
fn the_gateway_probe_reports_reachable_and_unreachable() {
    let home = on_bedrock();
    let fake = FakeAws::start();
    home.cli_ok(&["use", "--gateway-url", &format!("{}/bedrock", fake.url)]);
    let out = home.cli(&["probe"]);
    assert!(out.status.success() && text(&out).contains("reachable (HTTP 404)"), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_str(&home.cli_ok(&["status", "--probe", "--json"])).unwrap();
    assert_eq!((v["access"][0]["name"].as_str(), v["access"][0]["ok"].as_bool()), (Some("gateway"), Some(true)), "{v}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    home.cli_ok(&["use", "--gateway-url", &format!("http://127.0.0.1:{port}/bedrock")]);
    let out = home.cli(&["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("unreachable"), "names what happened: {}", text(&out));
}

#[test]
fn a_key_in_a_higher_layer_shows_as_its_source_and_never_as_the_key() {
    // An organisation's managed settings that hand out the key: status
    // names the file and the provider, and shows only the fingerprint.
    let home = on_bedrock();
    std::fs::create_dir_all(home.managed_settings().parent().unwrap()).unwrap();
    std::fs::write(home.managed_settings(), serde_json::json!({"env": {"AWS_BEARER_TOKEN_BEDROCK": KEY}}).to_string())
        .unwrap();
    let out = home.cli(&["status", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!all_output(&out).contains(KEY), "the key reached status: {}", all_output(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["provider"], "bedrock-api-key", "Claude Code uses the key before the profile");
    let source = v["sources"].as_array().unwrap().iter().find(|s| s["key"] == "env.AWS_BEARER_TOKEN_BEDROCK").unwrap();
    assert_eq!((source["value"].as_str(), source["layer"].as_str()), (Some("<redacted …7q9Z>"), Some("managed")));
    assert!(v["fixed_by_policy"].as_array().unwrap().iter().any(|k| k == "env.AWS_BEARER_TOKEN_BEDROCK"), "{v}");
    let human = home.cli(&["status"]);
    assert!(!all_output(&human).contains(KEY));
}

#[test]
fn keys_are_kept_by_name_and_a_missing_or_hostile_name_writes_nothing() {
    let home = on_bedrock();
    let kr = PrivateKeyring::start(&home);
    let team = "ABSKdGVhbS1rZXktZm9yLXRoZS1wcm92aWRlcnMtdGVzdA";
    ok(bt(&home, &kr, None, &["api-key", "set", "--name", "team"], &format!("{team}\n")), "api-key set --name team");
    ok(bt(&home, &kr, None, &["api-key", "set"], &format!("{KEY}\n")), "api-key set");
    let before = std::fs::read(home.settings()).unwrap();
    for (name, says) in [("nope", "api-key set --name nope"), ("$(id)", "invalid API key name")] {
        let out = bt(&home, &kr, None, &["use", "--api-key-name", name], "");
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
        assert_eq!(std::fs::read(home.settings()).unwrap(), before, "{name}: nothing written");
    }
    ok(bt(&home, &kr, None, &["use", "--api-key-name", "team", "--write-key-to-settings"], ""), "use team's key");
    assert_eq!(home.settings_json()["env"]["AWS_BEARER_TOKEN_BEDROCK"], team, "the key of that name");
    let status = ok(bt(&home, &kr, None, &["api-key", "status", "--json"], ""), "api-key status");
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["default", "team"], "{v}");
    ok(bt(&home, &kr, None, &["api-key", "remove", "--name", "team"], ""), "api-key remove");
    let gone = bt(&home, &kr, None, &["api-key", "print", "--name", "team"], "");
    assert_eq!(gone.status.code(), Some(2), "removed from the keyring: {}", text(&gone));
}
