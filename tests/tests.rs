//! Integration tests: one binary (linking the AWS SDKs once costs minutes
//! on two cores), a module per feature, shared helpers in `util`.

mod fault_proxy;
mod harness;
mod util;
mod watch;

mod claude_code;
mod compat_aws_clients;
mod crash_safety;
mod flapping;
mod fuzz_corpus;
mod hostile_input;
mod installed_program;
mod keychain_cli;
mod layers_cli;
mod login;
mod models_cli;
mod onboard;
mod package;
mod probe;
mod providers_cli;
mod secrets;
mod sessions;
mod settings_cli;
mod sso_accounts;
mod status_cli;
mod tray_e2e;
mod tray_host;
mod usage_cli;
