//! `usage` prices Claude Code transcripts with the catalog, counts each
//! message once, skips malformed lines, lists unknown models, reads only
//! what is new on a refresh, and counts days in the local or a chosen zone.

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

    // By hand, USD per million tokens (input, output, cache write, cache read),
    // geographic (eu., us.) profiles billed 10 % over the global list price:
    //   haiku  msg_a1 (eu., streamed twice, largest counters): (10*1 + 200*5 + 1000*1.25) * 1.1 = 2486
    //   sonnet msg_a2 (Anthropic API name, also in the resumed session): 100*3 + 500*15 + 20000*0.3 = 13800
    //   opus   msg_b1 (us.): (1000*5 + 2000*25) * 1.1 = 60500
    //   total 76786 / 1e6 = $0.076786; claude-3-opus is unknown; one line is cut.
    let r = usage_json(&home, &["--by", "model"]);
    assert!(close(&r["total_usd"], 0.076786), "total {}", r["total_usd"]);
    assert_eq!(
        r["messages"], 4,
        "streamed and resumed copies count once; synthetic messages not at all; the unpriced one does"
    );
    assert_eq!(r["malformed_lines"], 1);
    assert_eq!(r["unknown_models"][0]["model"], "claude-3-opus-20240229", "listed, not priced at zero");
    assert_eq!(r["unknown_models"][0]["messages"], 1);
    let haiku =
        r["rows"].as_array().unwrap().iter().find(|row| row["key"].as_str().unwrap().contains("Haiku")).unwrap();
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
    assert!((days[0].1 - 0.002486).abs() < 1e-9 && (days[1].1 - 0.0743).abs() < 1e-9, "{days:?}");
    let since = usage_json(&home, &["--since", "2026-03-02"]);
    assert!(close(&since["total_usd"], 0.0743), "--since drops earlier days");
    let by_project = usage_json(&home, &["--by", "project"]);
    let keys: Vec<&str> = by_project["rows"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["/work/alpha", "/work/beta"]);

    // Text output says the same.
    let text = home.cli_ok(&["usage", "--by", "model"]);
    assert!(text.contains("0.0768") && text.contains("not priced: model claude-3-opus-20240229"), "{text}");
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
    assert!(close(&unchanged["total_usd"], 0.076786), "totals come from the index");

    let file = projects.join("-work-beta/22222222-bbbb.jsonl");
    let line = r#"{"cwd":"/work/beta","type":"assistant","message":{"id":"msg_b2","model":"us.anthropic.claude-opus-4-6-v1","usage":{"input_tokens":2000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}},"requestId":"req_b2","timestamp":"2026-03-03T08:00:00.000Z"}"#;
    let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    // Half a line first: Claude Code may be mid-write.
    f.write_all(&line.as_bytes()[..40]).unwrap();
    let partial = usage_json(&home, &[]);
    assert_eq!(partial["messages"], 4, "an unfinished line is not counted yet");
    assert_eq!(partial["malformed_lines"], 1, "nor called malformed");
    f.write_all(&line.as_bytes()[40..]).unwrap();
    f.write_all(b"\n").unwrap();
    let after = usage_json(&home, &[]);
    assert_eq!(after["read"]["files"], 1);
    assert_eq!(after["read"]["bytes"], line.len() + 1, "only the new line is read");
    assert!(
        close(&after["total_usd"], 0.076786 + 0.011),
        "2000 opus input tokens through us. add $0.011: {}",
        after["total_usd"]
    );
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
    // 1201 + 35 + 375 + 400 = 2011, plus 2012 = 4023 per million, and 10 % more
    // for the eu. profile = $0.0044253.
    let r = usage_json(&home, &["--by", "model"]);
    assert_eq!(r["messages"], 2);
    assert!(close(&r["total_usd"], 0.0044253), "{}", r["total_usd"]);
    assert_eq!(r["malformed_lines"], 0, "every line Claude Code writes parses");
    assert_eq!(r["unknown_models"].as_array().unwrap().len(), 0);
}

#[test]
fn budget_warning_names_the_threshold_reached() {
    let home = TestHome::new();
    // 1M Sonnet 4.6 output tokens today through eu.: $15 + 10 %.
    assert!((write_transcript_today(&home, 0, 1_000_000) - 16.5).abs() < 1e-9);
    let out = home.cli(&["usage", "--budget", "30"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("today $16.50, this month $16.50"), "{}", text(&out));
    assert!(stderr(&out).contains("reached 50% of the $30.00 budget"), "$16.50 of $30 is 55%: {}", text(&out));
    let under = home.cli(&["usage", "--budget", "100"]);
    assert!(!stderr(&under).contains("warning"), "16.5% warns not: {}", text(&under));
}

#[test]
fn budget_from_config_is_used_and_bad_amounts_change_nothing() {
    let home = TestHome::new();
    // 1M Sonnet 4.6 output tokens today through eu.: $15 + 10 %.
    assert!((write_transcript_today(&home, 0, 1_000_000) - 16.5).abs() < 1e-9);

    let set = home.cli_ok(&["config", "budget", "18"]);
    assert!(set.contains("$18.00"), "{set}");
    let state = home.path().join(".config/bedrock-tray/state.json");
    let saved = std::fs::read(&state).unwrap();
    for bad in [
        &["config", "budget", "0"][..],
        &["config", "budget", "--", "-5"],
        &["config", "budget", "inf"],
        &["config", "budget", "NaN"],
        &["config", "budget", "lots"],
    ] {
        let out = home.cli(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?} is refused as bad input: {}", text(&out));
        assert_eq!(std::fs::read(&state).unwrap(), saved, "{bad:?} leaves the state file as it was");
    }
    let bad_flag = home.cli(&["usage", "--budget", "-1"]);
    assert_eq!(bad_flag.status.code(), Some(2), "usage --budget is checked the same way: {}", text(&bad_flag));

    let out = home.cli(&["usage"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("reached 80% of the $18.00 budget"),
        "$16.50 of $18 is 92%, from the config: {}",
        text(&out)
    );
    let flag_wins = home.cli(&["usage", "--budget", "1000"]);
    assert!(!stderr(&flag_wins).contains("warning"), "--budget overrides the config: {}", text(&flag_wins));
    let show: serde_json::Value = serde_json::from_str(&home.cli_ok(&["config", "show"])).unwrap();
    assert_eq!(show["monthly_budget_usd"], 18.0);

    home.cli_ok(&["config", "budget", "--clear"]);
    let cleared = home.cli(&["usage"]);
    assert!(!stderr(&cleared).contains("warning"), "no budget, no warning: {}", text(&cleared));
    let both = home.cli(&["config", "budget", "5", "--clear"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn spend_now_reads_the_budget_and_only_new_lines() {
    let home = TestHome::new();
    let paths = home.paths();
    let dir = home.path().join(".claude/projects/-p");
    std::fs::create_dir_all(&dir).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let today = now.date().to_string();
    let line = |id: &str| {
        format!(
            r#"{{"type":"assistant","cwd":"/p","message":{{"id":"{id}","model":"claude-sonnet-4-6","usage":{{"input_tokens":0,"output_tokens":1000000}}}},"timestamp":"{today}T00:00:01Z"}}"#
        ) + "\n"
    };
    std::fs::write(dir.join("s.jsonl"), line("m1")).unwrap();
    home.cli_ok(&["config", "budget", "20"]);
    let utc = bedrock_tray::claude::usage::Zone::utc();
    let spend = bedrock_tray::claude::usage::spend_now(&paths, now, &utc).unwrap();
    assert!((spend.today_usd - 15.0).abs() < 1e-9 && (spend.month_usd - 15.0).abs() < 1e-9, "{spend:?}");
    assert_eq!(spend.month, &today[..7]);
    assert_eq!((spend.budget_usd, spend.level), (Some(20.0), Some(50)), "$15 of $20 is the 50 % level");
    assert!((spend.budget_percent.unwrap() - 75.0).abs() < 1e-9);

    let mut f = std::fs::OpenOptions::new().append(true).open(dir.join("s.jsonl")).unwrap();
    f.write_all(line("m2").as_bytes()).unwrap();
    let spend = bedrock_tray::claude::usage::spend_now(&paths, now, &utc).unwrap();
    assert_eq!(spend.level, Some(100), "$30 of $20");
    let snap = bedrock_tray::view::snapshot::Snapshot::read(&paths, now).with_spend(Some(spend));
    let v = serde_json::to_value(&snap).unwrap();
    assert_eq!(v["spend"]["level"], 100, "the snapshot carries the spend for the views");
}

#[test]
fn no_transcripts_is_said_and_exits_1() {
    let home = TestHome::new();
    let out = home.cli(&["usage"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("no Claude Code transcripts under"), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("$0.00"), "no zero bill for nothing found: {}", text(&out));
}

/// A Sonnet 4.6 message (global: $15 per million output tokens) at `timestamp`.
fn sonnet_line(id: &str, timestamp: &str, output: u64) -> String {
    format!(
        r#"{{"type":"assistant","cwd":"/p","requestId":"r-{id}","message":{{"id":"{id}","model":"claude-sonnet-4-6","usage":{{"input_tokens":0,"output_tokens":{output}}}}},"timestamp":"{timestamp}"}}"#
    ) + "\n"
}

fn write_session(home: &TestHome, lines: &[String]) {
    let dir = home.path().join(".claude/projects/-p");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.jsonl"), lines.concat()).unwrap();
}

fn index_file(home: &TestHome) -> std::path::PathBuf {
    home.paths().app_dir.join("usage-index.json")
}

/// `usage --json` with `TZ` set to `tz` in its environment.
fn usage_in(home: &TestHome, tz: &str, args: &[&str]) -> (serde_json::Value, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    cmd.args(["usage", "--json"]).args(args);
    home.isolate(&mut cmd);
    cmd.env("TZ", tz);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "TZ={tz} usage {args:?}: {}", text(&out));
    (serde_json::from_slice(&out.stdout).unwrap(), stderr(&out))
}

/// (day, output tokens) per row of a `--by day` report.
fn day_rows(r: &serde_json::Value) -> Vec<(String, u64)> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["key"].as_str().unwrap().to_string(), row["tokens"]["output"].as_u64().unwrap()))
        .collect()
}

fn days(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(d, n)| (d.to_string(), *n)).collect()
}

#[test]
fn days_are_counted_in_the_zone_asked_for_or_the_local_one() {
    let home = TestHome::new();
    // 23:30 UTC on 29 November is already the 30th in Berlin and in India,
    // still the 29th in Los Angeles; noon UTC is the 29th everywhere here.
    write_session(
        &home,
        &[sonnet_line("late", "2026-11-29T23:30:00.000Z", 1000), sonnet_line("noon", "2026-11-29T12:00:00.000Z", 10)],
    );
    let split = days(&[("2026-11-29", 10), ("2026-11-30", 1000)]);
    let whole = days(&[("2026-11-29", 1010)]);
    let cases = [
        ("UTC", "UTC", &whole),
        ("Europe/Berlin", "Europe/Berlin", &split),
        ("America/Los_Angeles", "America/Los_Angeles", &whole),
        ("+05:30", "+05:30", &split),
    ];
    for (tz, shown, want) in cases {
        // Fresh (no index), then warm (from the index the first run saved):
        // the same days either way. TZ says otherwise: --tz wins.
        std::fs::remove_file(index_file(&home)).ok();
        let (fresh, _) = usage_in(&home, "Asia/Tokyo", &["--tz", tz]);
        assert_eq!(fresh["read"]["files"], 1, "the first run reads the transcript");
        assert_eq!(&day_rows(&fresh), want, "--tz {tz}, fresh index");
        assert_eq!(fresh["time_zone"], shown, "--json names the zone");
        let (warm, _) = usage_in(&home, "Asia/Tokyo", &["--tz", tz]);
        assert_eq!(warm["read"]["bytes"], 0, "the second run answers from the index");
        assert_eq!(&day_rows(&warm), want, "--tz {tz}, warm index");
    }

    // With no --tz, TZ decides (a warm index serves every zone).
    for (tz, want) in [("Europe/Berlin", &split), ("America/Los_Angeles", &whole), ("UTC", &whole)] {
        let (r, _) = usage_in(&home, tz, &[]);
        assert_eq!((&day_rows(&r), r["time_zone"].as_str()), (want, Some(tz)), "TZ={tz}");
    }
    // --since is a day in that zone: Berlin's 30th holds only the late message.
    let (since, _) = usage_in(&home, "Europe/Berlin", &["--since", "2026-11-30"]);
    assert_eq!(since["messages"], 1);
    // A TZ that names no zone: said, and UTC is used.
    let (bad, err) = usage_in(&home, "Mars/Olympus_Mons", &[]);
    assert!(err.contains("cannot tell the local time zone") && err.contains("Mars/Olympus_Mons"), "{err}");
    assert_eq!((&day_rows(&bad), bad["time_zone"].as_str()), (&whole, Some("UTC")));
    // Text output names the zone too.
    let text = home.cli_ok(&["usage", "--tz", "Europe/Berlin"]);
    assert!(text.contains("(days in Europe/Berlin)") && text.contains("2026-11-30"), "{text}");
}

#[test]
fn a_dst_day_in_berlin_has_25_hours() {
    let home = TestHome::new();
    // Summer time ends on 2026-10-25 at 03:00 CEST (01:00 UTC): Berlin's
    // 25 October runs from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
    write_session(
        &home,
        &[
            sonnet_line("a", "2026-10-24T21:50:00Z", 1),      // 23:50 CEST, the 24th
            sonnet_line("b", "2026-10-24T22:10:00Z", 10),     // 00:10 CEST, the 25th
            sonnet_line("c", "2026-10-25T00:30:00Z", 100),    // 02:30 CEST, the 25th
            sonnet_line("d", "2026-10-25T01:30:00Z", 1000),   // 02:30 CET (again), the 25th
            sonnet_line("e", "2026-10-25T22:50:00Z", 10000),  // 23:50 CET, the 25th
            sonnet_line("f", "2026-10-25T23:10:00Z", 100000), // 00:10 CET, the 26th
        ],
    );
    let (berlin, _) = usage_in(&home, "UTC", &["--tz", "Europe/Berlin"]);
    assert_eq!(day_rows(&berlin), days(&[("2026-10-24", 1), ("2026-10-25", 11110), ("2026-10-26", 100000)]));
    let (utc, _) = usage_in(&home, "Europe/Berlin", &["--tz", "UTC"]);
    assert_eq!(day_rows(&utc), days(&[("2026-10-24", 11), ("2026-10-25", 111100)]), "the same index, in UTC");
}

#[test]
fn an_index_of_the_old_format_is_rebuilt_not_misread() {
    let home = TestHome::new();
    let line = sonnet_line("m1", "2026-11-29T23:30:00Z", 1000);
    write_session(&home, std::slice::from_ref(&line));
    // What the previous version saved: UTC days, and the transcript read to
    // its end. Were it trusted, the message would stay on the UTC day and
    // the made-up 999 messages would be reported.
    let file = home.path().join(".claude/projects/-p/s.jsonl");
    let old = serde_json::json!({
        "version": 4,
        "files": {file.to_str().unwrap(): {"offset": line.len(), "pending": null}},
        "seen": {"1": 2_461_374},
        "buckets": {"2026-11-29\tclaude-sonnet-4-6\t/p": {"messages": 999, "tokens": {"input": 0, "output": 5, "cache_write": 0, "cache_read": 0}}},
        "malformed_lines": 0
    });
    std::fs::create_dir_all(index_file(&home).parent().unwrap()).unwrap();
    std::fs::write(index_file(&home), serde_json::to_vec(&old).unwrap()).unwrap();
    let (r, _) = usage_in(&home, "UTC", &["--tz", "Europe/Berlin"]);
    assert_eq!(r["read"]["files"], 1, "the transcript is read again");
    assert_eq!(day_rows(&r), days(&[("2026-11-30", 1000)]), "and counted in Berlin's day");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(index_file(&home)).unwrap()).unwrap();
    assert_ne!(saved["version"], 4, "the rebuilt index is saved in the new format");
}

#[test]
fn an_unknown_zone_exits_2_and_writes_nothing() {
    let home = TestHome::new();
    write_session(&home, &[sonnet_line("m1", "2026-11-29T23:30:00Z", 1000)]);
    for bad in ["Mars/Olympus_Mons", "+05:17", "+5:30", "Berlin"] {
        let out = home.cli(&["usage", "--tz", bad]);
        assert_eq!(out.status.code(), Some(2), "--tz {bad}: {}", text(&out));
        assert!(stderr(&out).contains(bad), "the error names {bad:?}: {}", text(&out));
        assert!(out.stdout.is_empty(), "no report: {}", text(&out));
        assert!(!index_file(&home).exists(), "--tz {bad} writes no index");
    }
}

#[test]
fn spend_today_and_this_month_follow_the_zone() {
    use bedrock_tray::claude::usage::{spend_now, Zone};
    let home = TestHome::new();
    // $15 at 23:00 Berlin time on 30 November, $15 at 00:30 on 1 December.
    write_session(
        &home,
        &[sonnet_line("m1", "2026-11-30T22:00:00Z", 1_000_000), sonnet_line("m2", "2026-11-30T23:30:00Z", 1_000_000)],
    );
    let now = time::macros::datetime!(2026-11-30 23:45 UTC);
    let spend = |zone: &str| spend_now(&home.paths(), now, &Zone::parse(zone).unwrap()).unwrap();
    let dollars = |usd: f64| usd.round() as i64;
    let utc = spend("UTC");
    assert_eq!((dollars(utc.today_usd), dollars(utc.month_usd), utc.month.as_str()), (30, 30, "2026-11"));
    let berlin = spend("Europe/Berlin");
    assert_eq!(
        (dollars(berlin.today_usd), dollars(berlin.month_usd), berlin.month.as_str(), berlin.time_zone.as_str()),
        (15, 15, "2026-12", "Europe/Berlin"),
        "00:45 on 1 December in Berlin: a new day and a new month"
    );
    let la = spend("America/Los_Angeles");
    assert_eq!((dollars(la.today_usd), la.month.as_str()), (30, "2026-11"), "15:45 on 30 November in Los Angeles");
}
