//! Today's and this month's spend against the monthly budget, and when
//! to warn about it.

use super::index::{refresh_saved, DayBuckets};
use super::pricing::{cost, PriceCache};
use super::{UsageError, UsageIndex, Zone};
use crate::catalog::Catalog;
use serde::Serialize;

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

/// Spend of one day (`YYYY-MM-DD` in `zone`) and of its month so far,
/// priced models only.
pub fn today_and_month(index: &UsageIndex, catalog: &Catalog, today: &str, zone: &Zone) -> (f64, f64) {
    spend_in(&index.buckets(zone), &mut PriceCache::new(catalog), today)
}

/// [`today_and_month`] of buckets already summed per day.
pub(super) fn spend_in(buckets: &DayBuckets, cache: &mut PriceCache<'_>, today: &str) -> (f64, f64) {
    let month = today.get(..7).unwrap_or(today);
    let (mut day_usd, mut month_usd) = (0.0, 0.0);
    for ((day, model, _), b) in buckets {
        let Some((_, prices)) = cache.get(model) else { continue };
        let usd = cost(&prices, &b.tokens);
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
    /// The month counted, `YYYY-MM` in [`Spend::time_zone`].
    pub month: String,
    /// The time zone days and months are counted in.
    pub time_zone: String,
    pub budget_usd: Option<f64>,
    /// `month_usd` as a percentage of the budget.
    pub budget_percent: Option<f64>,
    /// The highest of [`BUDGET_THRESHOLDS`] reached.
    pub level: Option<u8>,
}

impl Spend {
    /// The summary of `today_usd` and `month_usd` spent in `month`
    /// against an optional monthly budget, in UTC (see [`Spend::in_zone`]).
    pub fn new(today_usd: f64, month_usd: f64, month: &str, budget_usd: Option<f64>) -> Self {
        let budget_usd = budget_usd.filter(|b| b.is_finite() && *b > 0.0);
        Self {
            today_usd,
            month_usd,
            month: month.to_string(),
            time_zone: "UTC".to_string(),
            budget_usd,
            budget_percent: budget_usd.map(|b| month_usd / b * 100.0),
            level: budget_usd.and_then(|b| budget_level(month_usd, b)),
        }
    }

    /// The same summary, its days and month counted in `zone`.
    #[must_use]
    pub fn in_zone(self, zone: &Zone) -> Self {
        Self { time_zone: zone.name().to_string(), ..self }
    }
}

/// How often a long-running caller should call [`spend_now`], at most.
pub const SPEND_REFRESH_SECS: u64 = 60;

/// Today's and this month's spend as of `now`, its days and month counted
/// in `zone` (the tray passes [`Zone::local`]), with the budget from the
/// app state. Refreshes the usage index first, which reads only what was
/// appended to the transcripts, but still lists every transcript folder
/// and loads the index: callers that build snapshots often (the tray)
/// call this at most once every [`SPEND_REFRESH_SECS`] and attach the
/// result with [`crate::view::snapshot::Snapshot::with_spend`].
///
/// # Errors
/// Transcripts or the index cannot be read or written.
pub fn spend_now(paths: &crate::paths::Paths, now: time::OffsetDateTime, zone: &Zone) -> Result<Spend, UsageError> {
    let (index, _) = refresh_saved(&paths.claude_dir.join("projects"), &paths.app_dir.join("usage-index.json"))?;
    let today = zone.today(now);
    let (day_usd, month_usd) = today_and_month(&index, &Catalog::load(paths), &today, zone);
    // A state file that cannot be read means no budget, not no spend.
    let budget = crate::app_state::AppState::load(&paths.app_state()).ok().and_then(|s| s.budget());
    Ok(Spend::new(day_usd, month_usd, today.get(..7).unwrap_or(&today), budget).in_zone(zone))
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

/// A budget warning to show: a title and a body.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetWarning {
    pub threshold: u8,
    pub title: String,
    pub body: String,
}

/// The budget warning to show now, if any (see [`budget_warning_due`]),
/// remembered as shown in the app state at `state_path`. An unreadable
/// state shows nothing; a state that cannot be saved is logged.
pub fn take_budget_warning(state_path: &std::path::Path, spend: &Spend) -> Option<BudgetWarning> {
    let state = crate::app_state::AppState::load(state_path).ok()?;
    let threshold = budget_warning_due(&state, spend)?;
    let budget = spend.budget_usd.unwrap_or_default();
    let warning = BudgetWarning {
        threshold,
        title: format!("Claude Code has used {threshold} % of this month's budget"),
        body: format!("${:.2} of ${budget:.2} in {}.", spend.month_usd, spend.month),
    };
    if let Err(e) = crate::app_state::AppState::update(state_path, |s| record_budget_warning(s, spend, threshold)) {
        tracing::warn!("cannot remember the budget warning: {e}");
    }
    Some(warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_levels() {
        assert_eq!(budget_level(49.9, 100.0), None);
        assert_eq!(budget_level(50.0, 100.0), Some(50));
        assert_eq!(budget_level(99.0, 100.0), Some(80));
        assert_eq!(budget_level(130.0, 100.0), Some(100));
        assert_eq!(budget_level(10.0, 0.0), None, "no budget, no warning");
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
}
