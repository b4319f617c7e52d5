//! What a Bedrock model or inference profile ID says about itself: the
//! geography prefix, the model family, its version and release date.
//!
//! Families are not an enum: a family that first appears in an account next
//! month (`claude-{family}-{major}[-{minor}]`) is parsed, named and ordered
//! like the ones we know. The shapes, as Bedrock and Claude Code 2.1.332
//! write them:
//! - `{geo}.anthropic.claude-{family}-{major}[-{minor}][-{yyyymmdd}][-v{n}[:{m}]]`
//!   (`eu.anthropic.claude-opus-4-6-v1`, `us.anthropic.claude-haiku-4-5-20251001-v1:0`,
//!   `global.anthropic.claude-fable-5-2`);
//! - the older `anthropic.claude-{major}[-{minor}]-{family}-{yyyymmdd}-v{n}:{m}`
//!   (`anthropic.claude-3-5-sonnet-20241022-v2:0`);
//! - either inside an ARN (`arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID`,
//!   `arn:aws:bedrock:REGION::foundation-model/ID`).
//!
//! Source: AWS, "Supported Regions and models for inference profiles"
//! (profiles are named `<geo prefix>.<foundation model ID>`),
//! https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html;
//! the model table inside Claude Code 2.1.332 (npm `@anthropic-ai/claude-code`),
//! whose Bedrock IDs follow the first shape for every 2026 model.

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// A Claude model as named by an ID: family, version and release date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ModelName {
    /// Lower-case family (`opus`, `sonnet`, `haiku`, `fable`, or one no
    /// code knows yet).
    pub family: String,
    pub major: u32,
    pub minor: Option<u32>,
    /// `yyyymmdd` where the ID carries one.
    pub date: Option<String>,
}

impl ModelName {
    /// `opus-4-6`: the short key `use --model` accepts.
    pub fn key(&self) -> String {
        match self.minor {
            Some(minor) => format!("{}-{}-{minor}", self.family, self.major),
            None => format!("{}-{}", self.family, self.major),
        }
    }

    /// `4.6`, `5`.
    pub fn version(&self) -> String {
        match self.minor {
            Some(minor) => format!("{}.{minor}", self.major),
            None => self.major.to_string(),
        }
    }

    /// `Claude Opus 4.6`.
    pub fn display(&self) -> String {
        let mut family = self.family.clone();
        if let Some(first) = family.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        format!("Claude {family} {}", self.version())
    }

    /// Newer first: by version, then release date.
    pub fn newest_first(a: &ModelName, b: &ModelName) -> Ordering {
        (b.major, b.minor.unwrap_or(0), &b.date).cmp(&(a.major, a.minor.unwrap_or(0), &a.date))
    }

    /// Whether `wanted` (`opus`, `opus-4-6`, `opus-4.6`, `opus4.6`, `Claude
    /// Opus 4.6`) names this model or its family. A family alone matches
    /// every version.
    pub fn matches(&self, wanted: &str) -> bool {
        let norm = normalise(wanted);
        let norm = norm.strip_prefix("claude").unwrap_or(&norm);
        if norm == self.family {
            return true;
        }
        let key = normalise(&self.key());
        norm == key || (self.minor == Some(0) && norm == format!("{}{}", self.family, self.major))
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Lower-case, with separators (`-`, `.`, `_`, space) dropped: `Opus 4.6`,
/// `opus-4-6` and `opus4.6` all become `opus46`.
fn normalise(s: &str) -> String {
    s.trim().chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// A parsed model or inference profile ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedId {
    /// The geography prefix (`eu`, `us`, `global`, `jp`, `apac`, ...) of a
    /// system-defined inference profile; `None` for a foundation model ID.
    pub geography: Option<String>,
    /// `anthropic.claude-opus-4-6-v1`: the ID without prefix or ARN.
    pub foundation_id: String,
    pub model: ModelName,
}

/// Parses a Claude model or inference profile ID, bare or inside an ARN.
/// `None` for anything that is not an Anthropic Claude ID (including an
/// application inference profile ARN, whose model only the API can tell).
pub fn parse(id: &str) -> Option<ParsedId> {
    let id = id.trim();
    let id = match id.strip_prefix("arn:") {
        Some(arn) => arn.rsplit_once('/')?.1,
        None => id,
    };
    let (geography, rest) = match id.split_once(".anthropic.") {
        Some((geo, rest)) if is_prefix(geo) => (Some(geo.to_string()), rest),
        _ => (None, id.strip_prefix("anthropic.")?),
    };
    let model = parse_claude(rest)?;
    Some(ParsedId { geography, foundation_id: format!("anthropic.{rest}"), model })
}

fn is_prefix(geo: &str) -> bool {
    !geo.is_empty() && geo.len() <= 12 && geo.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// `claude-opus-4-6-v1`, `claude-3-5-sonnet-20241022-v2:0`.
fn parse_claude(rest: &str) -> Option<ModelName> {
    let body = rest.strip_prefix("claude-")?;
    // The revision suffix (`-v1`, `-v2:0`) says nothing about the model.
    let body = match body.rfind("-v") {
        Some(i) if body[i + 2..].split(':').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) => {
            &body[..i]
        }
        _ => body,
    };
    let parts: Vec<&str> = body.split('-').collect();
    let is_num = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    let is_date = |p: &str| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit());
    let is_word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());

    let (family, numbers, tail) = if parts.first().is_some_and(|p| is_word(p)) {
        // claude-{family}-{major}[-{minor}][-{date}]
        let numbers: Vec<&str> = parts[1..].iter().copied().take_while(|p| is_num(p)).collect();
        let tail = &parts[1 + numbers.len()..];
        (parts[0], numbers, tail)
    } else {
        // claude-{major}[-{minor}]-{family}[-{date}]
        let numbers: Vec<&str> = parts.iter().copied().take_while(|p| is_num(p)).collect();
        let family = *parts.get(numbers.len()).filter(|p| is_word(p))?;
        let tail = &parts[numbers.len() + 1..];
        (family, numbers, tail)
    };
    let (major, minor) = match numbers.as_slice() {
        [major] => (major.parse().ok()?, None),
        [major, minor] => (major.parse().ok()?, Some(minor.parse().ok()?)),
        _ => return None,
    };
    let date = match tail {
        [] => None,
        [d] if is_date(d) => Some(d.to_string()),
        _ => return None,
    };
    Some(ModelName { family: family.to_string(), major, minor, date })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(id: &str) -> (Option<String>, String, String) {
        let p = parse(id).unwrap_or_else(|| panic!("{id} should parse"));
        (p.geography, p.model.key(), p.model.display())
    }

    #[test]
    fn every_shape_bedrock_and_claude_code_use_parses() {
        let cases = [
            ("eu.anthropic.claude-opus-4-6-v1", Some("eu"), "opus-4-6", "Claude Opus 4.6"),
            ("us.anthropic.claude-haiku-4-5-20251001-v1:0", Some("us"), "haiku-4-5", "Claude Haiku 4.5"),
            ("us.anthropic.claude-opus-4-20250514-v1:0", Some("us"), "opus-4", "Claude Opus 4"),
            ("global.anthropic.claude-fable-5-2", Some("global"), "fable-5-2", "Claude Fable 5.2"),
            ("jp.anthropic.claude-sonnet-5", Some("jp"), "sonnet-5", "Claude Sonnet 5"),
            ("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", Some("us-gov"), "sonnet-4-5", "Claude Sonnet 4.5"),
            ("anthropic.claude-3-5-sonnet-20241022-v2:0", None, "sonnet-3-5", "Claude Sonnet 3.5"),
            ("apac.anthropic.claude-3-haiku-20240307-v1:0", Some("apac"), "haiku-3", "Claude Haiku 3"),
            ("eu.anthropic.claude-quill-7-1", Some("eu"), "quill-7-1", "Claude Quill 7.1"),
            (
                "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-opus-5-5",
                Some("eu"),
                "opus-5-5",
                "Claude Opus 5.5",
            ),
            (
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-8",
                None,
                "opus-4-8",
                "Claude Opus 4.8",
            ),
        ];
        for (id, geo, key, display) in cases {
            assert_eq!(name(id), (geo.map(String::from), key.to_string(), display.to_string()), "{id}");
        }
    }

    #[test]
    fn what_is_not_a_claude_id_is_refused() {
        for id in [
            "",
            "opus",
            "amazon.nova-pro-v1:0",
            "us.meta.llama3-70b-instruct-v1:0",
            "anthropic.claude-",
            "eu.anthropic.claude-opus",
            "arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/a1b2c3",
            "EU.anthropic.claude-opus-4-6-v1",
            "eu.anthropic.claude-opus-4-6-extra-words",
        ] {
            assert!(parse(id).is_none(), "{id:?} is not a Claude ID");
        }
    }

    #[test]
    fn newest_first_orders_by_version_then_date() {
        let mut ids = [
            "us.anthropic.claude-opus-4-20250514-v1:0",
            "us.anthropic.claude-opus-5-5",
            "us.anthropic.claude-opus-4-6-v1",
            "us.anthropic.claude-opus-5",
            "us.anthropic.claude-opus-4-1-20250805-v1:0",
        ]
        .map(|id| parse(id).unwrap().model);
        ids.sort_by(ModelName::newest_first);
        let keys: Vec<String> = ids.iter().map(ModelName::key).collect();
        assert_eq!(keys, ["opus-5-5", "opus-5", "opus-4-6", "opus-4-1", "opus-4"]);
    }

    #[test]
    fn a_family_or_a_version_in_any_spelling_matches() {
        let m = parse("eu.anthropic.claude-opus-4-6-v1").unwrap().model;
        for wanted in ["opus", "Opus", "opus-4-6", "opus-4.6", "opus4.6", "Claude Opus 4.6", "claude-opus-4-6"] {
            assert!(m.matches(wanted), "{wanted}");
        }
        for wanted in ["opus-4", "opus-4-5", "sonnet", "op", "opus-4-60"] {
            assert!(!m.matches(wanted), "{wanted}");
        }
    }
}
