//! What the user sees: one immutable [`snapshot::Snapshot`] of the files and
//! its projections (`status`, the tray menu, the profiles list).

pub mod menu;
pub mod models;
pub mod profiles;
pub mod snapshot;
pub mod status;
