//! `probe`, `doctor`, `iam-policy` and `status --probe`: printing only; the
//! work is in `bedrock_tray::probe` and `bedrock_tray::doctor`.

use super::{render, Failure};
use bedrock_tray::doctor::{self, Check, DoctorReport, Mark};
use bedrock_tray::paths::Paths;
use bedrock_tray::probe::{self, access, Outcome, ProbeOptions, ProbeReport, ProbeTarget};
use bedrock_tray::view::status::Status;
use std::time::Duration;
use time::OffsetDateTime;

#[derive(clap::Args)]
pub struct ProbeArgs {
    /// Also call the model once with maxTokens 1 (costs a fraction of a cent).
    #[arg(long)]
    pub invoke: bool,
    /// The AWS profile to probe (default: the selected one).
    #[arg(long)]
    pub profile: Option<String>,
    /// Time limit of each probe, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

fn options(invoke: bool, timeout: Option<f64>) -> Result<ProbeOptions, Failure> {
    let mut o = ProbeOptions { invoke, ..ProbeOptions::default() };
    if let Some(t) = timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(Failure::usage("--timeout must be a positive number of seconds"));
        }
        o = o.with_timeout(Duration::from_secs_f64(t));
    }
    Ok(o)
}

fn run_probes(
    paths: &Paths,
    target: &ProbeTarget,
    options: &ProbeOptions,
    now: OffsetDateTime,
) -> Result<ProbeReport, Failure> {
    Ok(super::runtime()?.block_on(probe::run(paths, target, options, now)))
}

/// Runs the provider probe of the API-key or gateway provider. The key is
/// the one Claude Code uses: the settings' copy when there is one, else
/// the keyring's.
pub fn run_access(
    paths: &Paths,
    target: &doctor::AccessTarget,
    timeout: Option<f64>,
    invoke: bool,
) -> Result<Vec<access::AccessCheck>, Failure> {
    let limit = timeout.map_or(access::ACCESS_TIMEOUT, Duration::from_secs_f64);
    let store = bedrock_tray::aws::keychain::OsKeyring;
    Ok(super::runtime()?.block_on(access::run(paths, target, &store, limit, invoke))?)
}

fn access_result(checks: &[access::AccessCheck]) -> Result<(), Failure> {
    match checks.iter().find(|c| !c.ok) {
        Some(c) => Err(Failure::env(format!("the {} probe failed", c.name))),
        None => Ok(()),
    }
}

fn print_access(check: &access::AccessCheck) {
    let mark = if check.ok { "ok  " } else { "FAIL" };
    println!("  [{mark}] {:<12} {} ({} ms)", check.name, check.detail, check.latency_ms);
    if let Some(fix) = &check.fix {
        println!("         {fix}");
    }
}

pub fn probe(paths: &Paths, args: ProbeArgs, now: OffsetDateTime) -> Result<(), Failure> {
    let options = options(args.invoke, args.timeout)?;
    if let Some(target) = doctor::access_target(paths).filter(|_| args.profile.is_none()) {
        let checks = run_access(paths, &target, args.timeout, args.invoke)?;
        if args.json {
            render::print_json(&checks);
        } else {
            checks.iter().for_each(print_access);
        }
        return access_result(&checks);
    }
    let target = ProbeTarget::from_settings(paths, args.profile.as_deref()).map_err(Failure::usage)?;
    let report = run_probes(paths, &target, &options, now)?;
    if args.json {
        render::print_json(&report);
    } else {
        print_report(&report);
    }
    if report.all_ok() {
        Ok(())
    } else {
        Err(Failure::env(format!(
            "{} of the probes failed",
            report.results.iter().filter(|r| r.outcome != Outcome::Ok && r.cause.is_some()).count()
        )))
    }
}

fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok  ",
        Outcome::Failed => "FAIL",
        Outcome::Skipped => "skip",
    }
}

pub fn print_report(report: &ProbeReport) {
    println!(
        "Probing profile {} in {}{} ({} ms)",
        report.profile,
        report.region,
        report.model_id.as_deref().map(|m| format!(", model {m}")).unwrap_or_default(),
        report.wall_ms
    );
    for r in &report.results {
        let retries = if r.retries > 0 { format!(", {} retries", r.retries) } else { String::new() };
        let detail = if r.summary.is_empty() { "" } else { &r.summary };
        println!("  [{}] {:<12} {detail} ({} ms{retries})", mark(r.outcome), r.name.label(), r.latency_ms);
        if let Some(fix) = &r.fix {
            println!("         {fix}");
        }
    }
    if let Some(b) = &report.bedrock {
        if !b.active.is_empty() {
            let ids: Vec<&str> = b.active.iter().map(|a| a.id.as_str()).collect();
            println!("  active in {}: {}", report.region, ids.join(", "));
        }
        for e in &b.extra {
            println!("  new, not in the catalog: {} ({})", e.id, e.name);
        }
    }
}

pub fn doctor(
    paths: &Paths,
    json: bool,
    invoke: bool,
    timeout: Option<f64>,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    let options = options(invoke, timeout)?;
    let aws = doctor::tool_version("aws");
    let claude = doctor::tool_version("claude");
    let (mut checks, target) = doctor::setup_checks(paths, aws.as_deref(), claude.as_deref(), None, now);
    let access = doctor::access_target(paths);
    let probe = match (&target, &access) {
        (Some(t), _) => Some(run_probes(paths, t, &options, now)?),
        (None, Some(a)) => {
            checks.extend(run_access(paths, a, timeout, invoke)?.iter().map(doctor::access_check));
            None
        }
        (None, None) => {
            checks.push(Check {
                name: "probes".into(),
                mark: Mark::Skip,
                detail: "no profile and region to probe".into(),
                fix: None,
            });
            None
        }
    };
    if let Some(p) = &probe {
        checks.extend(doctor::probe_checks(p));
    }
    let report = DoctorReport { checks, probe };
    if json {
        render::print_json(&report);
    } else {
        for c in &report.checks {
            let m = match c.mark {
                Mark::Ok => "ok  ",
                Mark::Warn => "warn",
                Mark::Fail => "FAIL",
                Mark::Skip => "skip",
            };
            println!("[{m}] {:<16} {}", c.name, c.detail);
            if let Some(fix) = &c.fix {
                println!("       fix: {fix}");
            }
        }
    }
    if report.healthy() {
        Ok(())
    } else {
        let n = report.checks.iter().filter(|c| c.mark == Mark::Fail).count();
        Err(Failure::env(format!("doctor found {n} problem{}", if n == 1 { "" } else { "s" })))
    }
}

pub fn iam_policy() {
    print!("{}", probe::IAM_POLICY);
}

/// `status --probe`: the status, then the probes of its selection.
pub fn status_with_probe(paths: &Paths, json: bool, now: OffsetDateTime) -> Result<(), Failure> {
    let status = Status::read(paths, now).map_err(Failure::env)?;
    if let Some(target) = doctor::access_target(paths) {
        let checks = run_access(paths, &target, None, false)?;
        if json {
            let mut v = serde_json::to_value(&status).expect("status serialises");
            v["access"] = serde_json::to_value(&checks).expect("checks serialise");
            render::print_json(&v);
        } else {
            render::status(&status);
            println!();
            checks.iter().for_each(print_access);
        }
        return access_result(&checks);
    }
    let target = ProbeTarget::from_settings(paths, None);
    let report = match &target {
        Ok(t) => Some(run_probes(paths, t, &ProbeOptions::default(), now)?),
        Err(_) => None,
    };
    if json {
        let mut v = serde_json::to_value(&status).expect("status serialises");
        v["probe"] = serde_json::to_value(&report).expect("report serialises");
        render::print_json(&v);
    } else {
        render::status(&status);
        println!();
        match (&report, &target) {
            (Some(r), _) => {
                if let Some(id) = &r.identity {
                    println!("Identity  {} (account {})", id.arn, id.account);
                }
                print_report(r);
            }
            (None, Err(e)) => println!("Probes    not run: {e}"),
            (None, Ok(_)) => {}
        }
    }
    match &report {
        Some(r) if !r.all_ok() => Err(Failure::env("some probes failed")),
        _ => Ok(()),
    }
}
