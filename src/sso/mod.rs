//! IAM Identity Center: the token cache shared with the AWS CLI, the OIDC
//! sign-in and silent refresh, one login at a time, and the accounts and
//! roles a session reaches.

pub mod accounts;
pub mod auto_sign_in;
pub mod cache;
pub mod client;
pub mod login;
pub mod logout;
pub mod loopback;
pub mod oidc;
