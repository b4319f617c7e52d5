//! The one-shot loopback listener of the PKCE login: the sign-in page
//! redirects the browser to `http://127.0.0.1:PORT/oauth/callback` with
//! `code` and `state`, and this takes that one request.
//!
//! AWS CLI v2 does the same (`AuthCodeFetcher` in
//! awscli/customizations/sso/utils.py) but listens on every interface; this
//! one listens on 127.0.0.1 only, so nothing on the network can reach it,
//! and it ignores a request whose `state` is not ours instead of failing on
//! it, so another local process cannot cut a login short.

use crate::secret::Secret;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The path the redirect comes back on, as AWS CLI v2's.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// How long one connection may take to send its request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head read.
const MAX_REQUEST: usize = 16 * 1024;

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>bedrock-tray</title>\
<p>Signed in. You can close this tab and return to bedrock-tray.</p>";
const DENIED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>bedrock-tray</title>\
<p>The sign-in was not approved. You can close this tab.</p>";

/// Why no authorization code arrived.
#[derive(Debug, thiserror::Error)]
pub enum LoopbackError {
    #[error("cannot listen on 127.0.0.1 for the sign-in redirect: {0}")]
    Bind(std::io::Error),
    #[error("the sign-in page reported {0:?}")]
    Denied(String),
    #[error("no sign-in redirect arrived within {} minutes", .0.as_secs() / 60)]
    TimedOut(Duration),
}

/// A listener bound to a free port on 127.0.0.1.
pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    /// Binds a free port on 127.0.0.1.
    ///
    /// # Errors
    /// [`LoopbackError::Bind`] (then the login falls back to the device code).
    pub async fn bind() -> Result<Self, LoopbackError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(LoopbackError::Bind)?;
        let port = listener.local_addr().map_err(LoopbackError::Bind)?.port();
        Ok(Self { listener, port })
    }

    /// The redirect URI with this listener's port.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits up to `deadline` for the redirect carrying `state`, answers
    /// it with a page saying the tab can be closed, and returns its code.
    /// Other requests (a favicon, a stray client, a wrong state) get an
    /// error page and the wait goes on.
    ///
    /// # Errors
    /// [`LoopbackError::Denied`] when the page redirected with an `error`
    /// and our state; [`LoopbackError::TimedOut`].
    pub async fn wait_for_code(self, state: &str, deadline: Duration) -> Result<Secret, LoopbackError> {
        let wait = async {
            loop {
                let Ok((mut stream, _)) = self.listener.accept().await else { continue };
                let head = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await {
                    Ok(Some(head)) => head,
                    _ => continue,
                };
                let answer = callback(&head, state);
                let (status, page) = match &answer {
                    Callback::Code(_) => ("200 OK", DONE_PAGE),
                    Callback::Error(_) => ("200 OK", DENIED_PAGE),
                    Callback::NotOurs => ("400 Bad Request", "not a sign-in redirect for this login"),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                     Cache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
                match answer {
                    Callback::Code(code) => return Ok(code),
                    Callback::Error(e) => return Err(LoopbackError::Denied(e)),
                    Callback::NotOurs => tracing::debug!("ignored a request on the sign-in listener"),
                }
            }
        };
        tokio::time::timeout(deadline, wait).await.unwrap_or(Err(LoopbackError::TimedOut(deadline)))
    }
}

/// Reads up to the end of the request head (or `MAX_REQUEST` bytes).
async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

enum Callback {
    Code(Secret),
    Error(String),
    NotOurs,
}

/// What a request head says: our code, our error, or nothing for us.
fn callback(head: &str, expected_state: &str) -> Callback {
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else { return Callback::NotOurs };
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else { return Callback::NotOurs };
    if url.path() != CALLBACK_PATH {
        return Callback::NotOurs;
    }
    let get = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    if get("state").as_deref() != Some(expected_state) {
        return Callback::NotOurs;
    }
    match (get("code"), get("error")) {
        (_, Some(error)) => Callback::Error(error),
        (Some(code), None) if !code.is_empty() => Callback::Code(Secret::new(code)),
        _ => Callback::NotOurs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_callback_with_our_state_counts() {
        let head = |target: &str| format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assert!(
            matches!(callback(&head("/oauth/callback?code=c1&state=s1"), "s1"), Callback::Code(c) if c.expose() == "c1")
        );
        assert!(matches!(callback(&head("/oauth/callback?code=c1&state=other"), "s1"), Callback::NotOurs));
        assert!(matches!(callback(&head("/favicon.ico"), "s1"), Callback::NotOurs));
        assert!(matches!(callback(&head("/oauth/callback?code=c1"), "s1"), Callback::NotOurs), "no state, no code");
        assert!(
            matches!(callback(&head("/oauth/callback?error=access_denied&state=s1"), "s1"), Callback::Error(e) if e == "access_denied")
        );
        assert!(matches!(callback("POST /oauth/callback?code=c&state=s1 HTTP/1.1\r\n\r\n", "s1"), Callback::NotOurs));
    }
}
