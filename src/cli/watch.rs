//! `bedrock-tray watch`: one JSON line per state change or session event,
//! until interrupted. What the tray shows, for scripts and terminals.

use super::Failure;
use bedrock_tray::paths::Paths;
use bedrock_tray::view::snapshot::Snapshot;
use bedrock_tray::watch::{fingerprint, SystemClock, WatchOptions, Watcher};
use serde_json::json;
use std::sync::Arc;

fn line(snapshot: &Snapshot) -> String {
    json!({
        "type": "snapshot",
        "taken_at": bedrock_tray::sso::cache::format_rfc3339(snapshot.taken_at),
        "status": snapshot.status,
        "profiles": snapshot.profiles,
        "errors": snapshot.errors,
    })
    .to_string()
}

pub fn run(paths: &Paths, warn_minutes: Vec<u32>, no_refresh: bool) -> Result<(), Failure> {
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let saved = bedrock_tray::app_state::AppState::load(&paths.app_state()).map_err(Failure::env)?.warn_minutes;
        let options = WatchOptions {
            warn_minutes: match (warn_minutes.is_empty(), saved) {
                (false, _) => warn_minutes,
                (true, Some(saved)) if !saved.is_empty() => saved,
                _ => WatchOptions::default().warn_minutes,
            },
            auto_refresh: !no_refresh,
        };
        let watcher = Watcher::spawn(paths.clone(), Arc::new(SystemClock), options).map_err(Failure::env)?;
        let mut snapshots = watcher.subscribe();
        let mut events = watcher.events();
        let mut last = String::new();
        loop {
            {
                let snapshot = snapshots.borrow_and_update().clone();
                let print = fingerprint(&snapshot);
                if print != last {
                    println!("{}", line(&snapshot));
                    last = print;
                }
            }
            tokio::select! {
                changed = snapshots.changed() => if changed.is_err() { return Ok(()) },
                event = events.recv() => match event {
                    Ok(e) => println!("{}", json!({"type": "event", "event": e})),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Ok(()),
                },
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}
