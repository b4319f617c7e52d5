//! bedrock-tray core: everything the tray app and the CLI do, headless.
//!
//! Files on disk are the single source of truth (`settings.json`,
//! `~/.aws/config`, the SSO token cache); this crate reads them into plain
//! values and changes them with surgical, atomic writes.

pub mod app_state;
pub mod atomic_file;
pub mod aws_config_blocks;
pub mod aws_config_edit;
pub mod aws_profiles;
pub mod catalog;
pub mod claude_settings;
pub mod doctor;
#[doc(hidden)]
pub mod fuzzing;
pub mod keychain;
pub mod logging;
pub mod login;
pub mod menu_model;
pub mod names;
pub mod onboard;
pub mod paths;
pub mod plaintext_keys;
pub mod preset;
pub mod probe;
pub mod profiles_view;
pub mod secret;
pub mod selection;
pub mod snapshot;
pub mod sso_accounts;
pub mod sso_cache;
pub mod sso_oidc;
pub mod status;
pub mod switch;
pub mod unsigned_client;
pub mod usage;
pub mod watch;
