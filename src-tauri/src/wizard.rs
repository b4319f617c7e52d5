//! The first-run wizard: the dashboard's face of `bedrock-tray onboard`.
//! The same core operation (`onboard::run`) runs on a thread of its own;
//! its progress, the sign-in code and the account choice travel to the
//! dashboard as `wizard` events, and the user's answers come back as
//! commands. Nothing here decides what to write.

use crate::error::CommandError;
use crate::shared::Shared;
use bedrock_tray::catalog::Catalog;
use bedrock_tray::error_kind::ErrorKind;
use bedrock_tray::onboard::{self, OnboardRequest, OnboardSummary, Progress, SignIn};
use bedrock_tray::paths::Paths;
use bedrock_tray::preset::{self, Preset};
use bedrock_tray::sso::accounts::AccountRole;
use bedrock_tray::sso::login::{Approval, LoginPrompt};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

/// How long a pending account choice waits for the user.
const CHOICE_WAIT: Duration = Duration::from_secs(30 * 60);

/// The wizard's state between commands: the loaded preset, and the way
/// back to a running onboarding that waits for the user's choice.
#[derive(Default)]
pub struct Wizard {
    preset: Mutex<Option<Preset>>,
    answer: Mutex<Option<mpsc::Sender<Option<usize>>>>,
    running: AtomicBool,
    /// A `bedrock-tray://onboard?preset=URL` link not yet shown: the
    /// dashboard asks the user before it loads the preset.
    pending_link: Mutex<Option<PendingLink>>,
}

/// The preset a link names, waiting for the user's yes.
#[derive(Debug, Clone, Serialize)]
pub struct PendingLink {
    url: String,
    sha256: Option<String>,
}

impl Wizard {
    /// Keeps the preset of an onboarding link for the dashboard to offer;
    /// a link that is not one is refused (and logged by the caller).
    ///
    /// # Errors
    /// Not a `bedrock-tray://onboard?preset=https://…` link.
    pub fn take_link(&self, link: &str) -> Result<(), bedrock_tray::preset_source::SourceError> {
        let (url, sha256) = bedrock_tray::preset_source::onboard_link(link)?;
        *self.pending_link.lock().expect("wizard lock") = Some(PendingLink { url, sha256 });
        Ok(())
    }
}

/// The onboarding link's preset waiting to be offered (once), or `null`.
#[tauri::command]
pub fn wizard_pending_link(wizard: State<'_, Wizard>) -> Option<PendingLink> {
    wizard.pending_link.lock().expect("wizard lock").take()
}

/// What the dashboard shows of a preset, and offers to choose from.
#[derive(Debug, Serialize)]
pub struct PresetView {
    organisation: String,
    start_url: String,
    sso_region: String,
    teams: Vec<String>,
    models: Vec<Choice>,
    geographies: Vec<Choice>,
    default_model: String,
    default_geography: String,
    default_profile: String,
}

#[derive(Debug, Serialize)]
struct Choice {
    key: String,
    name: String,
    /// For a model: the geographies with an inference profile for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    geographies: Vec<String>,
}

impl PresetView {
    fn of(p: &Preset, catalog: &Catalog) -> Self {
        Self {
            organisation: p.organisation.clone(),
            start_url: p.sso.start_url.clone(),
            sso_region: p.sso.region.to_string(),
            teams: p.teams.keys().cloned().collect(),
            // Each allowed family first (its newest version wherever it is
            // offered: what a preset's `opus` means), then every version.
            models: catalog
                .families()
                .into_iter()
                .filter_map(|family| {
                    let versions: Vec<_> = catalog
                        .models
                        .iter()
                        .filter(|m| m.family == family && preset::model_allowed(&p.allowed_models, catalog, &m.key))
                        .collect();
                    let mut geographies: Vec<String> =
                        versions.iter().flat_map(|m| m.profiles.keys().cloned()).collect();
                    geographies.sort();
                    geographies.dedup();
                    let newest = versions.first()?;
                    Some(Choice {
                        name: format!(
                            "{} (newest)",
                            newest.name.rsplit_once(' ').map_or(newest.name.as_str(), |(f, _)| f)
                        ),
                        key: family,
                        geographies,
                    })
                })
                .chain(catalog.models.iter().filter(|m| preset::model_allowed(&p.allowed_models, catalog, &m.key)).map(
                    |m| Choice {
                        key: m.key.clone(),
                        name: m.name.clone(),
                        geographies: m.profiles.keys().cloned().collect(),
                    },
                ))
                .collect(),
            geographies: catalog
                .geographies
                .iter()
                .map(|g| Choice { key: g.key.clone(), name: g.name.clone(), geographies: vec![] })
                .collect(),
            default_model: p.defaults.model.clone(),
            default_geography: p.defaults.geography.clone(),
            default_profile: p.defaults.profile.to_string(),
        }
    }
}

/// A `wizard` event.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Event<'a> {
    Step { title: &'a str },
    Detail { line: &'a str },
    Code { user_code: &'a str, url: &'a str },
    Choose { roles: &'a [AccountRole] },
    Done { summary: &'a OnboardSummary },
    Failed { message: String },
}

fn emit<R: Runtime>(app: &AppHandle<R>, event: &Event<'_>) {
    let _ = app.emit("wizard", event);
}

/// Why this machine needs setting up, or `null`: the dashboard opens the
/// wizard when there is a reason.
#[tauri::command]
pub fn wizard_status(shared: Shared<'_>) -> Option<String> {
    shared.setup_needed()
}

/// Loads a team preset from its text (the dashboard reads the file the
/// user picked). The whole preset is checked before anything else happens.
#[tauri::command(rename_all = "snake_case")]
pub fn wizard_preset(
    wizard: State<'_, Wizard>,
    text: String,
    file_name: Option<String>,
) -> Result<PresetView, CommandError> {
    let name = file_name.unwrap_or_else(|| "preset".into());
    let preset = Preset::parse(&text, std::path::Path::new(&name), Catalog::builtin())?;
    let view = PresetView::of(&preset, Catalog::builtin());
    *wizard.preset.lock().expect("wizard lock") = Some(preset);
    Ok(view)
}

/// The preset an administrator placed on this machine (`/etc/bedrock-tray/preset.toml`
/// and the like), which the wizard offers first: loaded and shown with its
/// path, or `null` when there is none.
#[tauri::command(rename_all = "snake_case")]
pub fn wizard_managed_preset(
    shared: Shared<'_>,
    wizard: State<'_, Wizard>,
) -> Result<Option<ManagedPresetView>, CommandError> {
    let path = shared.paths.managed_preset.clone();
    if !path.is_file() {
        return Ok(None);
    }
    let preset = Preset::load(&path)?;
    let view = PresetView::of(&preset, Catalog::builtin());
    *wizard.preset.lock().expect("wizard lock") = Some(preset);
    Ok(Some(ManagedPresetView { path: path.display().to_string(), preset: view }))
}

/// The managed preset and where it was found.
#[derive(Debug, Serialize)]
pub struct ManagedPresetView {
    path: String,
    preset: PresetView,
}

/// Loads a team preset from an https URL (size-capped, optionally pinned
/// by its SHA-256), as `onboard --preset URL` does.
#[tauri::command(rename_all = "snake_case")]
pub async fn wizard_preset_url(
    wizard: State<'_, Wizard>,
    url: String,
    sha256: Option<String>,
) -> Result<PresetView, CommandError> {
    let sha256 = sha256.filter(|s| !s.trim().is_empty());
    // A URL only: the web view must not make the app read local files.
    if !bedrock_tray::preset_source::is_url(url.trim()) {
        return Err(bedrock_tray::preset_source::SourceError::NotHttps(url).into());
    }
    let preset = bedrock_tray::preset_source::load(url.trim(), sha256.as_deref()).await?;
    let view = PresetView::of(&preset, Catalog::builtin());
    *wizard.preset.lock().expect("wizard lock") = Some(preset);
    Ok(view)
}

/// No preset: the start URL and SSO region the user typed make one.
#[tauri::command(rename_all = "snake_case")]
pub fn wizard_start_url(
    wizard: State<'_, Wizard>,
    start_url: String,
    sso_region: String,
) -> Result<PresetView, CommandError> {
    let preset = Preset::from_start_url(&start_url, &sso_region, Catalog::builtin())?;
    let view = PresetView::of(&preset, Catalog::builtin());
    *wizard.preset.lock().expect("wizard lock") = Some(preset);
    Ok(view)
}

/// Starts onboarding with the loaded preset; progress arrives as `wizard`
/// events and ends with `done` or `failed`.
#[tauri::command(rename_all = "snake_case")]
pub fn wizard_run<R: Runtime>(
    app: AppHandle<R>,
    wizard: State<'_, Wizard>,
    team: Option<String>,
    profile: Option<String>,
    model: Option<String>,
    geography: Option<String>,
    force: Option<bool>,
) -> Result<(), CommandError> {
    let Some(preset) = wizard.preset.lock().expect("wizard lock").clone() else {
        return Err(CommandError::invalid("load a preset or enter your start URL first"));
    };
    if wizard.running.swap(true, Ordering::SeqCst) {
        return Err(CommandError { kind: ErrorKind::Busy.ui_name(), message: "the setup is already running".into() });
    }
    let request = OnboardRequest {
        team: team.filter(|t| !t.is_empty()),
        profile: profile.filter(|p| !p.is_empty()),
        model,
        geography,
        force: force.unwrap_or(false),
        ..OnboardRequest::default()
    };
    std::thread::spawn(move || {
        let wizard = app.state::<Wizard>();
        let shared = app.state::<crate::shared::AppShared>();
        let outcome = run(&app, &shared.paths, &preset, &request);
        wizard.running.store(false, Ordering::SeqCst);
        *wizard.answer.lock().expect("wizard lock") = None;
        match outcome {
            Ok(summary) => emit(&app, &Event::Done { summary: &summary }),
            Err(message) => emit(&app, &Event::Failed { message }),
        }
        let _ = shared.poke.send(());
    });
    Ok(())
}

/// The account and role the user picked (an index into the `choose`
/// event's list), or `null` to stop.
#[tauri::command]
pub fn wizard_choose(wizard: State<'_, Wizard>, index: Option<usize>) -> Result<(), CommandError> {
    let sender = wizard.answer.lock().expect("wizard lock").take();
    match sender {
        Some(s) if s.send(index).is_ok() => Ok(()),
        _ => Err(CommandError::invalid("no choice is pending")),
    }
}

/// The onboarding itself, on the calling thread.
fn run<R: Runtime>(
    app: &AppHandle<R>,
    paths: &Paths,
    preset: &Preset,
    request: &OnboardRequest,
) -> Result<OnboardSummary, String> {
    let mut progress = Events { app: app.clone() };
    let sign_in = SignIn { prompt: &mut CodePrompt(app.clone()), open_browser: true };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(onboard::run(paths, preset, request, &mut progress, sign_in, time::OffsetDateTime::now_utc()))
        .map_err(|e| e.to_string())
}

struct Events<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> Progress for Events<R> {
    fn step(&mut self, title: &str) {
        emit(&self.app, &Event::Step { title });
    }
    fn detail(&mut self, line: &str) {
        emit(&self.app, &Event::Detail { line });
    }
    fn choose(&mut self, roles: &[AccountRole]) -> Option<usize> {
        let (tx, rx) = mpsc::channel();
        *self.app.state::<Wizard>().answer.lock().expect("wizard lock") = Some(tx);
        emit(&self.app, &Event::Choose { roles });
        rx.recv_timeout(CHOICE_WAIT).ok().flatten()
    }
}

struct CodePrompt<R: Runtime>(AppHandle<R>);

impl<R: Runtime> LoginPrompt for CodePrompt<R> {
    fn show(&mut self, approval: Approval<'_>) {
        // Onboarding signs in with a device code (the wizard shows it).
        let Approval::DeviceCode(a) = approval else { return };
        emit(&self.0, &Event::Code { user_code: &a.user_code, url: &a.verification_uri_complete });
        crate::actions::notify(
            &self.0,
            "Approve the AWS sign-in",
            &format!("Confirm the code {} in your browser.", a.user_code),
        );
    }
}
