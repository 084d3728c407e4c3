//! A database outage answers 503, and everything works again once the database is back.
use std::process::Command;
use std::time::Duration;

use motcua_testkit::{Client, Engine, TestApp};
use reqwest::Method;

use crate::accounts::citizen;
use crate::{ID, PW};

/// A PostgreSQL cluster of the test's own, on a free port, that the test can stop and start
/// (stopping it disturbs no other test).
pub(crate) struct Cluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl Cluster {
    pub(crate) fn new() -> Cluster {
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

    pub(crate) fn start(&self) {
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

    pub(crate) fn stop(&self) {
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

    pub(crate) fn url(&self) -> String {
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
/// everything works again without a restart, the session included.
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
