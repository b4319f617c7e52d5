//! A TCP proxy on 127.0.0.1 between a client and a local endpoint that can
//! pass, delay, reset or black-hole connections, for testing how the tools
//! behave when AWS misbehaves at the network level. It also keeps what
//! each client sent, so a test can count the calls that reached AWS.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does with the next connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward bytes both ways.
    Pass,
    /// Wait this long before forwarding.
    Delay(Duration),
    /// Accept, then close at once (a reset mid-request).
    Reset,
    /// Accept and never answer.
    BlackHole,
}

pub struct FaultProxy {
    pub url: String,
    fault: Arc<Mutex<Fault>>,
    stop: Arc<AtomicBool>,
    port: u16,
    /// The bytes each forwarded connection sent upstream.
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FaultProxy {
    /// Listens on a free port and forwards to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fault = Arc::new(Mutex::new(Fault::Pass));
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (f, s, upstream, log) = (fault.clone(), stop.clone(), upstream.to_string(), sent.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let mode = *f.lock().unwrap();
                let upstream = upstream.clone();
                let stop = s.clone();
                let log = log.clone();
                std::thread::spawn(move || handle(client, &upstream, mode, &stop, &log));
            }
        });
        Self { url: format!("http://127.0.0.1:{port}"), fault, stop, port, sent }
    }

    /// How many times `needle` occurs in what clients sent upstream (e.g.
    /// `Action=GetSessionToken` counts STS calls).
    pub fn count_sent(&self, needle: &str) -> usize {
        let sent = self.sent.lock().unwrap();
        sent.iter().map(|conn| String::from_utf8_lossy(conn).matches(needle).count()).sum()
    }

    /// Everything clients sent upstream, as text.
    pub fn sent_text(&self) -> String {
        self.sent.lock().unwrap().iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn handle(client: TcpStream, upstream: &str, fault: Fault, stop: &AtomicBool, log: &Mutex<Vec<Vec<u8>>>) {
    match fault {
        Fault::Reset => {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        Fault::BlackHole => {
            // Hold the connection open, reading and discarding, until the
            // client gives up or the proxy stops.
            let mut sink = [0u8; 4096];
            let _ = client.set_read_timeout(Some(Duration::from_millis(200)));
            let mut client = client;
            while !stop.load(Ordering::Relaxed) {
                match client.read(&mut sink) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
            return;
        }
        Fault::Delay(d) => std::thread::sleep(d),
        Fault::Pass => {}
    }
    let Ok(server) = TcpStream::connect(upstream) else { return };
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let slot = {
        let mut log = log.lock().unwrap();
        log.push(Vec::new());
        log.len() - 1
    };
    std::thread::scope(|scope| {
        let up = scope.spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match c_read.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        log.lock().unwrap()[slot].extend_from_slice(&buf[..n]);
                        if s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = s_write.shutdown(Shutdown::Write);
        });
        let (mut s_read, mut c_write) = (server, client);
        let _ = std::io::copy(&mut s_read, &mut c_write);
        let _ = c_write.flush();
        let _ = c_write.shutdown(Shutdown::Write);
        let _ = up.join();
    });
}
