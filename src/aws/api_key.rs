//! Amazon Bedrock API keys (`AWS_BEARER_TOKEN_BEDROCK`) kept in the OS
//! keyring, under the service `bedrock-tray`, account
//! `bedrock-api-key:<name>`.
//!
//! A Bedrock API key is sent as `Authorization: Bearer <key>` to Bedrock
//! and Bedrock Runtime, and only there
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html>).
//! Claude Code 2.1.332 takes it only from its environment (its shell, or
//! a settings file's `env`): it has no helper command for it, unlike
//! `awsCredentialExport` for SigV4 credentials
//! (<https://code.claude.com/docs/en/amazon-bedrock>, "Bedrock API keys").
//! So the key stays here, and reaches a settings file only when the user
//! asks for it (see [`crate::switch`]).

use crate::aws::keychain::{KeychainError, SecretStore};
use crate::names::ApiKeyName;
use crate::secret::Secret;

/// The name used when none is given.
pub const DEFAULT_NAME: &str = "default";

/// The longest key accepted: Bedrock's long-term keys are a few hundred
/// characters; Windows Credential Manager holds at most 1280 bytes.
pub const MAX_KEY_BYTES: usize = 1200;

/// A key that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidApiKey {
    #[error("no API key given: paste the Bedrock API key on stdin (it is not echoed)")]
    Empty,
    #[error("the API key is longer than {MAX_KEY_BYTES} bytes; a Bedrock API key is shorter")]
    TooLong,
    #[error("the API key holds spaces or control characters; a Bedrock API key is one printable word")]
    NotOneWord,
}

/// Checks a key as typed or piped (surrounding whitespace already trimmed):
/// one word of printable ASCII, as an HTTP header value must be.
///
/// # Errors
/// [`InvalidApiKey`] saying what is wrong, never echoing the key.
pub fn check(key: &str) -> Result<(), InvalidApiKey> {
    if key.is_empty() {
        return Err(InvalidApiKey::Empty);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(InvalidApiKey::TooLong);
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidApiKey::NotOneWord);
    }
    Ok(())
}

/// What identifies a key to its owner without revealing it: its last four
/// characters (`…wxyz`), or nothing of it when it is too short to spare
/// them (fewer than 16 characters).
pub fn fingerprint(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 16 {
        return "<redacted>".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("<redacted …{tail}>")
}

fn account(name: &ApiKeyName) -> String {
    format!("bedrock-api-key:{}", name.as_str())
}

/// The key stored under `name`, if any.
///
/// # Errors
/// The keyring is unavailable.
pub fn get(store: &impl SecretStore, name: &ApiKeyName) -> Result<Option<Secret>, KeychainError> {
    Ok(store.get(&account(name))?.map(Secret::new))
}

/// Stores `key` under `name`, replacing any earlier one.
///
/// # Errors
/// The keyring is unavailable.
pub fn set(store: &impl SecretStore, name: &ApiKeyName, key: &Secret) -> Result<(), KeychainError> {
    store.set(&account(name), key.expose())
}

/// Removes the key stored under `name`; returns whether there was one.
///
/// # Errors
/// The keyring is unavailable.
pub fn remove(store: &impl SecretStore, name: &ApiKeyName) -> Result<bool, KeychainError> {
    store.delete(&account(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::keychain::tests::MapStore as Map;

    #[test]
    fn keys_are_kept_per_name_and_removed() {
        let store = Map::default();
        let (a, b) = (ApiKeyName::new("default").unwrap(), ApiKeyName::new("team").unwrap());
        set(&store, &a, &Secret::new("ABSKaaaaaaaaaaaaaaaaaaaa1111")).unwrap();
        assert_eq!(get(&store, &a).unwrap().unwrap().expose(), "ABSKaaaaaaaaaaaaaaaaaaaa1111");
        assert!(get(&store, &b).unwrap().is_none(), "another name is another entry");
        assert!(store.0.borrow().contains_key("bedrock-api-key:default"));
        assert!(remove(&store, &a).unwrap());
        assert!(!remove(&store, &a).unwrap(), "nothing left to remove");
    }

    #[test]
    fn fingerprints_show_four_characters_at_most() {
        assert_eq!(fingerprint("ABSKQmVkcm9ja0FQSUtleS1zZWNyZXQ9wxyz"), "<redacted …wxyz>");
        assert_eq!(fingerprint("short-key"), "<redacted>", "a short key keeps all its characters hidden");
    }

    #[test]
    fn keys_must_be_one_printable_word() {
        assert_eq!(check(""), Err(InvalidApiKey::Empty));
        assert_eq!(check("a b"), Err(InvalidApiKey::NotOneWord));
        assert_eq!(check("a\u{7}b"), Err(InvalidApiKey::NotOneWord));
        assert_eq!(check("é"), Err(InvalidApiKey::NotOneWord));
        assert_eq!(check(&"a".repeat(MAX_KEY_BYTES + 1)), Err(InvalidApiKey::TooLong));
        check("ABSKQmVkcm9ja0FQSUtleS1=").unwrap();
    }
}
