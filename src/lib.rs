//! bedrock-tray core: everything the tray app and the CLI do, headless.
//!
//! Files on disk are the single source of truth (`settings.json`,
//! `~/.aws/config`, the SSO token cache); this crate reads them into plain
//! values and changes them with surgical, atomic writes.

pub mod app_state;
pub mod atomic_file;
pub mod aws_config_edit;
pub mod aws_profiles;
pub mod catalog;
pub mod claude_settings;
pub mod keychain;
pub mod names;
pub mod paths;
pub mod profiles_view;
pub mod secret;
pub mod selection;
pub mod snapshot;
pub mod sso_cache;
pub mod status;
pub mod switch;
pub mod usage;
