//! ClamAV's daemon over its socket protocol (`clamd`, `man clamd`): `zINSTREAM` sends a file
//! in length-prefixed chunks and answers `stream: OK` or `stream: <signature> FOUND`;
//! `zVERSION` names the engine and the signature database (`ClamAV 1.4.6/27480/<build date>`).
//! The daemon and its signatures are the operator's (`freshclam`); motcua only asks.
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::{Database, ScanError, Scanner, Verdict};

/// Where the daemon listens: `unix:/run/clamav/clamd.ctl`, a bare path, or `tcp:host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp(String),
}

impl Address {
    pub fn parse(s: &str) -> Option<Address> {
        let s = s.trim();
        if let Some(t) = s.strip_prefix("tcp:") {
            return (!t.is_empty()).then(|| Address::Tcp(t.to_string()));
        }
        let p = s.strip_prefix("unix:").unwrap_or(s);
        p.starts_with('/').then(|| Address::Unix(PathBuf::from(p)))
    }
}

/// The chunk size of `INSTREAM`: small enough for a slow daemon, large enough to be cheap.
const CHUNK: usize = 64 * 1024;

/// A connection to `clamd`, opened per request (the daemon serves each on its own thread).
#[derive(Debug, Clone)]
pub struct Clamd {
    pub address: Address,
    /// How long one scan may take before the daemon counts as not answering.
    pub timeout: Duration,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl Clamd {
    pub fn new(address: Address) -> Clamd {
        Clamd {
            address,
            timeout: Duration::from_secs(60),
        }
    }

    async fn connect(&self) -> Result<Box<dyn Stream>, ScanError> {
        let down = |e: std::io::Error| ScanError::Unavailable(format!("clamd: {e}"));
        let open = async {
            let s: Box<dyn Stream> = match &self.address {
                #[cfg(unix)]
                Address::Unix(p) => {
                    Box::new(tokio::net::UnixStream::connect(p).await.map_err(down)?)
                }
                #[cfg(not(unix))]
                Address::Unix(_) => return Err(ScanError::Unavailable("no unix sockets".into())),
                Address::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a).await.map_err(down)?),
            };
            Ok(s)
        };
        tokio::time::timeout(CONNECT, open).await.map_err(|e| {
            ScanError::Unavailable(format!(
                "clamd at {:?}: no connection within {CONNECT:?} ({e})",
                self.address
            ))
        })?
    }

    /// Sends a command (and a body for `INSTREAM`) and reads the answer up to its NUL.
    async fn ask(&self, command: &[u8], body: Option<&Path>) -> Result<String, ScanError> {
        let work = async {
            let mut s = self.connect().await?;
            let io = |e: std::io::Error| ScanError::Unavailable(format!("clamd: {e}"));
            s.write_all(command).await.map_err(io)?;
            // Past its StreamMaxLength the daemon answers and closes: its answer is read
            // whatever the writing met.
            let sent = match body {
                Some(path) => send_file(&mut s, path).await,
                None => Ok(()),
            };
            // A file this side could not read: the daemon still waits for chunks, so nothing
            // is read back.
            if let Err(e @ ScanError::Io(_)) = sent {
                return Err(e);
            }
            let answer = read_answer(&mut s).await;
            match (sent, answer) {
                (_, Ok(a)) if !a.is_empty() => Ok(a),
                (Err(e), _) => Err(e),
                (Ok(()), Err(e)) => Err(io(e)),
                (Ok(()), Ok(_)) => Err(ScanError::Unavailable("clamd: no answer".into())),
            }
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|e| {
                ScanError::Unavailable(format!(
                    "clamd at {:?}: no answer within {:?} ({e})",
                    self.address, self.timeout
                ))
            })?
    }
}

/// How long connecting to the daemon may take.
const CONNECT: Duration = Duration::from_secs(3);

/// Sends a file as `INSTREAM` chunks, then the zero-length chunk that ends it.
async fn send_file(s: &mut Box<dyn Stream>, path: &Path) -> Result<(), ScanError> {
    let io = |e: std::io::Error| ScanError::Unavailable(format!("clamd: {e}"));
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| ScanError::Io(e.to_string()))?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| ScanError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        s.write_all(&(n as u32).to_be_bytes()).await.map_err(io)?;
        s.write_all(&buf[..n]).await.map_err(io)?;
    }
    s.write_all(&0u32.to_be_bytes()).await.map_err(io)
}

/// Reads an answer up to its NUL (at most 4 KB).
async fn read_answer(s: &mut Box<dyn Stream>) -> std::io::Result<String> {
    let mut out = Vec::with_capacity(64);
    let mut byte = [0u8; 256];
    loop {
        let n = s.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&byte[..n]);
        if out.contains(&0) || out.len() > 4096 {
            break;
        }
    }
    let end = out.iter().position(|b| *b == 0).unwrap_or(out.len());
    Ok(String::from_utf8_lossy(&out[..end]).trim().to_string())
}

/// Reads an `INSTREAM` answer.
pub fn verdict(answer: &str) -> Result<Verdict, ScanError> {
    let rest = answer.strip_prefix("stream: ").unwrap_or(answer);
    if rest == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(sig) = rest.strip_suffix(" FOUND") {
        return Ok(Verdict::Found(sig.to_string()));
    }
    // Past the daemon's StreamMaxLength: this file cannot be scanned there, whatever the wait.
    if rest.contains("size limit exceeded") {
        return Err(ScanError::TooLarge);
    }
    // Any other ERROR: not scanned, so not passed.
    Err(ScanError::Unavailable(format!("clamd: {answer}")))
}

/// Reads a `VERSION` answer: `ClamAV 1.4.6/27480/Tue Dec  1 08:00:00 2026`.
pub fn database(answer: &str) -> Result<Database, ScanError> {
    let mut parts = answer.splitn(3, '/');
    let engine = parts.next().unwrap_or_default().trim().to_string();
    if !engine.starts_with("ClamAV") {
        return Err(ScanError::Unavailable(format!("clamd: {answer}")));
    }
    let version = parts.next().and_then(|v| v.trim().parse().ok());
    let built = parts.next().and_then(|d| parse_ctime(d.trim()));
    Ok(Database {
        engine,
        version,
        built,
    })
}

/// `Tue Dec  1 08:00:00 2026` (C's `ctime`, UTC on the signature servers) as an instant.
fn parse_ctime(s: &str) -> Option<jiff::Timestamp> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let [_, mon, day, time, year] = words.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == mon)? + 1;
    let iso = format!("{year}-{m:02}-{:0>2}T{time}Z", day);
    iso.parse().ok()
}

impl Scanner for Clamd {
    fn scan<'a>(&'a self, file: &'a Path) -> BoxFuture<'a, Result<Verdict, ScanError>> {
        Box::pin(async move { verdict(&self.ask(b"zINSTREAM\0", Some(file)).await?) })
    }

    fn database(&self) -> BoxFuture<'_, Result<Database, ScanError>> {
        Box::pin(async move { database(&self.ask(b"zVERSION\0", None).await?) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Address::parse("unix:/run/clamav/clamd.ctl"),
            Some(Address::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            Address::parse("/tmp/c.sock"),
            Some(Address::Unix("/tmp/c.sock".into()))
        );
        assert_eq!(
            Address::parse("tcp:127.0.0.1:3310"),
            Some(Address::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(Address::parse("clamd"), None);
        assert_eq!(Address::parse("tcp:"), None);
    }

    #[test]
    fn answers() {
        assert_eq!(verdict("stream: OK").unwrap(), Verdict::Clean);
        assert_eq!(
            verdict("stream: Eicar-Test-Signature FOUND").unwrap(),
            Verdict::Found("Eicar-Test-Signature".into())
        );
        assert_eq!(
            verdict("INSTREAM size limit exceeded. ERROR"),
            Err(ScanError::TooLarge)
        );
        assert!(matches!(
            verdict("stream: Can't allocate memory ERROR"),
            Err(ScanError::Unavailable(_))
        ));
        let d = database("ClamAV 1.4.6/27480/Tue Dec  1 08:00:00 2026").unwrap();
        assert_eq!(d.engine, "ClamAV 1.4.6");
        assert_eq!(d.version, Some(27480));
        assert_eq!(
            d.built.unwrap().to_string(),
            "2026-12-01T08:00:00Z".to_string()
        );
        let bare = database("ClamAV 1.4.6").unwrap();
        assert_eq!((bare.version, bare.built), (None, None));
        assert!(database("UNKNOWN COMMAND").is_err());
    }
}
