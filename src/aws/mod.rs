//! The AWS side of the laptop: `~/.aws/config` and `~/.aws/credentials`
//! (read as the SDKs read them, edited line by line), static keys in the OS
//! keyring and the plaintext keys that should move there.

pub mod api_key;
pub mod blocks;
pub mod credential_process;
pub mod ini;
pub mod keychain;
pub mod plaintext_keys;
pub mod profiles;
