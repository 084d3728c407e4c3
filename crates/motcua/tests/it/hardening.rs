//! Hardening (R12.3; security.md rows 3–5, 17, 21, 23–24, 31–32, 57, 60): password hashing
//! cannot be turned into a flood, anonymous reads write nothing, inputs are bounded, slow clients
//! are cut off, development stays on the loopback, and a database outage answers 503.
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, pdf};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::accounts::citizen;
use crate::cli::motcua;
use crate::dossiers::{CITIZEN, draft, ready, setup_with, submit, token};
use crate::{ID, PW};

/// The server binary, started on loopback with demo data; its log lines are kept.
struct Server {
    child: Child,
    base: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(db: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua"));
        cmd.args(["serve"])
            .env("MOTCUA_DATABASE_URL", db)
            .env("MOTCUA_DATA_DIR", dir)
            .env("MOTCUA_LISTEN", "127.0.0.1:0")
            .env("MOTCUA_ADMIN_LISTEN", "127.0.0.1:0")
            .env("MOTCUA_LOG", "info,sqlx=warn,sea_orm=warn")
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let banner = loop {
            let l = lines.next().expect("server output").unwrap();
            if l.starts_with("motcua: http://") {
                break l;
            }
        };
        let logs = Arc::new(Mutex::new(vec![]));
        let kept = logs.clone();
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(l);
            }
        });
        let base = banner.split_whitespace().nth(1).unwrap().to_string();
        Server { child, base, logs }
    }

    /// The most memory the server process has held (kB), from the kernel.
    fn high_water_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    fn log_lines(&self, needle: &str) -> usize {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo citizen's password, from `motcua demo`.
fn demo_citizen(db: &str, dir: &std::path::Path) -> (String, String) {
    let (ok, out, err) = motcua(db, dir, &["demo"]);
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("citizen\t")).unwrap();
    let f: Vec<&str> = line.split('\t').collect();
    (f[1].to_string(), f[2].to_string())
}

/// 300 log-ins with unknown names at once: at most two hashes run at a time (the rest are told
/// to come back), memory stays under 300 MB and the server keeps answering. A 10 MB multipart
/// name is refused as it passes 4 KiB, without the server holding it. A forwarded request from
/// a proxy not in `trusted_proxies` is reported once.
async fn flood_of_logins(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let (login, password) = demo_citizen(&db.url, dir.path());
    let s = Server::start(
        &db.url,
        dir.path(),
        &[("MOTCUA_THROTTLE__IP_FAILURES", "100000")],
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let base = s.base.clone();

    // The name field, 10 MB: refused, and the server's high-water mark barely moves.
    let tok = Client::new(&base).token(&login, &password).await;
    let r = http
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(&tok)
        .json(&json!({"procedure": "1.001193", "agency": "000.01.01.H53", "form": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = s.high_water_kb();
    let form = reqwest::multipart::Form::new()
        .text("component", "to-khai")
        .text("name", "a".repeat(10 * 1024 * 1024))
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf(100)).file_name("a.pdf"),
        );
    let r = http
        .post(format!("{base}/api/v1/dossiers/{id}/attachments"))
        .bearer_auth(&tok)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Trường name quá dài"), "{body}");
    let grown = s.high_water_kb().saturating_sub(before);
    assert!(grown < 5 * 1024, "the name was held: +{grown} kB");

    // The flood, with /healthz asked all along.
    let flood = (0..300).map(|i| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let r = http
                .post(format!("{base}/api/v1/auth/token"))
                .json(&json!({"login": format!("khongco{i}"), "password": "sai mật khẩu rồi"}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.headers().contains_key("retry-after"))
        }
    });
    let health = async {
        let mut answered = 0;
        for _ in 0..10 {
            let r = http.get(format!("{base}/healthz")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            answered += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        answered
    };
    let (answers, healthy) = tokio::join!(join_all(flood), health);
    assert_eq!(healthy, 10, "/healthz answered during the flood");
    let refused = answers.iter().filter(|a| a.0 == 401).count();
    let busy = answers.iter().filter(|a| a.0 == 503).count();
    assert_eq!(refused + busy, 300, "{answers:?}");
    assert!(busy > 0, "the hashing bound answered 503");
    assert!(
        answers.iter().filter(|a| a.0 == 503).all(|a| a.1),
        "503 with Retry-After"
    );
    let hwm = s.high_water_kb();
    assert!(hwm < 300 * 1024, "memory high-water mark {hwm} kB");
    eprintln!("flood: {refused} refused, {busy} told to come back; VmHWM {hwm} kB");

    // A forwarded request from an untrusted proxy, twice: one warning.
    for _ in 0..2 {
        http.get(format!("{base}/"))
            .header("x-forwarded-for", "203.0.113.7")
            .send()
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.log_lines("untrusted_proxy"), 1);
}

/// Registration is throttled per address and per identity number (R12.3).
async fn registration_is_throttled(e: Engine) {
    let t = TestApp::spawn_with(e, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.throttle.registrations = 3;
    })
    .await;
    let register = |ip: &str, id: &str, email: &str| {
        let mut c = t.client();
        c.extra.push(("x-forwarded-for".into(), ip.into()));
        let (id, email) = (id.to_string(), email.to_string());
        async move {
            c.post_form(
                "/dang-ky",
                &[
                    ("kind", "citizen"),
                    ("full_name", "Nguyễn Văn An"),
                    ("id_number", &id),
                    ("email", &email),
                    ("phone", "0905123456"),
                    ("password", PW),
                    ("password_again", PW),
                ],
            )
            .await
        }
    };
    for i in 0..3 {
        let r = register(
            "203.0.113.7",
            &format!("05109988770{i}"),
            &format!("a{i}@vidu.vn"),
        )
        .await;
        assert_ne!(r.status, 429, "registration {i}: {}", r.body);
    }
    let r = register("203.0.113.7", "051099887709", "a9@vidu.vn").await;
    assert_eq!(r.status, 429, "a fourth from the address within the hour");
    assert!(r.header("retry-after").is_some());
    // One identity number, tried from three addresses, then a fourth: refused.
    for i in 0..3 {
        let r = register(&format!("198.51.100.{i}"), ID, &format!("b{i}@vidu.vn")).await;
        assert_ne!(r.status, 429);
    }
    let r = register("198.51.100.9", ID, "b9@vidu.vn").await;
    assert_eq!(
        r.status, 429,
        "the same identity number a fourth time in a day"
    );
    // Another address and person still register.
    let r = register("192.0.2.1", "051099887788", "c@vidu.vn").await;
    assert!(r.body.contains("Kiểm tra hộp thư"), "{}", r.body);
}

/// After log-in only a path of this site is followed: `/%09/evil.example` (a TAB, which
/// browsers drop) goes home (security.md row 23).
async fn no_open_redirect(e: Engine) {
    let t = TestApp::spawn(e).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let mut c = t.client();
    let page = c.get("/dang-nhap?tiep=%2F%09%2Fevil.example").await;
    assert!(
        !page.body.contains("evil.example"),
        "the form does not carry it"
    );
    for next in ["/\t/evil.example", "//evil.example", "/\\evil.example"] {
        let mut c = t.client();
        let r = c
            .post_form(
                "/dang-nhap",
                &[("login", ID), ("password", PW), ("next", next)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location(), "/", "{next:?}");
    }
    let mut c = t.client();
    let r = c
        .post_form(
            "/dang-nhap",
            &[("login", ID), ("password", PW), ("next", "/ho-so?x=1")],
        )
        .await;
    assert_eq!(r.location(), "/ho-so?x=1");
}

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
            .env("MOTCUA_SMTP_URL", "smtp://127.0.0.1:1")
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
        .db
        .conn()
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let dir = t.app.config.data_dir.clone();
    let views = |t: &TestApp| {
        let app = t.app.clone();
        async move {
            motcua_store::catalogue::find_procedure(app.db.conn(), "1.009999")
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
    let used = motcua_store::dossiers::owner_bytes(t.app.db.conn(), own_id(&t).await)
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
    let after = motcua_store::dossiers::owner_bytes(t.app.db.conn(), own_id(&t).await)
        .await
        .unwrap();
    assert_eq!(after, used, "the withdrawn dossier's files are not counted");
}

async fn own_id(t: &TestApp) -> uuid::Uuid {
    t.app.find_user(CITIZEN).await.unwrap().id
}

/// A person keeps at most `max_drafts` drafts, and a draft's answers are at most `max_form_kb`;
/// a multipart text field over 4 KiB is refused (R12.3).
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
/// instead of being served (R12.3).
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
    assert!(
        cut.iter().any(|c| *c <= answered),
        "the third connection was served only once a slow one was cut off"
    );
}

engine_tests!(
    flood_of_logins,
    registration_is_throttled,
    no_open_redirect,
    parallel_uploads_keep_the_quota,
    drafts_and_fields_are_bounded
);

/// A PostgreSQL cluster of the test's own, on a free port, that the test can stop and start.
struct Cluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl Cluster {
    fn new() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs in /usr/lib/postgresql (.ci/run installs them)")
            .map(|e| e.unwrap().path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster { dir, bin, port };
        if c.as_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(c.dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
        let data = c.dir.path().join("data");
        c.pg_ctl(&[
            "initdb",
            "-s",
            "-D",
            data.to_str().unwrap(),
            "-o",
            "-A trust -U postgres",
        ]);
        c.start();
        c
    }

    fn as_root(&self) -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
    }

    /// `pg_ctl`, as the postgres user when the tests run as root (PostgreSQL refuses root).
    fn pg_ctl_cmd(&self) -> Command {
        let pg_ctl = self.bin.join("pg_ctl");
        if self.as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        }
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = self.pg_ctl_cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let data = self.dir.path().join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        self.pg_ctl(&[
            "start",
            "-w",
            "-s",
            "-D",
            data.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
            "-o",
            &opts,
        ]);
    }

    fn stop(&self) {
        let data = self.dir.path().join("data");
        self.pg_ctl(&[
            "stop",
            "-w",
            "-s",
            "-m",
            "fast",
            "-D",
            data.to_str().unwrap(),
        ]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self
            .pg_ctl_cmd()
            .args([
                "stop",
                "-s",
                "-m",
                "immediate",
                "-D",
                data.to_str().unwrap(),
            ])
            .output();
    }
}

/// Pages anyone and a signed-in person see, the API, and readiness.
async fn probe(
    person: &mut Client,
    anon: &mut Client,
    tok: &str,
) -> (
    Vec<motcua_testkit::Resp>,
    motcua_testkit::Resp,
    motcua_testkit::Resp,
) {
    let pages = vec![
        anon.get("/dich-vu-cong").await,
        anon.get("/dich-vu-cong/1.001193").await,
        anon.get("/tra-cuu?ma=000.01.01.H53-260302-0001").await,
        person.get("/tai-khoan").await,
        person.get("/ho-so").await,
    ];
    let api = person
        .json(Method::GET, "/api/v1/dossiers", Some(tok), None)
        .await;
    (pages, api, anon.get("/readyz").await)
}

/// With the database stopped under a running server, pages answer 503 with Retry-After (never a
/// 404, a 409 or a log-in page), the API a 503 problem document, `/readyz` 503; once it is back,
/// everything works again without a restart, the session included (security.md rows 17, 57).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_503() {
    if !motcua_testkit::postgres_enabled() {
        return;
    }
    let pg = Cluster::new();
    let url = pg.url();
    let t = TestApp::spawn_with(Engine::Postgres, |c| {
        c.database_url = Some(url);
        c.worker = false;
    })
    .await;
    t.demo().await;
    let mut person = citizen(&t, ID, "ha@vidu.vn").await;
    let tok = t.client().token(ID, PW).await;
    let mut anon = t.client();
    let (pages, api, ready) = probe(&mut person, &mut anon, &tok).await;
    assert!(pages.iter().all(|p| p.status == 200 || p.status == 404));
    assert_eq!((api.status, ready.status), (200, 200));

    pg.stop();
    let (pages, api, ready) = probe(&mut person, &mut anon, &tok).await;
    for p in &pages {
        assert_eq!(p.status, 503, "{}", p.body);
        assert!(p.header("retry-after").is_some());
        assert!(p.body.contains("tạm thời"), "{}", p.body);
    }
    assert_eq!(api.status, 503, "{}", api.body);
    assert_eq!(api.header("content-type"), Some("application/problem+json"));
    assert!(api.header("retry-after").is_some());
    assert_eq!(ready.status, 503);
    // A log-in attempt changes nothing and says the same.
    let r = anon
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 503);

    pg.start();
    let mut ready = 0;
    for _ in 0..50 {
        ready = anon.get("/readyz").await.status;
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ready, 200, "ready again without a restart");
    let (pages, api, _) = probe(&mut person, &mut anon, &tok).await;
    assert!(pages.iter().all(|p| p.status == 200 || p.status == 404));
    assert_eq!(pages[3].status, 200, "the session survived");
    assert_eq!(api.status, 200);
    // Writes work too.
    let r = person.post_form("/tai-khoan/dang-xuat-noi-khac", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    drop(t);
}
