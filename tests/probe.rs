//! `probe`, `doctor`, `iam-policy` and `status --probe` against moto (STS)
//! and the fake Bedrock / SSO portal: each fault names its own fix.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::process::{Command, Output};

/// A static-keys profile (moto accepts any key) next to the SSO ones.
const KEYS_CONFIG: &str = "\
[profile keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
region = eu-central-1
";

fn home_with_keys() -> TestHome {
    let home = TestHome::new();
    home.write_aws_config(&format!("{SSO_CONFIG}\n{}", KEYS_CONFIG.replace("[profile keys]", "[profile statickeys]")));
    home.cli_ok(&["use", "--profile", "statickeys", "--geo", "eu", "--model", "sonnet-4-6"]);
    home
}

fn run(home: &TestHome, fake: &FakeAws, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(args);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run bedrock-tray")
}

/// `probe --json` plus extra args; the report and the raw output.
fn probe(home: &TestHome, fake: &FakeAws, args: &[&str]) -> (Value, Output) {
    probe_env(home, fake, args, &[])
}

fn probe_env(home: &TestHome, fake: &FakeAws, args: &[&str], env: &[(&str, &str)]) -> (Value, Output) {
    let mut all = vec!["probe", "--json"];
    all.extend_from_slice(args);
    let out = run(home, fake, &all, env);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (v, out)
}

fn result<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name}: {report}"))
}

/// Writes a token the fake portal accepts for sso-session `corp`.
fn signed_in(home: &TestHome, fake: &FakeAws, expires_in: i64) -> std::path::PathBuf {
    let issued = fake.admin("issue_token", json!({}));
    let path = write_token(home, "corp", &in_seconds(expires_in), false);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["accessToken"] = issued["accessToken"].clone();
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn healthy_probe_shows_identity_and_every_page_of_active_profiles() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    // A Claude profile the catalog does not know yet shows as an extra choice.
    let mut profiles: Vec<Value> =
        ["eu.anthropic.claude-opus-4-6-v1", "eu.anthropic.claude-sonnet-4-6", "eu.amazon.nova-lite-v1:0"]
            .iter()
            .map(|s| json!(s))
            .collect();
    profiles.push(json!("eu.anthropic.claude-sonnet-5-0-v1"));
    profiles.push(json!({"inferenceProfileId": "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "inferenceProfileName": "EU Haiku", "status": "INACTIVE", "type": "SYSTEM_DEFINED",
        "inferenceProfileArn": "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0", "models": []}));
    fake.config(json!({"inference_profiles": {"eu-central-1": profiles}, "profiles_page_size": 2}));

    let (r, out) = probe(&home, &fake, &["--invoke"]);
    assert!(out.status.success(), "every probe passes against healthy endpoints: {}", text(&out));
    assert_eq!(r["identity"]["account"], "123456789012", "moto's account, from STS");
    assert!(r["identity"]["arn"].as_str().unwrap().starts_with("arn:aws:"), "{r}");
    assert_eq!(r["credentials"]["kind"], "static keys");
    let ids: Vec<&str> = r["bedrock"]["active"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["eu.anthropic.claude-opus-4-6-v1", "eu.anthropic.claude-sonnet-4-6"],
        "catalog IDs ACTIVE in the region only (not Nova, not the INACTIVE Haiku)"
    );
    assert_eq!(r["bedrock"]["extra"][0]["id"], "eu.anthropic.claude-sonnet-5-0-v1", "a new Claude profile is offered");
    assert_eq!(
        r["bedrock"]["pages"], 4,
        "5 system profiles, 2 per page, and one page of application profiles: every page read"
    );
    let state = fake.state();
    assert_eq!(state["requests"]["bedrock:ListInferenceProfiles"], 4, "one request per page");
    assert!(
        state["log"].as_array().unwrap().iter().any(|l| l["region"] == "eu-central-1"),
        "signed for the selected region"
    );
    assert_eq!(result(&r, "invoke")["outcome"], "ok");
    for name in ["credentials", "identity", "bedrock", "invoke"] {
        assert_eq!(result(&r, name)["outcome"], "ok", "{name}");
    }

    let human = run(&home, &fake, &["probe"], &[]);
    let text_out = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.status.success() && text_out.contains("[ok  ] identity") && text_out.contains("new, not in the catalog"),
        "{}",
        text(&human)
    );
    assert!(
        !text_out.contains("wJalrXUtnFEMI") && !r.to_string().contains("wJalrXUtnFEMI"),
        "never prints the secret key"
    );
    let skipped =
        result(&serde_json::from_slice(&run(&home, &fake, &["probe", "--json"], &[]).stdout).unwrap(), "invoke")
            .clone();
    assert_eq!(skipped["outcome"], "skipped", "the model is called only with --invoke");
}

#[test]
fn sso_profile_resolves_through_the_fake_portal_and_each_sso_failure_names_its_fix() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    fake.config(json!({"roles": {"111122223333": ["Developer"]}}));
    let token = signed_in(&home, &fake, 3600);

    // aws-config's SSO provider honours AWS_ENDPOINT_URL_SSO: the role
    // credentials come from the fake, the identity from moto.
    let (r, out) = probe(&home, &fake, &["--profile", "dev"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(r["credentials"]["kind"], "sso");
    assert!(r["credentials"]["expires_at"].is_string(), "role credentials expire: {r}");
    assert!(fake.state()["requests"]["sso:GetRoleCredentials"].as_u64().unwrap() >= 1);

    // Expired token file: the fix is to log in, and the other probes do not
    // repeat it.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&token).unwrap()).unwrap();
    v["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&token, v.to_string()).unwrap();
    let (r, out) = probe(&home, &fake, &["--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let creds = result(&r, "credentials");
    assert_eq!(creds["cause"]["kind"], "sso_session_expired");
    assert_eq!(
        creds["fix"],
        "SSO session of profile dev expired or missing: run Log in (`bedrock-tray login --profile dev`)"
    );
    assert_eq!(result(&r, "identity")["cause"]["kind"], "needs_credentials");

    // A token the portal no longer accepts (revoked server-side).
    signed_in(&home, &fake, 3600);
    fake.admin("expire_access_tokens", json!({}));
    let (r, _) = probe(&home, &fake, &["--profile", "dev"]);
    assert_eq!(result(&r, "credentials")["cause"]["kind"], "sso_session_expired", "{r}");

    // A role the user is not assigned.
    signed_in(&home, &fake, 3600);
    fake.config(json!({"roles": {"111122223333": ["ReadOnly"]}}));
    let (r, _) = probe(&home, &fake, &["--profile", "dev"]);
    let c = result(&r, "credentials");
    assert_eq!(c["cause"]["kind"], "sso_role_not_assigned", "{r}");
    assert!(c["fix"].as_str().unwrap().contains("role Developer in account 111122223333"), "{c}");

    // A portal that does not answer: the credentials probe times out.
    fake.config(json!({"roles": {"111122223333": ["Developer"]}, "delay": {"sso:*": 60}}));
    let (r, _) = probe(&home, &fake, &["--profile", "dev", "--timeout", "1"]);
    assert_eq!(result(&r, "credentials")["cause"]["kind"], "timeout", "{r}");
    fake.config(json!({"delay": null}));

    // A profile that is not in the config.
    let (r, _) = probe(&home, &fake, &["--profile", "ghost"]);
    assert_eq!(result(&r, "credentials")["cause"]["kind"], "profile_not_found");
}

#[test]
fn each_bedrock_fault_yields_its_own_fix() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    let set = |switches: Value| {
        fake.admin("reset", json!({}));
        fake.config(switches);
    };
    let cause_of = |name: &str, args: &[&str]| -> Value {
        let mut all = vec!["--invoke"];
        all.extend_from_slice(args);
        let (r, out) = probe(&home, &fake, &all);
        assert_eq!(out.status.code(), Some(1), "a failing probe fails the command: {}", text(&out));
        result(&r, name).clone()
    };

    // IAM denies ListInferenceProfiles: the exact action and resource from AWS's message.
    set(json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "AccessDeniedException", "count": -1,
        "message": "User: arn:aws:sts::123456789012:assumed-role/Dev/me is not authorized to perform: bedrock:ListInferenceProfiles on resource: arn:aws:bedrock:eu-central-1:123456789012:inference-profile/* because no identity-based policy allows the bedrock:ListInferenceProfiles action"}}}));
    let r = cause_of("bedrock", &[]);
    assert_eq!(
        r["cause"],
        json!({"kind": "missing_permission", "action": "bedrock:ListInferenceProfiles", "resource": "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/*"})
    );
    assert!(
        r["fix"]
            .as_str()
            .unwrap()
            .starts_with("IAM policy lacks bedrock:ListInferenceProfiles on arn:aws:bedrock:eu-central-1"),
        "{r}"
    );
    // Without the IAM wording: the policy statement it needs.
    set(
        json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "AccessDeniedException", "count": -1, "message": "Access denied"}}}),
    );
    assert_eq!(cause_of("bedrock", &[])["fix"], "IAM policy lacks bedrock:ListInferenceProfiles on arn:aws:bedrock:*:*:inference-profile/*: ask your admin to attach the policy from `bedrock-tray iam-policy`");

    // Converse: model access (Marketplace agreement) not enabled.
    set(json!({"converse_errors": {"eu.anthropic.claude-sonnet-4-6": "model_access_not_enabled"}}));
    let r = cause_of("invoke", &[]);
    assert_eq!(
        r["fix"],
        "model access for Claude Sonnet 4.6 is not enabled in eu-central-1: request it under Bedrock > Model catalog"
    );
    // Converse: AccessDenied from IAM is a permission, not model access.
    set(json!({"fail": {"bedrock-runtime:Converse": {"code": "AccessDeniedException", "count": -1,
        "message": "User: arn:aws:sts::123456789012:assumed-role/Dev/me is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-6"}}}));
    let r = cause_of("invoke", &[]);
    assert_eq!(
        (r["cause"]["kind"].as_str(), r["cause"]["action"].as_str()),
        (Some("missing_permission"), Some("bedrock:InvokeModel")),
        "{r}"
    );
    // Converse: Anthropic's use-case form.
    set(json!({"converse_errors": {"eu.anthropic.claude-sonnet-4-6": "use_case_form"}}));
    assert_eq!(cause_of("invoke", &[])["cause"]["kind"], "use_case_form_needed");

    // Throttling that persists is reported after the retries...
    set(json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "throttling", "count": -1}}}));
    let r = cause_of("bedrock", &[]);
    assert_eq!(r["cause"], json!({"kind": "throttled", "service": "bedrock", "attempts": 4}));
    assert_eq!(fake.state()["requests"]["bedrock:ListInferenceProfiles"], 4, "retried with backoff, 4 attempts");
    // ...and a passing burst is absorbed.
    set(json!({"fail": {"bedrock-runtime:Converse": {"code": "throttling", "count": 2}}}));
    let (r, out) = probe(&home, &fake, &["--invoke"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(result(&r, "invoke")["retries"], 2);

    // 5xx on every attempt is AWS's problem, not the user's auth.
    set(json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "internal", "count": -1}}}));
    let r = cause_of("bedrock", &[]);
    assert_eq!((r["cause"]["kind"].as_str(), r["cause"]["status"].as_u64()), (Some("server_error"), Some(500)), "{r}");

    // Keys AWS does not know are rejected credentials, not a permission.
    set(
        json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "UnrecognizedClientException", "count": -1, "status": 403,
        "message": "The security token included in the request is invalid."}}}),
    );
    let r = cause_of("bedrock", &[]);
    assert_eq!(
        r["cause"],
        json!({"kind": "credentials_rejected", "profile": "statickeys", "code": "UnrecognizedClientException"})
    );

    // A bare foundation model ID cannot be called on demand.
    set(json!({}));
    let settings =
        home.read_settings().replace("\"eu.anthropic.claude-sonnet-4-6\"", "\"anthropic.claude-sonnet-4-6\"");
    home.write_settings(&settings);
    assert_eq!(cause_of("invoke", &[])["cause"]["kind"], "needs_inference_profile");
}

#[test]
fn an_eu_profile_from_us_east_1_is_a_wrong_pairing() {
    let home = home_with_keys();
    home.write_settings(r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "statickeys", "AWS_REGION": "us-east-1", "ANTHROPIC_MODEL": "eu.anthropic.claude-opus-4-6-v1"}}"#);
    let fake = FakeAws::start();
    let (r, out) = probe(&home, &fake, &["--invoke"]);
    assert_eq!(out.status.code(), Some(1));
    for name in ["bedrock", "invoke"] {
        let fix = result(&r, name)["fix"].as_str().unwrap_or_default().to_string();
        assert!(fix.starts_with("eu. profiles cannot be called from us-east-1: choose an EU region"), "{name}: {r}");
    }
    assert!(
        fake.state()["log"].as_array().unwrap().iter().all(|l| l["region"] == "us-east-1"),
        "the fake saw the region from SigV4"
    );
}

#[test]
fn dead_and_unresolvable_endpoints_are_network_faults_not_auth() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let (r, out) =
        probe_env(&home, &fake, &["--invoke"], &[("AWS_ENDPOINT_URL_BEDROCK", &dead), ("AWS_ENDPOINT_URL_STS", &dead)]);
    assert_eq!(out.status.code(), Some(1));
    for name in ["identity", "bedrock"] {
        let c = result(&r, name);
        assert_eq!(c["cause"]["kind"], "network", "{name}: {r}");
        assert!(c["fix"].as_str().unwrap().to_lowercase().contains("refused"), "{c}");
    }
    assert_eq!(result(&r, "credentials")["outcome"], "ok", "credentials do not need the network");
    assert_eq!(result(&r, "invoke")["outcome"], "ok", "the runtime endpoint is still up");

    let (r, _) = probe_env(
        &home,
        &fake,
        &["--timeout", "10"],
        &[("AWS_ENDPOINT_URL_BEDROCK", "http://bedrock.nonexistent.invalid")],
    );
    let kind = result(&r, "bedrock")["cause"]["kind"].clone();
    assert!(
        kind == "dns" || kind == "timeout",
        "an unresolvable host is a DNS (or, behind a slow resolver, time) fault: {r}"
    );
    if kind == "dns" {
        assert!(result(&r, "bedrock")["fix"].as_str().unwrap().contains("DNS"), "{r}");
    }
}

#[test]
fn a_hung_endpoint_times_out_and_probes_run_in_parallel() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    // Hung: far beyond the time limit.
    fake.config(json!({"delay": {"bedrock:*": 60}}));
    let (r, out) = probe(&home, &fake, &["--timeout", "1.5"]);
    assert_eq!(out.status.code(), Some(1));
    let b = result(&r, "bedrock");
    assert_eq!(b["cause"]["kind"], "timeout", "{r}");
    assert_eq!(b["fix"], "no answer from bedrock within 1.5 s: check your network, VPN or proxy");
    assert_eq!(result(&r, "identity")["outcome"], "ok", "one hung endpoint does not block the others");
    // The probe gave up first: the fake is still holding the hung request
    // (it counts a request once it answers).
    let answered = fake.state()["requests"]["bedrock:ListInferenceProfiles"].as_u64().unwrap_or(0);
    assert_eq!(answered, 0, "the timeout fired before the endpoint answered");

    // Two slow probes of 1.5 s each finish in about 1.5 s, not 3.
    fake.config(json!({"delay": {"bedrock:*": null, "bedrock:ListInferenceProfiles": 1.5, "bedrock-runtime:Converse": 1.5}, "profiles_page_size": 100}));
    let (r, out) = probe(&home, &fake, &["--invoke"]);
    assert!(out.status.success(), "{}", text(&out));
    let wall = r["wall_ms"].as_u64().unwrap();
    let mut sum = 0;
    for name in ["bedrock", "invoke"] {
        let latency = result(&r, name)["latency_ms"].as_u64().unwrap();
        assert!(latency >= 1500, "{name} waited for the delay: {r}");
        sum += latency;
    }
    // Run one after the other, the whole run would take at least the sum.
    assert!(wall < sum, "concurrent: wall {wall} ms is less than the {sum} ms the two probes took together");
}

/// The broken setup the issue names: EU geography with us-east-1,
/// awsAuthRefresh for another profile, an expired session.
#[test]
fn doctor_names_every_problem_of_a_broken_setup() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.write_settings(r#"{"awsAuthRefresh": "aws sso login --profile prod", "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "dev", "AWS_REGION": "us-east-1",
        "ANTHROPIC_MODEL": "eu.anthropic.claude-opus-4-6-v1", "ANTHROPIC_SMALL_FAST_MODEL": "us.anthropic.claude-haiku-4-5-20251001-v1:0"}}"#);
    write_token(&home, "corp", "2020-01-01T00:00:00Z", false);
    let fake = FakeAws::start();
    // The Debian AWS CLI v2 first on PATH (a pyenv shim may hold a v1).
    let out = run(&home, &fake, &["doctor"], &[("PATH", "/usr/bin:/bin")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("eu. profiles cannot be called from us-east-1"), "region outside the geography: {s}");
    assert!(
        s.contains("logs in profile prod, not dev") && s.contains("bedrock-tray use --profile dev"),
        "awsAuthRefresh: {s}"
    );
    assert!(s.contains("SSO session expired") && s.contains("bedrock-tray login --profile dev"), "session: {s}");
    assert!(s.contains("[FAIL] small model"), "the small model is in another geography: {s}");
    assert!(s.contains("[ok  ] aws cli          aws-cli/2"), "the Debian AWS CLI is found: {s}");

    let out = run(&home, &fake, &["doctor", "--json"], &[]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["mark"] == "fail")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in ["region", "small model", "awsAuthRefresh", "session", "probe credentials"] {
        assert!(failed.contains(&name), "{name} fails: {failed:?}");
    }
}

#[test]
fn doctor_passes_a_healthy_setup() {
    let home = home_with_keys();
    let fake = FakeAws::start();
    // A stand-in `claude` on PATH, next to the real AWS CLI.
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho '2.1.0 (Claude Code)'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = run(&home, &fake, &["doctor"], &[("PATH", &path)]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert!(s.contains("2.1.0 (Claude Code)") && s.contains("[ok  ] probe identity") && !s.contains("FAIL"), "{s}");

    let out = run(&home, &fake, &["doctor"], &[("PATH", "/nonexistent")]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("[FAIL] aws cli") && s.contains("install AWS CLI v2") && s.contains("[FAIL] claude code"),
        "{s}"
    );
}

#[test]
fn iam_policy_prints_the_guide_policy_and_status_probe_adds_identity() {
    let bare = TestHome::new();
    let out = bare.cli(&["probe"]);
    assert_eq!(out.status.code(), Some(2), "nothing to probe is a bad request: {}", text(&out));
    assert!(stderr(&out).contains("bedrock-tray use --profile"), "{}", text(&out));

    let home = home_with_keys();
    let policy: Value = serde_json::from_str(&home.cli_ok(&["iam-policy"])).expect("pasteable JSON");
    let stmt = &policy["Statement"];
    assert_eq!(
        stmt[0]["Action"],
        json!(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:ListInferenceProfiles"])
    );
    assert_eq!(stmt[0]["Resource"].as_array().unwrap().len(), 3);
    assert_eq!(stmt[1]["Condition"]["StringEquals"]["aws:CalledViaLast"], "bedrock.amazonaws.com");

    let fake = FakeAws::start();
    let out = run(&home, &fake, &["status", "--probe", "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "sonnet-4-6", "the status is all there");
    assert_eq!(v["probe"]["identity"]["account"], "123456789012");
    let out = run(&home, &fake, &["status", "--probe"], &[]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("Identity  arn:aws:") && s.contains("[ok  ] bedrock"), "{s}");
}
