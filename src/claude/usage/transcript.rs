//! One transcript line: an assistant message's key, time, project, model
//! and token counters.

use serde::{Deserialize, Serialize};

/// Token counters of one message or of a sum of messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    /// All cache writes (5-minute and 1-hour).
    pub cache_write: u64,
    /// The part of `cache_write` with a 1-hour lifetime (priced higher).
    #[serde(default)]
    pub cache_write_1h: u64,
    pub cache_read: u64,
}

impl Tokens {
    pub(super) fn max(self, o: Tokens) -> Tokens {
        Tokens {
            input: self.input.max(o.input),
            output: self.output.max(o.output),
            cache_write: self.cache_write.max(o.cache_write),
            cache_write_1h: self.cache_write_1h.max(o.cache_write_1h),
            cache_read: self.cache_read.max(o.cache_read),
        }
    }
    // Saturating: counts come from files anyone can write, and a sum past
    // u64::MAX panicked in debug builds and wrapped to a tiny cost in release.
    pub(super) fn add(&mut self, o: Tokens) {
        self.input = self.input.saturating_add(o.input);
        self.output = self.output.saturating_add(o.output);
        self.cache_write = self.cache_write.saturating_add(o.cache_write);
        self.cache_write_1h = self.cache_write_1h.saturating_add(o.cache_write_1h);
        self.cache_read = self.cache_read.saturating_add(o.cache_read);
    }
    pub fn total(&self) -> u64 {
        self.input.saturating_add(self.output).saturating_add(self.cache_write).saturating_add(self.cache_read)
    }
}

/// One assistant message, as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Hash of `message.id` + `requestId`.
    pub key: u64,
    /// The line's `timestamp`, in seconds since the Unix epoch; `None`
    /// when it has none or it cannot be read. Days are told from it in
    /// the zone asked for ([`super::Zone`]).
    pub at: Option<i64>,
    pub model: String,
    pub project: String,
    pub tokens: Tokens,
}

#[derive(Deserialize)]
struct RawLine<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<&'a str>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<&'a str>,
    #[serde(borrow, default)]
    timestamp: Option<&'a str>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    message: Option<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<RawUsage>,
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
    #[serde(default)]
    cache_creation: Option<RawCacheCreation>,
}

#[derive(Deserialize)]
struct RawCacheCreation {
    #[serde(default)]
    ephemeral_1h_input_tokens: u64,
}

fn hash_key(id: &str, request: &str) -> u64 {
    // FNV-1a: stable across runs and Rust versions (the index stores it).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain([0u8]).chain(request.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A transcript line that is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedLine;

/// Parses one transcript line. `Ok(None)`: a valid line that is not a
/// priced assistant message (user lines, summaries, synthetic messages).
///
/// # Errors
/// The line is not JSON.
pub fn parse_line(line: &[u8], default_project: &str) -> Result<Option<Message>, MalformedLine> {
    let raw: RawLine<'_> = serde_json::from_slice(line).map_err(|_| MalformedLine)?;
    if raw.kind != Some("assistant") {
        return Ok(None);
    }
    let Some(msg) = raw.message else { return Ok(None) };
    let (Some(usage), Some(model)) = (msg.usage, msg.model) else { return Ok(None) };
    if model == "<synthetic>" {
        return Ok(None);
    }
    let tokens = Tokens {
        input: usage.input_tokens,
        output: usage.output_tokens,
        cache_write: usage.cache_creation_input_tokens,
        cache_write_1h: usage
            .cache_creation
            .map_or(0, |c| c.ephemeral_1h_input_tokens)
            .min(usage.cache_creation_input_tokens),
        cache_read: usage.cache_read_input_tokens,
    };
    let id = msg.id.unwrap_or_default();
    let request = raw.request_id.unwrap_or_default();
    let key = if id.is_empty() && request.is_empty() {
        // No identity: count it as its own message.
        hash_key(&String::from_utf8_lossy(line), "")
    } else {
        hash_key(&id, request)
    };
    let at = raw.timestamp.and_then(unix_seconds);
    let project = raw.cwd.unwrap_or_else(|| default_project.to_string());
    Ok(Some(Message { key, at, model, project, tokens }))
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (Claude Code
/// writes `2026-03-03T08:00:00.000Z`); one with no offset, or a bare date,
/// is taken as UTC.
fn unix_seconds(t: &str) -> Option<i64> {
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    let civil = t
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            t.get(..10).unwrap_or(t).parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok().map(jiff::Timestamp::as_second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_and_non_assistant_lines() {
        assert!(parse_line(b"{not json", "p").is_err());
        assert_eq!(parse_line(br#"{"type":"user","message":{"role":"user"}}"#, "p"), Ok(None));
        let m = parse_line(
            br#"{"type":"assistant","requestId":"r","timestamp":"2026-01-02T03:04:05Z","cwd":"/w","message":{"id":"m","model":"x","usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4}}}"#,
            "p",
        )
        .unwrap()
        .unwrap();
        assert_eq!((m.at, m.project.as_str()), (Some(1_767_323_045), "/w"), "2026-01-02T03:04:05Z");
        assert_eq!(m.tokens, Tokens { input: 1, output: 2, cache_write: 3, cache_write_1h: 0, cache_read: 4 });
    }

    #[test]
    fn timestamps_with_offsets_or_none_are_read_as_instants() {
        for (t, want) in [
            ("2026-11-29T23:30:00.000Z", Some(1_795_995_000)),
            ("2026-11-30T00:30:00+01:00", Some(1_795_995_000)),
            ("2026-11-29T23:30:00", Some(1_795_995_000)),
            ("2026-11-29", Some(1_795_910_400)),
            ("yesterday", None),
        ] {
            assert_eq!(unix_seconds(t), want, "{t}");
        }
    }
}
