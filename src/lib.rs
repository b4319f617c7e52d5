//! bedrock-tray core: everything the tray app and the CLI do, headless.
//!
//! Files on disk are the single source of truth (`settings.json`,
//! `~/.aws/config`, the SSO token cache); this crate reads them into plain
//! values and changes them with surgical, atomic writes.
//!
//! Domains are folders (`aws`, `sso`, `claude`, `catalog`, `probe`, `view`);
//! the operations a user names (`switch`, `onboard`, `doctor`, `watch`) and
//! the small leaf types stay at the top.

pub mod app_state;
pub mod atomic_file;
pub mod aws;
pub mod bounded_read;
pub mod catalog;
pub mod claude;
pub mod doctor;
pub mod error_kind;
#[doc(hidden)]
pub mod fuzzing;
pub mod gateway;
pub mod logging;
pub mod names;
pub mod onboard;
pub mod paths;
pub mod preset;
pub mod preset_source;
pub mod probe;
pub mod problem;
pub mod program_path;
pub mod repair;
pub mod secret;
pub mod sso;
pub mod switch;
pub mod updates;
pub mod view;
pub mod watch;
