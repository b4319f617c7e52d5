//! `usage`: what Claude Code on Bedrock cost, from its transcripts.

use super::Failure;
use bedrock_tray::catalog::Catalog;
use bedrock_tray::claude::usage::{self, GroupBy, Report, Zone};
use bedrock_tray::paths::Paths;

/// Runs `usage`, with days in the zone `tz` names, or the local one.
pub fn run(
    paths: &Paths,
    since: Option<&str>,
    tz: Option<&str>,
    by: GroupBy,
    budget: Option<f64>,
    json: bool,
) -> Result<(), Failure> {
    // Checked before anything is read or written: a bad --tz changes nothing.
    let zone = match tz {
        Some(name) => Zone::parse(name).map_err(Failure::usage)?,
        None => Zone::local().unwrap_or_else(|e| {
            eprintln!("bedrock-tray: warning: {e}: counting days in UTC (choose a zone with --tz)");
            Zone::utc()
        }),
    };
    let today = zone.today(time::OffsetDateTime::now_utc());
    let budget = match budget {
        Some(b) => Some(bedrock_tray::app_state::check_budget(b).map_err(Failure::usage)?),
        // The budget set with `config budget`, when none is given here.
        None => bedrock_tray::app_state::AppState::load(&paths.app_state()).map_err(Failure::env)?.budget(),
    };
    if let Some(s) = since {
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| Failure::usage(format!("invalid --since {s:?}: use YYYY-MM-DD")))?;
    }
    let report = usage::run(
        &paths.claude_dir.join("projects"),
        &paths.app_dir.join("usage-index.json"),
        &Catalog::load(paths),
        since,
        by,
        &today,
        &zone,
    )
    .map_err(Failure::env)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("serialisable"));
    } else {
        print_report(&report);
        println!("today ${:.2}, this month ${:.2} (days in {})", report.today_usd, report.month_usd, report.time_zone);
    }
    if let Some(level) = budget.and_then(|b| usage::budget_level(report.month_usd, b)) {
        eprintln!(
            "bedrock-tray: warning: this month's Claude Code spend ${:.2} has reached {level}% of the ${:.2} budget",
            report.month_usd,
            budget.unwrap_or_default()
        );
    }
    Ok(())
}

fn print_report(r: &Report) {
    println!(
        "{:<40} {:>9} {:>12} {:>12} {:>12} {:>13} {:>11}",
        match r.by {
            GroupBy::Day => "day",
            GroupBy::Model => "model",
            GroupBy::Project => "project",
        },
        "messages",
        "input",
        "output",
        "cache write",
        "cache read",
        "USD"
    );
    for row in &r.rows {
        let t = &row.tokens;
        println!(
            "{:<40} {:>9} {:>12} {:>12} {:>12} {:>13} {:>11.4}{}",
            row.key,
            row.messages,
            t.input,
            t.output,
            t.cache_write,
            t.cache_read,
            row.usd,
            if row.unpriced_messages > 0 { format!("  + {} unpriced", row.unpriced_messages) } else { String::new() }
        );
    }
    let t = &r.total_tokens;
    println!(
        "{:<40} {:>9} {:>12} {:>12} {:>12} {:>13} {:>11.4}",
        "total", r.messages, t.input, t.output, t.cache_write, t.cache_read, r.total_usd
    );
    for u in &r.unknown_models {
        println!(
            "not priced: model {} is not in the catalog ({} messages, {} tokens)",
            u.model,
            u.messages,
            u.tokens.total()
        );
    }
    if r.malformed_lines > 0 {
        println!("skipped {} malformed transcript lines", r.malformed_lines);
    }
}
