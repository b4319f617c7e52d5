//! The `usage` report: totals grouped by day, model or project, priced.

use super::index::DayBuckets;
use super::pricing::{cost, PriceCache};
use super::{ScanStats, Tokens, UsageIndex, Zone};
use crate::catalog::Catalog;
use serde::Serialize;
use std::collections::BTreeMap;

/// How to group the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Day,
    Model,
    Project,
}

/// One report row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub key: String,
    /// Every message, priced or not.
    pub messages: u64,
    /// Every message's tokens, priced or not.
    pub tokens: Tokens,
    /// The priced messages' cost.
    pub usd: f64,
    /// Of `messages`, those of models with no price ([`UnknownModel`]):
    /// their tokens are counted, their cost is not in `usd`.
    pub unpriced_messages: u64,
}

/// A model the catalog does not know: listed, never priced at zero.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownModel {
    pub model: String,
    pub messages: u64,
    pub tokens: Tokens,
}

/// The `usage` report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The time zone days and months are counted in (an IANA name, `UTC`
    /// or an offset such as `+05:30`).
    pub time_zone: String,
    pub since: Option<String>,
    pub by: GroupBy,
    pub rows: Vec<Row>,
    pub total_usd: f64,
    pub total_tokens: Tokens,
    pub messages: u64,
    pub unknown_models: Vec<UnknownModel>,
    pub malformed_lines: u64,
    pub read: ScanStats,
    /// Spend of `today` and of its month so far (ignores `since`).
    pub today_usd: f64,
    pub month_usd: f64,
}

/// Builds the report from the index, with days in `zone`. `since` is
/// `YYYY-MM-DD` (a day in `zone`), inclusive.
pub fn report(
    index: &UsageIndex,
    catalog: &Catalog,
    since: Option<&str>,
    by: GroupBy,
    read: ScanStats,
    zone: &Zone,
) -> Report {
    let buckets = index.buckets(zone);
    report_in(&buckets, index.malformed_lines, &mut PriceCache::new(catalog), since, by, read, zone)
}

/// [`report`] of buckets already summed per day.
pub(super) fn report_in(
    buckets: &DayBuckets,
    malformed_lines: u64,
    cache: &mut PriceCache<'_>,
    since: Option<&str>,
    by: GroupBy,
    read: ScanStats,
    zone: &Zone,
) -> Report {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut unknown: BTreeMap<String, UnknownModel> = BTreeMap::new();
    let mut total_tokens = Tokens::default();
    let mut messages = 0;
    let mut total_usd = 0.0;
    for ((day, model, project), b) in buckets {
        if since.is_some_and(|s| day.as_str() < s) {
            continue;
        }
        let priced = cache.get(model);
        if priced.is_none() {
            let u = unknown.entry(model.clone()).or_insert_with(|| UnknownModel {
                model: model.clone(),
                messages: 0,
                tokens: Tokens::default(),
            });
            u.messages += b.messages;
            u.tokens.add(b.tokens);
        }
        // Unpriced tokens stay in the rows and totals (marked unpriced):
        // dropping them would understate what was used.
        let usd = priced.map_or(0.0, |(_, prices)| cost(&prices, &b.tokens));
        let priced = priced.map(|(model, _)| model);
        let key = match by {
            GroupBy::Day => day.clone(),
            GroupBy::Model => priced.map_or_else(|| model.clone(), |p| p.name.clone()),
            GroupBy::Project => project.clone(),
        };
        let row = rows.entry(key.clone()).or_insert_with(|| Row {
            key,
            messages: 0,
            tokens: Tokens::default(),
            usd: 0.0,
            unpriced_messages: 0,
        });
        row.messages += b.messages;
        row.tokens.add(b.tokens);
        row.usd += usd;
        if priced.is_none() {
            row.unpriced_messages += b.messages;
        }
        total_tokens.add(b.tokens);
        messages += b.messages;
        total_usd += usd;
    }
    Report {
        time_zone: zone.name().to_string(),
        since: since.map(str::to_string),
        by,
        rows: rows.into_values().collect(),
        total_usd,
        total_tokens,
        messages,
        unknown_models: unknown.into_values().collect(),
        malformed_lines,
        read,
        today_usd: 0.0,
        month_usd: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpriced_models_tokens_stay_in_rows_and_totals() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        let line = |id: &str, model: &str, output: u64| {
            format!(
                r#"{{"type":"assistant","requestId":"r-{id}","timestamp":"2026-03-01T10:00:00Z","cwd":"/w","message":{{"id":"{id}","model":"{model}","usage":{{"input_tokens":1,"output_tokens":{output}}}}}}}"#
            ) + "\n"
        };
        let text = line("m1", "claude-haiku-4-5", 10) + &line("m2", "some-model-nobody-prices", 1000);
        std::fs::write(projects.join("a.jsonl"), text).unwrap();
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        index.refresh(&dir.path().join("projects")).unwrap();
        let utc = Zone::utc();
        let r = report(&index, Catalog::builtin(), None, GroupBy::Day, ScanStats::default(), &utc);
        assert_eq!(r.rows.len(), 1);
        assert_eq!((r.rows[0].messages, r.rows[0].tokens.output, r.rows[0].unpriced_messages), (2, 1010, 1));
        assert_eq!((r.messages, r.total_tokens.output), (2, 1010), "totals keep the unpriced tokens");
        assert_eq!(r.unknown_models.len(), 1, "and name the model");
        let by_model = report(&index, Catalog::builtin(), None, GroupBy::Model, ScanStats::default(), &utc);
        let unpriced: Vec<_> = by_model.rows.iter().filter(|row| row.unpriced_messages > 0).collect();
        assert_eq!(unpriced.len(), 1);
        assert_eq!((unpriced[0].key.as_str(), unpriced[0].usd), ("some-model-nobody-prices", 0.0));
    }
}
