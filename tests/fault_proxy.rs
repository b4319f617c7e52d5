//! A TCP proxy on 127.0.0.1 between a client and a local endpoint that can
//! pass, delay, reset, refuse or black-hole connections, for testing how the
//! tools behave when AWS misbehaves at the network level. It also keeps what
//! each client sent, so a test can count the calls that reached AWS.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does with the next connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward bytes both ways.
    Pass,
    /// Wait this long before forwarding.
    Delay(Duration),
    /// Accept, wait for the request, then close without reading it: the
    /// kernel answers unread data with a TCP RST (connection reset by peer).
    Reset,
    /// Accept and never answer.
    BlackHole,
    /// Stop listening: connecting is refused, as on a closed port.
    Refuse,
}

pub struct FaultProxy {
    pub url: String,
    /// The fault and the listener (none while refusing), changed together
    /// so that once `set` returns every new connection meets the new fault.
    state: Arc<Mutex<(Fault, Option<TcpListener>)>>,
    port: u16,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    /// The bytes each forwarded connection sent upstream.
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FaultProxy {
    /// Listens on a free port and forwards to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new((Fault::Pass, Some(listener))));
        let stop = Arc::new(AtomicBool::new(false));
        let (accepted, open) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (st, s, upstream, log) = (state.clone(), stop.clone(), upstream.to_string(), sent.clone());
        let (acc, op) = (accepted.clone(), open.clone());
        std::thread::spawn(move || {
            // Non-blocking accepts, so `set` can close and reopen the
            // listener in between and `stop` is seen promptly.
            while !s.load(Ordering::Relaxed) {
                let accepted = {
                    let guard = st.lock().unwrap();
                    match &guard.1 {
                        Some(l) => l.accept().ok().map(|(client, _)| (client, guard.0)),
                        None => None,
                    }
                };
                let Some((client, mode)) = accepted else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                acc.fetch_add(1, Ordering::Relaxed);
                op.fetch_add(1, Ordering::Relaxed);
                let (upstream, stop, op, log) = (upstream.clone(), s.clone(), op.clone(), log.clone());
                std::thread::spawn(move || {
                    handle(client, &upstream, mode, &stop, &log);
                    op.fetch_sub(1, Ordering::Relaxed);
                });
            }
        });
        Self { url: format!("http://127.0.0.1:{port}"), state, port, stop, accepted, open, sent }
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

    /// Applies `fault` to every connection made after this returns:
    /// `Refuse` closes the port, anything else opens it again.
    pub fn set(&self, fault: Fault) {
        let mut state = self.state.lock().unwrap();
        state.0 = fault;
        if fault == Fault::Refuse {
            state.1 = None;
        } else if state.1.is_none() {
            // The port was ours a moment ago; another socket taking it in
            // between is possible but rare, so wait for it rather than fail.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let listener = loop {
                match TcpListener::bind(("127.0.0.1", self.port)) {
                    Ok(l) => break l,
                    Err(e) if std::time::Instant::now() > deadline => {
                        panic!("cannot listen on port {} again: {e}", self.port)
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            };
            listener.set_nonblocking(true).unwrap();
            state.1 = Some(listener);
        }
    }

    /// Connections accepted so far (a refused one never is).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections accepted and not yet closed.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.state.lock().unwrap().1 = None;
    }
}

fn handle(client: TcpStream, upstream: &str, fault: Fault, stop: &AtomicBool, log: &Mutex<Vec<Vec<u8>>>) {
    match fault {
        Fault::Reset => {
            // Closing with the request unread makes the kernel send RST.
            let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = client.peek(&mut [0u8; 1]);
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
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
            return;
        }
        Fault::Delay(d) => std::thread::sleep(d),
        Fault::Pass | Fault::Refuse => {}
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
