//! Static keys in the real Secret Service (gnome-keyring on a private D-Bus
//! session bus started by the test), handed to botocore and the AWS CLI as
//! STS sessions from moto through `credential_process`.

use crate::harness::moto;
use crate::util::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY_ID: &str = "AKIAKEYCHAINTEST0001";
const SECRET: &str = "kEyChAiNsEcReT/0123456789abcdefghijKLMNOP";

/// A private session bus with an unlocked gnome-keyring on it; both are
/// killed on drop. The keyring files live in the test HOME.
struct PrivateKeyring {
    bus: Child,
    keyring: Child,
    address: String,
}

impl PrivateKeyring {
    fn start(home: &TestHome) -> Self {
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian dbus-daemon / dbus-x11) is needed: run scripts/setup.sh");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_string();
        // A non-empty password: with an empty one gnome-keyring creates no
        // default collection on a fresh HOME.
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join(".local/share"))
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (Debian gnome-keyring) is needed: run scripts/setup.sh");
        keyring.stdin.take().unwrap().write_all(b"test-password").unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let out = Command::new("dbus-send")
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .args([
                    "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets",
                ])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                break;
            }
            assert!(Instant::now() < deadline, "gnome-keyring did not register org.freedesktop.secrets");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { bus, keyring, address }
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn run(home: &TestHome, bus: &str, program: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args);
    home.isolate(&mut cmd);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("AWS_ENDPOINT_URL_STS", &moto().url)
        .env("BEDROCK_TRAY_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn bt(home: &TestHome, kr: &PrivateKeyring, args: &[&str], stdin: &str) -> Output {
    run(home, &kr.address, std::path::Path::new(env!("CARGO_BIN_EXE_bedrock-tray")), args, stdin)
}

/// Every file under HOME's .aws (and the app dir), as text.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push((p.clone(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
            }
        }
    }
    out
}

fn assert_no_key_material(home: &TestHome, outputs: &[&Output]) {
    for dir in [".aws", ".config", ".claude"] {
        for (path, body) in files_under(&home.path().join(dir)) {
            assert!(!body.contains(SECRET) && !body.contains(KEY_ID), "key material in {}", path.display());
        }
    }
    for out in outputs {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out));
        assert!(!all.contains(SECRET), "the long-term secret reached output or logs:\n{all}");
    }
}

const OTHER: &str = "# keep me\n[profile other]\nregion = eu-west-1 ; note\n\n";

#[test]
fn keyring_profile_serves_sts_sessions_to_botocore_and_aws_cli() {
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    home.write_aws_config(OTHER);

    let set = bt(&home, &kr, &["credentials", "set", "--profile", "kc"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(set.status.success(), "{}", text(&set));
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    assert!(config.starts_with(OTHER), "the rest of ~/.aws/config is kept byte for byte:\n{config}");
    assert!(config.contains("[profile kc]\ncredential_process = ") && config.contains("credential-process --profile kc\n"));

    // First call: an STS session from moto, not the long-term key.
    let first = bt(&home, &kr, &["credential-process", "--profile", "kc"], "");
    assert!(first.status.success(), "{}", text(&first));
    let session: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(session["Version"], 1);
    assert_ne!(session["AccessKeyId"], KEY_ID, "only the session is handed out");
    assert!(session["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(session["Expiration"].as_str().is_some());

    // Second call: served from the keyring cache, without reaching STS.
    let mut cached_cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cached_cmd.args(["credential-process", "--profile", "kc"]);
    home.isolate(&mut cached_cmd);
    let cached = cached_cmd
        .env("DBUS_SESSION_BUS_ADDRESS", &kr.address)
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(cached.status.success(), "a fresh cached session needs no STS call: {}", text(&cached));
    let again: serde_json::Value = serde_json::from_slice(&cached.stdout).unwrap();
    assert_eq!(again["AccessKeyId"], session["AccessKeyId"]);

    // The real clients use the profile.
    let py = run(
        &home,
        &kr.address,
        &python(),
        &[
            "-c",
            "import boto3, os\n\
             s = boto3.Session(profile_name='kc')\n\
             c = s.client('sts', region_name='us-east-1', endpoint_url=os.environ['AWS_ENDPOINT_URL_STS'])\n\
             print(c.get_caller_identity()['Account'])\n\
             print(s.get_credentials().access_key)",
        ],
        "",
    );
    assert!(py.status.success(), "botocore via credential_process: {}", text(&py));
    let py_out = String::from_utf8_lossy(&py.stdout);
    assert!(py_out.contains(session["AccessKeyId"].as_str().unwrap()), "botocore got the session: {py_out}");

    let cli = run(
        &home,
        &kr.address,
        &aws_cli(),
        &["sts", "get-caller-identity", "--profile", "kc", "--region", "us-east-1", "--endpoint-url", &moto().url],
        "",
    );
    assert!(cli.status.success(), "aws cli via credential_process: {}", text(&cli));
    assert!(String::from_utf8_lossy(&cli.stdout).contains("Account"));
    assert_no_key_material(&home, &[&set, &first, &cached, &py, &cli]);

    // Remove undoes both: the config is back byte for byte, the key is gone.
    let rm = bt(&home, &kr, &["credentials", "remove", "--profile", "kc"], "");
    assert!(rm.status.success(), "{}", text(&rm));
    assert_eq!(std::fs::read_to_string(home.aws_config()).unwrap(), OTHER);
    let gone = bt(&home, &kr, &["credential-process", "--profile", "kc"], "");
    assert!(!gone.status.success());
    assert!(stderr(&gone).contains("credentials set --profile kc"), "{}", text(&gone));
}

#[test]
fn import_moves_plaintext_keys_into_the_keyring() {
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    let creds = home.path().join(".aws/credentials");
    let original = format!(
        "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = othersecret\n\n[kc]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    );
    std::fs::write(&creds, &original).unwrap();

    let out = bt(&home, &kr, &["credentials", "import", "--profile", "kc"], "");
    assert!(out.status.success(), "{}", text(&out));
    let after = std::fs::read_to_string(&creds).unwrap();
    assert_eq!(after, "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = othersecret\n\n", "only kc's keys leave the file");
    let backups: Vec<_> = std::fs::read_dir(home.path().join(".aws"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("credentials.bedrock-tray-backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "a timestamped backup is written first");
    assert_eq!(std::fs::read_to_string(backups[0].path()).unwrap(), original);
    assert!(stdout_of(&out).contains("backup"), "the user is told where the backup is");

    let session = bt(&home, &kr, &["credential-process", "--profile", "kc"], "");
    assert!(session.status.success(), "{}", text(&session));
    assert!(!stdout_of(&session).contains(SECRET));
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn keyring_unavailable_names_what_to_start_and_writes_nothing() {
    let home = TestHome::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["credentials", "set", "--profile", "kc"]);
    home.isolate(&mut cmd);
    let dead = home.path().join("no-bus");
    let mut child = cmd
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dead.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{KEY_ID}\n{SECRET}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("gnome-keyring-daemon"), "the error names what to start: {}", text(&out));
    assert!(!home.aws_config().exists(), "nothing is written when the keyring is unavailable");
    assert!(!stderr(&out).contains(SECRET));
}

#[test]
fn set_warns_when_plaintext_keys_would_win() {
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    std::fs::write(home.path().join(".aws/credentials"), "[kc]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n").unwrap();
    let set = bt(&home, &kr, &["credentials", "set", "--profile", "kc"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(set.status.success(), "{}", text(&set));
    assert!(
        stderr(&set).contains("credentials import --profile kc"),
        "AWS clients prefer the plaintext keys, so the user is told: {}",
        text(&set)
    );
}
