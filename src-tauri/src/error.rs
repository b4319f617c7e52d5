//! The commands' error: what the dashboard branches on (`kind`) and the
//! sentence it shows.

use bedrock_tray::preset::PresetError;
use bedrock_tray::switch::UseError;
use serde::Serialize;

/// An error as the UI sees it: a kind to branch on, a sentence to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl From<UseError> for CommandError {
    fn from(e: UseError) -> Self {
        Self { kind: if e.is_usage() { "invalid" } else { "environment" }, message: e.to_string() }
    }
}

impl From<PresetError> for CommandError {
    fn from(e: PresetError) -> Self {
        Self { kind: "invalid", message: e.to_string() }
    }
}
