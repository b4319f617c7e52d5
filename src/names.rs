//! Validated names for the identifiers that are easy to mix up and that end
//! up in files and in shell commands (`awsAuthRefresh`). A value of these
//! types has been checked, so a hostile string cannot reach a file or a shell.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A name that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {why}")]
pub struct InvalidName {
    pub what: &'static str,
    pub value: String,
    pub why: &'static str,
}

fn check_token(what: &'static str, value: &str, max: usize) -> Result<(), InvalidName> {
    let bad = |why| Err(InvalidName { what, value: value.to_string(), why });
    if value.is_empty() {
        return bad("it is empty");
    }
    if value.len() > max {
        return bad("it is too long");
    }
    if value.starts_with('-') {
        return bad("it must not start with '-'");
    }
    // The set the AWS CLI accepts in practice for profile and session names,
    // minus everything a shell or an INI header would interpret.
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+')) {
        return bad("only letters, digits and - _ . @ + are allowed");
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps a name.
            ///
            /// # Errors
            /// [`InvalidName`] naming what is wrong with it.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidName> {
                let value = value.into();
                let check: fn(&str) -> Result<(), InvalidName> = $check;
                check(&value)?;
                Ok(Self(value))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = InvalidName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

name_type!(
    /// An AWS profile name (`[profile NAME]`).
    ProfileName, "profile name", |v| check_token("profile name", v, 128)
);
name_type!(
    /// An `[sso-session NAME]` name.
    SsoSessionName, "sso-session name", |v| check_token("sso-session name", v, 128)
);
name_type!(
    /// The name a Bedrock API key is kept under in the OS keyring
    /// (`api-key set --name NAME`; `default` when not given).
    ApiKeyName, "API key name", |v| check_token("API key name", v, 64)
);
name_type!(
    /// An AWS region code such as `eu-central-1`.
    Region, "region", check_region
);

fn check_region(value: &str) -> Result<(), InvalidName> {
    let bad = |why| Err(InvalidName { what: "region", value: value.to_string(), why });
    let parts: Vec<&str> = value.split('-').collect();
    let shaped = parts.len() >= 3
        && value.len() <= 32
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if shaped {
        Ok(())
    } else {
        bad("expected a region code like eu-central-1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for ok in ["dev", "my-profile_2", "team.bedrock", "a@b+c"] {
            ProfileName::new(ok).unwrap();
        }
        for ok in ["eu-central-1", "us-east-1", "us-gov-west-1", "ap-southeast-2"] {
            Region::new(ok).unwrap();
        }
    }

    #[test]
    fn hostile_names_are_refused() {
        for bad in [
            "",
            "a b",
            "a'b",
            "a\"b",
            "$(rm -rf ~)",
            "`id`",
            "a;b",
            "a\nb",
            "../x",
            "a/b",
            "é",
            "-rf",
            "x]\n[profile y",
        ] {
            assert!(ProfileName::new(bad).is_err(), "{bad:?} must be refused");
            assert!(SsoSessionName::new(bad).is_err(), "{bad:?} must be refused");
        }
        for bad in ["eu", "EU-central-1", "eu-central-x", "eu central 1", "eu-central-1;", "-1-1"] {
            assert!(Region::new(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
