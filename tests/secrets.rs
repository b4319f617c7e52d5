//! Tokens and secrets never reach logs, output or command lines, even at
//! trace level, through a full login, refresh, probe, account listing and
//! a watcher that refreshes and prints snapshots.
//!
//! The fake puts one marker into every secret it issues (client secrets,
//! device codes, access and refresh tokens, role secret keys, session
//! tokens), so a single search finds any of them, including ones that were
//! replaced since and are in no file any more.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MARKER: &str = "Sekr1tMark3r";

/// Reads every process's command line every few milliseconds until
/// stopped: which ones held the marker, and which of our binaries it saw
/// (proof that the scan ran while they did).
struct CmdlineScan {
    stop: Arc<AtomicBool>,
    found: Arc<Mutex<(Vec<String>, Vec<String>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CmdlineScan {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let found = Arc::new(Mutex::new((Vec::new(), Vec::new())));
        let (s, f) = (stop.clone(), found.clone());
        let thread = std::thread::spawn(move || {
            let me = std::process::id().to_string();
            while !s.load(Ordering::Relaxed) {
                for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                    let name = entry.file_name();
                    if name.to_string_lossy() == me || !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                        continue;
                    }
                    let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let line = String::from_utf8_lossy(&raw).replace('\0', " ");
                    let mut found = f.lock().unwrap();
                    if line.contains(MARKER) {
                        found.0.push(line.clone());
                    }
                    if line.contains("bedrock-tray") {
                        let program = line.split_whitespace().nth(1).unwrap_or_default().to_string();
                        if !found.1.contains(&program) {
                            found.1.push(program);
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self { stop, found, thread: Some(thread) }
    }

    /// Command lines that held a secret, and the subcommands of ours seen.
    fn finish(mut self) -> (Vec<String>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.take().unwrap().join();
        self.found.lock().unwrap().clone()
    }
}

#[test]
fn no_secret_in_logs_output_snapshots_or_command_lines() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    fake.config(json!({
        "auto_approve": true,
        "secret_marker": MARKER,
        // Short tokens: the watcher below finds the session inside its
        // refresh window and refreshes it at once.
        "token_expires_in": 600,
        "accounts": [{"accountId": "111122223333", "accountName": "dev"}],
        "roles": {"111122223333": ["Developer"]},
    }));
    home.cli_ok(&["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let scan = CmdlineScan::start();

    let mut transcript = String::new();
    let log_for = |args: &[&str]| match args[0] {
        "refresh" | "probe" => {
            "aws_smithy_runtime=trace,aws_sdk_ssooidc=trace,aws_sdk_sso=trace,aws_config=trace,trace"
        }
        _ => "trace",
    };
    for args in [
        &["login", "--profile", "dev", "--no-browser", "--device-code"][..],
        &["refresh", "--profile", "dev"][..],
        &["probe", "--profile", "dev", "--json"][..],
        &["accounts", "--profile", "dev", "--refresh", "--json"][..],
        &["status", "--json"][..],
        &["profiles", "--json"][..],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(args).env("BEDROCK_TRAY_LOG", log_for(args));
        home.isolate(&mut cmd);
        fake.apply(&mut cmd);
        let out = cmd.output().unwrap();
        // The probe may report failures (moto's STS, no model access): it
        // ran through the credentials either way, which is what matters here.
        assert!(out.status.success() || args[0] == "probe", "{args:?}: {}", text(&out));
        transcript.push_str(&String::from_utf8_lossy(&out.stdout));
        transcript.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let probe_line = transcript.lines().find(|l| l.contains("\"credentials\"")).unwrap_or_default().to_string();
    assert!(
        transcript.contains("signed in") && transcript.contains("refreshed silently"),
        "our own trace logs are on: {transcript}"
    );
    assert!(transcript.contains("<redacted>"), "secrets show as redacted in logs");
    assert!(
        fake.state()["requests"]["sso:GetRoleCredentials"].as_u64() >= Some(1),
        "the probe fetched role credentials (a secret key): {probe_line}"
    );

    // The watcher, at trace level, refreshes the 10-minute session and
    // prints snapshots while the scan reads its command line.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.arg("watch").env("BEDROCK_TRAY_LOG", "trace").stdout(Stdio::piped()).stderr(Stdio::piped());
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    let mut watch = cmd.spawn().unwrap();
    let stderr = watch.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut refreshed = false;
    while !refreshed {
        assert!(Instant::now() < deadline, "the watcher refreshed within 30 s: {transcript}");
        let Some(Ok(line)) = lines.next() else { break };
        refreshed = line.contains("\"refreshed\"");
        transcript.push_str(&line);
        transcript.push('\n');
    }
    // A snapshot after the refresh, then stop.
    if let Some(Ok(line)) = lines.next() {
        transcript.push_str(&line);
    }
    let _ = watch.kill();
    let _ = watch.wait();
    transcript.push_str(&err_reader.join().unwrap());
    assert!(refreshed, "the watcher refreshed the session: {transcript}");
    assert!(transcript.contains("\"type\":\"snapshot\""), "snapshot JSON was printed");

    let (leaky_cmdlines, seen) = scan.finish();
    assert!(leaky_cmdlines.is_empty(), "secrets on a command line: {leaky_cmdlines:?}");
    assert!(seen.iter().any(|s| s == "watch"), "the scan saw our processes run (seen: {seen:?})");

    let cache = home.sso_cache();
    let mut files = 0;
    for entry in std::fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{}", path.display());
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for key in ["accessToken", "refreshToken", "clientSecret"] {
            if let Some(s) = v.get(key).and_then(Value::as_str) {
                assert!(s.contains(MARKER), "the fake marked the {key} in {}", path.display());
                files += 1;
            }
        }
    }
    assert!(files >= 3, "token and registration files hold the secrets");
    let leaks: Vec<&str> = transcript.lines().filter(|l| l.contains(MARKER)).collect();
    assert!(leaks.is_empty(), "secrets in logs, output or snapshots: {leaks:#?}");
}
