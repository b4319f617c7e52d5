//! Shared test helpers: a temporary HOME with the env vars that point every
//! tool at it, and runners for our CLI, the real AWS CLI and botocore.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A throw-away home folder. Every command run through it sees only this
/// HOME, its own `CLAUDE_CONFIG_DIR` and `AWS_CONFIG_FILE`, and no AWS
/// credentials from the environment of the test runner.
pub struct TestHome {
    pub dir: tempfile::TempDir,
}

/// Environment variables a test run must never inherit.
const SCRUBBED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_DATA_PATH",
    "CLAUDE_CONFIG_DIR",
    "XDG_CONFIG_HOME",
    "BEDROCK_TRAY_CONFIG_DIR",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

impl TestHome {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("bt-home-").tempdir().expect("temp home");
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn settings(&self) -> PathBuf {
        self.path().join(".claude/settings.json")
    }
    pub fn aws_config(&self) -> PathBuf {
        self.path().join(".aws/config")
    }
    pub fn sso_cache(&self) -> PathBuf {
        self.path().join(".aws/sso/cache")
    }

    pub fn write_settings(&self, text: &str) {
        std::fs::write(self.settings(), text).unwrap();
    }
    pub fn read_settings(&self) -> String {
        std::fs::read_to_string(self.settings()).unwrap()
    }
    pub fn settings_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.read_settings()).expect("settings.json parses")
    }
    pub fn write_aws_config(&self, text: &str) {
        std::fs::write(self.aws_config(), text).unwrap();
    }

    /// Where this home's stand-in for Claude Code's managed settings file
    /// (`/etc/claude-code/managed-settings.json`) lives.
    pub fn managed_settings(&self) -> PathBuf {
        self.path().join("managed/managed-settings.json")
    }

    /// The core's view of this home: the same paths `isolate` gives a
    /// command, for tests that drive the library in process.
    pub fn paths(&self) -> bedrock_tray::paths::Paths {
        let vars = [
            ("HOME", self.path().to_path_buf()),
            ("CLAUDE_CONFIG_DIR", self.path().join(".claude")),
            ("AWS_CONFIG_FILE", self.aws_config()),
            ("AWS_SHARED_CREDENTIALS_FILE", self.path().join(".aws/credentials")),
            ("BEDROCK_TRAY_CONFIG_DIR", self.path().join(".config/bedrock-tray")),
            ("BEDROCK_TRAY_MANAGED_SETTINGS", self.managed_settings()),
            ("BEDROCK_TRAY_MANAGED_PRESET", self.path().join("managed/preset.toml")),
        ];
        bedrock_tray::paths::Paths::from_lookup(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone().into_os_string())
        })
        .expect("HOME is set")
    }

    /// Applies the isolation to any command.
    pub fn isolate(&self, cmd: &mut Command) {
        for k in SCRUBBED {
            cmd.env_remove(k);
        }
        cmd.env("HOME", self.path())
            .env("CLAUDE_CONFIG_DIR", self.path().join(".claude"))
            .env("AWS_CONFIG_FILE", self.aws_config())
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path().join(".aws/credentials"))
            .env("BEDROCK_TRAY_CONFIG_DIR", self.path().join(".config/bedrock-tray"))
            .env("BEDROCK_TRAY_MANAGED_SETTINGS", self.managed_settings())
            .env("BEDROCK_TRAY_MANAGED_PRESET", self.path().join("managed/preset.toml"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // Days (`usage`) follow the local zone: never the machine's.
            .env("TZ", "UTC")
            // A safety net: any AWS call a test did not point at a local
            // fake (AWS_ENDPOINT_URL_<SERVICE> wins over this) is refused
            // on the loopback instead of leaving the machine.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("NO_COLOR", "1");
    }

    /// Our CLI, isolated.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(args);
        self.isolate(&mut cmd);
        cmd.output().expect("run bedrock-tray")
    }

    /// Our CLI; panics with its output unless it succeeded.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(out.status.success(), "bedrock-tray {args:?} failed: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// The Debian package's AWS CLI v2, isolated.
    pub fn aws(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(aws_cli());
        cmd.args(args);
        self.isolate(&mut cmd);
        cmd.output().expect("run /usr/bin/aws")
    }

    /// A Python snippet run with the test venv's botocore, isolated.
    pub fn python(&self, code: &str) -> Output {
        let mut cmd = Command::new(python());
        cmd.arg("-c").arg(code);
        self.isolate(&mut cmd);
        cmd.output().expect("run python")
    }
}

/// stdout and stderr together, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The real AWS CLI v2 from Debian's `awscli` package (not a pyenv shim).
pub fn aws_cli() -> PathBuf {
    let p = PathBuf::from("/usr/bin/aws");
    assert!(p.exists(), "/usr/bin/aws missing: run scripts/setup.sh (Debian package awscli)");
    p
}

/// The test venv's Python, with botocore, boto3 and moto.
pub fn python() -> PathBuf {
    let p = std::env::var_os("BEDROCK_TRAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(p.exists(), "{} missing: run scripts/setup.sh", p.display());
    p
}

/// An `[sso-session]` profile `dev` in account 111122223333.
pub const SSO_CONFIG: &str = "\
# team config, keep this comment
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-central-1

[profile prod]
sso_session = corp
sso_account_id = 444455556666
sso_role_name = Developer
region = us-east-1

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
";

/// A settings file full of keys the app does not own.
pub const FOREIGN_SETTINGS: &str = r#"{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": ["Bash(npm run lint)", "Read(~/.zshrc)"],
    "deny": ["Read(./.env)"]
  },
  "env": {
    "FOO_TOKEN_LIMIT": "3",
    "AWS_REGION": "us-east-1",
    "ANTHROPIC_MODEL": "us.anthropic.claude-sonnet-4-6",
    "DISABLE_TELEMETRY": 1
  },
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hi"}]}]
  },
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
  "includeCoAuthoredBy": false,
  "cleanupPeriodDays": 30.5,
  "model": "opus",
  "nothing": null
}
"#;

/// Writes a token cache file the way the AWS CLI does.
pub fn write_token(home: &TestHome, cache_key: &str, expires_at: &str, refresh: bool) -> PathBuf {
    use sha1::Digest;
    let name = format!("{:x}.json", sha1::Sha1::digest(cache_key.as_bytes()));
    let dir = home.sso_cache();
    std::fs::create_dir_all(&dir).unwrap();
    let mut v = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "test-access-token-not-secret",
        "expiresAt": expires_at,
    });
    if refresh {
        v["clientId"] = "test-client".into();
        v["clientSecret"] = "test-client-secret".into();
        v["registrationExpiresAt"] = "2099-01-01T00:00:00Z".into();
        v["refreshToken"] = "test-refresh-token".into();
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    path
}

/// An RFC 3339 time `secs` from now, in the CLI's format.
pub fn in_seconds(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    bedrock_tray::sso::cache::format_cli_timestamp(t)
}

/// An `AWS_DATA_PATH` folder that sends AWS CLI 2.9's SSO portal and
/// SSO-OIDC calls to `url`: that CLI ignores `AWS_ENDPOINT_URL_*`, but
/// loads endpoint rule sets from `AWS_DATA_PATH` before its own.
pub fn aws_cli_endpoint_redirect(dir: &Path, url: &str) {
    for service in ["sso", "sso-oidc"] {
        let folder = dir.join(service).join("2019-06-10");
        std::fs::create_dir_all(&folder).unwrap();
        let rules = serde_json::json!({
            "version": "1.0",
            "parameters": {
                "Region": {"builtIn": "AWS::Region", "required": false, "documentation": "", "type": "String"},
                "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true, "default": false, "documentation": "", "type": "Boolean"},
                "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false, "documentation": "", "type": "Boolean"},
                "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "documentation": "", "type": "String"}
            },
            "rules": [{"conditions": [], "endpoint": {"url": url, "properties": {}, "headers": {}}, "type": "endpoint"}]
        });
        std::fs::write(folder.join("endpoint-rule-set-1.json"), rules.to_string()).unwrap();
    }
}

/// Writes one Claude Code assistant message, timestamped now, under the
/// home's transcripts; returns what `bedrock-tray usage` prices it at.
pub fn write_transcript_today(home: &TestHome, input_tokens: u64, output_tokens: u64) -> f64 {
    let dir = home.path().join(".claude/projects/-work-demo");
    std::fs::create_dir_all(&dir).unwrap();
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let line = serde_json::json!({
        "type": "assistant", "cwd": "/work/demo", "sessionId": "s1", "uuid": "a1", "requestId": "r1", "timestamp": now,
        "message": {"id": "msg_1", "role": "assistant", "model": "eu.anthropic.claude-sonnet-4-6",
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}},
    });
    std::fs::write(dir.join("s1.jsonl"), format!("{line}\n")).unwrap();
    let usage: serde_json::Value = serde_json::from_str(&home.cli_ok(&["usage", "--json"])).unwrap();
    usage["today_usd"].as_f64().expect("priced")
}

/// A team preset as a platform team writes one: two accounts' worth of
/// SSO, a default team, EU data residency.
pub const TEAM_PRESET: &str = r#"
organisation = "Example Corp"
allowed_models = ["opus", "sonnet", "haiku"]
[sso]
start_url = "https://example-corp.awsapps.com/start"
region = "eu-west-1"
session_name = "example-corp"
[defaults]
geography = "eu"
model = "opus"
profile = "claude-bedrock"
login_method = "command"
[regions]
eu = "eu-central-1"
[tokens]
max_output_tokens = 16384
max_thinking_tokens = 10000
[teams.platform]
account_id = "111122223333"
role_name = "ClaudeCodeBedrock"
"#;

/// The fake portal's accounts and roles for [`TEAM_PRESET`]: three
/// account/role pairs, so a choice is needed without a team.
pub static TWO_ACCOUNTS: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    serde_json::json!({
        "accounts": [
            {"accountId": "111122223333", "accountName": "Platform", "emailAddress": "p@example.com"},
            {"accountId": "444455556666", "accountName": "Backend", "emailAddress": "b@example.com"},
        ],
        "roles": {"111122223333": ["ClaudeCodeBedrock"], "444455556666": ["ClaudeCodeBedrock", "ReadOnly"]},
    })
});

/// A private D-Bus session bus. Its socket lives in a temporary folder (the
/// stock session config would leave a `/tmp/dbus-*` socket behind every
/// run); the daemon is killed and the folder removed on drop.
pub struct SessionBus {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a [`SessionBus`] and returns it with its address.
pub fn session_bus() -> (SessionBus, String) {
    use std::io::BufRead;
    // In /tmp itself, not $TMPDIR: a socket path must fit in 108 bytes.
    let dir = tempfile::Builder::new().prefix("bt-bus-").tempdir_in("/tmp").expect("temp bus folder");
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .arg(format!("--address=unix:path={}", dir.path().join("bus").display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dbus-daemon (Debian dbus) is needed: run scripts/setup.sh");
    let mut address = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut address).unwrap();
    (SessionBus { child, _dir: dir }, address.trim().to_string())
}

/// Waits until `done` holds, checking every 20 ms; panics naming `what`
/// when it does not within `within`.
pub fn wait_until(within: std::time::Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "not within {within:?}: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// [`wait_until`] for async tests: yields to the runtime between checks.
pub async fn wait_until_async(within: std::time::Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The profile ID `use --model FAMILY --geo GEO` picks from the built-in
/// catalog: the newest model of the family that the geography offers.
/// Tests name models by family, so they follow the data file's generation.
pub fn newest(family: &str, geo: &str) -> String {
    let catalog = bedrock_tray::catalog::Catalog::builtin();
    let geography = catalog.geography(geo).expect("a catalog geography");
    let model = catalog.family_default(family, geography).unwrap_or_else(|| panic!("no {family} in {geo}"));
    model.profile_id(geo).expect("offered there").to_string()
}

/// The catalog key of [`newest`] (`opus-5-5`), as `status --json` shows it.
pub fn newest_key(family: &str, geo: &str) -> String {
    let catalog = bedrock_tray::catalog::Catalog::builtin();
    catalog.locate(&newest(family, geo)).expect("located").0.key.clone()
}
