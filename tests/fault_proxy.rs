//! A TCP proxy on 127.0.0.1 between a client and a local endpoint that can
//! pass, delay, reset, refuse or black-hole connections, for testing how the
//! tools behave when AWS misbehaves at the network level.

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
    fault: Arc<Mutex<Fault>>,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Listens on a free port and forwards to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fault = Arc::new(Mutex::new(Fault::Pass));
        let stop = Arc::new(AtomicBool::new(false));
        let (accepted, open) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (f, s, upstream) = (fault.clone(), stop.clone(), upstream.to_string());
        let (acc, op) = (accepted.clone(), open.clone());
        std::thread::spawn(move || {
            // Non-blocking, so the listener can be closed (Refuse) and bound
            // again on the same port, and `stop` is seen promptly.
            let mut listener = Some(listener);
            while !s.load(Ordering::Relaxed) {
                let mode = *f.lock().unwrap();
                if mode == Fault::Refuse {
                    listener = None;
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let l = match &mut listener {
                    Some(l) => l,
                    None => match TcpListener::bind(("127.0.0.1", port)) {
                        Ok(l) => listener.insert(l),
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                    },
                };
                l.set_nonblocking(true).unwrap();
                match l.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        acc.fetch_add(1, Ordering::Relaxed);
                        op.fetch_add(1, Ordering::Relaxed);
                        let (upstream, stop, op) = (upstream.clone(), s.clone(), op.clone());
                        std::thread::spawn(move || {
                            handle(client, &upstream, mode, &stop);
                            op.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(2)),
                    Err(_) => {}
                }
            }
        });
        Self { url: format!("http://127.0.0.1:{port}"), fault, stop, accepted, open }
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
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
        // The accept loop polls `stop` and closes the listener.
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn handle(client: TcpStream, upstream: &str, fault: Fault, stop: &AtomicBool) {
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
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
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
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server, client);
    let _ = std::io::copy(&mut s_read, &mut c_write);
    let _ = c_write.flush();
    let _ = c_write.shutdown(Shutdown::Write);
    let _ = up.join();
}
