//! Claude Code's model aliases and the settings keys that pin them.
//!
//! Claude Code resolves `opus`, `sonnet`, `haiku` and `fable` (the `/model`
//! picker, `--model`, subagents' `model:` lines) through
//! `ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU,FABLE}_MODEL`; any slot left unset
//! falls back to a built-in `us.` ID whose prefix it rewrites from the
//! region (`ap-*` -> `apac.`, which is wider than Japan or Australia) or
//! from `ANTHROPIC_BEDROCK_REGION_PREFIX`. So every slot is pinned inside
//! the chosen geography, the prefix is set so an alias we do not know
//! fails closed, and a slot whose family the geography lacks is pinned to
//! the geography's nearest model instead of being left to that fallback.
//!
//! Source: Claude Code 2.1.332 (npm `@anthropic-ai/claude-code`, 2026-11-30):
//! its alias map `{opus: "ANTHROPIC_DEFAULT_OPUS_MODEL", sonnet: ...,
//! haiku: ..., fable: "ANTHROPIC_DEFAULT_FABLE_MODEL"}`, its region-prefix
//! function (`us-gov-` -> us-gov, `us-` -> us, `eu-` -> eu, `ap-` -> apac,
//! else global, unless `ANTHROPIC_BEDROCK_REGION_PREFIX`), and that
//! variable's allowed values `us, eu, apac, jp, au, global`.

use crate::catalog::{Catalog, Geography, Model};
use crate::claude::settings::OwnedKey;
use serde::Serialize;

/// Each alias Claude Code resolves through a settings key.
pub const ALIAS_SLOTS: [(&str, OwnedKey); 4] = [
    ("opus", OwnedKey::DefaultOpus),
    ("sonnet", OwnedKey::DefaultSonnet),
    ("haiku", OwnedKey::DefaultHaiku),
    ("fable", OwnedKey::DefaultFable),
];

/// The values `ANTHROPIC_BEDROCK_REGION_PREFIX` accepts.
pub const REGION_PREFIXES: [&str; 6] = ["us", "eu", "apac", "jp", "au", "global"];

/// The family Claude Code's background (small/fast) model comes from.
pub const SMALL_FAST_FAMILY: &str = "haiku";

/// What one alias is pinned to in a geography.
#[derive(Debug, Clone, Serialize)]
pub struct AliasPin {
    /// `fable`.
    pub alias: &'static str,
    #[serde(skip)]
    pub key: OwnedKey,
    /// The catalog key of the model the alias now means.
    pub model: String,
    pub model_name: String,
    pub profile_id: String,
    /// The geography has no model of the alias's family: this is the
    /// nearest one it has.
    pub substitute: bool,
}

/// Pins every alias inside `geography`. `main` is the selected model: its
/// own family's slot gets exactly it, so `/model opus` after choosing Opus
/// 4.6 stays on 4.6.
pub fn pins(catalog: &Catalog, geography: &Geography, main: Option<&Model>) -> Vec<AliasPin> {
    ALIAS_SLOTS
        .iter()
        .filter_map(|&(alias, key)| {
            let own = main
                .filter(|m| m.family == alias && m.profiles.contains_key(&geography.key))
                .or_else(|| catalog.family_default(alias, geography));
            let (model, substitute) = match own {
                Some(m) => (m, false),
                None => (nearest(catalog, alias, geography).or(main)?, true),
            };
            Some(AliasPin {
                alias,
                key,
                model: model.key.clone(),
                model_name: model.name.clone(),
                profile_id: model.profile_id(&geography.key)?.to_string(),
                substitute,
            })
        })
        .collect()
}

/// The background model: the geography's newest Haiku, else its nearest.
pub fn small_fast<'c>(catalog: &'c Catalog, geography: &Geography) -> Option<&'c Model> {
    catalog.family_default(SMALL_FAST_FAMILY, geography).or_else(|| nearest(catalog, SMALL_FAST_FAMILY, geography))
}

/// The model offered in `geography` whose price is closest to the newest
/// priced model of `family` anywhere: a stand-in of the same class (a
/// missing Haiku becomes the cheapest, a missing Fable the priciest).
/// `None` when the family has no price or the geography no priced model.
pub fn nearest<'c>(catalog: &'c Catalog, family: &str, geography: &Geography) -> Option<&'c Model> {
    let target = catalog.models.iter().filter(|m| m.family == family).find_map(|m| m.prices)?.input;
    catalog
        .offered_in(geography)
        .filter_map(|m| Some((m, m.prices?.input)))
        .min_by(|(_, a), (_, b)| (a / target).ln().abs().total_cmp(&(b / target).ln().abs()))
        .map(|(m, _)| m)
}

/// The value for `ANTHROPIC_BEDROCK_REGION_PREFIX`, when Claude Code
/// accepts the geography's prefix.
pub fn region_prefix(geography: &Geography) -> Option<&str> {
    REGION_PREFIXES.contains(&geography.key.as_str()).then_some(geography.key.as_str())
}

/// A model setting the user pinned by inference profile ID (a subagent
/// model), moved into `geography`: the same model there, else the newest of
/// its family, else the nearest. `None` when it needs no move (an alias, an
/// ID already inside, or one nothing can read).
pub fn rehome(catalog: &Catalog, value: &str, geography: &Geography) -> Option<String> {
    let parsed = crate::catalog::model_id::parse(value)?;
    if parsed.geography.as_deref() == Some(geography.key.as_str()) {
        return None;
    }
    let same = catalog.models.iter().find(|m| m.foundation_model_id == parsed.foundation_id);
    let model = same
        .filter(|m| m.profiles.contains_key(&geography.key))
        .or_else(|| catalog.family_default(&parsed.model.family, geography))
        .or_else(|| nearest(catalog, &parsed.model.family, geography))?;
    model.profile_id(&geography.key).map(str::to_string)
}
