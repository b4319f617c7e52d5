//! Local stand-ins for AWS, started by the tests: moto's server (STS) and
//! our fake of the services moto lacks (SSO portal, SSO-OIDC, Bedrock
//! control plane and runtime, in tests/fake_aws/server.py). Commands reach
//! them through the standard `AWS_ENDPOINT_URL_<SERVICE>` variables.

#![allow(dead_code)]

use crate::util::python;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn wait_for_port(file: &Path, child: &mut Child, what: &str) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(file) {
            if let Ok(port) = text.trim().parse() {
                return port;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not start within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One moto server for the whole test binary (it takes a second or two to
/// import). It exits when this process does: it serves until its stdin,
/// held here, closes.
pub struct Moto {
    pub url: String,
    _stdin: Mutex<ChildStdin>,
}

pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let mut child = Command::new(python())
            .arg(tests_dir().join("moto_server.py"))
            .arg(&port_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let port = wait_for_port(&port_file, &mut child, "moto server");
        let stdin = child.stdin.take().unwrap();
        Moto { url: format!("http://127.0.0.1:{port}"), _stdin: Mutex::new(stdin) }
    })
}

/// The fake SSO / SSO-OIDC / Bedrock endpoint; one per test, so switches
/// set by one test cannot leak into another. Killed on drop.
pub struct FakeAws {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl FakeAws {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let mut child = Command::new(python())
            .arg(tests_dir().join("fake_aws/server.py"))
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start fake AWS");
        let port = wait_for_port(&port_file, &mut child, "fake AWS server");
        Self { url: format!("http://127.0.0.1:{port}"), child, _dir: dir }
    }

    /// POSTs to the fake's admin API (`/_fake/...`) and returns the JSON answer.
    pub fn admin(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        http_json("POST", &format!("{}/_fake/{path}", self.url), Some(&body))
    }

    pub fn config(&self, switches: serde_json::Value) -> serde_json::Value {
        self.admin("config", switches)
    }

    pub fn state(&self) -> serde_json::Value {
        http_json("GET", &format!("{}/_fake/state", self.url), None)
    }

    /// Points a command at the fake (and at moto for STS).
    pub fn apply(&self, cmd: &mut Command) {
        for service in ["SSO", "SSO_OIDC", "BEDROCK", "BEDROCK_RUNTIME"] {
            cmd.env(format!("AWS_ENDPOINT_URL_{service}"), &self.url);
        }
        cmd.env("AWS_ENDPOINT_URL_STS", &moto().url);
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 JSON client over std's TcpStream (enough for the
/// admin API on loopback; keeps the test tree free of an HTTP crate).
pub fn http_json(method: &str, url: &str, body: Option<&serde_json::Value>) -> serde_json::Value {
    let (status, value) = http_request(method, url, body);
    assert!((200..300).contains(&status), "{method} {url}: HTTP {status}: {value}");
    value
}

/// One HTTP/1.1 request; returns the status and the JSON body (`Null` when
/// empty). Understands `Content-Length` and chunked bodies.
pub fn http_request(method: &str, url: &str, body: Option<&serde_json::Value>) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).expect("connect to fake");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    if body.trim().is_empty() {
        (status, serde_json::Value::Null)
    } else {
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}")))
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A static https server over a folder, with a fresh self-signed
/// certificate for 127.0.0.1 (tests/https_server.py); a command trusts it
/// through `SSL_CERT_FILE` (see [`HttpsFiles::trust`]). Killed on drop.
pub struct HttpsFiles {
    pub url: String,
    pub root: PathBuf,
    cert: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl HttpsFiles {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (root, cert, port_file) = (dir.path().join("root"), dir.path().join("cert.pem"), dir.path().join("port"));
        std::fs::create_dir_all(&root).unwrap();
        let mut child = Command::new(python())
            .arg(tests_dir().join("https_server.py"))
            .arg("--root")
            .arg(&root)
            .arg("--cert")
            .arg(&cert)
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the https server");
        let port = wait_for_port(&port_file, &mut child, "https server");
        Self { url: format!("https://127.0.0.1:{port}"), root, cert, child, _dir: dir }
    }

    /// Makes `cmd` trust this server's certificate (and only it).
    pub fn trust(&self, cmd: &mut Command) {
        cmd.env("SSL_CERT_FILE", &self.cert).env_remove("SSL_CERT_DIR");
    }
}

impl Drop for HttpsFiles {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
