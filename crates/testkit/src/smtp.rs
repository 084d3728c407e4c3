//! A real SMTP server on loopback for tests: speaks enough of RFC 5321 for a client to deliver
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message, and can be stopped and
//! started again on the same port to simulate an outage. [`Mode`] makes it refuse recipients
//! (4xx: try later; 5xx: never) or answer slowly.
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A received message, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// How the server answers each recipient and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Accept,
    /// `451 4.3.0`: a temporary refusal of every recipient (the sender should retry).
    Temporary,
    /// `550 5.1.1`: a permanent refusal of every recipient (the sender should give up).
    Permanent,
    /// Accepts, each message after this many milliseconds.
    Slow(u64),
}

pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    mode: Arc<Mutex<Mode>>,
    /// Recipients refused so far.
    refused: Arc<Mutex<usize>>,
    stop: Option<oneshot::Sender<()>>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub async fn start() -> SmtpSink {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let mut s = SmtpSink {
            port,
            mails: Arc::default(),
            mode: Arc::default(),
            refused: Arc::default(),
            stop: None,
        };
        s.serve(l);
        s
    }

    /// A port nobody listens on yet (the server is "down"); `resume` starts it there.
    pub async fn down() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        SmtpSink {
            port,
            mails: Arc::default(),
            mode: Arc::default(),
            refused: Arc::default(),
            stop: None,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn resume(&mut self) {
        let l = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(l);
    }

    pub fn pause(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    /// How the server answers from now on.
    pub fn set_mode(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }

    /// How many recipients the server refused.
    pub fn refused(&self) -> usize {
        *self.refused.lock().unwrap()
    }

    pub fn received(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (or ten seconds passed).
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            if self.mails.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.received()
    }

    fn serve(&mut self, l: TcpListener) {
        let (tx, mut rx) = oneshot::channel::<()>();
        self.stop = Some(tx);
        let shared = Shared {
            mails: self.mails.clone(),
            mode: self.mode.clone(),
            refused: self.refused.clone(),
        };
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    a = l.accept() => {
                        let Ok((sock, _)) = a else { continue };
                        let shared = shared.clone();
                        tokio::spawn(async move { let _ = session(sock, shared).await; });
                    }
                }
            }
        });
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.pause();
    }
}

/// What every session of one server shares.
#[derive(Clone)]
struct Shared {
    mails: Arc<Mutex<Vec<Mail>>>,
    mode: Arc<Mutex<Mode>>,
    refused: Arc<Mutex<usize>>,
}

async fn session(sock: tokio::net::TcpStream, sh: Shared) -> std::io::Result<()> {
    let mails = sh.mails.clone();
    sock.set_nodelay(true)?;
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 localhost ESMTP motcua-test\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            w.write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            w.write_all(b"250 localhost\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = cmd[10..]
                .trim()
                .trim_matches(['<', '>'])
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches(['<', '>'])
                .to_string();
            to.clear();
            w.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            let mode = *sh.mode.lock().unwrap();
            let refusal: Option<&[u8]> = match mode {
                Mode::Temporary => Some(b"451 4.3.0 Mailbox busy, try again later\r\n"),
                Mode::Permanent => Some(b"550 5.1.1 No such mailbox\r\n"),
                _ => None,
            };
            if let Some(answer) = refusal {
                *sh.refused.lock().unwrap() += 1;
                w.write_all(answer).await?;
                continue;
            }
            to.push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if r.read_until(b'\n', &mut l).await? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                if l.starts_with(b"..") {
                    l.remove(0);
                }
                data.extend_from_slice(&l);
            }
            let parsed =
                mailparse::parse_mail(&data).map_err(|e| std::io::Error::other(e.to_string()))?;
            let subject = parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
                .map(|h| h.get_value())
                .unwrap_or_default();
            let body = parsed.get_body().unwrap_or_default();
            let mode = *sh.mode.lock().unwrap();
            if let Mode::Slow(ms) = mode {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            mails.lock().unwrap().push(Mail {
                from: from.clone(),
                to: to.clone(),
                subject,
                body,
            });
            w.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}
