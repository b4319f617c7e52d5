//! What Claude Code costs, from its transcripts.
//!
//! Claude Code appends one JSON line per message to
//! `<claude_dir>/projects/<project>/<session>.jsonl`. Assistant lines carry
//! `message.id`, `message.model`, `message.usage` (`input_tokens`,
//! `output_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`),
//! `requestId`, `timestamp` and `cwd`. A streamed message is written as
//! several consecutive lines with the same `message.id` (one per content
//! block), and a resumed session copies earlier messages into a new file:
//! each message is counted once, by `message.id` + `requestId`, with the
//! largest value seen for each counter.
//!
//! Files are streamed line by line; an index in the app folder remembers,
//! per file, how far it was read, and the totals so far per (day, model,
//! project), so a refresh reads only what was appended.
//!
//! The set of counted message keys, needed to spot a resumed session's
//! copies, keeps only messages of the last [`SEEN_RETENTION_DAYS`] days
//! (counted back from the newest message seen): Claude Code deletes
//! transcripts after `cleanupPeriodDays` (30 by default), so a session old
//! enough to have been pruned here can no longer be resumed. Messages older
//! than that horizon are never counted again, so a re-read transcript
//! cannot count them twice.

use crate::catalog::{Catalog, Model};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

// 3: `seen` maps each key to its day, so old keys can be dropped.
const INDEX_VERSION: u32 = 3;

/// How long a counted message's key is remembered, in days before the
/// newest message seen. Three times Claude Code's default transcript
/// lifetime, so users who raise `cleanupPeriodDays` are still covered.
pub const SEEN_RETENTION_DAYS: i32 = 90;

/// The day of a key whose message had no readable date: kept for good.
const UNDATED: i32 = i32::MAX;

/// The Julian day number of a `YYYY-MM-DD` day, or [`UNDATED`].
fn day_number(day: &str) -> i32 {
    time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]"))
        .map_or(UNDATED, time::Date::to_julian_day)
}

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
    fn max(self, o: Tokens) -> Tokens {
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
    fn add(&mut self, o: Tokens) {
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
    /// `YYYY-MM-DD` (UTC) of the line's timestamp.
    pub day: String,
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
    let day = raw.timestamp.and_then(|t| t.get(..10)).unwrap_or("unknown").to_string();
    let project = raw.cwd.unwrap_or_else(|| default_project.to_string());
    Ok(Some(Message { key, day, model, project, tokens }))
}

/// Totals of one (day, model, project) bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub messages: u64,
    pub tokens: Tokens,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileState {
    offset: u64,
    /// The message whose lines were last read: more lines of it may follow.
    pending: Option<Message>,
}

/// The incremental index, kept as JSON in the app folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsageIndex {
    version: u32,
    files: BTreeMap<PathBuf, FileState>,
    /// Keys of messages already added to `buckets`, with the day number of
    /// each (see [`SEEN_RETENTION_DAYS`]).
    seen: HashMap<u64, i32>,
    /// The oldest day whose keys `seen` still holds, once it was pruned:
    /// a message from before it was either counted already or belongs to a
    /// session too old to resume, so it is never counted (again).
    #[serde(default)]
    pruned_before: Option<i32>,
    /// "day\tmodel\tproject" -> totals.
    buckets: BTreeMap<String, Bucket>,
    pub malformed_lines: u64,
}

/// What a scan read.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ScanStats {
    pub files: u64,
    pub bytes: u64,
}

fn bucket_key(m: &Message) -> String {
    format!("{}\t{}\t{}", m.day, m.model, m.project)
}

impl UsageIndex {
    /// Loads the index; a missing, unreadable or older one starts empty.
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<UsageIndex>(&b).ok())
            .filter(|i| i.version == INDEX_VERSION)
            .unwrap_or_else(|| UsageIndex { version: INDEX_VERSION, ..Default::default() })
    }

    /// # Errors
    /// The index cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), crate::atomic_file::WriteError> {
        let bytes = serde_json::to_vec(self).expect("serialisable");
        crate::atomic_file::write_atomic(path, &bytes, 0o600)
    }

    /// Whether a message is older than what `seen` remembers.
    fn before_horizon(&self, m: &Message) -> bool {
        self.pruned_before.is_some_and(|h| day_number(&m.day) < h)
    }

    fn commit(&mut self, m: Message) {
        if self.before_horizon(&m) {
            return;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.seen.entry(m.key) {
            e.insert(day_number(&m.day));
            let b = self.buckets.entry(bucket_key(&m)).or_default();
            b.messages += 1;
            b.tokens.add(m.tokens);
        }
    }

    /// How many message keys the index remembers.
    pub fn seen_len(&self) -> usize {
        self.seen.len()
    }

    /// Forgets the keys of messages more than [`SEEN_RETENTION_DAYS`] older
    /// than the newest dated one.
    fn prune_seen(&mut self) {
        let Some(newest) = self.seen.values().copied().filter(|&d| d != UNDATED).max() else { return };
        let horizon = newest - SEEN_RETENTION_DAYS;
        self.seen.retain(|_, day| *day >= horizon);
        self.pruned_before = Some(horizon);
    }

    /// Reads what is new in every `*.jsonl` under `projects_dir`.
    ///
    /// # Errors
    /// A folder or file cannot be read.
    pub fn refresh(&mut self, projects_dir: &Path) -> std::io::Result<ScanStats> {
        let mut stats = ScanStats::default();
        let mut files = Vec::new();
        collect_jsonl(projects_dir, &mut files)?;
        let mut known = std::mem::take(&mut self.files);
        for file in files {
            let len = std::fs::metadata(&file)?.len();
            let mut state = known.remove(&file).unwrap_or_default();
            if len < state.offset {
                // Truncated or replaced: read again; known messages are not re-added.
                state = FileState::default();
            }
            if len > state.offset {
                stats.files += 1;
                let project = file
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                stats.bytes += self.read_file(&file, &project, &mut state)?;
            }
            self.files.insert(file, state);
        }
        // Transcripts Claude Code deleted: keep what they counted, forget the file.
        let gone = !known.is_empty();
        for (_, state) in known {
            if let Some(p) = state.pending {
                self.commit(p);
            }
        }
        if stats.files > 0 || gone {
            self.prune_seen();
        }
        Ok(stats)
    }

    fn read_file(&mut self, file: &Path, project: &str, state: &mut FileState) -> std::io::Result<u64> {
        let mut f = std::fs::File::open(file)?;
        f.seek(SeekFrom::Start(state.offset))?;
        let mut reader = BufReader::with_capacity(256 * 1024, f);
        let mut line = Vec::with_capacity(4096);
        let mut read = 0u64;
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                // EOF, or a line still being written: read it next time.
                break;
            }
            read += n as u64;
            state.offset += n as u64;
            let body = line.trim_ascii();
            if body.is_empty() {
                continue;
            }
            match parse_line(body, project) {
                Err(MalformedLine) => self.malformed_lines += 1,
                Ok(None) => {}
                Ok(Some(m)) => match state.pending.take() {
                    Some(p) if p.key == m.key => {
                        state.pending = Some(Message { tokens: p.tokens.max(m.tokens), ..p });
                    }
                    Some(p) => {
                        self.commit(p);
                        state.pending = Some(m);
                    }
                    None => state.pending = Some(m),
                },
            }
        }
        Ok(read)
    }

    /// Every counted message's bucket, including the pending ones.
    pub fn buckets(&self) -> BTreeMap<(String, String, String), Bucket> {
        let mut out: BTreeMap<(String, String, String), Bucket> = BTreeMap::new();
        let split = |k: &str| {
            let mut it = k.splitn(3, '\t');
            (
                it.next().unwrap_or_default().to_string(),
                it.next().unwrap_or_default().to_string(),
                it.next().unwrap_or_default().to_string(),
            )
        };
        for (k, b) in &self.buckets {
            let e = out.entry(split(k)).or_default();
            e.messages += b.messages;
            e.tokens.add(b.tokens);
        }
        let mut pending_seen = HashSet::new();
        for p in self.files.values().filter_map(|s| s.pending.as_ref()) {
            if self.seen.contains_key(&p.key) || self.before_horizon(p) || !pending_seen.insert(p.key) {
                continue;
            }
            let e = out.entry(split(&bucket_key(p))).or_default();
            e.messages += 1;
            e.tokens.add(p.tokens);
        }
        out
    }
}

fn collect_jsonl(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in rd {
        let entry = entry?;
        let ft = entry.file_type()?;
        let p = entry.path();
        if ft.is_dir() {
            collect_jsonl(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "jsonl") {
            out.push(p);
        }
    }
    out.sort();
    Ok(())
}

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
        let Some(priced) = price_model(catalog, &model) else {
            let u = unknown.entry(model.clone()).or_insert_with(|| UnknownModel {
                model: model.clone(),
                messages: 0,
                tokens: Tokens::default(),
            });
            u.messages += b.messages;
            u.tokens.add(b.tokens);
            continue;
        };
        let usd = cost(priced, &b.tokens);
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

/// Refreshes the index at `index_path` from `projects_dir`, saves it, and
/// reports.
///
/// # Errors
/// Transcripts or the index cannot be read or written.
pub fn run(
    projects_dir: &Path,
    index_path: &Path,
    catalog: &Catalog,
    since: Option<&str>,
    by: GroupBy,
    today: &str,
) -> Result<Report, UsageError> {
    let (index, read) = refresh_saved(projects_dir, index_path)?;
    let mut r = report(&index, catalog, since, by, read);
    (r.today_usd, r.month_usd) = today_and_month(&index, catalog, today);
    Ok(r)
}

/// Loads the index, reads what is new, and saves it when anything changed.
fn refresh_saved(projects_dir: &Path, index_path: &Path) -> Result<(UsageIndex, ScanStats), UsageError> {
    let mut index = UsageIndex::load(index_path);
    let files_before = index.files.len();
    let read =
        index.refresh(projects_dir).map_err(|source| UsageError::Read { path: projects_dir.to_path_buf(), source })?;
    if read.files > 0 || index.files.len() != files_before {
        index.save(index_path)?;
    }
    Ok((index, read))
}

/// The budget thresholds the seed guide recommends for AWS Budgets.
pub const BUDGET_THRESHOLDS: [u8; 3] = [50, 80, 100];

/// The highest threshold (percent) that `spent` has reached of a monthly
/// `budget` in USD, if any.
pub fn budget_level(spent: f64, budget: f64) -> Option<u8> {
    if budget <= 0.0 {
        return None;
    }
    let pct = spent / budget * 100.0;
    BUDGET_THRESHOLDS.into_iter().rev().find(|&t| pct >= f64::from(t))
}

/// Spend of one day (`YYYY-MM-DD`) and of its month so far, priced models only.
pub fn today_and_month(index: &UsageIndex, catalog: &Catalog, today: &str) -> (f64, f64) {
    let month = today.get(..7).unwrap_or(today);
    let (mut day_usd, mut month_usd) = (0.0, 0.0);
    for ((day, model, _), b) in index.buckets() {
        let Some(m) = price_model(catalog, &model) else { continue };
        let usd = cost(m, &b.tokens);
        if day.starts_with(month) && day.as_str() <= today {
            month_usd += usd;
        }
        if day == today {
            day_usd += usd;
        }
    }
    (day_usd, month_usd)
}

/// What Claude Code cost today and this month, against the budget: the
/// summary the tray and the dashboard show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spend {
    pub today_usd: f64,
    pub month_usd: f64,
    /// The month counted, `YYYY-MM` (UTC).
    pub month: String,
    pub budget_usd: Option<f64>,
    /// `month_usd` as a percentage of the budget.
    pub budget_percent: Option<f64>,
    /// The highest of [`BUDGET_THRESHOLDS`] reached.
    pub level: Option<u8>,
}

impl Spend {
    /// The summary of `today_usd` and `month_usd` spent in `month`
    /// against an optional monthly budget.
    pub fn new(today_usd: f64, month_usd: f64, month: &str, budget_usd: Option<f64>) -> Self {
        let budget_usd = budget_usd.filter(|b| b.is_finite() && *b > 0.0);
        Self {
            today_usd,
            month_usd,
            month: month.to_string(),
            budget_usd,
            budget_percent: budget_usd.map(|b| month_usd / b * 100.0),
            level: budget_usd.and_then(|b| budget_level(month_usd, b)),
        }
    }
}

/// How often a long-running caller should call [`spend_now`], at most.
pub const SPEND_REFRESH_SECS: u64 = 60;

/// Today's and this month's spend as of `now`, with the budget from the
/// app state. Refreshes the usage index first, which reads only what was
/// appended to the transcripts, but still lists every transcript folder
/// and loads the index: callers that build snapshots often (the tray)
/// call this at most once every [`SPEND_REFRESH_SECS`] and attach the
/// result with [`crate::view::snapshot::Snapshot::with_spend`].
///
/// # Errors
/// Transcripts or the index cannot be read or written.
pub fn spend_now(paths: &crate::paths::Paths, now: time::OffsetDateTime) -> Result<Spend, UsageError> {
    let (index, _) = refresh_saved(&paths.claude_dir.join("projects"), &paths.app_dir.join("usage-index.json"))?;
    let today = now.to_offset(time::UtcOffset::UTC).date().to_string();
    let (day_usd, month_usd) = today_and_month(&index, Catalog::builtin(), &today);
    // A state file that cannot be read means no budget, not no spend.
    let budget = crate::app_state::AppState::load(&paths.app_state()).ok().and_then(|s| s.budget());
    Ok(Spend::new(day_usd, month_usd, today.get(..7).unwrap_or(&today), budget))
}

/// The budget threshold to warn about now, if any: the level reached,
/// unless a warning for that threshold (or a higher one) was already
/// shown this month. After showing it, call [`record_budget_warning`] and
/// save the state.
pub fn budget_warning_due(state: &crate::app_state::AppState, spend: &Spend) -> Option<u8> {
    let level = spend.level?;
    match &state.budget_warned {
        Some(w) if w.month == spend.month && w.threshold >= level => None,
        _ => Some(level),
    }
}

/// Remembers that the warning for `threshold` was shown in `spend`'s month.
pub fn record_budget_warning(state: &mut crate::app_state::AppState, spend: &Spend, threshold: u8) {
    state.budget_warned = Some(crate::app_state::BudgetWarned { month: spend.month.clone(), threshold });
}

/// Errors of [`run`].
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("cannot read transcripts under {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Write(#[from] crate::atomic_file::WriteError),
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
    fn budget_levels() {
        assert_eq!(budget_level(49.9, 100.0), None);
        assert_eq!(budget_level(50.0, 100.0), Some(50));
        assert_eq!(budget_level(99.0, 100.0), Some(80));
        assert_eq!(budget_level(130.0, 100.0), Some(100));
        assert_eq!(budget_level(10.0, 0.0), None, "no budget, no warning");
    }

    #[test]
    fn one_hour_cache_writes_cost_twice_the_input_price() {
        let c = Catalog::builtin();
        let haiku = price_model(c, "claude-haiku-4-5").unwrap();
        let t = Tokens { cache_write: 1_000_000, cache_write_1h: 400_000, ..Tokens::default() };
        // 600k at the 5-minute rate ($1.25) + 400k at 2 x $1 input.
        assert!((cost(haiku, &t) - (0.6 * 1.25 + 0.4 * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn budget_warnings_fire_once_per_threshold_and_month() {
        use crate::app_state::AppState;
        let mut state = AppState::default();
        let none = Spend::new(1.0, 10.0, "2026-11", None);
        assert_eq!(budget_warning_due(&state, &none), None, "no budget, no warning");
        let half = Spend::new(1.0, 100.0, "2026-11", Some(200.0));
        assert_eq!(half.budget_percent, Some(50.0));
        assert_eq!(budget_warning_due(&state, &half), Some(50));
        record_budget_warning(&mut state, &half, 50);
        assert_eq!(budget_warning_due(&state, &half), None, "50 % was shown this month");
        let more = Spend::new(1.0, 150.0, "2026-11", Some(200.0));
        assert_eq!(budget_warning_due(&state, &more), None, "75 % is still the 50 % level");
        let eighty = Spend::new(1.0, 170.0, "2026-11", Some(200.0));
        assert_eq!(budget_warning_due(&state, &eighty), Some(80));
        record_budget_warning(&mut state, &eighty, 80);
        let over = Spend::new(1.0, 250.0, "2026-11", Some(200.0));
        assert_eq!(budget_warning_due(&state, &over), Some(100));
        record_budget_warning(&mut state, &over, 100);
        assert_eq!(budget_warning_due(&state, &over), None);
        let next_month = Spend::new(1.0, 100.0, "2026-12", Some(200.0));
        assert_eq!(budget_warning_due(&state, &next_month), Some(50), "a new month warns again");
    }

    fn line(id: &str, day: &str, output: u64) -> String {
        format!(
            r#"{{"type":"assistant","requestId":"r-{id}","timestamp":"{day}T10:00:00Z","cwd":"/w","message":{{"id":"{id}","model":"claude-haiku-4-5","usage":{{"input_tokens":1,"output_tokens":{output}}}}}}}"#
        ) + "\n"
    }

    fn totals(i: &UsageIndex) -> (u64, u64) {
        i.buckets().values().fold((0, 0), |a, b| (a.0 + b.messages, a.1 + b.tokens.output))
    }

    #[test]
    fn seen_keys_are_bounded_and_recent_copies_still_count_once() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        let start = time::macros::date!(2026 - 01 - 01);
        // One message a day for 400 days, each streamed as two lines.
        let mut text = String::new();
        for i in 0..400 {
            let day = (start + time::Duration::days(i)).to_string();
            text += &line(&format!("m{i}"), &day, 1);
            text += &line(&format!("m{i}"), &day, 2);
        }
        std::fs::write(projects.join("a.jsonl"), &text).unwrap();
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        index.refresh(&dir.path().join("projects")).unwrap();
        assert!(
            index.seen_len() <= SEEN_RETENTION_DAYS as usize + 1,
            "only the last {SEEN_RETENTION_DAYS} days' keys stay, not all 400: {}",
            index.seen_len()
        );
        assert_eq!(totals(&index), (400, 800), "every message counted once, with its largest counters");

        // A resumed session copies the last 30 days' messages into a new file.
        let mut copy = String::new();
        for i in 370..400 {
            copy += &line(&format!("m{i}"), &(start + time::Duration::days(i)).to_string(), 2);
        }
        std::fs::write(projects.join("b.jsonl"), &copy).unwrap();
        index.refresh(&dir.path().join("projects")).unwrap();
        assert_eq!(totals(&index), (400, 800), "recent copies are recognised");

        // A transcript replaced by a shorter one is read again from the
        // start: its old messages, whose keys were pruned, are not re-added.
        std::fs::write(projects.join("a.jsonl"), &text[..text.len() / 2]).unwrap();
        index.refresh(&dir.path().join("projects")).unwrap();
        assert_eq!(totals(&index), (400, 800), "messages older than the horizon count once");

        // The bound survives a save and load (the index on disk stays small too).
        let path = dir.path().join("index.json");
        index.save(&path).unwrap();
        let again = UsageIndex::load(&path);
        assert_eq!(again.seen_len(), index.seen_len());
        assert_eq!(totals(&again), (400, 800));
    }

    #[test]
    fn deleted_transcripts_keep_their_totals_and_leave_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        // The file ends mid-message: its last message is still pending.
        std::fs::write(projects.join("a.jsonl"), line("m1", "2026-01-01", 5) + &line("m2", "2026-01-01", 7)).unwrap();
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        index.refresh(&dir.path().join("projects")).unwrap();
        std::fs::remove_file(projects.join("a.jsonl")).unwrap();
        index.refresh(&dir.path().join("projects")).unwrap();
        assert!(index.files.is_empty(), "a deleted transcript is forgotten");
        assert_eq!(totals(&index), (2, 12), "but what it cost stays counted, the pending message included");
    }

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
        assert_eq!((m.day.as_str(), m.project.as_str()), ("2026-01-02", "/w"));
        assert_eq!(m.tokens, Tokens { input: 1, output: 2, cache_write: 3, cache_write_1h: 0, cache_read: 4 });
    }
}
