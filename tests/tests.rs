//! Integration tests: one binary (linking the AWS SDKs once costs minutes
//! on two cores), a module per feature, shared helpers in `util`.

mod harness;
mod util;

mod compat_aws_clients;
mod settings_cli;
mod status_cli;
mod keychain_cli;
mod usage_cli;
