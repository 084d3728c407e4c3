//! Bounds (R4.4): development stays on the loopback, anonymous reads write nothing, quotas and
//! sizes hold under parallel uploads, and slow clients are cut off.
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use motcua_testkit::{Engine, TestApp, engine_tests, pdf};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::dossiers::{CITIZEN, draft, ready, setup_with, submit, token};

/// Development mode shows the development mailbox: it serves only on the loopback, and says
/// what production needs; the demo accounts are refused in production.
#[test]
fn development_stays_on_the_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve"])
        .env("MOTCUA_DATABASE_URL", &db)
        .env("MOTCUA_DATA_DIR", dir.path())
        .env("MOTCUA_LISTEN", "0.0.0.0:0")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("loopback") && err.contains("secret_key") && err.contains("smtp_url"),
        "{err}"
    );
    for args in [&["demo"][..], &["serve", "--demo"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .env("MOTCUA_DATABASE_URL", &db)
            .env("MOTCUA_DATA_DIR", dir.path())
            .env("MOTCUA_MODE", "production")
            .env("MOTCUA_PUBLIC_URL", "https://dichvucong.quangngai.example")
            .env("MOTCUA_SECRET_KEY", "ab".repeat(32))
            .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
            .env(
                "MOTCUA_AUDIT__CHECKPOINT_DIR",
                dir.path().join("checkpoints"),
            )
            .env("MOTCUA_SMTP_URL", "smtp://127.0.0.1:1")
            .env("MOTCUA_SCAN__CLAMD", "unix:/run/clamav/clamd.ctl")
            .env("MOTCUA_LISTEN", "127.0.0.1:0")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains("demo"), "{args:?}: {err}");
    }
}

/// The bytes of the SQLite database and its WAL.
fn db_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".db"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

/// 1,000 anonymous reads (look-ups by code, with wrong and right phone digits, refused ones
/// included, and procedure pages) leave the database and its WAL byte for byte as they were.
#[tokio::test]
async fn anonymous_reads_write_nothing() {
    let t = setup_with(Engine::Sqlite, |c| c.worker = false).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = submit(&mut c, &tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    t.app
        .db()
        .conn()
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let dir = t.app.config.data_dir.clone();
    let views = |t: &TestApp| {
        let app = t.app.clone();
        async move {
            motcua_store::catalogue::find_procedure(app.db().conn(), "1.009999")
                .await
                .unwrap()
                .unwrap()
                .views
        }
    };
    let views_before = views(&t).await;
    let before = db_bytes(&dir);
    assert!(!before.is_empty());
    let mut statuses = std::collections::BTreeMap::new();
    let mut anon = t.client();
    for i in 0..1000 {
        let r = match i % 5 {
            0 => anon.get(&format!("/tra-cuu?ma={code}")).await,
            1 => {
                anon.json_with(
                    Method::GET,
                    &format!("/api/v1/lookup/{code}"),
                    None,
                    &[(
                        "x-phone-last-digits",
                        if i % 2 == 0 { "5678" } else { "0000" },
                    )],
                    None,
                )
                .await
            }
            2 => anon.get("/dich-vu-cong/1.009999").await,
            3 => {
                anon.json(
                    Method::GET,
                    &format!("/api/v1/lookup/000.01.01.H53-260302-{i:04}"),
                    None,
                    None,
                )
                .await
            }
            _ => anon.get("/dich-vu-cong").await,
        };
        *statuses.entry(r.status).or_insert(0) += 1;
    }
    assert!(
        statuses.contains_key(&429),
        "some were refused: {statuses:?}"
    );
    assert!(statuses.contains_key(&200), "{statuses:?}");
    assert!(
        db_bytes(&dir) == before,
        "the database or its WAL changed: {statuses:?}"
    );
    // The views are counted nonetheless, and written in one batch by maintenance.
    let swept = t.app.maintenance().await.unwrap();
    assert_eq!(swept.views, 1, "one procedure's views written: {swept:?}");
    assert_eq!(views(&t).await, views_before + 200);
}

/// Uploads sent at once cannot together pass the person's storage quota: the quota is checked
/// again, with the person locked, where the file row is written. Finished dossiers do not count.
async fn parallel_uploads_keep_the_quota(e: Engine) {
    let t = setup_with(e, |c| {
        c.dossiers.max_person_mb = 1;
        c.dossiers.max_file_mb = 1;
    })
    .await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let sends = (0..8).map(|i| {
        let mut c = c.clone();
        let (tok, id) = (tok.clone(), id.clone());
        async move {
            c.upload(&tok, &id, "ban-ve", &format!("b{i}.pdf"), pdf(300 * 1024))
                .await
                .status
        }
    });
    let statuses = join_all(sends).await;
    let stored = statuses.iter().filter(|s| **s == 201).count();
    assert!(
        (1..=3).contains(&stored),
        "at most three of 300 KiB fit in 1 MiB: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 413, 422].contains(s)),
        "{statuses:?}"
    );
    let used = motcua_store::dossiers::owner_bytes(t.app.db().conn(), own_id(&t).await)
        .await
        .unwrap();
    assert!(used <= 1024 * 1024, "{used} bytes stored");
    // Withdrawn, the dossier is finished: its files no longer count against the person.
    let full = c.upload(&tok, &id, "don", "don.pdf", pdf(900 * 1024)).await;
    assert_ne!(full.status, 201, "the quota is full");
    let id2 = ready(&mut c, &tok).await;
    submit(&mut c, &tok, &id2, None).await;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id2}/withdraw"),
            Some(&tok),
            Some(json!({"reason": "Nộp nhầm"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let after = motcua_store::dossiers::owner_bytes(t.app.db().conn(), own_id(&t).await)
        .await
        .unwrap();
    assert_eq!(after, used, "the withdrawn dossier's files are not counted");
}

async fn own_id(t: &TestApp) -> uuid::Uuid {
    t.app.find_user(CITIZEN).await.unwrap().id
}

/// A person keeps at most `max_drafts` drafts, and a draft's answers are at most `max_form_kb`;
/// a multipart text field over 4 KiB is refused (R4.4).
async fn drafts_and_fields_are_bounded(e: Engine) {
    let t = setup_with(e, |c| {
        c.dossiers.max_drafts = 2;
        c.dossiers.max_form_kb = 8;
    })
    .await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let big = json!({"ho_ten": "a".repeat(9 * 1024)});
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/dossiers/{id}/form"),
            Some(&tok),
            Some(big.clone()),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Tờ khai quá dài"), "{}", r.body);
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(&tok),
            Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": big})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    draft(&mut c, &tok).await;
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(&tok),
            Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": {}})),
        )
        .await;
    assert_eq!(r.status, 409, "a third draft: {}", r.body);
    assert!(r.body.contains("2 hồ sơ nháp"), "{}", r.body);
    // A 10 MB body is refused before it is read whole; a body nested 10,000 deep is refused
    // without harm; an undeclared method gets 405 with the methods there are.
    let head = announce_body(&t.base, "/api/v1/dossiers", &tok, 10 * 1024 * 1024).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = c
        .json_raw(Method::POST, "/api/v1/dossiers", &tok, deep)
        .await;
    assert!([400, 422].contains(&r.status), "{}: {}", r.status, r.body);
    let r = c
        .json(Method::PATCH, "/api/v1/dossiers", Some(&tok), None)
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST, GET, HEAD"));
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(
        t.client()
            .json(Method::DELETE, "/dang-nhap", None, None)
            .await
            .status,
        405
    );
    // A component id of 5 KiB.
    let r = c
        .upload(&tok, &id, &"x".repeat(5 * 1024), "a.pdf", pdf(100))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Trường component quá dài"), "{}", r.body);
}

/// Announces a JSON body of `len` bytes and sends none of it: what the server answers at once.
async fn announce_body(base: &str, path: &str, tok: &str, len: usize) -> String {
    let addr = base.trim_start_matches("http://").to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap()
}

/// A client that opens a connection and never finishes its request head is disconnected after
/// `header_timeout_secs`; while `max_connections` are held, a new connection waits its turn
/// instead of being served (R4.4).
#[tokio::test]
async fn slow_clients_are_cut_off() {
    let t = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.server.header_timeout_secs = 1;
        c.server.max_connections = 2;
    })
    .await;
    let addr = t.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let (sent, heads_out) = std::sync::mpsc::channel();
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let addr = addr.clone();
            let sent = sent.clone();
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(&addr).unwrap();
                s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
                sent.send(()).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
                Instant::now()
            })
        })
        .collect();
    // Both slow clients are connected and half-way through a head before the third comes (on
    // a loaded machine the threads may start late).
    for _ in 0..2 {
        heads_out.recv().unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = t.client().get("/healthz").await;
    let answered = Instant::now();
    assert_eq!(r.status, 200);
    let cut: Vec<Instant> = slow.into_iter().map(|h| h.join().unwrap()).collect();
    for at in &cut {
        let held = at.duration_since(started);
        assert!(held < Duration::from_secs(10), "held for {held:?}");
    }
    // The third connection waited for a slot: a slow one is cut a header timeout (1 s) after
    // the server accepted it, which is after `started`. (When the slow threads notice their cut
    // is a matter of scheduling on a loaded machine, so their own clocks are not compared.)
    let waited = answered.duration_since(started);
    assert!(
        waited >= Duration::from_secs(1),
        "the third connection was served after {waited:?}, before a slow one was cut off"
    );
}

engine_tests!(
    parallel_uploads_keep_the_quota,
    drafts_and_fields_are_bounded,
);
