//! Human-readable output. JSON output is the serialisation of the core's
//! values; this file only lays them out for people.

use bedrock_tray::claude::layers::Layer;
use bedrock_tray::claude::settings::Change;
use bedrock_tray::probe::models::RefreshReport;
use bedrock_tray::sso::cache::{SessionState, SessionStatus};
use bedrock_tray::view::models::ModelsView;
use bedrock_tray::view::profiles::ProfileRow;
use bedrock_tray::view::status::Status;
use serde::Serialize;
use std::path::Path;

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("core values serialise"));
}

/// How Claude Code gets the API key when it is not in the settings: Claude
/// Code 2.1.332 reads `AWS_BEARER_TOKEN_BEDROCK` from its environment or a
/// settings file only, and either way hands it on to the commands its Bash
/// tool runs (tests/claude_code.rs checks it).
pub fn api_key_hint(name: &str) -> String {
    let flag = if name == bedrock_tray::aws::api_key::DEFAULT_NAME { String::new() } else { format!(" --name {name}") };
    format!(
        "Claude Code reads the API key only from its environment or a settings file: start it from a shell with \
         `export AWS_BEARER_TOKEN_BEDROCK=\"$(bedrock-tray api-key print{flag})\"`, or write the key into settings.json \
         (mode 0600) with `bedrock-tray use --provider bedrock-api-key --write-key-to-settings`. Either way the \
         commands Claude Code runs see the key too (its CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1 hides it, but then \
         runs them only in its sandbox)"
    )
}

pub fn changes(path: &Path, changes: &[Change]) {
    if changes.is_empty() {
        println!("{}: already set, nothing changed", path.display());
        return;
    }
    println!("{}:", path.display());
    let width = changes.iter().map(|c| c.key.len()).max().unwrap_or(0);
    for c in changes {
        let old = c.old.as_deref().unwrap_or("(unset)");
        let new = c.new.as_deref().unwrap_or("(removed)");
        println!("  {:width$}  {old} -> {new}", c.key);
    }
}

/// "42 min left", "2 h 5 min left", "expired 3 min ago".
pub fn countdown(session: &SessionStatus) -> String {
    match (session.state, session.seconds_left) {
        (SessionState::Expired, _) => "expired".into(),
        (SessionState::Missing, _) => session.reason.clone().unwrap_or_else(|| "no token: log in".into()),
        (SessionState::NotSso, _) => "not an SSO profile".into(),
        (_, Some(s)) => {
            let min = s / 60;
            if min >= 60 {
                format!("{} h {} min left", min / 60, min % 60)
            } else if min > 0 {
                format!("{min} min left")
            } else {
                format!("{s} s left")
            }
        }
        (_, None) => String::new(),
    }
}

pub fn status(s: &Status) {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("Settings  {}", s.settings_path.display());
    match &s.rival_provider {
        Some(r) => println!("Provider  {} ({}, not managed by bedrock-tray)", r.label, r.source.key),
        None => println!("Provider  {}", s.provider.label()),
    }
    if let Some(k) = &s.api_key {
        let fingerprint = k.fingerprint.as_deref().unwrap_or("not in the keyring");
        println!("API key   {} {fingerprint}", k.name);
        if !k.in_settings {
            println!("          {}", api_key_hint(&k.name));
        }
    }
    if let Some(url) = &s.gateway_url {
        println!("Gateway   {url}");
    }
    // The API key and the gateway sign nothing with a profile: no profile
    // or session lines for them.
    let profile_lines = !s.provider.is_bedrock() || s.provider.uses_aws_profile();
    let credentials = s.credentials.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    if profile_lines {
        println!("Profile   {}{credentials}", or_none(&s.profile));
    }
    println!("Region    {}", or_none(&s.region));
    let geo = s.geography.as_deref().map(|g| format!(", geography {g}")).unwrap_or_default();
    match (&s.model_name, &s.model_id) {
        (Some(name), Some(id)) => println!("Model     {name}  {id}{geo}"),
        (None, Some(id)) => println!("Model     {id}{geo}"),
        _ => println!("Model     -"),
    }
    println!("Small     {}", or_none(&s.small_model_id));
    let session = &s.session;
    let refresh = if session.refreshable { ", refreshes silently" } else { "" };
    let label = session.state.as_str().replace('_', " ");
    match session.expires_at {
        _ if !profile_lines => {}
        Some(_) => println!("Session   {label}: {}{refresh}", countdown(session)),
        None => println!("Session   {label}: {}", countdown(session)),
    }
    // Where each value comes from, once more than the user file is involved.
    if s.dir.is_some() || s.sources.iter().any(|src| src.layer != Layer::User) {
        println!("From");
        let width = s.sources.iter().map(|src| src.key.len()).max().unwrap_or(0);
        for src in &s.sources {
            let fixed = if src.layer == Layer::Managed { " (fixed by policy)" } else { "" };
            println!("  {:width$}  {}{fixed}", src.key, src.path.display());
        }
    }
    for p in &s.problems {
        println!("! {p}");
    }
}

pub fn models(view: &ModelsView) {
    let geos: Vec<&str> = view.geographies.iter().map(|g| g.key.as_str()).collect();
    println!("{:<14} {:<20} {:>12}  {}  SOURCE", "MODEL", "NAME", "$/MTok IN/OUT", geos.join(" "));
    for m in &view.models {
        let marks: Vec<String> = geos
            .iter()
            .map(|g| format!("{:<width$}", if m.profiles.contains_key(*g) { "✓" } else { "·" }, width = g.len()))
            .collect();
        let price = m.prices.map_or_else(|| "unknown".to_string(), |p| format!("{}/{}", p.input, p.output));
        let source = match m.listed_in.iter().min_by_key(|l| l.age_secs) {
            Some(l) => format!("account ({}, {} ago)", l.region, l.age),
            None => "built-in".to_string(),
        };
        println!("{:<14} {:<20} {:>12}  {}  {source}", m.key, m.name, price, marks.join(" "));
    }
    for a in &view.application_profiles {
        println!(
            "app profile {} ({}, in {}): {}",
            a.name,
            a.model.as_deref().unwrap_or("unknown model"),
            a.region,
            a.arn
        );
    }
    println!();
    for g in &view.geographies {
        let regions: Vec<&str> = g.source_regions.iter().map(|r| r.as_str()).collect();
        println!("{:<7} {:<10} default {:<15} callable from {}", g.key, g.name, g.default_region, regions.join(", "));
    }
    match view.listings.iter().min_by_key(|l| l.read_at.unix_timestamp().wrapping_neg()) {
        Some(l) => println!(
            "\nread from the account {} ago ({} region{}); `--refresh` reads it again",
            l.age,
            view.listings.len(),
            if view.listings.len() == 1 { "" } else { "s" }
        ),
        None => println!("\nnot read from the account yet: `bedrock-tray models --refresh`"),
    }
    for e in &view.errors {
        println!("! {e}");
    }
}

pub fn refresh(report: &RefreshReport) {
    for r in &report.regions {
        match (&r.error, r.claude_profiles) {
            (None, Some(n)) => println!(
                "{:<16} {n} Claude profile{} ({} in all)",
                r.region,
                if n == 1 { "" } else { "s" },
                r.profiles.unwrap_or(0)
            ),
            (Some(e), _) => match &r.kept_listing_age {
                Some(age) => println!("{:<16} failed, keeping the listing read {age} ago: {e}", r.region),
                None => println!("{:<16} failed: {e}", r.region),
            },
            (None, None) => {}
        }
    }
    println!();
}

pub fn profiles(rows: &[ProfileRow]) {
    if rows.is_empty() {
        println!("no AWS profiles: run `bedrock-tray onboard` or `aws configure sso`");
        return;
    }
    println!("{:<24} {:<16} {:<18} {:<16} SESSION", "PROFILE", "REGION", "CREDENTIALS", "SSO-SESSION");
    for r in rows {
        let state = match r.session.state {
            SessionState::NotSso => "-".to_string(),
            s => format!("{}: {}", s.as_str(), countdown(&r.session)),
        };
        println!(
            "{:<24} {:<16} {:<18} {:<16} {state}",
            r.name,
            r.region.as_deref().unwrap_or("-"),
            r.credentials,
            r.sso_session.as_deref().unwrap_or("-")
        );
    }
}
