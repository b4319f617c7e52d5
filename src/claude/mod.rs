//! Claude Code's side: its `settings.json` (the keys we own), what it
//! currently selects, and what its transcripts say it cost.

pub mod aliases;
pub mod layers;
pub mod projects;
pub mod selection;
pub mod settings;
pub mod usage;
