//! The commands' error: what the dashboard branches on (`kind`) and the
//! sentence it shows.

use bedrock_tray::error_kind::{ErrorKind, HasKind};
use serde::Serialize;

/// An error as the UI sees it: a kind to branch on, a sentence to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl CommandError {
    /// A request the app cannot act on.
    pub fn invalid(message: impl std::fmt::Display) -> Self {
        Self { kind: ErrorKind::InvalidRequest.ui_name(), message: message.to_string() }
    }
}

/// A core error keeps its kind (see [`bedrock_tray::error_kind`]).
impl<E: HasKind> From<E> for CommandError {
    fn from(e: E) -> Self {
        Self { kind: e.kind().ui_name(), message: e.to_string() }
    }
}
