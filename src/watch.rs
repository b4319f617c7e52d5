//! The watcher: keeps a [`Snapshot`] of the files current and tells
//! subscribers when it changes, warns before SSO sessions expire, and
//! refreshes refreshable sessions silently before they do.
//!
//! Event-driven, no polling: inotify (through notify) for the three folders,
//! debounced here, and one timer armed for the next session transition.
//! The timer is re-armed from the wall clock at least once a minute, so a
//! suspend/resume or clock jump is noticed within a minute even though
//! tokio's timers run on the monotonic clock, which stops during suspend.
//! (notify-debouncer-full is not used: its thread wakes every tick forever.)

use crate::paths::Paths;
use crate::sso::cache::EXPIRING_WITHIN;
use crate::sso::login;
use crate::view::snapshot::Snapshot;
use notify::{RecursiveMode, Watcher as _};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc, watch};

/// File events closer together than this are one change (editors and the
/// AWS CLI write in several steps).
const DEBOUNCE: Duration = Duration::from_millis(150);
/// The longest the timer sleeps before re-reading the wall clock.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The current time and the timer, injectable so tests can run hours of
/// session life in seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;

    /// Resolves once `duration` has passed on this clock. Network
    /// timeouts and the file-event debounce stay on tokio's real timer.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system's wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Where a session stands relative to the warning thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "phase", content = "minutes")]
pub enum Phase {
    Valid,
    /// Under this many minutes left (one of the warning thresholds).
    Warning(u32),
    Expired,
}

/// A session transition or a refresh outcome, for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Under `minutes` left.
    ExpiresSoon {
        session: String,
        profiles: Vec<String>,
        minutes: u32,
        refreshable: bool,
    },
    Expired {
        session: String,
        profiles: Vec<String>,
    },
    Refreshed {
        session: String,
        profiles: Vec<String>,
    },
    /// A silent refresh failed; it is retried while time remains.
    RefreshFailed {
        session: String,
        profiles: Vec<String>,
        reason: String,
        retrying: bool,
    },
    /// Only a login can help now.
    LoginNeeded {
        session: String,
        profiles: Vec<String>,
        reason: String,
    },
}

/// The phase of a session `left` from expiry, for thresholds in minutes.
pub fn phase(left: time::Duration, warn_minutes: &[u32]) -> Phase {
    if left <= time::Duration::ZERO {
        return Phase::Expired;
    }
    warn_minutes
        .iter()
        .copied()
        .filter(|m| left < time::Duration::minutes(i64::from(*m)))
        .min()
        .map_or(Phase::Valid, Phase::Warning)
}

/// The next moment at which any session changes phase, after `now`.
pub fn next_transition(
    expiries: &[OffsetDateTime],
    warn_minutes: &[u32],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    expiries
        .iter()
        .flat_map(|e| {
            std::iter::once(*e).chain(warn_minutes.iter().map(move |m| *e - time::Duration::minutes(i64::from(*m))))
        })
        .filter(|t| *t > now)
        .min()
}

/// One SSO session as seen in a snapshot.
#[derive(Debug, Clone)]
struct Session {
    key: String,
    token_path: PathBuf,
    profiles: Vec<String>,
    expires_at: Option<OffsetDateTime>,
    refreshable: bool,
}

fn sessions(snapshot: &Snapshot) -> Vec<Session> {
    let mut by_path: BTreeMap<PathBuf, Session> = BTreeMap::new();
    for row in &snapshot.profiles {
        let Some(path) = &row.session.token_path else { continue };
        let entry = by_path.entry(path.clone()).or_insert_with(|| Session {
            key: row.sso_session.clone().unwrap_or_else(|| row.name.clone()),
            token_path: path.clone(),
            profiles: Vec::new(),
            expires_at: row.session.expires_at,
            refreshable: row.session.refreshable,
        });
        entry.profiles.push(row.name.clone());
    }
    by_path.into_values().collect()
}

/// Options for [`Watcher::spawn`].
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Warning thresholds in minutes before expiry.
    pub warn_minutes: Vec<u32>,
    /// Refresh refreshable sessions when they enter the last 15 minutes.
    pub auto_refresh: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { warn_minutes: vec![15, 5], auto_refresh: true }
    }
}

/// The wait before the `attempt`th retry (1-based) of a failed silent
/// refresh, before jitter: 15 s, 30 s, 60 s, 120 s, then 240 s.
pub fn refresh_backoff(attempt: u32) -> Duration {
    Duration::from_secs(15 << attempt.saturating_sub(1).min(4))
}

/// Counters of a running watcher: how often it woke and what it holds, to
/// show it neither spins nor grows over hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WatchStats {
    /// Turns of the event loop (timer, file event, poke, refresh done).
    pub wakeups: u64,
    /// Silent refreshes started.
    pub refreshes: u64,
    /// Silent refreshes running now.
    pub in_flight: u64,
    /// Sessions with a failed refresh waiting for its retry.
    pub pending_retries: u64,
    /// Sessions whose phase is remembered.
    pub tracked_sessions: u64,
}

#[derive(Default)]
struct SharedStats {
    wakeups: AtomicU64,
    refreshes: AtomicU64,
    in_flight: AtomicU64,
    pending_retries: AtomicU64,
    tracked_sessions: AtomicU64,
}

/// The watcher could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error("cannot create {}: {source}", path.display())]
    Create { path: PathBuf, source: std::io::Error },
}

/// A running watcher; dropping it stops everything.
pub struct Watcher {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    events: broadcast::Sender<SessionEvent>,
    /// Subscribed before the task starts, so the first `events()` caller
    /// also gets the events of the first reading (a session already in its
    /// last minutes), whatever the runtime's scheduling.
    first_events: std::sync::Mutex<Option<broadcast::Receiver<SessionEvent>>>,
    poke: mpsc::UnboundedSender<()>,
    stats: Arc<SharedStats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Watcher {
    /// Starts watching. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// [`WatchError`] when a folder cannot be created or watched.
    pub fn spawn(paths: Paths, clock: Arc<dyn Clock>, options: WatchOptions) -> Result<Self, WatchError> {
        Self::spawn_with(paths, clock, options, login::RefreshPolicy::default())
    }

    /// [`Watcher::spawn`] with silent refreshes made under `refresh`.
    ///
    /// # Errors
    /// As [`Watcher::spawn`].
    pub fn spawn_with(
        paths: Paths,
        clock: Arc<dyn Clock>,
        options: WatchOptions,
        refresh: login::RefreshPolicy,
    ) -> Result<Self, WatchError> {
        // The token cache may not exist yet; the AWS CLI creates it 0700 too.
        crate::atomic_file::create_private_dir(&paths.sso_cache_dir)
            .map_err(|source| WatchError::Create { path: paths.sso_cache_dir.clone(), source })?;
        let (file_tx, file_rx) = mpsc::unbounded_channel();
        let app_dir = paths.app_dir.clone();
        let kept = [paths.app_state(), crate::catalog::account::AccountListing::dir(&paths)];
        let files = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if event.is_ok_and(|e| !e.kind.is_access() && !is_app_dir_noise(&app_dir, &kept, &e.paths)) {
                let _ = file_tx.send(());
            }
        })
        .map_err(|e| WatchError::Watch { path: paths.sso_cache_dir.clone(), message: e.to_string() })?;
        let mut watches = FolderWatches { files, watched: Vec::new() };
        watches.sync(&paths)?;
        let first = Arc::new(Snapshot::read(&paths, clock.now()));
        let (snap_tx, snap_rx) = watch::channel(first);
        let (event_tx, first_events) = broadcast::channel(64);
        let (poke_tx, poke_rx) = mpsc::unbounded_channel();
        let stats = Arc::new(SharedStats::default());
        let state = Loop {
            stats: stats.clone(),
            paths,
            clock,
            options,
            refresh,
            snapshots: snap_tx,
            events: event_tx.clone(),
            phases: HashMap::new(),
            retry_at: HashMap::new(),
            refreshing: HashMap::new(),
            watches,
        };
        let task = tokio::spawn(state.run(file_rx, poke_rx));
        Ok(Self {
            snapshots: snap_rx,
            events: event_tx,
            first_events: std::sync::Mutex::new(Some(first_events)),
            poke: poke_tx,
            stats,
            task,
        })
    }

    /// The latest snapshot, and every new one.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.clone()
    }

    /// Session transitions and refresh outcomes from now on; the first
    /// call also receives those of the watcher's first reading.
    pub fn events(&self) -> broadcast::Receiver<SessionEvent> {
        let first = self.first_events.lock().ok().and_then(|mut f| f.take());
        first.unwrap_or_else(|| self.events.subscribe())
    }

    /// Re-reads the files and the clock now (after an action of ours, or a
    /// resume signalled by the OS).
    pub fn poke(&self) {
        let _ = self.poke.send(());
    }

    /// What the watcher has done and holds so far.
    pub fn stats(&self) -> WatchStats {
        let s = &self.stats;
        WatchStats {
            wakeups: s.wakeups.load(Ordering::Relaxed),
            refreshes: s.refreshes.load(Ordering::Relaxed),
            in_flight: s.in_flight.load(Ordering::Relaxed),
            pending_retries: s.pending_retries.load(Ordering::Relaxed),
            tracked_sessions: s.tracked_sessions.load(Ordering::Relaxed),
        }
    }
}

/// Whether an event only concerns files of the app's own folder that no
/// view shows (the usage index, lock folders, temporary files): there only
/// the state file (which keys the API-key provider has, the gateway; see
/// [`crate::view::snapshot::ProviderOptions`]) and the model listing's
/// folder matter. Without this, every write of the usage index would wake
/// the watcher and make a new snapshot.
fn is_app_dir_noise(app_dir: &std::path::Path, kept: &[PathBuf], paths: &[PathBuf]) -> bool {
    !paths.is_empty() && paths.iter().all(|p| p.parent() == Some(app_dir) && !kept.contains(p))
}

/// The folders whose changes matter: where the settings, the AWS config,
/// the token cache, the account's model catalog and the app's state live.
/// A folder that does not exist yet is watched through its nearest
/// existing parent.
fn watched_dirs(paths: &Paths) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    // The model catalog read from the account lives in one flat folder.
    let listing = crate::catalog::account::AccountListing::dir(paths).join("listing.json");
    let state = paths.app_state();
    for file in [&paths.claude_settings, &paths.aws_config, &paths.aws_credentials, &listing, &state] {
        let mut dir = file.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        while !dir.is_dir() {
            match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => dir = p.to_path_buf(),
                _ => break,
            }
        }
        // A symlinked settings file: watch where the data really is too.
        if let Ok(target) = crate::atomic_file::resolve_target(file) {
            if let Some(parent) = target.parent().filter(|p| p.is_dir()) {
                dirs.push(parent.to_path_buf());
            }
        }
        dirs.push(dir);
    }
    dirs.push(paths.sso_cache_dir.clone());
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The OS watches and the folders they are on.
struct FolderWatches {
    files: notify::RecommendedWatcher,
    watched: Vec<PathBuf>,
}

impl FolderWatches {
    /// Watches the folders that matter now and drops watches on parents
    /// that stood in for a folder which exists by now (a fresh laptop has
    /// no `~/.claude` until the first `use`; its settings must still be
    /// watched once it appears).
    fn sync(&mut self, paths: &Paths) -> Result<(), WatchError> {
        let wanted = watched_dirs(paths);
        for dir in wanted.iter().filter(|d| !self.watched.contains(d)) {
            self.files
                .watch(dir, RecursiveMode::NonRecursive)
                .map_err(|e| WatchError::Watch { path: dir.clone(), message: e.to_string() })?;
        }
        for dir in self.watched.iter().filter(|d| !wanted.contains(d)) {
            let _ = self.files.unwatch(dir);
        }
        self.watched = wanted;
        Ok(())
    }
}

struct Loop {
    paths: Paths,
    clock: Arc<dyn Clock>,
    options: WatchOptions,
    refresh: login::RefreshPolicy,
    snapshots: watch::Sender<Arc<Snapshot>>,
    events: broadcast::Sender<SessionEvent>,
    phases: HashMap<PathBuf, Phase>,
    /// Failed refreshes wait until this moment before the next try.
    retry_at: HashMap<PathBuf, (OffsetDateTime, u32)>,
    refreshing: HashMap<PathBuf, tokio::task::JoinHandle<()>>,
    watches: FolderWatches,
    stats: Arc<SharedStats>,
}

impl Loop {
    async fn run(mut self, mut files: mpsc::UnboundedReceiver<()>, mut pokes: mpsc::UnboundedReceiver<()>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(PathBuf, Result<(), login::LoginError>)>();
        self.evaluate(&done_tx, false);
        loop {
            self.publish_stats();
            let now = self.clock.now();
            let snapshot = self.snapshots.borrow().clone();
            let expiries: Vec<OffsetDateTime> = sessions(&snapshot).iter().filter_map(|s| s.expires_at).collect();
            let mut deadline = next_transition(&expiries, &self.options.warn_minutes, now);
            // Only retries still ahead: one that came while its refresh runs
            // (or whose session has since expired) would arm a zero-length
            // timer and spin until the refresh ends, or forever.
            let retries = self.retry_at.iter().filter(|(p, (t, _))| *t > now && !self.refreshing.contains_key(*p));
            if let Some(retry) = retries.map(|(_, (t, _))| *t).min() {
                deadline = Some(deadline.map_or(retry, |d| d.min(retry)));
            }
            let sleep = deadline
                .map(|d| Duration::try_from(d - now).unwrap_or(Duration::ZERO))
                .unwrap_or(MAX_SLEEP)
                .min(MAX_SLEEP);
            let timer = self.clock.sleep(sleep);
            tokio::select! {
                Some(()) = files.recv() => {
                    // Debounce: let the writer finish, then take everything queued.
                    tokio::time::sleep(DEBOUNCE).await;
                    while files.try_recv().is_ok() {}
                    if let Err(e) = self.watches.sync(&self.paths) {
                        tracing::warn!("{e}");
                    }
                    self.evaluate(&done_tx, true);
                }
                Some(()) = pokes.recv() => {
                    while pokes.try_recv().is_ok() {}
                    self.evaluate(&done_tx, true);
                }
                Some((path, result)) = done_rx.recv() => {
                    self.refreshing.remove(&path);
                    self.after_refresh(path, result);
                    self.evaluate(&done_tx, true);
                }
                () = timer => self.evaluate(&done_tx, false),
                else => return,
            }
        }
    }

    fn publish_stats(&self) {
        let s = &self.stats;
        s.wakeups.fetch_add(1, Ordering::Relaxed);
        s.in_flight.store(self.refreshing.len() as u64, Ordering::Relaxed);
        s.pending_retries.store(self.retry_at.len() as u64, Ordering::Relaxed);
        s.tracked_sessions.store(self.phases.len() as u64, Ordering::Relaxed);
    }

    /// Re-reads the files, publishes a changed snapshot, emits transition
    /// events and starts refreshes that are due.
    fn evaluate(&mut self, done: &mpsc::UnboundedSender<(PathBuf, Result<(), login::LoginError>)>, reread: bool) {
        let now = self.clock.now();
        let snapshot = Arc::new(Snapshot::read(&self.paths, now));
        if reread || fingerprint(&snapshot) != fingerprint(&self.snapshots.borrow()) {
            self.snapshots.send_replace(snapshot.clone());
        } else {
            // Same state; keep the countdown fresh without waking subscribers.
            self.snapshots.send_if_modified(|s| {
                *s = snapshot.clone();
                false
            });
        }
        let sessions = sessions(&snapshot);
        for session in &sessions {
            let phase = match session.expires_at {
                Some(e) => phase(e - now, &self.options.warn_minutes),
                None => continue,
            };
            let previous = self.phases.insert(session.token_path.clone(), phase);
            if previous != Some(phase) {
                // A refreshed token (ours or another tool's) moves back to
                // Valid: forget pending retries.
                if phase == Phase::Valid {
                    self.retry_at.remove(&session.token_path);
                }
                if let Some(event) = transition_event(session, phase) {
                    let _ = self.events.send(event);
                }
            }
            let due = session.expires_at.is_some_and(|e| e - now < EXPIRING_WITHIN && e > now);
            let retry_ok = self.retry_at.get(&session.token_path).is_none_or(|(t, _)| *t <= now);
            if self.options.auto_refresh
                && due
                && session.refreshable
                && retry_ok
                && !self.refreshing.contains_key(&session.token_path)
            {
                self.start_refresh(session, done.clone());
            }
        }
        // Forget sessions whose file disappeared or became unreadable.
        let live: Vec<PathBuf> =
            sessions.iter().filter(|s| s.expires_at.is_some()).map(|s| s.token_path.clone()).collect();
        self.phases.retain(|p, _| live.contains(p));
    }

    fn start_refresh(
        &mut self,
        session: &Session,
        done: mpsc::UnboundedSender<(PathBuf, Result<(), login::LoginError>)>,
    ) {
        let profiles = crate::aws::profiles::AwsProfiles::load(&self.paths.aws_config, &self.paths.aws_credentials);
        let Some(profile) = profiles.ok().and_then(|p| session.profiles.first().and_then(|n| p.get(n).cloned())) else {
            return;
        };
        let Ok(target) = login::target_of(&profile) else { return };
        let paths = self.paths.clone();
        let path = session.token_path.clone();
        let (now, policy) = (self.clock.now(), self.refresh.clone());
        tracing::info!(session = %session.key, "refreshing the SSO session silently");
        self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
        let handle = tokio::spawn(async move {
            let result = login::refresh_at(&paths, &target, now, &policy).await.map(|_| ());
            let _ = done.send((path, result));
        });
        self.refreshing.insert(session.token_path.clone(), handle);
    }

    fn after_refresh(&mut self, path: PathBuf, result: Result<(), login::LoginError>) {
        let snapshot = self.snapshots.borrow().clone();
        let Some(session) = sessions(&snapshot).into_iter().find(|s| s.token_path == path) else { return };
        let (key, profiles) = (session.key.clone(), session.profiles.clone());
        match result {
            Ok(()) => {
                self.retry_at.remove(&path);
                let _ = self.events.send(SessionEvent::Refreshed { session: key, profiles });
            }
            Err(e) if e.is_transient() => {
                let attempts = self.retry_at.get(&path).map_or(0, |(_, n)| *n) + 1;
                // Up to 20% jitter, from the process's random hash keys (not
                // the clock, which a test or a coarse timer may hold still),
                // so many machines behind one outage do not retry in step.
                let base = refresh_backoff(attempts);
                let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
                let jitter = base.mul_f64((random % 1000) as f64 / 5000.0);
                let at = self.clock.now() + (base + jitter);
                tracing::debug!(session = %key, attempts, wait = ?(base + jitter), "refresh failed, retrying later: {e}");
                self.retry_at.insert(path, (at, attempts));
                let _ = self.events.send(SessionEvent::RefreshFailed {
                    session: key,
                    profiles,
                    reason: e.to_string(),
                    retrying: true,
                });
            }
            Err(e) => {
                // Dead refresh token or registration: only a login helps.
                // Park retries until the file changes (a login resets them).
                self.retry_at.insert(path, (self.clock.now() + time::Duration::days(365), u32::MAX));
                let _ = self.events.send(SessionEvent::LoginNeeded { session: key, profiles, reason: e.to_string() });
            }
        }
    }
}

fn transition_event(session: &Session, phase: Phase) -> Option<SessionEvent> {
    let (key, profiles) = (session.key.clone(), session.profiles.clone());
    match phase {
        // At start-up only report what needs attention.
        Phase::Valid => None,
        Phase::Warning(minutes) => {
            Some(SessionEvent::ExpiresSoon { session: key, profiles, minutes, refreshable: session.refreshable })
        }
        Phase::Expired => Some(SessionEvent::Expired { session: key, profiles }),
    }
}

/// What makes two snapshots different for a subscriber: everything but the
/// moment they were taken and the ticking countdowns.
pub fn fingerprint(snapshot: &Snapshot) -> String {
    let mut value = serde_json::to_value(snapshot).unwrap_or_default();
    strip_volatile(&mut value);
    value.to_string()
}

fn strip_volatile(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.shift_remove("taken_at");
            map.shift_remove("seconds_left");
            map.values_mut().for_each(strip_volatile);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_app_folder_is_watched_for_the_state_file() {
        // With the model listing's folder there, nothing else would bring
        // the app folder (where `api-key set` writes the state) into view.
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(home.path());
        std::fs::create_dir_all(crate::catalog::account::AccountListing::dir(&paths)).unwrap();
        assert!(watched_dirs(&paths).contains(&paths.app_dir), "{:?}", watched_dirs(&paths));
    }

    #[test]
    fn the_app_state_is_watched_and_the_rest_of_its_folder_is_noise() {
        let paths = Paths::under_home(std::path::Path::new("/home/u"));
        let app = paths.app_dir.clone();
        let kept = [paths.app_state(), crate::catalog::account::AccountListing::dir(&paths)];
        assert!(is_app_dir_noise(&app, &kept, &[app.join("usage-index.json")]));
        assert!(is_app_dir_noise(&app, &kept, &[app.join(".state.json.1.x.tmp")]), "until renamed");
        assert!(!is_app_dir_noise(&app, &kept, &[app.join(".state.json.1.x.tmp"), paths.app_state()]), "the rename");
        assert!(!is_app_dir_noise(&app, &kept, &[crate::catalog::account::AccountListing::dir(&paths)]));
        assert!(
            !is_app_dir_noise(&app, &kept, std::slice::from_ref(&paths.claude_settings)),
            "other folders are not filtered"
        );
    }

    #[test]
    fn phases_follow_the_thresholds() {
        let warn = [15, 5];
        let m = |n: i64| time::Duration::minutes(n);
        assert_eq!(phase(m(60), &warn), Phase::Valid);
        assert_eq!(phase(m(15), &warn), Phase::Valid, "exactly 15 minutes is not yet under 15");
        assert_eq!(phase(m(14), &warn), Phase::Warning(15));
        assert_eq!(phase(m(4), &warn), Phase::Warning(5));
        assert_eq!(phase(m(0), &warn), Phase::Expired);
        assert_eq!(phase(m(-3), &warn), Phase::Expired);
        assert_eq!(phase(m(20), &[30]), Phase::Warning(30), "thresholds are configurable");
    }

    #[test]
    fn refresh_retries_back_off_to_four_minutes() {
        let waits: Vec<u64> = (1..=7).map(|n| refresh_backoff(n).as_secs()).collect();
        assert_eq!(waits, [15, 30, 60, 120, 240, 240, 240], "doubling, capped, never zero");
        assert_eq!(refresh_backoff(u32::MAX).as_secs(), 240, "no overflow after a day of failures");
    }

    #[test]
    fn the_timer_is_armed_for_the_next_transition_of_any_session() {
        let now = datetime!(2026-11-25 12:00 UTC);
        let a = datetime!(2026-11-25 13:00 UTC);
        let b = datetime!(2026-11-25 12:10 UTC);
        // b's 5-minute warning (12:05) comes first; its 15-minute one is past.
        assert_eq!(next_transition(&[a, b], &[15, 5], now), Some(datetime!(2026-11-25 12:05 UTC)));
        assert_eq!(next_transition(&[a], &[15, 5], now), Some(datetime!(2026-11-25 12:45 UTC)));
        assert_eq!(next_transition(&[datetime!(2026-11-25 11:00 UTC)], &[15, 5], now), None, "nothing left to happen");
    }
}
