//! The token cache files where our code says they belong are the files the
//! real AWS CLI v2 and botocore use (invariant 2: their formats, not ours).

use crate::util::*;

#[test]
fn botocore_loads_the_token_file_we_locate() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    home.cli_ok(&["use", "--profile", "dev"]);
    let s: serde_json::Value = serde_json::from_str(&home.cli_ok(&["status", "--json"])).unwrap();
    let ours = s["session"]["token_path"].as_str().unwrap().to_string();
    write_token(&home, "corp", &in_seconds(3600), true);

    // botocore's own loader, keyed by sso-session name, reads from the cache dir.
    let out = home.python(
        "import os, botocore.utils as u\n\
         cache = u.JSONFileCache(os.path.expanduser('~/.aws/sso/cache'))\n\
         t = u.SSOTokenLoader(cache)('https://corp.awsapps.com/start', session_name='corp')\n\
         print(os.path.join(os.path.expanduser('~/.aws/sso/cache'), u.SSOTokenLoader(cache)._generate_cache_key('https://corp.awsapps.com/start', 'corp') + '.json'))\n\
         print('token ok' if t.get('accessToken') else 'no token')",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout.lines().next().unwrap(), ours, "botocore names the same file");
    assert!(stdout.contains("token ok"));
}

#[test]
fn aws_cli_v2_reads_the_token_file_we_locate() {
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);

    // No file: the CLI says the token does not exist...
    let out = home.aws(&["sts", "get-caller-identity", "--profile", "dev"]);
    assert!(!out.status.success());
    let missing = stderr(&out);
    assert!(
        missing.contains("Token for corp does not exist") || missing.contains("Error loading SSO Token"),
        "{missing}"
    );

    // ...an expired file where we say it lives: the CLI found it and reads expiry.
    let path = write_token(&home, "corp", "2020-01-01T00:00:00Z", false);
    let out = home.aws(&["sts", "get-caller-identity", "--profile", "dev"]);
    assert!(!out.status.success());
    let expired = stderr(&out);
    assert!(expired.to_lowercase().contains("expired"), "the CLI read our file: {expired}");
    let s: serde_json::Value = serde_json::from_str(&home.cli_ok(&["profiles", "--json"])).unwrap();
    let dev = s.as_array().unwrap().iter().find(|r| r["name"] == "dev").unwrap();
    assert_eq!(dev["session"]["token_path"], path.to_str().unwrap());
    assert_eq!(dev["session"]["state"], "expired", "and we agree with the CLI");

    // Legacy profiles hash the start URL. CLI 2.9 does not check a legacy
    // token's expiry locally: having found our file it goes on to the
    // portal (unreachable here), where without the file it stops early.
    let out = home.aws(&["sts", "get-caller-identity", "--profile", "legacy"]);
    assert!(stderr(&out).contains("Error loading SSO Token"), "{}", text(&out));
    write_token(&home, "https://legacy.awsapps.com/start", "2099-01-01T00:00:00Z", false);
    let out = home.aws(&["sts", "get-caller-identity", "--profile", "legacy"]);
    let err = stderr(&out);
    assert!(!err.contains("Error loading SSO Token") && err.contains("federation/credentials"), "{}", text(&out));
}

#[test]
fn the_fake_endpoint_speaks_what_botocore_expects() {
    // The fake stands in for AWS in every SSO/Bedrock test; botocore, an
    // independent client, checks its shapes and error codes.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_aws/check_botocore.py");
    let out = std::process::Command::new(python()).arg(script).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains(" passed, 0 failed"), "{}", text(&out));
}
