//! Static keys in the real Secret Service (gnome-keyring on a private D-Bus
//! session bus started by the test), handed to botocore and the AWS CLI as
//! STS sessions from moto through `credential_process`.

use crate::harness::moto;
use crate::util::*;
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY_ID: &str = "AKIAKEYCHAINTEST0001";
const SECRET: &str = "kEyChAiNsEcReT/0123456789abcdefghijKLMNOP";

/// A private session bus with an unlocked gnome-keyring on it; both are
/// killed on drop. The keyring files live in the test HOME.
pub struct PrivateKeyring {
    _bus: SessionBus,
    keyring: Child,
    pub address: String,
}

impl PrivateKeyring {
    pub fn start(home: &TestHome) -> Self {
        let (bus, address) = session_bus();
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
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                break;
            }
            assert!(Instant::now() < deadline, "gnome-keyring did not register org.freedesktop.secrets");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { _bus: bus, keyring, address }
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
    }
}

fn run(home: &TestHome, bus: &str, program: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    command(home, bus, program, args, &[]).output_with(stdin)
}

/// An isolated command on the private bus, STS at moto unless `env` says
/// otherwise. Started without a controlling terminal (`setsid`), as the
/// AWS clients start credential_process in the background.
fn command(home: &TestHome, bus: &str, program: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new("setsid");
    cmd.arg("-w").arg(program).args(args);
    home.isolate(&mut cmd);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("AWS_ENDPOINT_URL_STS", &moto().url)
        .env("BEDROCK_TRAY_LOG", "trace")
        .env_remove("BEDROCK_TRAY_MFA_CODE")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

trait OutputWith {
    fn output_with(self, stdin: &str) -> Output;
}

impl OutputWith for Command {
    fn output_with(mut self, stdin: &str) -> Output {
        let mut child = self.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

fn bt_env(home: &TestHome, kr: &PrivateKeyring, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    command(home, &kr.address, std::path::Path::new(env!("CARGO_BIN_EXE_bedrock-tray")), args, env).output_with(stdin)
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
    assert!(
        config.contains("[profile kc]\ncredential_process = ") && config.contains("credential-process --profile kc\n")
    );

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
    assert_eq!(
        after, "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = othersecret\n\n",
        "only kc's keys leave the file"
    );
    let backups: Vec<_> = std::fs::read_dir(home.path().join(".aws"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("credentials.bak-"))
        .collect();
    assert_eq!(backups.len(), 1, "a timestamped backup is written first");
    let backup = std::fs::read_to_string(backups[0].path()).unwrap();
    assert_eq!(
        backup,
        original.replace(SECRET, "REDACTED-by-bedrock-tray").replace("othersecret", "REDACTED-by-bedrock-tray"),
        "the backup keeps the file's shape, no secret"
    );
    assert!(stdout_of(&out).contains("backed up"), "the user is told where the backup is");

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
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[kc]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n",
    )
    .unwrap();
    let set = bt(&home, &kr, &["credentials", "set", "--profile", "kc"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(set.status.success(), "{}", text(&set));
    assert!(
        stderr(&set).contains("credentials import --profile kc"),
        "AWS clients prefer the plaintext keys, so the user is told: {}",
        text(&set)
    );
}

#[test]
fn credential_export_prints_the_shape_claude_code_reads() {
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    let set = bt(&home, &kr, &["credentials", "set", "--profile", "kc"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(set.status.success(), "{}", text(&set));
    home.write_settings("{}");
    let used = bt(&home, &kr, &["use", "--profile", "kc", "--credential-export"], "");
    assert!(used.status.success(), "{}", text(&used));
    let command = home.settings_json()["awsCredentialExport"].as_str().unwrap().to_string();
    assert!(command.ends_with("credential-process --profile kc --export"), "{command}");

    // Run it the way Claude Code does: the whole string through a shell.
    let out = run(&home, &kr.address, std::path::Path::new("/bin/sh"), &["-c", &command], "");
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let creds = &v["Credentials"];
    assert!(creds["AccessKeyId"].as_str().is_some_and(|k| !k.is_empty() && k != KEY_ID), "a session, not the key: {v}");
    assert!(creds["SecretAccessKey"].as_str().is_some() && creds["SessionToken"].as_str().is_some());
    assert!(
        creds["Expiration"].as_str().is_some_and(|e| e.ends_with('Z')),
        "ISO 8601, so Claude Code caches it until then"
    );
    assert!(v.get("Version").is_none(), "not the flat credential_process shape");

    // The same cached session serves both shapes.
    let process = bt(&home, &kr, &["credential-process", "--profile", "kc"], "");
    let flat: serde_json::Value = serde_json::from_slice(&process.stdout).unwrap();
    assert_eq!(flat["AccessKeyId"], creds["AccessKeyId"]);
    assert_no_key_material(&home, &[&set, &used, &out, &process]);
}

const MFA_ARN: &str = "arn:aws:iam::123456789012:mfa/jane.doe";

#[test]
fn mfa_profiles_need_a_code_from_env_terminal_or_unlock() {
    use crate::fault_proxy::FaultProxy;
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    let sts = FaultProxy::start(moto().url.trim_start_matches("http://"));
    let via_proxy = [("AWS_ENDPOINT_URL_STS", sts.url.as_str())];

    let bad = bt(
        &home,
        &kr,
        &["credentials", "set", "--profile", "kc", "--mfa-serial", "arn:aws:iam::1:mfa/x y"],
        &format!("{KEY_ID}\n{SECRET}\n"),
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(!home.aws_config().exists(), "a bad serial writes nothing");

    let set = bt(
        &home,
        &kr,
        &["credentials", "set", "--profile", "kc", "--mfa-serial", MFA_ARN],
        &format!("{KEY_ID}\n{SECRET}\n"),
    );
    assert!(set.status.success(), "{}", text(&set));
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    assert!(config.contains(&format!("\nmfa_serial = {MFA_ARN}\n")), "{config}");

    // No code and no terminal: a clear error naming unlock, and no STS call.
    let no_code = bt_env(&home, &kr, &["credential-process", "--profile", "kc"], "", &via_proxy);
    assert_eq!(no_code.status.code(), Some(1), "{}", text(&no_code));
    assert!(stderr(&no_code).contains("bedrock-tray credentials unlock --profile kc"), "{}", text(&no_code));
    assert_eq!(sts.count_sent("Action=GetSessionToken"), 0, "nothing is asked of STS without a code");

    let wrong = bt_env(
        &home,
        &kr,
        &["credential-process", "--profile", "kc"],
        "",
        &[via_proxy[0], ("BEDROCK_TRAY_MFA_CODE", "12ab56")],
    );
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));

    // With the code in the environment: GetSessionToken carries device and code.
    let with_code = bt_env(
        &home,
        &kr,
        &["credential-process", "--profile", "kc"],
        "",
        &[via_proxy[0], ("BEDROCK_TRAY_MFA_CODE", "123456")],
    );
    assert!(with_code.status.success(), "{}", text(&with_code));
    let sent = sts.sent_text();
    assert_eq!(sts.count_sent("Action=GetSessionToken"), 1);
    assert!(
        sent.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fjane.doe"),
        "the device goes to STS: {sent}"
    );
    assert!(sent.contains("TokenCode=123456"), "and the code: {sent}");

    // unlock: the code from stdin, the session cached for later callers.
    let removed = bt(
        &home,
        &kr,
        &["credentials", "set", "--profile", "kc", "--mfa-serial", MFA_ARN],
        &format!("{KEY_ID}\n{SECRET}\n"),
    );
    assert!(removed.status.success(), "a new key drops the cached session");
    let again = bt_env(&home, &kr, &["credential-process", "--profile", "kc"], "", &via_proxy);
    assert!(!again.status.success(), "the cache is empty again: {}", text(&again));
    let unlock = bt_env(&home, &kr, &["credentials", "unlock", "--profile", "kc"], "654321\n", &via_proxy);
    assert!(unlock.status.success(), "{}", text(&unlock));
    assert!(String::from_utf8_lossy(&unlock.stdout).contains("unlocked profile kc"), "{}", text(&unlock));
    assert!(sts.sent_text().contains("TokenCode=654321"));
    let served = bt_env(
        &home,
        &kr,
        &["credential-process", "--profile", "kc"],
        "",
        &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")],
    );
    assert!(
        served.status.success(),
        "after unlock the cached session is served without STS or a code: {}",
        text(&served)
    );

    // On a terminal (util-linux `script` gives it a pty): asked on /dev/tty,
    // while stdout stays the JSON for the AWS client.
    let reset = bt(
        &home,
        &kr,
        &["credentials", "set", "--profile", "kc", "--mfa-serial", MFA_ARN],
        &format!("{KEY_ID}\n{SECRET}\n"),
    );
    assert!(reset.status.success());
    let inner = format!(
        "{} credential-process --profile kc > {}",
        env!("CARGO_BIN_EXE_bedrock-tray"),
        home.path().join("out.json").display()
    );
    let mut on_tty = command(
        &home,
        &kr.address,
        std::path::Path::new("/usr/bin/script"),
        &["-q", "-e", "-c", &inner, "/dev/null"],
        &via_proxy,
    );
    let mut child = on_tty.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The pty keeps typed input until the prompt reads it; stdin stays
    // open until the child is done, as a user's terminal would.
    stdin.write_all(b"246810\n").unwrap();
    let tty = child.wait_with_output().unwrap();
    assert!(tty.status.success(), "{}", text(&tty));
    assert!(
        String::from_utf8_lossy(&tty.stdout).contains("MFA code for profile kc"),
        "the prompt is on the terminal: {}",
        text(&tty)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("out.json")).unwrap()).unwrap();
    assert!(json["AccessKeyId"].as_str().is_some(), "stdout is only the JSON: {json}");
    assert!(sts.sent_text().contains("TokenCode=246810"), "the typed code went to STS");

    let rm = bt(&home, &kr, &["credentials", "remove", "--profile", "kc"], "");
    assert!(rm.status.success(), "{}", text(&rm));
    assert!(
        !home.aws_config().exists() || !std::fs::read_to_string(home.aws_config()).unwrap().contains("[profile kc]"),
        "remove takes the mfa_serial it wrote with the profile"
    );

    let no_mfa = bt(&home, &kr, &["credentials", "set", "--profile", "plain"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(no_mfa.status.success());
    let pointless = bt(&home, &kr, &["credentials", "unlock", "--profile", "plain"], "123456\n");
    assert_eq!(pointless.status.code(), Some(2), "unlock without mfa_serial says so: {}", text(&pointless));
    assert_no_key_material(&home, &[&set, &no_code, &with_code, &unlock, &served]);
}

#[test]
fn parallel_callers_share_one_sts_refresh() {
    use crate::fault_proxy::{Fault, FaultProxy};
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    let set = bt(&home, &kr, &["credentials", "set", "--profile", "kc"], &format!("{KEY_ID}\n{SECRET}\n"));
    assert!(set.status.success(), "{}", text(&set));
    let sts = FaultProxy::start(moto().url.trim_start_matches("http://"));
    // A slow STS widens the window in which every caller finds the cache empty.
    sts.set(Fault::Delay(Duration::from_millis(500)));
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    // Eight by default; the stress run of the closing note uses 30
    // (`BEDROCK_TRAY_PARALLEL_CALLERS=30`, with two CPU hogs).
    let callers: usize = std::env::var("BEDROCK_TRAY_PARALLEL_CALLERS").ok().and_then(|n| n.parse().ok()).unwrap_or(8);
    let children: Vec<Child> = (0..callers)
        .map(|_| {
            let mut cmd = command(
                &home,
                &kr.address,
                bin,
                &["credential-process", "--profile", "kc"],
                &[("AWS_ENDPOINT_URL_STS", sts.url.as_str())],
            );
            cmd.stdin(Stdio::null());
            cmd.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let mut keys = Vec::new();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        keys.push((v["AccessKeyId"].as_str().unwrap().to_string(), v["Expiration"].as_str().unwrap().to_string()));
    }
    assert_eq!(sts.count_sent("Action=GetSessionToken"), 1, "{callers} callers, one GetSessionToken");
    keys.dedup();
    assert_eq!(keys.len(), 1, "all {callers} got the same session: {keys:?}");
}

#[test]
fn import_takes_keys_from_the_config_file_too() {
    let home = TestHome::new();
    let kr = PrivateKeyring::start(&home);
    let original =
        format!("[profile kc]\nregion = eu-west-1\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n");
    home.write_aws_config(&original);
    let snapshot =
        |home: &TestHome| bedrock_tray::view::snapshot::Snapshot::read(&home.paths(), time::OffsetDateTime::now_utc());
    assert_eq!(snapshot(&home).plaintext_key_profiles, ["kc"], "the dashboard sees what to import");

    let out = bt(&home, &kr, &["credentials", "import", "--profile", "kc"], "");
    assert!(out.status.success(), "{}", text(&out));
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    assert!(
        config.starts_with("[profile kc]\nregion = eu-west-1\ncredential_process = "),
        "keys out, credential_process in: {config}"
    );
    assert!(!config.contains(SECRET) && !config.contains(KEY_ID));
    assert!(snapshot(&home).plaintext_key_profiles.is_empty(), "nothing left to import");
    let session = bt(&home, &kr, &["credential-process", "--profile", "kc"], "");
    assert!(session.status.success(), "{}", text(&session));
}
