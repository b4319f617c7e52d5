//! A string that must never be printed: tokens, client secrets, keys.

use serde::Deserialize;
use std::fmt;

/// Holds a secret; `Debug` and `Display` print a placeholder, so a secret
/// cannot reach a log line or an error message by accident. It does not
/// implement `Serialize` either: the few places that must write one (the
/// keyring, the token cache, credential-process output) call
/// [`Secret::expose`] where they build their document. The value is
/// zeroed in memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(zeroize::Zeroizing<String>);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(zeroize::Zeroizing::new(value.into()))
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
    /// Whether `T` implements `Serialize`, by method resolution order:
    /// the `&Probe` impl wins when its bound holds, else the `&&Probe` one.
    struct Probe<T>(std::marker::PhantomData<T>);
    trait ViaSerialize {
        fn serializes(&self) -> bool {
            true
        }
    }
    impl<T: serde::Serialize> ViaSerialize for Probe<T> {}
    trait ViaAnything {
        fn serializes(&self) -> bool {
            false
        }
    }
    impl<T> ViaAnything for &Probe<T> {}

    #[test]
    // The borrow picks the method by resolution order; it is the probe.
    #[allow(clippy::needless_borrow)]
    fn secrets_and_what_holds_them_are_not_serialisable() {
        use std::marker::PhantomData;
        assert!((&Probe::<String>(PhantomData)).serializes(), "the probe sees Serialize where it is");
        assert!(!(&Probe::<super::Secret>(PhantomData)).serializes(), "a Secret serialises only through expose()");
        assert!(!(&Probe::<crate::aws::keychain::LongTermKey>(PhantomData)).serializes());
        assert!(!(&Probe::<crate::aws::keychain::SessionCredentials>(PhantomData)).serializes());
    }

    #[test]
    fn never_formats_its_value() {
        let s = super::Secret::new("aoaAAAAtoken");
        assert!(!format!("{s} {s:?}").contains("aoaAAAA"));
        assert_eq!(s.expose(), "aoaAAAAtoken");
    }
}
