//! In-process benchmarks of the hot paths: a settings switch (patch +
//! atomic write), reading a large `~/.aws/config`, a whole snapshot of
//! 2,000 profiles with their token files, and transcript parsing in MB/s.
//! `make bench` runs them.

use bedrock_tray::aws::profiles::AwsProfiles;
use bedrock_tray::claude::settings::{self, OwnedKey, SettingsError};
use bedrock_tray::paths::Paths;
use bedrock_tray::sso::cache::token_file_name;
use bedrock_tray::view::snapshot::Snapshot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;

const PROFILES: usize = 2_000;

/// A config with `n` SSO profiles over 20 sso-sessions, comments included.
fn big_config(n: usize) -> String {
    let mut s = String::from("# generated for the benchmark\n");
    for i in 0..20 {
        let _ = write!(s, "[sso-session s{i}]\nsso_start_url = https://d-{i:04}.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n");
    }
    for i in 0..n {
        let _ = write!(s, "# account {i}\n[profile p{i}]\nsso_session = s{}\nsso_account_id = {:012}\nsso_role_name = Developer\nregion = eu-central-1\n\n", i % 20, 100_000_000_000u64 + i as u64);
    }
    s
}

fn home_with_profiles(n: usize) -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    std::fs::create_dir_all(home.join(".aws/sso/cache")).unwrap();
    std::fs::write(home.join(".aws/config"), big_config(n)).unwrap();
    for i in 0..20 {
        let token = format!("{{\"startUrl\":\"https://d-{i:04}.awsapps.com/start\",\"region\":\"eu-west-1\",\"accessToken\":\"x\",\"expiresAt\":\"2099-01-01T00:00:00Z\",\"refreshToken\":\"r\",\"clientId\":\"c\",\"clientSecret\":\"s\",\"registrationExpiresAt\":\"2099-01-01T00:00:00Z\"}}");
        std::fs::write(home.join(".aws/sso/cache").join(token_file_name(&format!("s{i}"))), token).unwrap();
    }
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude/settings.json"),
        "{\"permissions\":{\"allow\":[\"Bash(ls)\"]},\"env\":{\"CLAUDE_CODE_USE_BEDROCK\":\"1\",\"AWS_PROFILE\":\"p7\",\"AWS_REGION\":\"eu-central-1\",\"ANTHROPIC_MODEL\":\"eu.anthropic.claude-sonnet-4-6\"}}",
    )
    .unwrap();
    let paths = Paths::under_home(&home);
    (dir, paths)
}

fn settings_switch(c: &mut Criterion) {
    let (_dir, paths) = home_with_profiles(10);
    let mut flip = false;
    c.bench_function("settings: patch + atomic write", |b| {
        b.iter(|| {
            flip = !flip;
            let model = if flip { "eu.anthropic.claude-opus-4-6-v1" } else { "eu.anthropic.claude-sonnet-4-6" };
            settings::update::<SettingsError>(&paths.claude_settings, |_| {
                Ok(vec![(OwnedKey::Model, Some(model.to_string()))])
            })
            .unwrap()
        })
    });
}

fn config_parse(c: &mut Criterion) {
    let (_dir, paths) = home_with_profiles(PROFILES);
    c.bench_function("aws config: parse 2,000 profiles", |b| {
        b.iter(|| black_box(AwsProfiles::load(&paths.aws_config, &paths.aws_credentials).unwrap().all().len()))
    });
}

fn snapshot(c: &mut Criterion) {
    let (_dir, paths) = home_with_profiles(PROFILES);
    let now = time::OffsetDateTime::now_utc();
    c.bench_function("snapshot: 2,000 profiles + token files", |b| {
        b.iter(|| black_box(Snapshot::read(&paths, now).profiles.len()))
    });
}

/// About 8 MB of transcript lines in the shape Claude Code writes: user
/// turns, streamed assistant messages (the same message in two or three
/// lines with growing usage), tool results with long text.
fn synthetic_transcript() -> Vec<u8> {
    let mut out = String::new();
    let filler = "lorem ipsum dolor sit amet ".repeat(20);
    let mut i = 0u64;
    while out.len() < 8 << 20 {
        let _ = writeln!(
            out,
            r#"{{"parentUuid":"u{i}","isSidechain":false,"userType":"external","cwd":"/home/dev/project","sessionId":"s1","version":"2.1.0","type":"user","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t{i}","content":"{filler}"}}]}},"uuid":"u{i}b","timestamp":"2026-11-20T10:{:02}:00.000Z"}}"#,
            i % 60
        );
        for part in 0..3u64 {
            let _ = writeln!(
                out,
                r#"{{"parentUuid":"u{i}b","cwd":"/home/dev/project","sessionId":"s1","version":"2.1.0","message":{{"id":"msg_{i}","type":"message","role":"assistant","model":"eu.anthropic.claude-sonnet-4-6","content":[{{"type":"text","text":"{filler}"}}],"stop_reason":null,"usage":{{"input_tokens":{},"cache_creation_input_tokens":1200,"cache_read_input_tokens":45000,"cache_creation":{{"ephemeral_5m_input_tokens":1200,"ephemeral_1h_input_tokens":0}},"output_tokens":{}}}}},"requestId":"req_{i}","type":"assistant","uuid":"a{i}{part}","timestamp":"2026-11-20T10:{:02}:01.000Z"}}"#,
                4 + i % 7,
                50 * (part + 1),
                i % 60
            );
        }
        i += 1;
    }
    out.into_bytes()
}

fn transcript_parse(c: &mut Criterion) {
    let data = synthetic_transcript();
    let mut group = c.benchmark_group("transcript");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(20);
    group.bench_function("parse_line over 8 MB", |b| {
        b.iter(|| {
            let mut messages = 0u64;
            for line in data.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                messages += u64::from(matches!(bedrock_tray::claude::usage::parse_line(line, "p"), Ok(Some(_))));
            }
            black_box(messages)
        })
    });
    // The whole index read: file I/O, line splitting, streamed-message merge.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("project")).unwrap();
    std::fs::write(dir.path().join("project/s.jsonl"), &data).unwrap();
    group.bench_function("usage index: first read of 8 MB", |b| {
        b.iter(|| {
            let mut index = bedrock_tray::claude::usage::UsageIndex::default();
            black_box(index.refresh(dir.path()).unwrap())
        })
    });
    group.finish();
}

/// The tray menu built from a catalog of 60 models (the built-in list plus
/// what an account listed, new families included), as after a refresh.
fn menu_with_sixty_models(c: &mut Criterion) {
    use bedrock_tray::catalog::account::{AccountListing, ListedProfile, ProfileKind};
    use bedrock_tray::catalog::Catalog;
    let (_dir, paths) = home_with_profiles(10);
    let snapshot = Snapshot::read(&paths, time::OffsetDateTime::now_utc());
    let builtin = Catalog::builtin();
    let extra = 60usize.saturating_sub(builtin.models.len());
    let listed: Vec<ListedProfile> = (0..extra)
        .map(|i| {
            let id = format!("eu.anthropic.claude-{}-{}-{}", ["quill", "lark", "wren"][i % 3], 6 + i / 10, i % 10);
            let arn = format!("arn:aws:bedrock:eu-central-1:123456789012:inference-profile/{id}");
            ListedProfile::from_summary(&id, &arn, &id, ProfileKind::SystemDefined, "ACTIVE", &[])
        })
        .collect();
    let catalog = builtin.merged(&[AccountListing::new("eu-central-1", time::OffsetDateTime::now_utc(), listed)]);
    assert!(catalog.models.len() >= 60, "{}", catalog.models.len());
    c.bench_function("tray menu: rebuild with 60 models", |b| {
        b.iter(|| black_box(bedrock_tray::view::menu::tray(&snapshot, &catalog, false)))
    });
}

criterion_group!(benches, settings_switch, config_parse, snapshot, transcript_parse, menu_with_sixty_models);
criterion_main!(benches);
