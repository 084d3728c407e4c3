//! Log-in and registration under load (R4.2): hashing cannot be turned into a flood, registrations
//! are throttled, and a log-in redirects only within the site.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, pdf};
use serde_json::json;

use crate::accounts::citizen;
use crate::cli::motcua;
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
            .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
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
        // A wait of 200 ms: 300 log-ins on two hashing threads overflow it on any machine
        // (with the default two seconds, a fast machine hashed them all in time).
        &[
            ("MOTCUA_THROTTLE__IP_FAILURES", "100000"),
            ("MOTCUA_SERVER__HASH_WAIT_MS", "200"),
        ],
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

/// Registration is throttled per address and per identity number (R4.2).
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
/// browsers drop) goes home.
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

engine_tests!(flood_of_logins, registration_is_throttled, no_open_redirect,);
