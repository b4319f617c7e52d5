//! What tokens cost: a transcript's model ID matched to the catalog, and
//! the catalog's prices.

use super::Tokens;
use crate::catalog::{Catalog, Model, Prices};
use std::collections::HashMap;

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
/// foundation model ID, ARN or Anthropic model name), with its prices as
/// billed for that ID: a geographic profile costs more than a global one.
/// `None` for a model the catalog does not know or cannot price.
pub fn price_model<'a>(catalog: &'a Catalog, model: &str) -> Option<(&'a Model, Prices)> {
    let n = normalise(model);
    let m = catalog
        .models
        .iter()
        .find(|m| normalise(&m.foundation_model_id) == n || m.profiles.values().any(|p| p == model))?;
    Some((m, catalog.billed_prices(m, model)?))
}

/// [`price_model`], remembered per model ID: a report meets the same few
/// IDs once per day and project, and matching one against the catalog
/// normalises every catalog model's name.
pub(super) struct PriceCache<'a> {
    catalog: &'a Catalog,
    known: HashMap<String, Option<(&'a Model, Prices)>>,
}

impl<'a> PriceCache<'a> {
    pub(super) fn new(catalog: &'a Catalog) -> Self {
        Self { catalog, known: HashMap::new() }
    }

    /// [`price_model`] of `model`.
    pub(super) fn get(&mut self, model: &str) -> Option<(&'a Model, Prices)> {
        if let Some(p) = self.known.get(model) {
            return *p;
        }
        let p = price_model(self.catalog, model);
        self.known.insert(model.to_string(), p);
        p
    }
}

/// The price of tokens at `prices`, USD. 1-hour cache writes, which the
/// catalog does not list, cost 2x the input price
/// (<https://platform.claude.com/docs/en/about-claude/pricing>).
pub fn cost(prices: &Prices, t: &Tokens) -> f64 {
    (t.input as f64 * prices.input
        + t.output as f64 * prices.output
        + (t.cache_write - t.cache_write_1h) as f64 * prices.cache_write
        + t.cache_write_1h as f64 * prices.input * 2.0
        + t.cache_read as f64 * prices.cache_read)
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
            assert_eq!(price_model(c, id).map(|(m, _)| m.key.as_str()), Some("haiku-4-5"), "{id}");
        }
        assert_eq!(price_model(c, "us.anthropic.claude-sonnet-4-6").map(|(m, _)| m.key.as_str()), Some("sonnet-4-6"));
        assert!(price_model(c, "claude-3-opus-20240229").is_none(), "an unknown model is not guessed");
    }

    #[test]
    fn one_hour_cache_writes_cost_twice_the_input_price() {
        let c = Catalog::builtin();
        let (_, haiku) = price_model(c, "claude-haiku-4-5").unwrap();
        let t = Tokens { cache_write: 1_000_000, cache_write_1h: 400_000, ..Tokens::default() };
        // 600k at the 5-minute rate ($1.25) + 400k at 2 x $1 input.
        assert!((cost(&haiku, &t) - (0.6 * 1.25 + 0.4 * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn an_eu_profile_is_billed_the_regional_premium_over_global() {
        let c = Catalog::builtin();
        let t = Tokens { input: 1_000_000, output: 1_000_000, ..Tokens::default() };
        let (_, global) = price_model(c, "global.anthropic.claude-opus-4-6-v1").unwrap();
        let (_, eu) = price_model(c, "eu.anthropic.claude-opus-4-6-v1").unwrap();
        // Opus 4.6: $5 in + $25 out globally; 10 % more through eu.
        assert!((cost(&global, &t) - 30.0).abs() < 1e-9, "{}", cost(&global, &t));
        assert!((cost(&eu, &t) - 33.0).abs() < 1e-9, "{}", cost(&eu, &t));
    }
}
