//! `bedrock-tray login` and `refresh` against the fake IAM Identity Center:
//! the files they write are the ones botocore then uses.

use crate::harness::{moto, FakeAws};
use crate::util::*;
use serde_json::{json, Value};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn cmd(home: &TestHome, fake: &FakeAws, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    c.args(args);
    home.isolate(&mut c);
    fake.apply(&mut c);
    c
}

fn run(home: &TestHome, fake: &FakeAws, args: &[&str]) -> Output {
    cmd(home, fake, args).output().unwrap()
}

fn fake_with_roles() -> FakeAws {
    let fake = FakeAws::start();
    fake.config(json!({
        "accounts": [{"accountId": "111122223333", "accountName": "dev"}],
        "roles": {"111122223333": ["Developer"]},
    }));
    fake
}

/// botocore resolves the profile's credentials through the SSO portal (the
/// token we wrote) and calls STS on moto.
fn botocore_identity(home: &TestHome, fake: &FakeAws, profile: &str) -> Output {
    let mut c = Command::new(python());
    c.arg("-c").arg(format!(
        "import boto3; print(boto3.Session(profile_name='{profile}').client('sts', region_name='us-east-1').get_caller_identity()['Account'])"
    ));
    home.isolate(&mut c);
    fake.apply(&mut c);
    c.env("AWS_ENDPOINT_URL_STS", &moto().url);
    c.output().unwrap()
}

#[test]
fn device_login_writes_the_token_botocore_uses() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();

    let child = cmd(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the pending authorization, then approve it as the user would.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = fake.state();
        if state["devices"].as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "no device authorization started: {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp")).exists(),
        "nothing written before approval"
    );
    fake.admin("approve", json!({}));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    let code = fake.state()["devices"][0]["userCode"].as_str().unwrap().to_string();
    assert!(err.contains(&code) && err.contains("http"), "the code and link reach the user: {err}");

    let path = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let token = refreshable_token_file(&path);
    let expires = token["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 20, "the CLI's timestamp format: {expires}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(token["accessToken"].as_str().unwrap()), "never printed");

    let out = botocore_identity(&home, &fake, "dev");
    assert!(out.status.success(), "botocore uses our login: {}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 12, "an account id");
    let status: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    assert_eq!(status[0]["session"]["state"], "valid");
}

#[test]
fn second_login_reuses_the_registration_and_slow_down_is_honoured() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"auto_approve": true, "auto_approve_after_polls": 2, "slow_down": true, "interval": 1}));
    let out = run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::remove_file(home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"))).unwrap();
    let out = run(&home, &fake, &["login", "--profile", "prod", "--no-browser", "--device-code"]);
    assert!(out.status.success(), "{}", text(&out));
    let state = fake.state();
    assert_eq!(state["requests"]["sso-oidc:RegisterClient"], 1, "the cached registration is reused: {state}");
    assert_eq!(state["requests"]["sso-oidc:StartDeviceAuthorization"], 2);
    assert!(state["requests"].get("sso-oidc:SlowDown").is_none());
}

#[test]
fn parallel_logins_make_one_sign_in() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"auto_approve": true, "auto_approve_after_polls": 1}));
    let children: Vec<_> = (0..4)
        .map(|_| {
            cmd(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for out in &outs {
        assert!(out.status.success(), "{}", text(out));
    }
    assert_eq!(
        fake.state()["requests"]["sso-oidc:StartDeviceAuthorization"],
        1,
        "one browser approval for four callers"
    );
    let joined = outs.iter().filter(|o| String::from_utf8_lossy(&o.stdout).contains("another login")).count();
    assert_eq!(joined, 3);
}

#[test]
fn denied_or_expired_authorizations_say_so_and_write_nothing() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"fail": {"sso-oidc:CreateToken": {"code": "AccessDeniedException", "count": -1}}}));
    let out = run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("denied"), "{}", stderr(&out));
    assert!(!home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp")).exists());

    fake.config(json!({"fail": null, "device_expires_in": 1}));
    let out = run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]);
    assert!(stderr(&out).contains("expired before it was approved"), "{}", stderr(&out));

    let out = run(&home, &fake, &["login", "--profile", "keys"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn refresh_renews_silently_and_botocore_uses_the_new_token() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"auto_approve": true, "token_expires_in": 600}));
    assert!(run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]).status.success());
    let path = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    // Claude Code and the CLI add keys of their own; a refresh keeps them.
    let mut token: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    token["someFutureKey"] = "kept".into();
    std::fs::write(&path, token.to_string()).unwrap();
    let old_access = token["accessToken"].as_str().unwrap().to_string();

    fake.config(json!({"token_expires_in": 28800}));
    let out = run(&home, &fake, &["refresh", "--profile", "dev"]);
    assert!(out.status.success(), "{}", text(&out));
    let new: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(new["accessToken"], old_access.as_str());
    assert_eq!(new["someFutureKey"], "kept");
    let s: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    assert!(s[0]["session"]["seconds_left"].as_i64().unwrap() > 7 * 3600, "{s}");
    fake.admin("expire_access_tokens", json!({}));
    // The old token is dead at the portal; botocore works only with the new one.
    fake.config(json!({"token_expires_in": 28800}));
    assert!(run(&home, &fake, &["refresh", "--profile", "dev"]).status.success());
    assert!(botocore_identity(&home, &fake, "dev").status.success());

    fake.admin("revoke_refresh_tokens", json!({}));
    let out = run(&home, &fake, &["refresh", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("log in again"), "invalid_grant means a login: {}", stderr(&out));
}

#[test]
fn the_auth_refresh_command_runs_with_the_settings_env() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    // A stand-in for `aws sso login`: writes a valid token where the CLI
    // would, using a variable that only the settings' env provides.
    let token_path = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    std::fs::create_dir_all(home.sso_cache()).unwrap();
    let script = format!(
        "echo \"logging in for $AWS_PROFILE\"; printf '{{\"accessToken\":\"x\",\"expiresAt\":\"%s\"}}' \"$FAKE_EXPIRY\" > '{}'",
        token_path.display()
    );
    let settings = json!({"awsAuthRefresh": script, "env": {"AWS_PROFILE": "dev", "FAKE_EXPIRY": in_seconds(3600)}});
    home.write_settings(&settings.to_string());
    let out = run(&home, &fake, &["login", "--method", "command"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("logging in for dev"),
        "output streams to the user: {}",
        text(&out)
    );

    let settings = json!({"awsAuthRefresh": "exit 3", "env": {"AWS_PROFILE": "dev"}});
    home.write_settings(&settings.to_string());
    std::fs::remove_file(&token_path).unwrap();
    let out = run(&home, &fake, &["login", "--method", "command"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("exit 3") && stderr(&out).contains("failed"), "{}", stderr(&out));
}

#[test]
fn the_real_aws_cli_uses_our_login() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"auto_approve": true}));
    assert!(run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]).status.success());
    let data = home.path().join("aws-data");
    aws_cli_endpoint_redirect(&data, &fake.url);
    let mut c = Command::new(aws_cli());
    c.args(["sts", "get-caller-identity", "--profile", "dev", "--endpoint-url", &moto().url, "--output", "json"]);
    home.isolate(&mut c);
    c.env("AWS_DATA_PATH", &data);
    let out = c.output().unwrap();
    assert!(out.status.success(), "AWS CLI 2.9 with our token: {}", text(&out));
    let id: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(id["Account"].as_str().is_some_and(|a| a.len() == 12), "{id}");
    assert_eq!(
        fake.state()["requests"]["sso:GetRoleCredentials"],
        1,
        "the CLI fetched role credentials with our token"
    );
}

#[tokio::test]
async fn a_login_command_that_times_out_is_killed_with_everything_it_started() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let paths = home.paths();
    let profiles = bedrock_tray::aws::profiles::AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).unwrap();
    let target = bedrock_tray::sso::login::target_of(profiles.get("dev").unwrap()).unwrap();
    // A shell whose grandchild (as `aws sso login` would be) never ends.
    let pid_file = home.path().join("grandchild.pid");
    let command = format!("sh -c 'sleep 300 & echo $! > {}; wait' ; true", pid_file.display());
    let result =
        bedrock_tray::sso::login::run_refresh_command(&paths, &target, &command, &[], Duration::from_secs(2)).await;
    assert!(matches!(result, Err(bedrock_tray::sso::login::LoginError::CommandTimedOut { .. })), "{result:?}");
    let pid = std::fs::read_to_string(&pid_file).expect("the grandchild started").trim().to_string();
    // Killed: soon gone, or a zombie waiting for init to reap it (a kill
    // is delivered asynchronously; unkilled, the sleep lasts 300 s).
    let alive = || {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        state.as_deref().and_then(|s| s.rsplit_once(')')).is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!alive(), "the grandchild {pid} outlived the timeout");
}

/// One HTTP GET, redirects not followed: status, `Location`, body.
fn get(url: &str) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let location = head.lines().find_map(|l| {
        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("location")).map(|(_, v)| v.trim().to_string())
    });
    (status, location, body.to_string())
}

/// What one browser login did.
struct PkceRun {
    out: Output,
    /// The authorize URL as printed.
    url: String,
    /// What the loopback listener answered the browser.
    page: (u16, String),
    /// Start of the command to its exit.
    wall: Duration,
}

/// `login --profile P --no-browser` with the default flow (authorization
/// code with PKCE): reads the one-line authorize URL from stderr and
/// follows it as a browser would; the fake approves at once and redirects
/// to our loopback listener.
fn pkce_login(home: &TestHome, fake: &FakeAws, profile: &str) -> PkceRun {
    use std::io::{BufRead, BufReader, Read};
    // Built before the clock starts: the first use of moto starts it.
    let mut login = cmd(home, fake, &["login", "--profile", profile, "--no-browser"]);
    let started = Instant::now();
    let mut child = login.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut printed = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "no authorize URL printed: {printed}");
        printed.push_str(&line);
        if line.contains("/authorize?") {
            break line.trim_end_matches('\n').to_string();
        }
    };
    let (status, location, _) = get(&url);
    assert_eq!(status, 302, "the fake's authorize page redirects");
    let (status, _, body) = get(&location.expect("a Location"));
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{printed}{rest}").into_bytes();
    PkceRun { out, url, page: (status, body), wall: started.elapsed() }
}

#[test]
fn pkce_login_prints_one_authorize_url_and_following_it_signs_in() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    let first = pkce_login(&home, &fake, "dev");
    assert!(first.out.status.success(), "{}", text(&first.out));
    eprintln!("PKCE login wall time, the fake approving at once (debug build): {:?}", first.wall);
    // The URL on a line of its own, as AWS CLI v2 prints it, with the
    // parameters it sends.
    let prefix = format!("{}/authorize?response_type=code&client_id=", fake.url);
    assert!(first.url.starts_with(&prefix) && !first.url.contains(char::is_whitespace), "{}", first.url);
    for part in [
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A",
        "%2Foauth%2Fcallback&state=",
        "&code_challenge_method=S256",
        "&scopes=sso%3Aaccount%3Aaccess&code_challenge=",
    ] {
        assert!(first.url.contains(part), "{part} in {}", first.url);
    }
    assert_eq!(first.page.0, 200, "the loopback answers the browser");
    assert!(first.page.1.contains("close this tab"), "{}", first.page.1);

    let state = fake.state();
    assert!(state["requests"].get("sso-oidc:StartDeviceAuthorization").is_none(), "no device code: {state}");
    assert_eq!(state["requests"]["sso-oidc:Authorize"], 1);
    assert_eq!(
        state["authorizations"],
        json!([{"clientId": state["authorizations"][0]["clientId"], "status": "used"}])
    );
    let registration = &state["registrations"][0];
    assert_eq!(registration["grantTypes"], json!(["authorization_code", "refresh_token"]));
    assert_eq!(registration["redirectUris"], json!(["http://127.0.0.1/oauth/callback"]));
    assert_eq!(registration["issuerUrl"], "https://corp.awsapps.com/start");
    assert_eq!(registration["scopes"], json!(["sso:account:access"]));

    let path = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    let token = refreshable_token_file(&path);
    assert!(!text(&first.out).contains(token["accessToken"].as_str().unwrap()), "never printed");
    assert!(botocore_identity(&home, &fake, "dev").status.success(), "botocore uses the PKCE token");

    // A second login reuses the registration cached for this grant.
    std::fs::remove_file(&path).unwrap();
    assert!(pkce_login(&home, &fake, "prod").out.status.success());
    assert_eq!(fake.state()["requests"]["sso-oidc:RegisterClient"], 1, "the cached registration is reused");
    // The device-code flow does not take a PKCE registration (nor the
    // reverse), as AWS CLI v2 tells them apart by grantTypes.
    std::fs::remove_file(&path).unwrap();
    fake.config(json!({"auto_approve": true}));
    assert!(run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]).status.success());
    let state = fake.state();
    assert_eq!(state["requests"]["sso-oidc:RegisterClient"], 2, "{state}");
    assert_eq!(state["requests"]["sso-oidc:StartDeviceAuthorization"], 1);
}

#[test]
fn the_real_aws_cli_and_botocore_use_and_refresh_a_pkce_token() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    // Ten minutes: inside the 15-minute window in which botocore's
    // SSOTokenProvider refreshes with the refresh token.
    fake.config(json!({"token_expires_in": 600}));
    assert!(pkce_login(&home, &fake, "dev").out.status.success());
    let path = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    let access = |p: &std::path::Path| -> String {
        let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        v["accessToken"].as_str().unwrap().to_string()
    };
    let ours = access(&path);

    let data = home.path().join("aws-data");
    aws_cli_endpoint_redirect(&data, &fake.url);
    let mut c = Command::new(aws_cli());
    c.args(["sts", "get-caller-identity", "--profile", "dev", "--endpoint-url", &moto().url, "--output", "json"]);
    home.isolate(&mut c);
    c.env("AWS_DATA_PATH", &data);
    let out = c.output().unwrap();
    assert!(out.status.success(), "the AWS CLI with our PKCE token: {}", text(&out));
    let state = fake.state();
    assert_eq!(state["requests"]["sso:GetRoleCredentials"], 1, "{state}");
    assert_eq!(state["tokens"]["refreshed"], 1, "the AWS CLI refreshed it with our registration: {state}");
    let by_cli = access(&path);
    assert_ne!(by_cli, ours, "and wrote the new token back");

    let out = botocore_identity(&home, &fake, "dev");
    assert!(out.status.success(), "botocore: {}", text(&out));
    assert_eq!(fake.state()["tokens"]["refreshed"], 2, "botocore refreshed it in turn");
    assert_ne!(access(&path), by_cli);
    let s: Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    assert_ne!(s[0]["session"]["state"], "expired", "{s}");
}

#[test]
fn logout_calls_logout_and_leaves_no_token_nor_cached_role_credentials() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"auto_approve": true}));
    assert!(run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]).status.success());
    let token = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    // Role credentials botocore cached from that token, and one of another tool.
    let cache = home.path().join(".aws/cli/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let profiles =
        bedrock_tray::aws::profiles::AwsProfiles::load(&home.aws_config(), &home.path().join(".aws/credentials"))
            .unwrap();
    let dev_creds = bedrock_tray::sso::logout::role_credentials_file(&cache, profiles.get("dev").unwrap()).unwrap();
    std::fs::write(&dev_creds, r#"{"ProviderType": "sso", "Credentials": {}}"#).unwrap();
    let other = cache.join("assume-role.json");
    std::fs::write(&other, r#"{"Credentials": {}}"#).unwrap();

    let out = run(&home, &fake, &["logout", "--profile", "dev"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!token.exists(), "no token file after logout");
    assert!(!dev_creds.exists(), "the role credentials cached from it are gone");
    assert!(other.exists(), "another tool's cache is not ours to remove");
    let state = fake.state();
    assert_eq!(state["requests"]["sso:Logout"], 1, "IAM Identity Center was told: {state}");
    assert_eq!(state["tokens"]["access_active"], 0, "the portal no longer knows the token");
    assert!(!botocore_identity(&home, &fake, "dev").status.success(), "signed out for botocore too");

    // --all sweeps every session, like `aws sso logout`; a second run finds nothing.
    assert!(run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]).status.success());
    let out = run(&home, &fake, &["logout", "--all"]);
    assert!(out.status.success() && !token.exists(), "{}", text(&out));
    let out = run(&home, &fake, &["logout", "--profile", "dev"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("no session"), "{}", text(&out));
    assert_eq!(run(&home, &fake, &["logout", "--profile", "keys"]).status.code(), Some(2), "not an SSO profile");
}

#[test]
fn a_denied_browser_sign_in_says_so_and_writes_nothing() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    fake.config(json!({"authorize_action": "deny"}));
    let denied = pkce_login(&home, &fake, "dev");
    assert_eq!(denied.out.status.code(), Some(1), "{}", text(&denied.out));
    assert!(stderr(&denied.out).contains("access_denied"), "{}", stderr(&denied.out));
    assert!(denied.page.1.contains("not approved"), "the browser tab says so too: {}", denied.page.1);
    assert!(!home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp")).exists());
    assert!(fake.state()["requests"].get("sso-oidc:CreateToken").is_none(), "no code, no exchange");
}

#[test]
fn device_login_survives_server_errors_while_polling_and_a_forgotten_registration() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = fake_with_roles();
    // More 5xx answers in a row than the SDK retries by itself (3
    // attempts): our poll loop must carry on until the code is approved.
    fake.config(json!({
        "auto_approve": true,
        "fail": {"sso-oidc:CreateToken": {"code": "InternalServerException", "count": 4}},
    }));
    let out = run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]);
    assert!(out.status.success(), "transient errors while polling are retried: {}", text(&out));
    let token = home.sso_cache().join(bedrock_tray::sso::cache::token_file_name("corp"));
    assert!(token.exists());

    // The service forgets every client (a revoked registration): the cached
    // one is refused, registered again, and the login goes on.
    fake.admin("reset", json!({}));
    fake.config(json!({"auto_approve": true}));
    std::fs::remove_file(&token).unwrap();
    let out = run(&home, &fake, &["login", "--profile", "dev", "--no-browser", "--device-code"]);
    assert!(out.status.success(), "{}", text(&out));
    let state = fake.state();
    assert_eq!(state["requests"]["sso-oidc:StartDeviceAuthorization"], 2, "refused once, then with the new client");
    assert_eq!(state["requests"]["sso-oidc:RegisterClient"], 1, "registered again: {state}");
}

/// The token file at `path`, checked to hold every field botocore and the
/// AWS CLI need to use and refresh the session.
fn refreshable_token_file(path: &std::path::Path) -> Value {
    let token: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for key in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token.get(key).is_some(), "{key} in the token file");
    }
    token
}
