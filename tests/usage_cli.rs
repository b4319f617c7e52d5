//! `usage` prices Claude Code transcripts with the catalog, counts each
//! message once, skips malformed lines, lists unknown models, and reads only
//! what is new on a refresh.

use crate::util::*;
use std::io::Write;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn usage_json(home: &TestHome, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["usage", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&home.cli_ok(&all)).unwrap()
}

fn close(a: &serde_json::Value, b: f64) -> bool {
    (a.as_f64().unwrap() - b).abs() < 1e-9
}

#[test]
fn usage_matches_a_hand_computation() {
    let home = TestHome::new();
    let projects = home.path().join(".claude/projects");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts/synthetic"), &projects);

    // By hand, USD per million tokens (input, output, cache write, cache read):
    //   haiku  msg_a1 (streamed twice, largest counters): 10*1 + 200*5 + 1000*1.25 = 2260
    //   sonnet msg_a2 (also copied into the resumed session): 100*3 + 500*15 + 20000*0.3 = 13800
    //   opus   msg_b1: 1000*5 + 2000*25 = 55000
    //   total 71060 / 1e6 = $0.07106; claude-3-opus is unknown; one line is cut.
    let r = usage_json(&home, &["--by", "model"]);
    assert!(close(&r["total_usd"], 0.07106), "total {}", r["total_usd"]);
    assert_eq!(r["messages"], 3, "streamed and resumed copies count once; synthetic messages not at all");
    assert_eq!(r["malformed_lines"], 1);
    assert_eq!(r["unknown_models"][0]["model"], "claude-3-opus-20240229", "listed, not priced at zero");
    assert_eq!(r["unknown_models"][0]["messages"], 1);
    let haiku = r["rows"].as_array().unwrap().iter().find(|row| row["key"].as_str().unwrap().contains("Haiku")).unwrap();
    assert_eq!(haiku["tokens"]["output"], 200, "the last streamed line's output count wins");

    let by_day = usage_json(&home, &["--by", "day"]);
    let days: Vec<(String, f64)> = by_day["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_string(), r["usd"].as_f64().unwrap()))
        .collect();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].0, "2026-03-01");
    assert!((days[0].1 - 0.00226).abs() < 1e-9 && (days[1].1 - 0.0688).abs() < 1e-9, "{days:?}");
    let since = usage_json(&home, &["--since", "2026-03-02"]);
    assert!(close(&since["total_usd"], 0.0688), "--since drops earlier days");
    let by_project = usage_json(&home, &["--by", "project"]);
    let keys: Vec<&str> = by_project["rows"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["/work/alpha", "/work/beta"]);

    // Text output says the same.
    let text = home.cli_ok(&["usage", "--by", "model"]);
    assert!(text.contains("0.0711") && text.contains("not priced: model claude-3-opus-20240229"), "{text}");
    assert!(text.contains("skipped 1 malformed"), "{text}");

    let bad = home.cli(&["usage", "--since", "March"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn refresh_reads_only_what_was_appended() {
    let home = TestHome::new();
    let projects = home.path().join(".claude/projects");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts/synthetic"), &projects);
    let first = usage_json(&home, &[]);
    assert_eq!(first["read"]["files"], 2);
    let unchanged = usage_json(&home, &[]);
    assert_eq!(unchanged["read"]["bytes"], 0, "nothing new: nothing read");
    assert!(close(&unchanged["total_usd"], 0.07106), "totals come from the index");

    let file = projects.join("-work-beta/22222222-bbbb.jsonl");
    let line = r#"{"cwd":"/work/beta","type":"assistant","message":{"id":"msg_b2","model":"us.anthropic.claude-opus-4-6-v1","usage":{"input_tokens":2000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}},"requestId":"req_b2","timestamp":"2026-03-03T08:00:00.000Z"}"#;
    let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    // Half a line first: Claude Code may be mid-write.
    f.write_all(&line.as_bytes()[..40]).unwrap();
    let partial = usage_json(&home, &[]);
    assert_eq!(partial["messages"], 3, "an unfinished line is not counted yet");
    assert_eq!(partial["malformed_lines"], 1, "nor called malformed");
    f.write_all(&line.as_bytes()[40..]).unwrap();
    f.write_all(b"\n").unwrap();
    let after = usage_json(&home, &[]);
    assert_eq!(after["read"]["files"], 1);
    assert_eq!(after["read"]["bytes"], line.len() + 1, "only the new line is read");
    assert!(close(&after["total_usd"], 0.07106 + 0.01), "2000 opus input tokens add $0.01: {}", after["total_usd"]);
}

#[test]
fn real_claude_code_transcript_is_priced() {
    let home = TestHome::new();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts/claude-code-2.1.197/projects"),
        &home.path().join(".claude/projects"),
    );
    // Two haiku messages (eu. inference profile ID): input 1201 and 1202,
    // output 7, cache write 300, cache read 4000, at $1 / $5 / $1.25 / $0.10:
    // 1201 + 35 + 375 + 400 = 2011, plus 2012 = 4023 per million = $0.004023.
    let r = usage_json(&home, &["--by", "model"]);
    assert_eq!(r["messages"], 2);
    assert!(close(&r["total_usd"], 0.004023), "{}", r["total_usd"]);
    assert_eq!(r["malformed_lines"], 0, "every line Claude Code writes parses");
    assert_eq!(r["unknown_models"].as_array().unwrap().len(), 0);
}

#[test]
fn budget_warning_names_the_threshold_reached() {
    let home = TestHome::new();
    let dir = home.path().join(".claude/projects/-p");
    std::fs::create_dir_all(&dir).unwrap();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    // 1M sonnet output tokens today: $15.
    let line = format!(
        r#"{{"type":"assistant","cwd":"/p","message":{{"id":"m1","model":"claude-sonnet-4-6","usage":{{"input_tokens":0,"output_tokens":1000000}}}},"timestamp":"{today}T00:00:01Z"}}"#
    );
    std::fs::write(dir.join("s.jsonl"), line + "\n").unwrap();
    let out = home.cli(&["usage", "--budget", "20"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("today $15.00, this month $15.00"), "{}", text(&out));
    assert!(stderr(&out).contains("reached 50% of the $20.00 budget"), "$15 of $20 is 75%: {}", text(&out));
    let under = home.cli(&["usage", "--budget", "100"]);
    assert!(!stderr(&under).contains("warning"), "15% warns not: {}", text(&under));
}
