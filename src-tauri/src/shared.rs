//! What the app's parts share: where the files are, the latest snapshot
//! with the latest probe report, and a way to make the watcher look again.

use bedrock_tray::paths::Paths;
use bedrock_tray::probe::ProbeReport;
use bedrock_tray::view::snapshot::Snapshot;
use std::sync::{Arc, Mutex};

/// Managed once with `app.manage`; commands reach it as [`Shared`].
pub struct AppShared {
    pub paths: Paths,
    /// The latest snapshot as the views see it (the watcher's, with the
    /// last probe report carried over).
    pub latest: Mutex<Arc<Snapshot>>,
    pub probe: Mutex<Option<ProbeReport>>,
    /// The latest spend summary (transcripts are re-read once a minute).
    pub spend: Mutex<Option<bedrock_tray::claude::usage::Spend>>,
    /// Asks the watcher to re-read now (after one of our own writes).
    pub poke: tokio::sync::mpsc::UnboundedSender<()>,
}

pub type Shared<'a> = tauri::State<'a, AppShared>;

impl AppShared {
    /// The snapshot to show: the watcher's latest plus the probe report and
    /// the spend summary.
    pub fn view(&self, snapshot: &Snapshot) -> Arc<Snapshot> {
        let probe = self.probe.lock().expect("probe lock").clone();
        let spend = self.spend.lock().expect("spend lock").clone();
        let view = Arc::new(snapshot.clone().with_probe(probe).with_spend(spend));
        *self.latest.lock().expect("latest lock") = view.clone();
        view
    }

    pub fn latest(&self) -> Arc<Snapshot> {
        self.latest.lock().expect("latest lock").clone()
    }

    /// Why this machine needs the setup wizard, or `None` (see
    /// [`bedrock_tray::onboard::setup_needed`]).
    pub fn setup_needed(&self) -> Option<String> {
        let remembered = bedrock_tray::app_state::AppState::load(&self.paths.app_state())
            .is_ok_and(|s| s.remembered_bedrock.is_some());
        bedrock_tray::onboard::setup_needed(&self.latest(), remembered)
    }
}
