//! The incremental index on disk: how far each transcript was read, the
//! totals per (UTC quarter hour, model, project), and the keys of messages
//! already counted.
//!
//! Totals are kept per UTC quarter hour, not per day, so the days of any
//! zone (see [`super::zone`]) come from the index alone: a local midnight
//! is always a quarter-hour boundary in UTC.

use super::transcript::{parse_line, MalformedLine, Message, Tokens};
use super::zone::{Zone, SLOT_SECS};
use super::UsageError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

// 3: `seen` maps each key to its day, so old keys can be dropped.
// 4: pending last messages are counted before they fall behind the horizon
//    (a version-3 index may have lost some: it is rebuilt).
// 5: totals per UTC quarter hour instead of per UTC day, so days can be
//    told in any zone; messages keep their time, not a UTC day.
pub(super) const INDEX_VERSION: u32 = 5;

/// How long a counted message's key is remembered, in days before the
/// newest message seen. Three times Claude Code's default transcript
/// lifetime, so users who raise `cleanupPeriodDays` are still covered.
pub const SEEN_RETENTION_DAYS: i32 = 90;

/// The day of a key whose message had no readable date: kept for good.
const UNDATED: i32 = i32::MAX;

/// The slot of messages with no readable time (shown as day `unknown`).
const UNDATED_SLOT: i64 = i64::MAX;

/// The UTC day number (days since 1970-01-01) of a message, or [`UNDATED`].
/// Only the horizon of `seen` uses it, which needs no zone.
fn day_number(m: &Message) -> i32 {
    m.at.and_then(|s| i32::try_from(s.div_euclid(86_400)).ok()).unwrap_or(UNDATED)
}

/// The UTC quarter hour of a message, or [`UNDATED_SLOT`].
fn slot_of(m: &Message) -> i64 {
    m.at.map_or(UNDATED_SLOT, |s| s.div_euclid(SLOT_SECS))
}

/// Totals of one (day or quarter hour, model, project) bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u64; 6]", into = "[u64; 6]")]
pub struct Bucket {
    pub messages: u64,
    pub tokens: Tokens,
}

impl Bucket {
    fn add(&mut self, messages: u64, tokens: Tokens) {
        self.messages = self.messages.saturating_add(messages);
        self.tokens.add(tokens);
    }
}

// On disk a bucket is an array: the index holds tens of thousands of them,
// and field names would triple its size and load time.
impl From<[u64; 6]> for Bucket {
    fn from([messages, input, output, cache_write, cache_write_1h, cache_read]: [u64; 6]) -> Self {
        Self { messages, tokens: Tokens { input, output, cache_write, cache_write_1h, cache_read } }
    }
}

impl From<Bucket> for [u64; 6] {
    fn from(b: Bucket) -> Self {
        let t = b.tokens;
        [b.messages, t.input, t.output, t.cache_write, t.cache_write_1h, t.cache_read]
    }
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
    /// "model\tproject" -> UTC quarter hour (seconds since the epoch / 900)
    /// -> totals.
    buckets: BTreeMap<String, BTreeMap<i64, Bucket>>,
    pub malformed_lines: u64,
}

/// What a scan read.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ScanStats {
    pub files: u64,
    pub bytes: u64,
}

fn bucket_key(m: &Message) -> String {
    format!("{}\t{}", m.model, m.project)
}

impl UsageIndex {
    /// Loads the index; a missing, unreadable or older one starts empty.
    pub fn load(path: &Path) -> Self {
        // The index grows with the transcripts it counts: a larger cap.
        crate::bounded_read::read(path, 4 * crate::bounded_read::MAX_FILE_BYTES)
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
        self.pruned_before.is_some_and(|h| day_number(m) < h)
    }

    fn commit(&mut self, m: Message) {
        if self.before_horizon(&m) {
            return;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.seen.entry(m.key) {
            e.insert(day_number(&m));
            self.buckets.entry(bucket_key(&m)).or_default().entry(slot_of(&m)).or_default().add(1, m.tokens);
        }
    }

    /// Whether the index knows no transcript and no message (not even of
    /// transcripts since deleted).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.buckets.is_empty()
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
        // A file's last message waits as `pending` in case more lines of it
        // follow. One about to fall behind the horizon is long finished:
        // count it now, while its key can still be checked against `seen`
        // (past the horizon it would never be counted at all).
        let finished: Vec<Message> = self
            .files
            .values_mut()
            .filter(|s| s.pending.as_ref().is_some_and(|p| day_number(p) < horizon))
            .filter_map(|s| s.pending.take())
            .collect();
        for p in finished {
            self.commit(p);
        }
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
            let meta = std::fs::metadata(&file)?;
            if !meta.is_file() {
                // A FIFO or device named *.jsonl is no transcript.
                continue;
            }
            let len = meta.len();
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
        let mut f = crate::bounded_read::open_regular(file)?;
        f.seek(SeekFrom::Start(state.offset))?;
        let mut reader = BufReader::with_capacity(256 * 1024, f);
        let mut line = Vec::with_capacity(4096);
        let mut read = 0u64;
        loop {
            line.clear();
            let n = std::io::Read::take(&mut reader, MAX_LINE_BYTES + 1).read_until(b'\n', &mut line)?;
            if n as u64 > MAX_LINE_BYTES {
                // Longer than any message line: skip to its end, unread.
                let Some(skipped) = skip_line(&mut reader)? else { break };
                read += n as u64 + skipped;
                state.offset += n as u64 + skipped;
                self.malformed_lines += 1;
                continue;
            }
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

    /// Every counted message's totals per (local day in `zone`, model,
    /// project), the pending messages included. Undated messages fall on
    /// day `unknown`.
    pub fn buckets(&self, zone: &Zone) -> DayBuckets {
        // Slots recur across models and projects: convert each once, to
        // the position of its day in `names`.
        let mut names: Vec<String> = Vec::new();
        let mut day_at: HashMap<i64, usize> = HashMap::new();
        let mut day_of = |slot: i64| -> usize {
            *day_at.entry(slot).or_insert_with(|| {
                names.push(if slot == UNDATED_SLOT {
                    "unknown".to_string()
                } else {
                    zone.date_of(slot.saturating_mul(SLOT_SECS))
                });
                names.len() - 1
            })
        };
        // Summed per day first: one key per day, not per quarter hour.
        let mut groups: Vec<(&str, &str, BTreeMap<usize, Bucket>)> = Vec::with_capacity(self.buckets.len());
        for (k, slots) in &self.buckets {
            let mut per_day: BTreeMap<usize, Bucket> = BTreeMap::new();
            for (&slot, b) in slots {
                per_day.entry(day_of(slot)).or_default().add(b.messages, b.tokens);
            }
            let (model, project) = k.split_once('\t').unwrap_or((k, ""));
            groups.push((model, project, per_day));
        }
        let pending: Vec<(usize, &Message)> = {
            let mut pending_seen = HashSet::new();
            self.files
                .values()
                .filter_map(|s| s.pending.as_ref())
                .filter(|p| !self.seen.contains_key(&p.key) && !self.before_horizon(p) && pending_seen.insert(p.key))
                .map(|p| (day_of(slot_of(p)), p))
                .collect()
        };
        let mut out: BTreeMap<(String, String, String), Bucket> = BTreeMap::new();
        for (model, project, per_day) in groups {
            for (day, b) in per_day {
                out.entry((names[day].clone(), model.to_string(), project.to_string()))
                    .or_default()
                    .add(b.messages, b.tokens);
            }
        }
        for (day, p) in pending {
            out.entry((names[day].clone(), p.model.clone(), p.project.clone())).or_default().add(1, p.tokens);
        }
        out
    }
}

/// Totals per (day, model, project).
pub type DayBuckets = BTreeMap<(String, String, String), Bucket>;

/// The longest transcript line read. Claude Code writes a message per
/// line; a line holding a pasted image or a large tool result runs to a
/// few MB. Longer lines are skipped (as malformed) without being held.
pub const MAX_LINE_BYTES: u64 = 32 * 1024 * 1024;

/// Consumes the rest of an over-long line; the bytes consumed, or `None`
/// when the file ends first (the line is still being written: it is read
/// again next time).
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<Option<u64>> {
    let mut skipped = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(Some(skipped + i as u64 + 1));
            }
            None => {
                let len = buf.len();
                reader.consume(len);
                skipped += len as u64;
            }
        }
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

/// Loads the index, reads what is new, and saves it when anything changed.
pub(super) fn refresh_saved(projects_dir: &Path, index_path: &Path) -> Result<(UsageIndex, ScanStats), UsageError> {
    let mut index = UsageIndex::load(index_path);
    let files_before = index.files.len();
    let read =
        index.refresh(projects_dir).map_err(|source| UsageError::Read { path: projects_dir.to_path_buf(), source })?;
    if read.files > 0 || index.files.len() != files_before {
        index.save(index_path)?;
    }
    Ok((index, read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, day: &str, output: u64) -> String {
        format!(
            r#"{{"type":"assistant","requestId":"r-{id}","timestamp":"{day}T10:00:00Z","cwd":"/w","message":{{"id":"{id}","model":"claude-haiku-4-5","usage":{{"input_tokens":1,"output_tokens":{output}}}}}}}"#
        ) + "\n"
    }

    fn totals(i: &UsageIndex) -> (u64, u64) {
        i.buckets(&Zone::utc()).values().fold((0, 0), |a, b| (a.0 + b.messages, a.1 + b.tokens.output))
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
    fn an_over_long_line_is_skipped_unheld_and_the_next_counts() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        let mut text = line("m1", "2026-01-01", 5).into_bytes();
        let huge = usize::try_from(MAX_LINE_BYTES).unwrap() + 10;
        text.extend(std::iter::repeat_n(b'x', huge));
        text.push(b'\n');
        text.extend(line("m2", "2026-01-01", 7).into_bytes());
        std::fs::write(projects.join("a.jsonl"), &text).unwrap();
        // A FIFO among the transcripts is passed over, not waited on.
        let fifo = projects.join("b.jsonl");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        let scanned = index.refresh(&dir.path().join("projects"));
        assert_eq!(totals(&index), (2, 12), "both messages around the long line count: {scanned:?}");
        assert_eq!(index.malformed_lines, 1);
    }

    #[test]
    fn an_old_transcripts_last_message_still_counts_once_newer_ones_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        std::fs::write(projects.join("a.jsonl"), line("m1", "2026-05-01", 100) + &line("m2", "2026-05-01", 1000))
            .unwrap();
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        index.refresh(&dir.path().join("projects")).unwrap();
        assert_eq!(totals(&index), (2, 1100));

        // A transcript seven months newer moves the horizon past May.
        std::fs::write(projects.join("b.jsonl"), line("m3", "2026-11-29", 5)).unwrap();
        index.refresh(&dir.path().join("projects")).unwrap();
        assert_eq!(totals(&index), (3, 1105), "May's last message is still counted");

        let path = dir.path().join("index.json");
        index.save(&path).unwrap();
        assert_eq!(totals(&UsageIndex::load(&path)), (3, 1105), "and after a save and load");
        let mut fresh = UsageIndex::load(&dir.path().join("none.json"));
        fresh.refresh(&dir.path().join("projects")).unwrap();
        assert_eq!(totals(&fresh), (3, 1105), "a fresh index agrees");
    }

    /// Output tokens per local day in `zone`.
    fn by_day(i: &UsageIndex, zone: &str) -> Vec<(String, u64)> {
        let mut days: BTreeMap<String, u64> = BTreeMap::new();
        for ((day, _, _), b) in i.buckets(&Zone::parse(zone).unwrap()) {
            *days.entry(day).or_default() += b.tokens.output;
        }
        days.into_iter().collect()
    }

    fn at(id: &str, timestamp: &str, output: u64) -> String {
        format!(
            r#"{{"type":"assistant","requestId":"r-{id}","timestamp":"{timestamp}","cwd":"/w","message":{{"id":"{id}","model":"claude-haiku-4-5","usage":{{"input_tokens":1,"output_tokens":{output}}}}}}}"#
        ) + "\n"
    }

    #[test]
    fn one_index_answers_every_zone_across_a_dst_change() {
        let dir = tempfile::tempdir().unwrap();
        let projects = dir.path().join("projects/-w");
        std::fs::create_dir_all(&projects).unwrap();
        // Berlin leaves summer time on 2026-10-25 at 01:00 UTC: that day
        // runs from 2026-10-24T22:00Z to 2026-10-25T23:00Z (25 hours).
        let text = at("a", "2026-10-24T21:45:00Z", 1) // 23:45 CEST, the 24th
            + &at("b", "2026-10-24T22:15:00Z", 10) // 00:15 CEST, the 25th
            + &at("c", "2026-10-25T22:45:00Z", 100) // 23:45 CET, the 25th
            + &at("d", "2026-10-25T23:15:00Z", 1000) // 00:15 CET, the 26th
            + &at("e", "2026-10-26T04:00:00Z", 10000) // 05:00 CET, 09:30 in India
            + &at("f", "2026-10-26T05:00:00.000+05:00", 100000); // 00:00Z, written with an offset
        std::fs::write(projects.join("a.jsonl"), &text).unwrap();
        let mut index = UsageIndex::load(&dir.path().join("none.json"));
        index.refresh(&dir.path().join("projects")).unwrap();
        let days = |i: &UsageIndex, z: &str| by_day(i, z);
        let d = |day: &str, out: u64| (day.to_string(), out);
        assert_eq!(
            days(&index, "Europe/Berlin"),
            [d("2026-10-24", 1), d("2026-10-25", 110), d("2026-10-26", 111000)],
            "the 25 hours of 25 October, in Berlin"
        );
        assert_eq!(days(&index, "UTC"), [d("2026-10-24", 11), d("2026-10-25", 1100), d("2026-10-26", 110000)]);
        assert_eq!(
            days(&index, "+05:30"),
            [d("2026-10-25", 11), d("2026-10-26", 111100)],
            "India's midnight is 18:30 UTC, on a quarter hour"
        );

        // Saved and loaded (a warm run) it says the same.
        let path = dir.path().join("index.json");
        index.save(&path).unwrap();
        let warm = UsageIndex::load(&path);
        for z in ["Europe/Berlin", "UTC", "+05:30", "America/Los_Angeles"] {
            assert_eq!(days(&warm, z), days(&index, z), "{z} from a saved index");
        }
    }

    #[test]
    fn an_index_of_an_older_format_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        // Version 4 kept UTC days: its totals cannot be moved to another zone.
        let old = serde_json::json!({
            "version": INDEX_VERSION - 1,
            "files": {"/x/a.jsonl": {"offset": 10, "pending": null}},
            "seen": {"1": 2_461_000},
            "buckets": {"2026-11-29\tclaude-haiku-4-5\t/w": {"messages": 7, "tokens": {"input": 1, "output": 2, "cache_write": 0, "cache_read": 0}}},
            "malformed_lines": 3
        });
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        let index = UsageIndex::load(&path);
        assert!(index.is_empty(), "an old index starts over, not misread");
        assert_eq!(index.malformed_lines, 0);
    }
}
