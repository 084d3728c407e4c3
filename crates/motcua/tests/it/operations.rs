//! Running the service (R3.5; security.md rows 56, 57, 59): a backup taken while people submit
//! and restored into a fresh installation; the database out of reach and back.
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, engine_tests};
use reqwest::Method;

use crate::cli::motcua;
use crate::crash::{
    Shared, join, new_draft, prepare, read_back, start_clients, start_with, submit,
};

fn stop(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
}

/// The restore drill (row 59): `motcua backup` while citizens submit and the desk accepts; the
/// backup restored with `motcua restore` into a new database and data folder, which then
/// serves a dossier acknowledged before the backup with its status and its files; a restore
/// into a database that is not empty is refused.
async fn backup_while_writing_restores_into_a_fresh_installation(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let (mut child, base) = start_with(&db.url, &d, true, &[]);
    prepare(&db.url, &d);
    let sh = Arc::new(Shared::default());
    let tasks = start_clients(&base, &sh, 0);
    // Wait for a few acknowledged submissions, then back up while the clients go on.
    for _ in 0..200 {
        if sh.acked.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before: Vec<_> = sh.acked.lock().unwrap().clone();
    assert!(before.len() >= 3, "submissions before the backup");
    let backup = tempfile::tempdir().unwrap();
    let target = backup.path().join("sao-luu");
    let (url, data, to) = (db.url.clone(), d.clone(), target.clone());
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || motcua(&url, &data, &["backup", to.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(ok, "backup: {err}");
    let during = sh.acked.lock().unwrap().len() - before.len();
    sh.stop.store(true, Ordering::SeqCst);
    join(tasks).await;
    stop(&mut child);
    let odd = sh.unexpected.lock().unwrap().clone();
    assert!(
        odd.is_empty(),
        "the clients were served throughout: {odd:?}"
    );
    assert!(out.starts_with("backup in "), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    // Every file of the submissions acknowledged before is in the backup, under its hash.
    for a in &before {
        for sha in &a.shas {
            assert!(
                files.iter().any(|f| f["sha256"] == *sha),
                "{sha} in the manifest"
            );
            let copy = std::fs::read_to_string(target.join("files").join(sha)).unwrap();
            assert_eq!(&motcua_app::crypto::sha256_hex(&copy), sha);
        }
    }
    // A second backup into the same folder is refused.
    let (ok, _, err) = motcua(&db.url, &d, &["backup", target.to_str().unwrap()]);
    assert!(!ok && err.contains("already holds a backup"), "{err}");

    // Restore into a new database and a new data folder.
    let fresh = TestDb::new(e).await;
    let fresh_url = match e {
        Engine::Sqlite => format!(
            "sqlite://{}",
            backup.path().join("moi").join("motcua.db").display()
        ),
        Engine::Postgres => fresh.url.clone(),
    };
    let fresh_dir = backup.path().join("moi");
    std::fs::create_dir_all(&fresh_dir).unwrap();
    let (ok, out, err) = motcua(
        &fresh_url,
        &fresh_dir,
        &["restore", target.to_str().unwrap()],
    );
    assert!(ok, "restore: {out} {err}");
    assert!(out.contains("; ok"), "{out}");
    // Not twice into the same database.
    let (ok, _, err) = motcua(
        &fresh_url,
        &fresh_dir,
        &["restore", target.to_str().unwrap()],
    );
    assert!(
        !ok && (err.contains("already exists") || err.contains("not empty")),
        "{err}"
    );
    let (mut restored, base) = start_with(&fresh_url, &fresh_dir, false, &[]);
    let mut c = Client::new(&base);
    for a in &before {
        let r = c
            .json(
                Method::GET,
                &format!("/api/v1/lookup/{}", a.code),
                None,
                None,
            )
            .await;
        assert_eq!(
            r.status, 200,
            "{} served after the restore: {}",
            a.code, r.body
        );
    }
    // The owner reads the dossier and each of its files, byte for byte.
    let tok = c
        .token(
            crate::dossiers::CITIZEN,
            &crate::crash::demo_pw_static(crate::dossiers::CITIZEN),
        )
        .await;
    let mut checked = 0;
    for a in &before {
        // None: the other citizen's.
        checked += read_back(&mut c, &tok, a).await.unwrap_or(0);
    }
    assert!(
        checked > 0,
        "files of the citizen's dossiers read back after the restore"
    );
    stop(&mut restored);
    eprintln!(
        "backup drill ({e:?}): {} submissions before the backup, {during} while it ran; {} files ({} bytes) restored and checked",
        before.len(),
        files.len(),
        files
            .iter()
            .map(|f| f["bytes"].as_u64().unwrap())
            .sum::<u64>()
    );
}

engine_tests!(backup_while_writing_restores_into_a_fresh_installation);

/// A tmpfs of `mb` megabytes mounted on `dir` for the test's life (root only).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, mb: u32) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!("CI must run the disk-full test: it mounts a tmpfs (root)");
            }
            eprintln!("skipped: cannot mount a tmpfs here (the disk-full test needs root)");
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }

    /// Bytes free on it.
    fn free(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.0)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Fills it with a file until `leave` bytes are free (or the disk refuses).
    fn fill(&self, name: &str, leave: u64) {
        use std::io::Write;
        let n = self.free().saturating_sub(leave);
        let mut f = std::fs::File::create(self.0.join(name)).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            if f.write_all(&chunk[..k]).is_err() {
                break;
            }
            left -= k as u64;
        }
        let _ = f.sync_all();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Disk full (row 56): the data folder (SQLite file and attachments) on a small tmpfs. With
/// the disk full, an upload is refused with 503 and Retry-After, leaves no temporary file and
/// no row; every write is refused the same way or done whole, never a 500; reads are served
/// throughout. Once space returns the same upload and the submission succeed, and `motcua
/// check` finds nothing wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_cleanly_and_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let Some(disk) = Tmpfs::mount(&data, 24) else {
        return;
    };
    let db = format!("sqlite://{}", data.join("motcua.db").display());
    let (mut child, base) = start_with(&db, &data, true, &[]);
    prepare(&db, &data);
    let mut c = Client::new(&base).lenient();
    let citizen = crate::dossiers::CITIZEN;
    let tok = c
        .token(citizen, &crate::crash::demo_pw_static(citizen))
        .await;
    let r = new_draft(&mut c, &tok).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = c
        .upload(
            &tok,
            &id,
            "don",
            "don.pdf",
            crate::crash::body("day-du-don", 100_000),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // The disk fills up (300 KB left): a 1 MB paper cannot be stored.
    disk.fill("filler-1", 300 * 1024);
    let paper = crate::crash::body("day-du-ban-ve", 1024 * 1024);
    let r = c
        .upload(&tok, &id, "ban-ve", "ban-ve.pdf", paper.clone())
        .await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    let blobs = motcua_app::dossiers::BlobsHandle::open(&data.join("blobs")).unwrap();
    assert_eq!(blobs.temp_files(), 0, "no temporary file left");
    // Then entirely full: every write is refused cleanly or done whole.
    disk.fill("filler-2", 0);
    let mut refused_db = 0;
    let mut made = 0;
    for _ in 0..2000 {
        let r = new_draft(&mut c, &tok).await;
        assert!([201, 503].contains(&r.status), "{} {}", r.status, r.body);
        if r.status == 503 {
            refused_db += 1;
            if refused_db == 3 {
                break;
            }
        } else {
            made += 1;
        }
    }
    assert!(
        refused_db > 0,
        "the database's writes met the full disk ({made} drafts made)"
    );
    let r = c
        .upload(&tok, &id, "ban-ve", "ban-ve.pdf", paper.clone())
        .await;
    assert_eq!(r.status, 503, "{}", r.body);
    // Reads are served: the home page, the catalogue, the draft.
    for path in ["/", "/api/v1/procedures?q=xay+dung"] {
        let r = c.get(path).await;
        assert_eq!(r.status, 200, "{path} while the disk is full");
    }
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["files"].as_array().unwrap().len(),
        1,
        "nothing half-stored"
    );

    // Space returns: the same paper and the submission go through.
    std::fs::remove_file(data.join("filler-1")).unwrap();
    std::fs::remove_file(data.join("filler-2")).unwrap();
    let r = c
        .upload(&tok, &id, "ban-ve", "ban-ve.pdf", paper.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = submit(&mut c, &tok, &id, "sau-khi-day-dia").await;
    assert_eq!(r.status, 200, "{}", r.body);
    stop(&mut child);
    let (ok, out, err) = motcua(&db, &data, &["check"]);
    assert!(ok, "{out} {err}");
    eprintln!(
        "disk full: uploads and, after {made} more drafts, the database's writes refused with 503, none with 500; recovered"
    );
}

/// Polls `/readyz` until it answers `want` (within 30 s); answers how long it took.
async fn ready_becomes(c: &mut Client, want: u16) -> Duration {
    let started = std::time::Instant::now();
    loop {
        let r = c.get("/readyz").await;
        if r.status == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "readiness stays {} instead of {want}",
            r.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The database stopped and started again (row 57): readiness goes down and up; meanwhile
/// requests are answered 503 with Retry-After within the pool's wait, not held; the server
/// stays up, loses nothing it acknowledged, and serves and takes submissions again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_restarted() {
    if !motcua_testkit::postgres_enabled() {
        return;
    }
    let pg = crate::hardening::outage::Cluster::new();
    let dir = tempfile::tempdir().unwrap();
    let (url, d) = (pg.url(), dir.path().to_path_buf());
    let (mut child, base) = start_with(&url, &d, true, &[]);
    prepare(&url, &d);
    let mut c = Client::new(&base).lenient();
    let citizen = crate::dossiers::CITIZEN;
    let tok = c
        .token(citizen, &crate::crash::demo_pw_static(citizen))
        .await;
    let submit = async |c: &mut Client, tag: &str| -> Option<String> {
        let r = new_draft(c, &tok).await;
        if r.status != 201 {
            return None;
        }
        let id = r.json()["id"].as_str().unwrap().to_string();
        for comp in ["don", "ban-ve"] {
            let r = c
                .upload(
                    &tok,
                    &id,
                    comp,
                    "giay.pdf",
                    crate::crash::body(&format!("{tag}-{comp}"), 50_000),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
        let r = submit(c, &tok, &id, tag).await;
        assert_eq!(r.status, 200, "{}", r.body);
        Some(r.json()["code"].as_str().unwrap().to_string())
    };
    let before = submit(&mut c, "truoc-khi-dung").await.unwrap();
    assert_eq!(c.get("/readyz").await.status, 200);

    pg.stop();
    let down = ready_becomes(&mut c, 503).await;
    let started = std::time::Instant::now();
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{before}"),
            Some(&tok),
            None,
        )
        .await;
    let read_took = started.elapsed();
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    let r = new_draft(&mut c, &tok).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(
        read_took < Duration::from_secs(10),
        "answered within the pool's wait, not held: {read_took:?}"
    );

    pg.start();
    let up = ready_becomes(&mut c, 200).await;
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{before}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["files"].as_array().unwrap().len(), 2);
    let after = submit(&mut c, "sau-khi-chay-lai").await;
    assert!(after.is_some(), "submissions are taken again");
    assert!(child.try_wait().unwrap().is_none(), "the server stayed up");
    stop(&mut child);
    eprintln!(
        "PostgreSQL restart: not ready after {} ms, a read refused in {} ms, ready again {} ms after the start",
        down.as_millis(),
        read_took.as_millis(),
        up.as_millis()
    );
}
