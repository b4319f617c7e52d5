//! The LLM gateway provider: Claude Code sends its Bedrock requests to a
//! gateway (`ANTHROPIC_BEDROCK_BASE_URL`) that holds the AWS credentials,
//! and signs nothing itself (`CLAUDE_CODE_SKIP_BEDROCK_AUTH=1`); see
//! <https://docs.anthropic.com/en/docs/claude-code/llm-gateway>.
//!
//! The gateway's own authentication is the user's: Claude Code 2.1.332
//! sends `ANTHROPIC_CUSTOM_HEADERS`, and `Authorization: Bearer` with
//! `ANTHROPIC_AUTH_TOKEN` or the output of `apiKeyHelper`, on that path
//! (its Bedrock client passes the Authorization header through when Bedrock
//! auth is skipped). We do not write those keys.

use serde::Serialize;

/// The longest gateway URL accepted.
const MAX_URL_BYTES: usize = 2048;

/// A gateway URL that cannot be used. Nothing is written when one is given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidGatewayUrl {
    #[error("gateway URL {0:?} is not a URL like https://gateway.example.com/bedrock")]
    NotAUrl(String),
    #[error("gateway URL {0:?} must use https (plain http only to 127.0.0.1 or localhost): Claude Code sends your prompts and the gateway's token to it")]
    NotHttps(String),
    #[error("gateway URL {0:?} must not hold a user name or password: give the gateway's token with apiKeyHelper or ANTHROPIC_AUTH_TOKEN")]
    HasCredentials(String),
    #[error("gateway URL {0:?} must not have a query or fragment: Claude Code appends the Bedrock paths to it")]
    HasQuery(String),
}

/// A checked gateway URL: https (or http to this machine), no user info,
/// no query; kept as given, minus a trailing `/` (Claude Code appends
/// `/model/...` to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct GatewayUrl(String);

impl GatewayUrl {
    /// Checks `value` (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`InvalidGatewayUrl`] naming the problem (with the value cut to 200
    /// characters).
    pub fn new(value: &str) -> Result<Self, InvalidGatewayUrl> {
        let text = value.trim();
        let shown = || text.chars().take(200).collect::<String>();
        if text.is_empty() || text.len() > MAX_URL_BYTES || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidGatewayUrl::NotAUrl(shown()));
        }
        let url = url::Url::parse(text).map_err(|_| InvalidGatewayUrl::NotAUrl(shown()))?;
        let local = matches!(url.host(), Some(url::Host::Domain("localhost")))
            || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        match url.scheme() {
            "https" if url.host().is_some() => {}
            "http" if local => {}
            "http" | "https" => return Err(InvalidGatewayUrl::NotHttps(shown())),
            _ => return Err(InvalidGatewayUrl::NotHttps(shown())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidGatewayUrl::HasCredentials(shown()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(InvalidGatewayUrl::HasQuery(shown()));
        }
        Ok(Self(text.trim_end_matches('/').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GatewayUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_this_machine_only() {
        assert_eq!(
            GatewayUrl::new(" https://gw.example.com/bedrock/ ").unwrap().as_str(),
            "https://gw.example.com/bedrock"
        );
        GatewayUrl::new("http://127.0.0.1:8080/bedrock").unwrap();
        GatewayUrl::new("http://localhost:8080").unwrap();
        GatewayUrl::new("http://[::1]:8080").unwrap();
        for (bad, want) in [
            ("http://example.com/bedrock", "https"),
            ("http://127.0.0.1.example.com/", "https"),
            ("ftp://127.0.0.1/", "https"),
            ("file:///etc/passwd", "https"),
            ("https://user:pw@gw.example.com/", "password"),
            ("https://gw.example.com/?x=1", "query"),
            ("https://gw.example.com/$(id)\nx", "not a URL"),
            ("not a url", "not a URL"),
            ("", "not a URL"),
        ] {
            let e = GatewayUrl::new(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
    }
}
