//! The `usage` report: totals grouped by day, model or project, priced.

use super::pricing::{cost, price_model};
use super::{ScanStats, Tokens, UsageIndex};
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
    pub messages: u64,
    pub tokens: Tokens,
    pub usd: f64,
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

/// Builds the report from the index. `since` is `YYYY-MM-DD`, inclusive.
pub fn report(index: &UsageIndex, catalog: &Catalog, since: Option<&str>, by: GroupBy, read: ScanStats) -> Report {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut unknown: BTreeMap<String, UnknownModel> = BTreeMap::new();
    let mut total_tokens = Tokens::default();
    let mut messages = 0;
    let mut total_usd = 0.0;
    for ((day, model, project), b) in index.buckets() {
        if since.is_some_and(|s| day.as_str() < s) {
            continue;
        }
        let Some((priced, prices)) = price_model(catalog, &model) else {
            let u = unknown.entry(model.clone()).or_insert_with(|| UnknownModel {
                model: model.clone(),
                messages: 0,
                tokens: Tokens::default(),
            });
            u.messages += b.messages;
            u.tokens.add(b.tokens);
            continue;
        };
        let usd = cost(&prices, &b.tokens);
        let key = match by {
            GroupBy::Day => day,
            GroupBy::Model => priced.name.clone(),
            GroupBy::Project => project,
        };
        let row =
            rows.entry(key.clone()).or_insert_with(|| Row { key, messages: 0, tokens: Tokens::default(), usd: 0.0 });
        row.messages += b.messages;
        row.tokens.add(b.tokens);
        row.usd += usd;
        total_tokens.add(b.tokens);
        messages += b.messages;
        total_usd += usd;
    }
    Report {
        since: since.map(str::to_string),
        by,
        rows: rows.into_values().collect(),
        total_usd,
        total_tokens,
        messages,
        unknown_models: unknown.into_values().collect(),
        malformed_lines: index.malformed_lines,
        read,
        today_usd: 0.0,
        month_usd: 0.0,
    }
}
