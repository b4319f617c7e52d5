//! `bedrock-tray models --refresh` and `use --model` against the account's
//! own ListInferenceProfiles (the fake Bedrock, per calling region): what
//! the account lists is listed and selectable without a rebuild, including
//! a family no code knows, and residency follows the listing.

use crate::harness::FakeAws;
use crate::util::*;
use serde_json::{json, Value};
use std::process::{Command, Output};
use std::time::Instant;

const KEYS: &str = "[profile keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
region = eu-central-1
";

/// What the account offers in eu-central-1: the newest Opus and Fable, a
/// family no code mentions, and an application profile.
fn eu_account() -> Value {
    json!([
        "eu.anthropic.claude-opus-5-5",
        "eu.anthropic.claude-fable-5-2",
        "eu.anthropic.claude-sonnet-5-5",
        "eu.anthropic.claude-haiku-5-5",
        "eu.anthropic.claude-quill-7-1",
        "global.anthropic.claude-opus-5-5",
        {"inferenceProfileId": "team-a", "inferenceProfileName": "team-a", "type": "APPLICATION", "status": "ACTIVE",
         "inferenceProfileArn": "arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/team-a",
         "models": [{"modelArn": "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-opus-5-5"},
                    {"modelArn": "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-5-5"}]}
    ])
}

fn run(home: &TestHome, fake: &FakeAws, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(args);
    home.isolate(&mut cmd);
    fake.apply(&mut cmd);
    cmd.output().expect("run bedrock-tray")
}

fn ok(home: &TestHome, fake: &FakeAws, args: &[&str]) -> String {
    let out = run(home, fake, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn setup() -> (TestHome, FakeAws) {
    let home = TestHome::new();
    home.write_aws_config(KEYS);
    let fake = FakeAws::start();
    fake.config(json!({"inference_profiles": {"eu-central-1": eu_account()}, "profiles_page_size": 3}));
    home.cli_ok(&["use", "--profile", "keys", "--geo", "eu", "--model", "sonnet-4-6"]);
    (home, fake)
}

#[test]
fn what_the_account_lists_is_listed_and_selectable_without_a_rebuild() {
    let (home, fake) = setup();
    let v: Value = serde_json::from_str(&ok(&home, &fake, &["models", "--refresh", "--json"])).unwrap();
    let selected = &v["refresh"]["regions"][0];
    assert_eq!((selected["region"].as_str(), selected["selected"].as_bool()), (Some("eu-central-1"), Some(true)));
    assert_eq!(selected["claude_profiles"], 7, "every page of system and application profiles: {selected}");
    let regions: Vec<&str> =
        v["refresh"]["regions"].as_array().unwrap().iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert!(
        regions.contains(&"us-east-1") && regions.contains(&"ap-northeast-1"),
        "each geography's default region too: {regions:?}"
    );

    let models = v["models"].as_array().unwrap();
    let row = |key: &str| models.iter().find(|m| m["key"] == key).unwrap_or_else(|| panic!("{key} not listed: {v}"));
    let quill = row("quill-7-1");
    assert_eq!((quill["name"].as_str(), quill["family"].as_str()), (Some("Claude Quill 7.1"), Some("quill")));
    assert_eq!(quill["prices"], Value::Null, "priced unknown until the data file knows it");
    assert_eq!(quill["source"], "account");
    assert_eq!(quill["listed_in"][0]["region"], "eu-central-1");
    assert_eq!(row("fable-5-2")["profiles"]["eu"], "eu.anthropic.claude-fable-5-2", "the account's EU Fable");
    assert_eq!(v["application_profiles"][0]["model"], "opus-5-5");
    let human = ok(&home, &fake, &["models"]);
    assert!(
        human.contains("Claude Quill 7.1") && human.contains("unknown") && human.contains("account (eu-central-1"),
        "{human}"
    );

    // A family no code knows, by family and by exact ID.
    ok(&home, &fake, &["use", "--model", "quill"]);
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_MODEL"], "eu.anthropic.claude-quill-7-1");
    ok(&home, &fake, &["use", "--model", "sonnet"]);
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_MODEL"], "eu.anthropic.claude-sonnet-5-5");
    ok(&home, &fake, &["use", "--model", "eu.anthropic.claude-quill-7-1"]);
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_MODEL"], "eu.anthropic.claude-quill-7-1");

    // opus: the newest Opus the account offers here; fable: the account's EU Fable.
    ok(&home, &fake, &["use", "--model", "opus"]);
    let env = home.settings_json()["env"].clone();
    assert_eq!(env["ANTHROPIC_MODEL"], "eu.anthropic.claude-opus-5-5");
    assert_eq!(env["ANTHROPIC_DEFAULT_FABLE_MODEL"], "eu.anthropic.claude-fable-5-2");
    assert_eq!(env["ANTHROPIC_DEFAULT_HAIKU_MODEL"], "eu.anthropic.claude-haiku-5-5");
    assert_eq!(env["ANTHROPIC_BEDROCK_REGION_PREFIX"], "eu");

    // The application profile, by ARN: called from its own region only.
    let arn = "arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/team-a";
    ok(&home, &fake, &["use", "--model", arn]);
    assert_eq!(home.settings_json()["env"]["ANTHROPIC_MODEL"], arn);
    let before = home.read_settings();
    let out = run(&home, &fake, &["use", "--model", arn, "--geo", "us", "--region", "us-east-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(home.read_settings(), before, "nothing written");

    // Anything else exits 2 with the valid choices, and writes nothing.
    let out = run(&home, &fake, &["use", "--model", "gpt-5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("quill") && stderr(&out).contains("opus-5-5"), "{}", stderr(&out));
    assert_eq!(home.read_settings(), before);
}

#[test]
fn a_failed_refresh_keeps_the_last_good_list_and_says_so() {
    let (home, fake) = setup();
    ok(&home, &fake, &["models", "--refresh", "--json"]);
    fake.config(json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "access_denied", "count": -1}}}));
    let out = run(&home, &fake, &["models", "--refresh"]);
    assert_eq!(out.status.code(), Some(1), "the selected region could not be read: {}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("keeping the listing read") && said.contains("bedrock:ListInferenceProfiles"), "{said}");
    let v: Value = serde_json::from_str(&ok(&home, &fake, &["models", "--json"])).unwrap();
    let quill = v["models"].as_array().unwrap().iter().find(|m| m["key"] == "quill-7-1");
    assert!(quill.is_some(), "the last good list stands: {v}");

    // A corrupt cache file is named, and the rest still reads.
    let dir = home.path().join(".config/bedrock-tray/models");
    std::fs::write(dir.join("123456789012_us-east-1.json"), "{ not json").unwrap();
    let v: Value = serde_json::from_str(&ok(&home, &fake, &["models", "--json"])).unwrap();
    assert!(v["errors"][0].as_str().unwrap().contains("us-east-1.json"), "{v}");
    assert!(v["models"].as_array().unwrap().iter().any(|m| m["key"] == "quill-7-1"));
}

/// Not a timed assertion: prints how long a refresh of three pages of 100
/// profiles takes against the local fake, for the closing note.
#[test]
fn a_refresh_reads_three_pages_of_a_hundred_profiles() {
    let (home, fake) = setup();
    let mut many: Vec<Value> =
        (0..297).map(|i| json!(format!("eu.anthropic.claude-quill-{}-{}", 1 + i / 10, i % 10))).collect();
    many.extend(
        ["eu.anthropic.claude-opus-5-5", "eu.anthropic.claude-fable-5-2", "eu.anthropic.claude-haiku-5-5"]
            .map(|s| json!(s)),
    );
    fake.config(json!({"inference_profiles": {"eu-central-1": many}, "profiles_page_size": 100}));
    let started = Instant::now();
    let v: Value =
        serde_json::from_str(&ok(&home, &fake, &["models", "--refresh", "--json", "--region", "eu-central-1"]))
            .unwrap();
    eprintln!("models --refresh, 300 profiles in 3 pages (+ default regions): {:?}", started.elapsed());
    let selected = &v["refresh"]["regions"][0];
    assert_eq!(selected["profiles"], 300, "{selected}");
    assert_eq!(selected["pages"], 4, "3 pages of system profiles, 1 of application profiles");
    assert!(v["models"].as_array().unwrap().len() > 290);
}
