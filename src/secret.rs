//! A string that must never be printed: tokens, client secrets, keys.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Holds a secret; `Debug` and `Display` print a placeholder, so a secret
/// cannot reach a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_formats_its_value() {
        let s = super::Secret::new("aoaAAAAtoken");
        assert!(!format!("{s} {s:?}").contains("aoaAAAA"));
        assert_eq!(s.expose(), "aoaAAAAtoken");
    }
}
