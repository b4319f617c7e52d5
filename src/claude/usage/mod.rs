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
//! per file, how far it was read, and the totals so far per (UTC quarter
//! hour, model, project), so a refresh reads only what was appended and
//! days can be counted in any time zone ([`Zone`]), the local one by default.
//!
//! The set of counted message keys, needed to spot a resumed session's
//! copies, keeps only messages of the last [`SEEN_RETENTION_DAYS`] days
//! (counted back from the newest message seen): Claude Code deletes
//! transcripts after `cleanupPeriodDays` (30 by default), so a session old
//! enough to have been pruned here can no longer be resumed. Messages older
//! than that horizon are never counted again, so a re-read transcript
//! cannot count them twice.

mod budget;
mod index;
mod pricing;
mod report;
mod transcript;
mod zone;

pub use budget::{
    budget_level, budget_warning_due, record_budget_warning, spend_now, take_budget_warning, today_and_month,
    BudgetWarning, Spend, BUDGET_THRESHOLDS, SPEND_REFRESH_SECS,
};
pub use index::{Bucket, DayBuckets, ScanStats, UsageIndex, SEEN_RETENTION_DAYS};
pub use pricing::{cost, price_model};
pub use report::{report, GroupBy, Report, Row, UnknownModel};
pub use transcript::{parse_line, MalformedLine, Message, Tokens};
pub use zone::{LocalZoneError, Zone, ZoneError, SLOT_SECS};

use crate::catalog::Catalog;
use budget::spend_in;
use index::refresh_saved;
use pricing::PriceCache;
use report::report_in;
use std::path::{Path, PathBuf};

/// Refreshes the index at `index_path` from `projects_dir`, saves it, and
/// reports, with days (`since`, `today`, the rows) in `zone`.
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
    zone: &Zone,
) -> Result<Report, UsageError> {
    let (index, read) = refresh_saved(projects_dir, index_path)?;
    if index.is_empty() {
        // $0.00 would read as "nothing spent" when nothing was found.
        return Err(UsageError::NoTranscripts { path: projects_dir.to_path_buf() });
    }
    // Summed per local day and priced once, for the report and for today.
    let buckets = index.buckets(zone);
    let mut prices = PriceCache::new(catalog);
    let mut r = report_in(&buckets, index.malformed_lines, &mut prices, since, by, read, zone);
    (r.today_usd, r.month_usd) = spend_in(&buckets, &mut prices, today);
    Ok(r)
}

/// Errors of [`run`].
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("cannot read transcripts under {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Write(#[from] crate::atomic_file::WriteError),
    #[error("no Claude Code transcripts under {}: check CLAUDE_CONFIG_DIR (Claude Code keeps them in <its config folder>/projects), or run Claude Code first", path.display())]
    NoTranscripts { path: PathBuf },
}
