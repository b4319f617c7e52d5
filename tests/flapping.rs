//! Hours of a flapping SSO-OIDC endpoint in seconds: the watcher runs in
//! process on a manual clock while the fault proxy resets, black-holes and
//! refuses connections on a schedule. The watcher must keep refreshing,
//! back off between failures (no spin), say what really went wrong,
//! recover when the endpoint returns, and hold no more state after hours
//! than after the first cycle.
//!
//! The reduced run (one cycle of each fault, then an outage the session
//! does not survive) takes seconds; `BEDROCK_TRAY_SOAK_HOURS=6` runs six
//! hours of cycles (`make stress`).

use crate::fault_proxy::{Fault, FaultProxy};
use crate::harness::FakeAws;
use crate::util::*;
use bedrock_tray::sso::login::RefreshPolicy;
use bedrock_tray::watch::{refresh_backoff, Clock, SessionEvent, WatchOptions, WatchStats, Watcher};
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A clock that moves only when the test says so; sleeps end when it
/// passes their deadline. Remembers the deadline of the last sleep, so the
/// test knows when the watcher is parked.
struct ManualClock {
    now: tokio::sync::watch::Sender<OffsetDateTime>,
    armed: Mutex<OffsetDateTime>,
}

impl ManualClock {
    fn new(start: OffsetDateTime) -> Self {
        Self { now: tokio::sync::watch::Sender::new(start), armed: Mutex::new(start) }
    }
    fn set(&self, t: OffsetDateTime) {
        self.now.send_replace(t);
    }
    fn armed(&self) -> OffsetDateTime {
        *self.armed.lock().unwrap()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.borrow()
    }
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let deadline = self.now() + duration;
        *self.armed.lock().unwrap() = deadline;
        let mut now = self.now.subscribe();
        Box::pin(async move {
            while *now.borrow_and_update() < deadline {
                if now.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}

/// Waits (real time) until the watcher has handled the clock's current
/// time: its timer is armed past it and no refresh is running.
async fn settle(clock: &ManualClock, watcher: &Watcher) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(clock.armed() > clock.now() && watcher.stats().in_flight == 0) {
        assert!(Instant::now() < deadline, "the watcher never settled: {:?}", watcher.stats());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The endpoint's state `offset` into the run: cycles of 12 minutes up
/// and 8 down, the fault changing each cycle; after `cycles` cycles, 12
/// minutes up, then down (refused) until the end.
fn fault_at(offset: time::Duration, cycles: i64) -> Fault {
    let minute = offset.whole_minutes();
    let cycle = minute / 20;
    if cycle >= cycles {
        return if minute - 20 * cycles < 12 { Fault::Pass } else { Fault::Refuse };
    }
    if minute % 20 < 12 {
        return Fault::Pass;
    }
    [Fault::Reset, Fault::BlackHole, Fault::Refuse][(cycle % 3) as usize]
}

/// The most failed attempts the backoff schedule allows in an outage of
/// `length`: one at its start, then one after each backoff step that fits.
fn most_attempts(length: Duration) -> u32 {
    let (mut n, mut spent) = (1, Duration::ZERO);
    while spent + refresh_backoff(n) <= length {
        spent += refresh_backoff(n);
        n += 1;
    }
    n
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[derive(Debug)]
struct Outage {
    fault: Fault,
    start: OffsetDateTime,
    end: OffsetDateTime,
    failures: Vec<String>,
    recovered_at: Option<OffsetDateTime>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_rides_out_hours_of_a_flapping_endpoint() {
    let hours: i64 = std::env::var("BEDROCK_TRAY_SOAK_HOURS").ok().and_then(|h| h.parse().ok()).unwrap_or(1);
    let cycles = hours * 3;
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    let fake = FakeAws::start();
    // 16-minute tokens: a refresh is due a minute after each one, so the
    // endpoint is called all through the run, outages included.
    fake.config(json!({"auto_approve": true, "token_expires_in": 960}));
    let mut login = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
    login.args(["login", "--profile", "dev", "--no-browser", "--device-code"]);
    home.isolate(&mut login);
    fake.apply(&mut login);
    let out = login.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let proxy = FaultProxy::start(fake.url.trim_start_matches("http://"));
    let start = OffsetDateTime::now_utc();
    let clock = Arc::new(ManualClock::new(start));
    // One SDK attempt per refresh, so every failure the proxy causes is
    // one the watcher schedules; 3 s is how long a black hole is waited for
    // (a loaded CI machine answers a healthy request well within it).
    let policy =
        RefreshPolicy { attempt_timeout: Duration::from_secs(3), attempts: 1, endpoint_url: Some(proxy.url.clone()) };
    let watcher = Watcher::spawn_with(home.paths(), clock.clone(), WatchOptions::default(), policy).unwrap();
    let mut events = watcher.events();

    let step = time::Duration::seconds(15);
    let flapping_end = start + time::Duration::minutes(20 * cycles + 12);
    let end = flapping_end + time::Duration::minutes(30);
    let mut outages: Vec<Outage> = Vec::new();
    let mut refreshed = 0;
    let mut expired_at = None;
    let mut login_needed = Vec::new();
    let mut after_first_cycle: Option<WatchStats> = None;
    let mut wakeups_at_flapping_end = 0;
    let rss_start = vm_rss_kib();
    let mut t = start;
    settle(&clock, &watcher).await;
    while t < end {
        t += step;
        let fault = fault_at(t - start, cycles);
        match outages.last_mut() {
            Some(o) if o.end == t - step && fault != Fault::Pass && o.fault == fault => o.end = t,
            _ if fault != Fault::Pass => {
                outages.push(Outage { fault, start: t, end: t, failures: Vec::new(), recovered_at: None })
            }
            _ => {}
        }
        proxy.set(fault);
        clock.set(t);
        settle(&clock, &watcher).await;
        while let Ok(event) = events.try_recv() {
            match event {
                SessionEvent::RefreshFailed { reason, retrying, .. } => {
                    assert!(retrying, "a network failure is retried: {reason}");
                    assert_ne!(fault, Fault::Pass, "no refresh fails while the endpoint is up: {reason}");
                    outages.last_mut().expect("failures happen in outages").failures.push(reason);
                }
                SessionEvent::Refreshed { .. } => {
                    refreshed += 1;
                    assert_eq!(fault, Fault::Pass, "a refresh succeeds only through a healthy endpoint");
                    if let Some(o) = outages.last_mut().filter(|o| o.recovered_at.is_none()) {
                        o.recovered_at = Some(t);
                    }
                }
                SessionEvent::Expired { .. } => expired_at = Some(t),
                SessionEvent::LoginNeeded { reason, .. } => login_needed.push(reason),
                SessionEvent::ExpiresSoon { .. } => {}
            }
        }
        if t == start + time::Duration::minutes(20) {
            after_first_cycle = Some(watcher.stats());
        }
        if t == flapping_end {
            wakeups_at_flapping_end = watcher.stats().wakeups;
        }
    }
    let stats = watcher.stats();
    let rss_end = vm_rss_kib();
    eprintln!(
        "{hours} h of flapping + 30 min down: {refreshed} refreshes, {} outages, stats {stats:?}, VmRSS {rss_start} -> {rss_end} KiB",
        outages.len()
    );

    for o in &outages {
        eprintln!(
            "{:?} for {}: {} failures, first {:?}",
            o.fault,
            o.end - o.start + step,
            o.failures.len(),
            o.failures.first()
        );
    }
    assert!(login_needed.is_empty(), "network faults never ask for a login: {login_needed:?}");
    let (last, flapping) = outages.split_last().unwrap();
    assert_eq!(flapping.len() as i64, cycles, "{outages:#?}");
    for o in flapping {
        let length = Duration::try_from(o.end - o.start).unwrap() + Duration::from_secs(15);
        let n = o.failures.len() as u32;
        // The first failure can come up to a minute in (a refresh is due a
        // minute after the last one), so at least three in eight minutes.
        assert!(n >= 3, "the watcher keeps retrying through an outage: {o:#?}");
        assert!(
            n <= most_attempts(length),
            "retries follow the backoff schedule, no spin ({n} > {}): {o:#?}",
            most_attempts(length)
        );
        let cause = match o.fault {
            Fault::Reset => "reset",
            Fault::BlackHole => "timeout",
            Fault::Refuse => "refused",
            _ => unreachable!(),
        };
        for reason in &o.failures {
            assert!(reason.to_ascii_lowercase().contains(cause), "a {:?} is reported as such: {reason}", o.fault);
        }
        let recovered = o.recovered_at.unwrap_or_else(|| panic!("the session recovers after the outage: {o:#?}"));
        // The longest wait is the capped backoff plus 20% jitter, plus one step.
        let limit = time::Duration::try_from(refresh_backoff(5).mul_f64(1.2)).unwrap() + step;
        assert!(recovered - o.end <= limit, "recovered {} after the endpoint returned: {o:#?}", recovered - o.end);
    }
    assert!(expired_at.is_some_and(|e| e > last.start), "the last outage outlasts the session and it expires");

    // No spin: the timer wakes at most once a minute, plus a few turns per
    // refresh (its end, the file event of the new token) and per warning.
    let minutes = (end - start).whole_minutes() as u64;
    assert!(stats.wakeups <= 2 * minutes + 4 * stats.refreshes + 20, "{stats:?} over {minutes} minutes");
    // Once the session has expired nothing is due: about one turn a minute.
    let final_wakeups = stats.wakeups - wakeups_at_flapping_end;
    assert!(final_wakeups <= 30 + 2 * last.failures.len() as u64 + 10, "{final_wakeups} turns in the last 30 minutes");

    // Memory stays flat: after hours the watcher holds what it held after
    // the first cycle (one session, no refresh running), and every
    // connection it opened was closed.
    let first = after_first_cycle.unwrap();
    assert_eq!((first.tracked_sessions, first.in_flight), (1, 0), "{first:?}");
    assert_eq!((stats.tracked_sessions, stats.in_flight), (1, 0), "{stats:?}");
    assert!(stats.pending_retries <= 1, "{stats:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.open() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(proxy.open(), 0, "no connection is left open ({} accepted in all)", proxy.accepted());
}

/// The probes through the same faults, round after round: each names its
/// cause, a throttled or failing service is retried a bounded number of
/// times with backoff, and the next healthy round is all green again.
#[test]
fn probes_name_each_network_fault_and_recover_round_after_round() {
    let rounds: usize =
        std::env::var("BEDROCK_TRAY_SOAK_HOURS").ok().and_then(|h| h.parse().ok()).map_or(1, |h: usize| h * 3);
    let home = TestHome::new();
    home.write_aws_config("[profile statickeys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu-central-1\n");
    home.cli_ok(&["use", "--profile", "statickeys", "--geo", "eu", "--model", "sonnet"]);
    let fake = FakeAws::start();
    let proxy = FaultProxy::start(fake.url.trim_start_matches("http://"));
    let probe = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock-tray"));
        cmd.args(["probe", "--json", "--timeout", "2"]);
        home.isolate(&mut cmd);
        fake.apply(&mut cmd);
        cmd.env("AWS_ENDPOINT_URL_BEDROCK", &proxy.url);
        let out = cmd.output().unwrap();
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        let bedrock = report["results"].as_array().unwrap().iter().find(|r| r["name"] == "bedrock").unwrap().clone();
        (bedrock, report)
    };
    for round in 0..rounds {
        for (fault, cause) in [
            (Fault::Pass, ""),
            (Fault::Reset, "reset"),
            (Fault::BlackHole, "no answer from bedrock within 2"),
            (Fault::Refuse, "refused"),
            (Fault::Pass, ""),
        ] {
            proxy.set(fault);
            let (bedrock, report) = probe();
            if fault == Fault::Pass {
                assert_eq!(bedrock["outcome"], "ok", "round {round}: healthy again: {report}");
            } else {
                assert_eq!(bedrock["outcome"], "failed", "round {round} {fault:?}: {report}");
                assert_eq!(bedrock["retries"], 0, "a network fault is not retried inside one probe: {report}");
                let fix = bedrock["fix"].as_str().unwrap_or_default().to_ascii_lowercase();
                assert!(fix.contains(cause), "round {round}: a {fault:?} is named ({cause:?}): {fix}");
            }
            assert_eq!(report["results"][1]["outcome"], "ok", "the other services are unaffected: {report}");
        }
        // A service failing twice with 500 is retried with backoff and
        // passes; one that keeps failing is given up after a bounded number
        // of attempts and reported as the service's fault.
        proxy.set(Fault::Pass);
        fake.config(
            json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "InternalServerException", "count": 2}}}),
        );
        let (bedrock, report) = probe();
        assert_eq!((bedrock["outcome"].as_str(), bedrock["retries"].as_u64()), (Some("ok"), Some(2)), "{report}");
        fake.config(
            json!({"fail": {"bedrock:ListInferenceProfiles": {"code": "InternalServerException", "count": 100}}}),
        );
        let before = fake.state()["requests"]["bedrock:ListInferenceProfiles"].as_u64().unwrap_or(0);
        let (bedrock, report) = probe();
        let calls = fake.state()["requests"]["bedrock:ListInferenceProfiles"].as_u64().unwrap_or(0) - before;
        assert_eq!(bedrock["outcome"], "failed", "{report}");
        assert!(
            bedrock["fix"].as_str().unwrap_or_default().contains("500"),
            "the real cause, the service's 500: {report}"
        );
        assert!((2..=5).contains(&calls), "bounded retries, no spin: {calls} calls");
        fake.config(json!({"fail": {"bedrock:ListInferenceProfiles": null}}));
    }
}
