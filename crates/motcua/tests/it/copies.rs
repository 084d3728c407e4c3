//! Several server copies (R3.5, R4.2): three `motcua serve` processes on loopback behind nginx,
//! sharing one PostgreSQL database and an S3-compatible store (moto's server). They start
//! together on an empty database (the migrations race); sessions, CSRF tokens, idempotency keys
//! and the notice outbox work whichever copy answers; each copy allows its share of the
//! in-memory limits. One copy is killed (SIGKILL) under load: nothing acknowledged is lost, and
//! a client retrying its submission with the same idempotency key succeeds on another copy.
//!
//! Needs PostgreSQL, `moto_server` and `nginx`: skipped with a message when one is missing,
//! except under CI, where that fails.
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use motcua_store::testing::TestDb;
use motcua_testkit::procs::{self, Proc};
use motcua_testkit::{Client, Engine};
use reqwest::Method;
use serde_json::json;

use crate::crash::{
    Acked, Shared, body, demo_pw_static, lost, new_draft, read_back, start_with, submit,
};

/// Whether `program` can run here; under CI a missing one fails the test.
fn available(program: &str, install: &str) -> bool {
    let ok = Command::new(program)
        .arg(if program == "nginx" { "-v" } else { "--help" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("CI must run the several-copies test: install {install}");
        }
        eprintln!("skipped: {program} not installed ({install})");
    }
    ok
}

/// The settings every copy shares (the same database, store and keys), as environment.
struct Shared3 {
    env: Vec<(String, String)>,
}

impl Shared3 {
    fn args(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Runs a command of the binary with these settings in `dir`.
    fn run(&self, db: &str, dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .env("MOTCUA_DATABASE_URL", db)
            .env("MOTCUA_DATA_DIR", dir)
            .env("MOTCUA_LOG", "warn")
            .envs(self.env.iter().cloned())
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }
}

/// A citizen submitting in a loop through the balancer. A step lost with a killed copy (no
/// answer, or nginx's 502) moves on to a new dossier, except the submission: that is sent
/// again with the same idempotency key until a copy answers, and must then succeed.
async fn citizen(
    base: String,
    login: &'static str,
    worker: usize,
    sh: Arc<Shared>,
    retried: Arc<AtomicUsize>,
) {
    let mut c = Client::new(&base).lenient();
    let tok = loop {
        let r = c
            .json(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"login": login, "password": demo_pw_static(login)})),
            )
            .await;
        if r.status == 200 {
            break r.json()["token"].as_str().unwrap().to_string();
        }
        if !sh.ok("log-in", &r, &[200]) {
            return;
        }
    };
    for i in 0.. {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let tag = format!("c{worker}-{i}-{}", uuid::Uuid::new_v4());
        let r = new_draft(&mut c, &tok).await;
        if lost(r.status) {
            continue;
        }
        if !sh.ok("new draft", &r, &[201]) {
            return;
        }
        let id = r.json()["id"].as_str().unwrap().to_string();
        let mut shas = Vec::new();
        for (comp, size) in [("don", 120_000), ("ban-ve", 60_000)] {
            let r = c
                .upload(
                    &tok,
                    &id,
                    comp,
                    &format!("{comp}.pdf"),
                    body(&format!("{tag}-{comp}"), size),
                )
                .await;
            if lost(r.status) {
                break;
            }
            if !sh.ok("upload", &r, &[201]) {
                return;
            }
            shas.push(r.json()["sha256"].as_str().unwrap().to_string());
        }
        if shas.len() < 2 {
            continue;
        }
        let mut tries = 0;
        let r = loop {
            let r = submit(&mut c, &tok, &id, &tag).await;
            // 409: the first attempt is still being processed by a copy that lives.
            if (lost(r.status) || r.status == 409) && tries < 50 {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            break r;
        };
        if tries > 0 {
            retried.fetch_add(1, Ordering::SeqCst);
        }
        if !sh.ok("submit", &r, &[200]) {
            return;
        }
        let code = r.json()["code"].as_str().unwrap().to_string();
        sh.acked.lock().unwrap().push(Acked { code, shas });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_copies_behind_nginx_on_postgres_and_s3() {
    if !motcua_testkit::postgres_enabled()
        || !available("moto_server", "pip install 'moto[server]'")
        || !available("nginx", "apt-get install nginx-light")
    {
        return;
    }
    let db = TestDb::new(Engine::Postgres).await;
    let tmp = tempfile::tempdir().unwrap();
    let (_moto, endpoint) = procs::moto("motcua");
    let key_file = tmp.path().join("audit-key.pem");
    let ok = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key_file)
        .status()
        .unwrap();
    assert!(ok.success(), "the audit key");
    let mut smtp = motcua_testkit::smtp::SmtpSink::start().await;
    let mut env = procs::s3_env(&endpoint, "motcua");
    env.extend(
        [
            ("MOTCUA_SERVER__COPIES", "3".to_string()),
            ("MOTCUA_SECRET_KEY", "5a".repeat(32)),
            (
                "MOTCUA_PRIVACY__KEYS",
                motcua_store::testing::TEST_KEYS.into(),
            ),
            ("MOTCUA_AUDIT__KEY_FILE", key_file.display().to_string()),
            ("MOTCUA_TRUSTED_PROXIES", "[\"127.0.0.1\"]".into()),
            ("MOTCUA_THROTTLE__LOOKUPS", "6".into()),
            ("MOTCUA_SMTP_URL", smtp.url()),
            ("MOTCUA_DOSSIERS__MAX_PERSON_MB", "1000000".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v)),
    );
    let shared = Shared3 { env };
    // check-config: the copies' settings pass; the local folder for attachments does not.
    let d0 = tmp.path().join("copy0");
    std::fs::create_dir_all(&d0).unwrap();
    let (ok, out, err) = shared.run(&db.url, &d0, &["check-config"]);
    assert!(ok && out.contains("3 server copies"), "{out} {err}");
    let local = Shared3 {
        env: shared
            .env
            .iter()
            .filter(|(k, _)| k != "MOTCUA_BLOB_URL")
            .cloned()
            .collect(),
    };
    let (ok, _, err) = local.run(&db.url, &d0, &["check-config"]);
    assert!(!ok && err.contains("not the local folder"), "{err}");

    // The three copies start at once on the empty database.
    let dirs: Vec<_> = (1..=3)
        .map(|i| tmp.path().join(format!("copy{i}")))
        .collect();
    let starts: Vec<_> = dirs
        .iter()
        .map(|d| {
            std::fs::create_dir_all(d).unwrap();
            let (url, d, env) = (db.url.clone(), d.clone(), shared.env.clone());
            std::thread::spawn(move || {
                let env: Vec<(&str, &str)> =
                    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                start_with(&url, &d, false, &env)
            })
        })
        .collect();
    let mut copies: Vec<(Option<Proc>, String)> = starts
        .into_iter()
        .map(|s| {
            let (child, base) = s.join().unwrap();
            (Some(Proc(child)), base)
        })
        .collect();
    let (ok, _, err) = shared.run(&db.url, &d0, &["demo"]);
    assert!(ok, "{err}");
    crate::crash::prepare_with(&db.url, &d0, &shared.args());
    let ngx_dir = tmp.path().join("nginx");
    std::fs::create_dir_all(&ngx_dir).unwrap();
    let bases: Vec<String> = copies.iter().map(|(_, b)| b.clone()).collect();
    let (_nginx, base) = procs::nginx(&ngx_dir, &bases);

    // A page session and its CSRF token work whichever copy answers (round robin).
    let mut page = Client::new(&base);
    page.login(
        crate::dossiers::CITIZEN,
        &demo_pw_static(crate::dossiers::CITIZEN),
    )
    .await;
    for _ in 0..3 {
        let r = page.get("/tai-khoan").await;
        assert_eq!(r.status, 200, "the session is known to every copy");
    }
    // Each copy allows its share of the look-up limit (6 in all: 2 a copy): the seventh
    // look-up in the window is refused.
    let mut anon = Client::new(&base).lenient();
    for i in 0..7 {
        let r = anon
            .json(
                Method::GET,
                "/api/v1/lookup/000.00.00.H53-260302-9999",
                None,
                None,
            )
            .await;
        let want = if i < 6 { 404 } else { 429 };
        assert_eq!(r.status, want, "look-up {}", i + 1);
    }

    // Load: four citizens and the desk through nginx; one copy killed after a while.
    let sh = Arc::new(Shared {
        lost_ok: true,
        resilient: true,
        ..Default::default()
    });
    let retried = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![tokio::spawn(crate::crash::desk_loop(
        base.clone(),
        sh.clone(),
    ))];
    for w in 0..4 {
        let login = [crate::dossiers::CITIZEN, crate::dossiers::OTHER][w % 2];
        tasks.push(tokio::spawn(citizen(
            base.clone(),
            login,
            w,
            sh.clone(),
            retried.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let before_kill = sh.acked.lock().unwrap().len();
    drop(copies[1].0.take()); // SIGKILL
    tokio::time::sleep(Duration::from_millis(3000)).await;
    sh.stop.store(true, Ordering::SeqCst);
    crate::crash::join(tasks).await;
    let odd = sh.unexpected.lock().unwrap().clone();
    assert!(
        odd.is_empty(),
        "answers other than success or a lost copy: {odd:?}"
    );
    let acked = sh.acked.lock().unwrap().clone();
    let after_kill = acked.len() - before_kill;
    assert!(
        before_kill > 0 && after_kill > 0,
        "{before_kill} then {after_kill}"
    );

    // Everything acknowledged is there, whole, with its files in S3, read through the copies
    // that live.
    let mut owners: Vec<(Client, String)> = Vec::new();
    for login in [crate::dossiers::CITIZEN, crate::dossiers::OTHER] {
        let mut c = Client::new(&base);
        let t = c.token(login, &demo_pw_static(login)).await;
        owners.push((c, t));
    }
    let mut files = 0;
    let mut seen = HashSet::new();
    for a in &acked {
        assert!(seen.insert(a.code.clone()), "{} acknowledged twice", a.code);
        let mut found = false;
        for (c, t) in owners.iter_mut() {
            if let Some(n) = read_back(c, t, a).await {
                found = true;
                files += n;
            }
        }
        assert!(found, "acknowledged dossier {} lost", a.code);
    }
    // An idempotency key is known to every copy: a submission sent to the first copy and sent
    // again to the third is answered with the same dossier, made once.
    let (c, t) = &mut owners[0];
    let r = new_draft(c, t).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    for comp in ["don", "ban-ve"] {
        let r = c
            .upload(
                t,
                &id,
                comp,
                &format!("{comp}.pdf"),
                body(&format!("lai-{comp}"), 20_000),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mut answers = vec![];
    for copy in [&copies[0].1, &copies[2].1] {
        let mut direct = Client::new(copy);
        let r = submit(&mut direct, t, &id, "gui-lai-o-ban-sao-khac").await;
        assert_eq!(r.status, 200, "{}", r.body);
        answers.push(r.json()["code"].as_str().unwrap().to_string());
    }
    assert_eq!(
        answers[0], answers[1],
        "the same submission, answered by two copies"
    );
    // `motcua check`: every stored file against its hash, the dossier invariants.
    let (ok, out, err) = shared.run(&db.url, &d0, &["check"]);
    assert!(ok, "{out} {err}");
    // Each notice e-mail went once, whichever copy's worker sent it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = smtp.received();
    let mut distinct = HashSet::new();
    for m in &mails {
        assert!(
            distinct.insert((m.to.clone(), m.subject.clone(), m.body.clone())),
            "sent twice: {} to {:?}",
            m.subject,
            m.to
        );
    }
    smtp.pause();
    let accepted = sh.accepted.lock().unwrap().len();
    eprintln!(
        "three copies: {} submissions acknowledged ({before_kill} before the kill, {after_kill} after), {} resent with their key, {accepted} desk steps, {files} files read back from S3, {} e-mails each sent once",
        acked.len(),
        retried.load(Ordering::SeqCst),
        mails.len()
    );
    for (p, _) in copies.iter_mut() {
        if let Some(Proc(child)) = p.as_mut() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let exit = child.wait().unwrap();
            assert!(exit.success(), "a live copy stops cleanly");
        }
    }
}
