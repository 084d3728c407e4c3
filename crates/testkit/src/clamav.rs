//! ClamAV's daemon (`clamd`, from Debian's packages) of the tests' own, loading a signature
//! database the tests make with `sigtool`: these machines cannot reach ClamAV's mirrors, and
//! clamd loads such a database exactly like the official ones (R4.4). Skipped with a message
//! when ClamAV is not installed, except under CI, where it fails.
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::procs::Proc;

/// The EICAR test file: every scanner's agreed harmless test signature.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// The tests' own signature of EICAR (the official database is not on these machines).
pub const EICAR_SIGNATURE: &str = "Motcua.Test.Eicar";

const CLAMD: &str = "/usr/sbin/clamd";

/// A running clamd and its folder (socket, database, log).
pub struct Clamd {
    pub socket: PathBuf,
    dir: tempfile::TempDir,
    proc: Option<Proc>,
}

/// Whether ClamAV is installed; under CI its absence fails the run.
pub fn available() -> bool {
    let ok = Path::new(CLAMD).exists() && which("sigtool");
    if !ok {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("CI must run the malware-scanning tests: apt-get install clamav clamav-daemon");
        }
        eprintln!("skipped: ClamAV not installed (apt-get install clamav clamav-daemon)");
    }
    ok
}

fn which(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

impl Clamd {
    /// Starts clamd with a database of EICAR and `extra` (name, bytes) signatures, at
    /// database version 1. `None` when ClamAV is not installed (see [`available`]).
    pub fn start(extra: &[(&str, &[u8])]) -> Option<Clamd> {
        Self::start_with(extra, "")
    }

    /// Starts clamd as [`Clamd::start`] does, with more `clamd.conf` lines (its limits).
    pub fn start_with(extra: &[(&str, &[u8])], settings: &str) -> Option<Clamd> {
        if !available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        std::fs::create_dir_all(&db).unwrap();
        build(dir.path(), extra, 1);
        let socket = dir.path().join("clamd.sock");
        let conf = dir.path().join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "LocalSocket {}\nDatabaseDirectory {}\nTemporaryDirectory {}\nForeground yes\nLogFile {}\nAlertExceedsMax yes\nSelfCheck 3600\n{}\n",
                socket.display(),
                db.display(),
                dir.path().display(),
                dir.path().join("clamd.log").display(),
                if settings.is_empty() {
                    "StreamMaxLength 64M\nMaxFileSize 64M\nMaxScanSize 128M"
                } else {
                    settings
                }
            ),
        )
        .unwrap();
        let mut c = Clamd {
            socket,
            dir,
            proc: None,
        };
        c.run(&conf);
        Some(c)
    }

    fn run(&mut self, conf: &Path) {
        let child = Command::new(CLAMD)
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("clamd");
        self.proc = Some(Proc(child));
        for _ in 0..600 {
            if self.version().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("clamd did not start: {}", self.log());
    }

    /// The setting motcua reads (`scan.clamd`).
    pub fn address(&self) -> String {
        format!("unix:{}", self.socket.display())
    }

    /// What `VERSION` answers, once the daemon is up.
    pub fn version(&self) -> Option<String> {
        let mut s = UnixStream::connect(&self.socket).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        s.write_all(b"zVERSION\0").ok()?;
        let mut out = vec![];
        s.read_to_end(&mut out).ok()?;
        let t = String::from_utf8_lossy(&out)
            .trim_end_matches('\0')
            .to_string();
        t.starts_with("ClamAV").then_some(t)
    }

    /// New signatures (database `version`, with EICAR and `extra`), loaded as `freshclam`
    /// would have them loaded: the database replaced, then `RELOAD`.
    pub fn update(&self, extra: &[(&str, &[u8])], version: u32) {
        build(self.dir.path(), extra, version);
        let mut s = UnixStream::connect(&self.socket).unwrap();
        s.write_all(b"zRELOAD\0").unwrap();
        let mut out = vec![];
        let _ = s.read_to_end(&mut out);
        for _ in 0..300 {
            if self
                .version()
                .is_some_and(|v| v.contains(&format!("/{version}/")))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("clamd did not load database {version}: {}", self.log());
    }

    /// Stops the daemon (a scanner that does not answer).
    pub fn stop(&mut self) {
        self.proc = None;
        let _ = std::fs::remove_file(&self.socket);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("clamd.log")).unwrap_or_default()
    }
}

/// Makes `db/daily.cud` in `dir` with sigtool: one body signature (`.ndb`, any file type, any
/// offset) per entry, EICAR first.
fn build(dir: &Path, extra: &[(&str, &[u8])], version: u32) {
    let work = dir.join("build");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut ndb = String::new();
    for (name, bytes) in [(EICAR_SIGNATURE, EICAR)].iter().chain(extra) {
        ndb.push_str(&format!("{name}:0:*:{}\n", hex_dump(bytes)));
    }
    std::fs::write(work.join("daily.ndb"), ndb).unwrap();
    std::fs::write(
        work.join("COPYING"),
        "Test signatures of motcua's test suite.\n",
    )
    .unwrap();
    let mut sigtool = Command::new("sigtool")
        .args([
            "--build=daily.cud",
            "--unsigned",
            "--no-cdiff",
            &format!("--cvd-version={version}"),
            &format!("--datadir={}", work.display()),
        ])
        .current_dir(&work)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sigtool");
    // It asks for the builder's name.
    sigtool
        .stdin
        .take()
        .unwrap()
        .write_all(b"motcua\n")
        .unwrap();
    let out = sigtool.wait_with_output().unwrap();
    let cud = work.join("daily.cud");
    assert!(
        cud.exists(),
        "sigtool did not build the database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = dir.join("db");
    std::fs::rename(&cud, db.join("daily.cud")).unwrap();
}

/// The signature's hex, as `sigtool --hex-dump` makes it.
fn hex_dump(bytes: &[u8]) -> String {
    let mut c = Command::new("sigtool")
        .arg("--hex-dump")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sigtool");
    c.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = c.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
