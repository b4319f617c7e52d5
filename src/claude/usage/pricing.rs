//! What tokens cost: a transcript's model ID matched to the catalog, and
//! the catalog's prices.

use super::Tokens;
use crate::catalog::{Catalog, Model};

/// Normalises a model name for matching: `us.anthropic.claude-x-v1:0`,
/// `anthropic.claude-x-20250101-v1:0`, `claude-x@20250101` and `claude-x`
/// all become `claude-x` (dates and version suffixes dropped).
fn normalise(model: &str) -> String {
    let m = model.rsplit('/').next().unwrap_or(model);
    let m = match m.find("anthropic.") {
        Some(i) => &m[i + "anthropic.".len()..],
        None => m,
    };
    let m = m.split([':', '@']).next().unwrap_or(m);
    let mut parts: Vec<&str> = m.split('-').collect();
    if parts.last().is_some_and(|p| p.len() == 2 && p.starts_with('v')) {
        parts.pop();
    }
    if parts.last().is_some_and(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit())) {
        parts.pop();
    }
    parts.join("-")
}

/// The catalog model a transcript's model ID means (inference profile ID,
/// foundation model ID, ARN or Anthropic model name).
pub fn price_model<'a>(catalog: &'a Catalog, model: &str) -> Option<&'a Model> {
    let n = normalise(model);
    catalog.models.iter().find(|m| normalise(&m.foundation_model_id) == n || m.profiles.values().any(|p| p == model))
}

/// The price of tokens of one model, USD. Cache writes and reads use the
/// catalog's rates, else Anthropic's published multipliers of the input
/// price (5-minute cache write 1.25x, cache read 0.1x); 1-hour cache writes,
/// which the catalog does not list, at 2x the input price
/// (<https://platform.claude.com/docs/en/about-claude/pricing>).
pub fn cost(model: &Model, t: &Tokens) -> f64 {
    let write = model.cache_write_usd_per_mtok.unwrap_or(model.input_usd_per_mtok * 1.25);
    let read = model.cache_read_usd_per_mtok.unwrap_or(model.input_usd_per_mtok * 0.1);
    (t.input as f64 * model.input_usd_per_mtok
        + t.output as f64 * model.output_usd_per_mtok
        + (t.cache_write - t.cache_write_1h) as f64 * write
        + t.cache_write_1h as f64 * model.input_usd_per_mtok * 2.0
        + t.cache_read as f64 * read)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_map_to_catalog_models() {
        let c = Catalog::builtin();
        for id in [
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-haiku-4-5-20251001",
            "claude-haiku-4-5",
            "arn:aws:bedrock:eu-central-1:111122223333:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        ] {
            assert_eq!(price_model(c, id).map(|m| m.key.as_str()), Some("haiku"), "{id}");
        }
        assert_eq!(price_model(c, "us.anthropic.claude-sonnet-4-6").map(|m| m.key.as_str()), Some("sonnet"));
        assert!(price_model(c, "claude-3-opus-20240229").is_none(), "an unknown model is not guessed");
    }

    #[test]
    fn one_hour_cache_writes_cost_twice_the_input_price() {
        let c = Catalog::builtin();
        let haiku = price_model(c, "claude-haiku-4-5").unwrap();
        let t = Tokens { cache_write: 1_000_000, cache_write_1h: 400_000, ..Tokens::default() };
        // 600k at the 5-minute rate ($1.25) + 400k at 2 x $1 input.
        assert!((cost(haiku, &t) - (0.6 * 1.25 + 0.4 * 2.0)).abs() < 1e-9);
    }
}
