//! What bounds the work anonymous requests can cause: counters kept in memory (a public read never
//! writes to the database), and a bound on concurrent password hashing (each Argon2 hash takes
//! 19 MiB and a core). R4.2, R4.4.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration as StdDuration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::Semaphore;

use crate::crypto::HashMemory;
use crate::{App, AppError, Result};

/// Fixed-window counters per key, in this server copy's memory. Several copies each allow their
/// share of a limit ([`crate::config::Config::copy_share`]), so that a public read still never
/// writes.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, (Timestamp, u32)>>,
}

/// Keys kept before expired ones are swept (a bound on memory: about 100 bytes each).
const MAX_KEYS: usize = 200_000;

impl Limiter {
    /// Counts one event for `key` in its window; answers the count with this one, and when the
    /// window ends. Atomic: concurrent callers each get their own count.
    pub fn hit(&self, key: &str, window: SignedDuration, now: Timestamp) -> (u32, Timestamp) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if w.len() >= MAX_KEYS {
            w.retain(|_, (start, _)| *start + window > now);
            if w.len() >= MAX_KEYS {
                // Still full of live keys: start afresh rather than grow without bound.
                w.clear();
            }
        }
        let e = w.entry(key.to_string()).or_insert((now, 0));
        if e.0 + window <= now {
            *e = (now, 0);
        }
        e.1 += 1;
        (e.1, e.0 + window)
    }

    /// Takes back one event of `key` (a right answer after a counted guess).
    pub fn undo(&self, key: &str) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = w.get_mut(key) {
            e.1 = e.1.saturating_sub(1);
        }
    }

    /// The count for `key` in its window, without counting.
    pub fn count(&self, key: &str, window: SignedDuration, now: Timestamp) -> u32 {
        let w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match w.get(key) {
            Some((start, n)) if *start + window > now => *n,
            _ => 0,
        }
    }

    /// Drops the windows that ended (maintenance).
    pub fn sweep(&self, longest: SignedDuration, now: Timestamp) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        w.retain(|_, (start, _)| *start + longest > now);
    }
}

/// The address a client is counted under: IPv6 clients by their /64 (one customer's network,
/// which hands out addresses at will), IPv4 by the address.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// At most this many password hashes at once; others wait their turn briefly, then are told to
/// come back (503 with Retry-After), so that a flood cannot take the memory and the cores.
///
/// The hashes run on as many threads of their own, not on the shared blocking pool: the
/// allocator keeps a freed 19 MiB block for the thread that used it, so hashes spread over a
/// pool's many threads would each leave one behind (measured: over 350 MB after a flood).
#[derive(Debug)]
pub struct Hashing {
    permits: Semaphore,
    wait: StdDuration,
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

impl Hashing {
    pub fn new(concurrency: usize, wait: StdDuration) -> Self {
        let concurrency = concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("motcua-hash-{i}"))
                .spawn(move || {
                    // Made at the first hash: commands that never hash never hold it.
                    let mut memory: Option<HashMemory> = None;
                    // Ends when the server drops its `Hashing` (the sender).
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            // A panicking hash answers an error (its sender is dropped) and
                            // leaves the thread serving.
                            Ok(job) => {
                                let memory = memory.get_or_insert_with(HashMemory::new);
                                let run = std::panic::AssertUnwindSafe(|| job(memory));
                                let _ = std::panic::catch_unwind(run);
                            }
                            Err(_) => return,
                        }
                    }
                })
                .expect("hashing thread");
        }
        Hashing {
            permits: Semaphore::new(concurrency),
            wait,
            jobs: Mutex::new(jobs),
        }
    }
}

impl App {
    /// Runs one password hash or verification under the bound.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T> {
        let busy = || AppError::Unavailable {
            cause: "password hashing at capacity".into(),
            retry: 1,
        };
        let permit = tokio::time::timeout(self.hashing.wait, self.hashing.permits.acquire())
            .await
            .map_err(|_elapsed| {
                tracing::warn!(event = "hashing_busy", "password hashing at capacity");
                busy()
            })?
            .map_err(|closed| AppError::Unexpected(closed.to_string()))?;
        let (done, out) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(work(memory));
        });
        self.hashing
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|e| AppError::Unexpected(format!("hashing threads stopped: {e}")))?;
        let out = out
            .await
            .map_err(|e| AppError::Unexpected(format!("a hashing thread failed: {e}")))?;
        drop(permit);
        Ok(out)
    }

    /// An Argon2id hash of a password (bounded, see [`Hashing`]).
    pub(crate) async fn hash_password(&self, password: &str) -> Result<String> {
        let pw = password.to_string();
        self.hashing(move |m| crate::crypto::hash_password_in(m, &pw))
            .await
    }

    /// Whether a password matches a stored hash (bounded, see [`Hashing`]).
    pub(crate) async fn verify_password(&self, password: &str, phc: &str) -> Result<bool> {
        let (pw, phc) = (password.to_string(), phc.to_string());
        self.hashing(move |m| crate::crypto::verify_password_in(m, &pw, &phc))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_and_restart() {
        let l = Limiter::default();
        let t0: Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
        let w = SignedDuration::from_mins(15);
        assert_eq!(l.hit("a", w, t0).0, 1);
        assert_eq!(l.hit("a", w, t0).0, 2);
        assert_eq!(l.count("a", w, t0), 2);
        assert_eq!(l.count("b", w, t0), 0);
        let later = t0 + SignedDuration::from_mins(16);
        assert_eq!(l.count("a", w, later), 0);
        assert_eq!(l.hit("a", w, later), (1, later + w));
        l.sweep(w, later + SignedDuration::from_mins(20));
        assert_eq!(l.windows.lock().unwrap().len(), 0);
    }

    #[test]
    fn clients_by_address_and_v6_network() {
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_key("2001:db8:1:2:bbbb:cccc::9".parse().unwrap());
        assert_eq!(a, b, "one /64, one client");
        assert_ne!(a, client_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            client_key("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }
}
