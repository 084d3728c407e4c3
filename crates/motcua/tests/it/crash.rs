//! Crash harness (R3.5, R4.2, R4.3): the real binary is killed with
//! SIGKILL at a random moment while clients upload and submit dossiers and a reception officer
//! accepts them; after a restart every acknowledged submission and acceptance is present and
//! complete, nothing is half-applied (`App::check`'s invariants: each state change has its event,
//! accepted dossiers their appointment and notice), every file row points to a blob whose content
//! matches its hash, no temporary file survives, and SQLite's integrity check passes.
//! `MOTCUA_TEST_CRASH_ROUNDS` sets the number of rounds (default 3; CI runs 20). Also: SIGTERM
//! under load completes the requests already accepted.
use std::collections::HashMap;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, Resp, engine_tests};
use reqwest::Method;
use serde_json::json;

use crate::security::demo_pw;

fn start(db: &str, dir: &std::path::Path, demo: bool) -> (Child, String) {
    start_with(db, dir, demo, &[])
}

pub(crate) fn start_with(
    db: &str,
    dir: &std::path::Path,
    demo: bool,
    env: &[(&str, &str)],
) -> (Child, String) {
    // Hundreds of rounds store more than one person's default quota, and each kill may leave a
    // draft behind.
    let mut all = vec![
        ("MOTCUA_DOSSIERS__MAX_PERSON_MB", "1000000"),
        ("MOTCUA_DOSSIERS__MAX_DRAFTS", "100000"),
    ];
    all.extend_from_slice(env);
    motcua_testkit::procs::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_motcua")),
        db,
        dir,
        demo,
        &all,
    )
}

/// A unique valid PDF of `n` bytes.
pub(crate) fn body(tag: &str, n: usize) -> Vec<u8> {
    motcua_testkit::pdf_tagged(tag, n)
}

/// The reception officer of Cẩm Thành the harness creates (beside the demo's).
pub(crate) const DESK: &str = "tiepnhan2.camthanh";
pub(crate) const DESK_PW: &str = "mật khẩu CANARYPW của bộ phận một cửa";

/// What the clients of one test share: what the server acknowledged, what went wrong, and
/// whether to start more requests.
#[derive(Default)]
pub(crate) struct Shared {
    /// Each acknowledged submission.
    pub(crate) acked: Mutex<Vec<Acked>>,
    /// Each dossier the desk moved, with the stage its acknowledged step left it in.
    pub(crate) accepted: Mutex<HashMap<String, String>>,
    /// Answers that are neither success nor an allowed loss, with the step.
    pub(crate) unexpected: Mutex<Vec<String>>,
    /// Set: the loops start no new request.
    pub(crate) stop: AtomicBool,
    /// Whether a request may go unanswered (the server is killed), or never (SIGTERM).
    pub(crate) lost_ok: bool,
    /// Whether the desk goes on after a lost request (another server copy will answer).
    pub(crate) resilient: bool,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether `r` is one of `ok`; anything else is recorded, except a transport error where
    /// requests may be lost.
    pub(crate) fn ok(&self, step: &str, r: &Resp, ok: &[u16]) -> bool {
        if ok.contains(&r.status) {
            return true;
        }
        if !(lost(r.status) && self.lost_ok) {
            let body: String = r.body.chars().take(300).collect();
            let line = format!("{step}: {} {body}", r.status);
            self.unexpected.lock().unwrap().push(line);
        }
        false
    }
}

/// A request that went unanswered: no answer, or a load balancer's 502 for a copy that died.
pub(crate) fn lost(status: u16) -> bool {
    status == 0 || status == 502
}

/// A reception officer: takes the desk's worklist, accepts new dossiers and hands accepted ones
/// over to the department; records the stage each acknowledged step left the dossier in, and
/// any other answer (a failed log-in, an error) as unexpected.
pub(crate) async fn desk_loop(base: String, sh: Arc<Shared>) {
    let mut c = Client::new(&base).lenient();
    let r = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": DESK, "password": DESK_PW})),
        )
        .await;
    if !sh.ok("desk log-in", &r, &[200]) {
        return;
    }
    let tok = r.json()["token"].as_str().unwrap().to_string();
    while !sh.stopping() {
        let r = c
            .json(
                Method::GET,
                "/api/v1/worklist?role=reception&limit=5",
                Some(&tok),
                None,
            )
            .await;
        if !sh.ok("worklist", &r, &[200]) {
            if sh.resilient && lost(r.status) {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            return;
        }
        let items = r.json()["items"].as_array().cloned().unwrap_or_default();
        for i in &items {
            if sh.stopping() {
                return;
            }
            let code = i["code"].as_str().unwrap().to_string();
            let action = if i["stage"] == "submitted" {
                "accept"
            } else {
                "forward"
            };
            let r = c
                .json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{code}/actions"),
                    Some(&tok),
                    Some(json!({"action": action})),
                )
                .await;
            // 409: the dossier moved on meanwhile (accepted, so now to be handed over).
            if !sh.ok(action, &r, &[200, 409]) {
                if sh.resilient && lost(r.status) {
                    continue;
                }
                return;
            }
            if r.status == 200 {
                let stage = r.json()["stage"].as_str().unwrap().to_string();
                sh.accepted.lock().unwrap().insert(code, stage);
            }
        }
        if items.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Imports the fixture catalogue and creates the desk officer (first start only).
pub(crate) fn prepare(db: &str, d: &std::path::Path) {
    prepare_with(
        db,
        d,
        &[("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)],
    );
}

/// [`prepare`] with these settings (those of several server copies).
pub(crate) fn prepare_with(db: &str, d: &std::path::Path, env: &[(&str, &str)]) {
    std::fs::write(
        d.join("catalogue.json"),
        serde_json::to_string(&crate::catalogue::fixture()).unwrap(),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .env("MOTCUA_DATABASE_URL", db)
            .env("MOTCUA_DATA_DIR", d)
            .env("MOTCUA_LOG", "warn")
            .env("CRASH_DESK_PW", DESK_PW)
            .envs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "catalogue",
        "import",
        d.join("catalogue.json").to_str().unwrap(),
        "--effective-from",
        "2026-01-01",
    ]);
    run(&[
        "user",
        "create",
        "--login",
        DESK,
        "--name",
        "Lê Thị Hoa",
        "--agency",
        "000.01.01.H53",
        "--password-env",
        "CRASH_DESK_PW",
    ]);
    run(&["user", "grant", DESK, "reception", "000.01.01.H53"]);
}

/// Restarts the server and checks everything acknowledged so far (see the module); answers the
/// restarted server to stop.
async fn verify_after_restart(
    e: Engine,
    db_url: &str,
    d: &std::path::Path,
    sh: &Shared,
    verified: &mut std::collections::HashSet<String>,
    what: &str,
) -> Child {
    let (child, base) = start(db_url, d, false);
    // The restarted server answers and lets everyone log in.
    let mut c = Client::new(&base);
    for login in [crate::dossiers::CITIZEN, crate::dossiers::OTHER] {
        c.token(login, &demo_pw_static(login)).await;
    }
    c.token(DESK, DESK_PW).await;
    // Each acknowledged step, read from the database (linear in what was acknowledged, so
    // that hundreds of rounds stay quick).
    let store = motcua_store::Db::connect(db_url).await.unwrap();
    let conn = store.conn();
    let accepted_now: HashMap<String, String> = sh.accepted.lock().unwrap().clone();
    let list: Vec<Acked> = sh.acked.lock().unwrap().clone();
    for a in &list {
        let dv = motcua_store::dossiers::find_by_code(conn, &a.code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{what}: acknowledged dossier {} lost", a.code));
        let stage = dv.stage.as_str();
        // An unacknowledged step may or may not have landed, but whole or not at all (the
        // invariants below); an acknowledged one is there.
        match accepted_now.get(&a.code) {
            Some(done) => assert!(
                stage == done || (done == "accepted" && stage == "awaiting_assignment"),
                "{what}: {} is {stage} after {done}",
                a.code
            ),
            None => assert!(
                ["submitted", "accepted", "awaiting_assignment"].contains(&stage),
                "{what}: {} is {stage}",
                a.code
            ),
        }
        let mut shas: Vec<String> = motcua_store::dossiers::files(conn, dv.id)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.sha256)
            .collect();
        shas.sort();
        let mut want = a.shas.clone();
        want.sort();
        assert_eq!(shas, want, "{what}: {} files intact", a.code);
        if accepted_now.contains_key(&a.code) {
            assert!(
                dv.appointment_at.is_some(),
                "{what}: {} appointment",
                a.code
            );
            let events = motcua_store::dossiers::events(conn, dv.id).await.unwrap();
            let accepts = events
                .iter()
                .filter(|e| e.act == motcua_domain::lifecycle::Act::Accept)
                .count();
            assert_eq!(accepts, 1, "{what}: {} accepted once", a.code);
        }
    }
    // No row points to a missing file; files not read back before are read and hashed now.
    let blobs = motcua_blobs_check::open(&d.join("blobs"));
    for sha in motcua_store::dossiers::referenced_blobs(conn)
        .await
        .unwrap()
    {
        if verified.contains(&sha) {
            assert!(blobs.exists(&sha).await, "{what}: blob {sha} vanished");
            continue;
        }
        blobs.read_verified(&sha).await.unwrap_or_else(|e| {
            panic!("{what}: row points to a missing or corrupt blob {sha}: {e}")
        });
        verified.insert(sha);
    }
    assert_eq!(blobs.temp_files(), 0, "temporary files are swept at start");
    if e == Engine::Sqlite {
        let ok = sea_check(&store).await;
        assert_eq!(ok, "ok", "PRAGMA integrity_check");
    }
    let problems = motcua_store::dossiers::consistency_problems(conn)
        .await
        .unwrap();
    assert!(problems.is_empty(), "{what}: {problems:?}");
    store.close().await.unwrap();
    child
}

#[derive(Debug, Clone)]
pub(crate) struct Acked {
    pub(crate) code: String,
    pub(crate) shas: Vec<String>,
}

/// A citizen creating, filling and submitting dossiers in a loop; records each submission the
/// server acknowledged, and any other answer as unexpected (see [`Shared::ok`]).
async fn client_loop(base: String, login: String, pw: String, worker: usize, sh: Arc<Shared>) {
    let mut c = Client::new(&base).lenient();
    let r = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": login, "password": pw})),
        )
        .await;
    if !sh.ok("log-in", &r, &[200]) {
        return;
    }
    let tok = r.json()["token"].as_str().unwrap().to_string();
    for i in 0.. {
        if sh.stopping() {
            return;
        }
        let tag = format!("{worker}-{i}-{}", uuid::Uuid::new_v4());
        let r = new_draft(&mut c, &tok).await;
        if !sh.ok("new draft", &r, &[201]) {
            return;
        }
        let id = r.json()["id"].as_str().unwrap().to_string();
        let mut shas = Vec::new();
        for (comp, size) in [("don", 150_000), ("ban-ve", 90_000)] {
            if sh.stopping() {
                return;
            }
            let b = body(&format!("{tag}-{comp}"), size);
            let r = c.upload(&tok, &id, comp, &format!("{comp}.pdf"), b).await;
            if !sh.ok("upload", &r, &[201]) {
                return;
            }
            shas.push(r.json()["sha256"].as_str().unwrap().to_string());
        }
        if sh.stopping() {
            return;
        }
        let r = submit(&mut c, &tok, &id, &tag).await;
        if !sh.ok("submit", &r, &[200]) {
            return;
        }
        let code = r.json()["code"].as_str().unwrap().to_string();
        sh.acked.lock().unwrap().push(Acked { code, shas });
    }
}

/// Submits a draft with the declaration, under an idempotency key.
pub(crate) async fn submit(c: &mut Client, tok: &str, id: &str, key: &str) -> Resp {
    c.json_with(
        Method::POST,
        &format!("/api/v1/dossiers/{id}/submit"),
        Some(tok),
        &[("idempotency-key", key)],
        Some(json!({"declaration_accepted": true})),
    )
    .await
}

/// A new draft of the fixture procedure at Cẩm Thành.
pub(crate) async fn new_draft(c: &mut Client, tok: &str) -> Resp {
    let form = crate::dossiers::answers();
    c.json(
        Method::POST,
        "/api/v1/dossiers",
        Some(tok),
        Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": form})),
    )
    .await
}

/// Reads an acknowledged dossier back through the API as its owner: its files are the ones
/// acknowledged, each downloaded whole and matching its hash. Answers how many files were read,
/// or none when the dossier is not this owner's.
pub(crate) async fn read_back(c: &mut Client, tok: &str, a: &Acked) -> Option<usize> {
    let path = format!("/api/v1/dossiers/{}", a.code);
    let r = c.json(Method::GET, &path, Some(tok), None).await;
    if r.status == 404 {
        return None;
    }
    assert_eq!(r.status, 200, "{}", r.body);
    let files = r.json()["files"].as_array().cloned().unwrap_or_default();
    let mut listed: Vec<String> = files
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut want = a.shas.clone();
    want.sort();
    assert_eq!(listed, want, "{}'s files", a.code);
    for f in &files {
        let path = format!("{path}/attachments/{}", f["id"].as_str().unwrap());
        let got = c.json(Method::GET, &path, Some(tok), None).await;
        assert_eq!(got.status, 200, "{path}");
        let sha = motcua_app::crypto::sha256_hex(&got.body);
        assert_eq!(sha, f["sha256"].as_str().unwrap(), "{path}");
    }
    Some(files.len())
}

/// Starts the desk and four citizens (two accounts) against `base`.
pub(crate) fn start_clients(
    base: &str,
    sh: &Arc<Shared>,
    round: usize,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = vec![tokio::spawn(desk_loop(base.to_string(), sh.clone()))];
    for w in 0..4 {
        let login = [crate::dossiers::CITIZEN, crate::dossiers::OTHER][w % 2];
        tasks.push(tokio::spawn(client_loop(
            base.to_string(),
            login.to_string(),
            demo_pw_static(login),
            w + round * 10,
            sh.clone(),
        )));
    }
    tasks
}

/// Waits for the loops; a loop that panicked is a failure.
pub(crate) async fn join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(30), t).await {
            Ok(done) => done.expect("a client loop panicked"),
            Err(_) => panic!("a client loop did not end"),
        }
    }
}

/// An upload over its own connection, sent slowly: the head and a tenth of the body at once
/// (`sent` fires then), the rest over `over`. Answers the status code and the answer's body.
async fn slow_upload(
    base: String,
    tok: String,
    id: String,
    file: Vec<u8>,
    sent: tokio::sync::oneshot::Sender<()>,
    over: Duration,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").to_string();
    let boundary = "motcua-gui-cham";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"component\"\r\n\r\ndon\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cham.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/dossiers/{id}/attachments HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {tok}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let pieces: Vec<&[u8]> = body.chunks(body.len() / 10 + 1).collect();
    s.write_all(pieces[0]).await.unwrap();
    let _ = sent.send(());
    for p in &pieces[1..] {
        tokio::time::sleep(over / 10).await;
        if let Err(e) = s.write_all(p).await {
            return (0, format!("lost while sending: {e}"));
        }
    }
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out)).await;
    if !matches!(read, Ok(Ok(_))) {
        return (0, format!("no answer: {read:?}"));
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    (status, body.to_string())
}

async fn killed_mid_flight_loses_nothing_acknowledged(e: Engine) {
    let rounds: usize = std::env::var("MOTCUA_TEST_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A killed server leaves requests unanswered: those are allowed, nothing else.
    let sh = Arc::new(Shared {
        lost_ok: true,
        ..Default::default()
    });
    let mut verified = std::collections::HashSet::new();
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let (mut child, base) = start(&db.url, d, round == 0);
        if round == 0 {
            prepare(&db.url, d);
        }
        let tasks = start_clients(&base, &sh, round);
        let pause = 400 + (uuid::Uuid::new_v4().as_u128() % 1200) as u64;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        join(tasks).await;
        // Restart and check everything acknowledged so far.
        let mut child =
            verify_after_restart(e, &db.url, d, &sh, &mut verified, &format!("round {round}"))
                .await;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        child.wait().unwrap();
    }
    let n = sh.acked.lock().unwrap().len();
    let a = sh.accepted.lock().unwrap().len();
    eprintln!(
        "crash test ({e:?}): {rounds} rounds in {:.0} s, {n} acknowledged submissions and {a} acknowledged desk steps, all intact",
        started.elapsed().as_secs_f64()
    );
    assert!(n > 0, "some submissions were acknowledged");
    assert!(a > 0, "some acceptances were acknowledged");
    let odd = sh.unexpected.lock().unwrap().clone();
    assert!(odd.is_empty(), "answers other than success: {odd:?}");
}

/// SIGTERM under load (R3.5, R4.2): the server stops taking new connections, completes
/// the requests it already accepted, exits cleanly, and everything it acknowledged is there
/// after a restart. An upload still being sent when the signal comes is received whole and
/// answered 201; every request the clients sent is answered (no transport error, no error
/// status). The clients start no new request from just before the signal.
async fn sigterm_completes_accepted_requests(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sh = Arc::new(Shared::default());
    let (mut child, base) = start(&db.url, d, true);
    prepare(&db.url, d);
    let tasks = start_clients(&base, &sh, 0);
    // A draft for the slow upload.
    let mut c = Client::new(&base);
    let tok = c
        .token(
            crate::dossiers::CITIZEN,
            &demo_pw_static(crate::dossiers::CITIZEN),
        )
        .await;
    let r = c.json(Method::POST, "/api/v1/dossiers", Some(&tok), Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": crate::dossiers::answers()}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = r.json()["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (sent, head_out) = tokio::sync::oneshot::channel();
    let slow = tokio::spawn(slow_upload(
        base.clone(),
        tok,
        draft.clone(),
        body("cham", 200_000),
        sent,
        Duration::from_millis(2000),
    ));
    head_out.await.unwrap();
    // Give the server time to read the head and start the upload, and the loops to see the
    // flag; the requests in flight then are sent and must be answered.
    tokio::time::sleep(Duration::from_millis(200)).await;
    sh.stop.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = sh.acked.lock().unwrap().len();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let started = std::time::Instant::now();
    let (status, answer) = slow.await.unwrap();
    let status_at = started.elapsed();
    let exit = child.wait().unwrap();
    let took = started.elapsed();
    assert_eq!(status, 201, "the upload in flight is completed: {answer}");
    // The body's last nine tenths take 1.8 s from 220 ms before the signal.
    assert!(
        status_at >= Duration::from_millis(1000),
        "the upload was still being sent after the signal ({status_at:?})"
    );
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let sha = serde_json::from_str::<serde_json::Value>(&answer).unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    join(tasks).await;
    let odd = sh.unexpected.lock().unwrap().clone();
    assert!(
        odd.is_empty(),
        "requests in flight were not answered: {odd:?}"
    );
    let mut child =
        verify_after_restart(e, &db.url, d, &sh, &mut Default::default(), "after SIGTERM").await;
    // The slow upload is stored with the draft.
    let store = motcua_store::Db::connect(&db.url).await.unwrap();
    let files = motcua_store::dossiers::files(store.conn(), draft.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>(),
        vec![sha.as_str()]
    );
    store.close().await.unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
    let n = sh.acked.lock().unwrap().len();
    eprintln!(
        "SIGTERM ({e:?}): {before} submissions before the signal, {n} acknowledged in all, the upload in flight answered {} ms after the signal, stopped in {} ms",
        status_at.as_millis(),
        took.as_millis()
    );
    assert!(n > 0);
}

async fn killed_between_commit_and_delivery(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let mut sink = motcua_testkit::smtp::SmtpSink::down().await;
    let smtp = sink.url();
    // The notice is committed, but no worker runs before the crash.
    let (mut child, base) = start_with(
        &db.url,
        dir.path(),
        true,
        &[("MOTCUA_SMTP_URL", &smtp), ("MOTCUA_WORKER", "false")],
    );
    let mut c = Client::new(&base);
    let r = c
        .post_form("/quen-mat-khau", &[("email", "nguyenvanan@example.com")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    child.kill().unwrap();
    child.wait().unwrap();
    // Restart with the worker and a reachable mail server: delivered, exactly once.
    sink.resume().await;
    let (mut child, _) = start_with(&db.url, dir.path(), false, &[("MOTCUA_SMTP_URL", &smtp)]);
    let mails = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(sink.received().len(), 1, "not sent twice");
    assert_eq!(mails[0].to, vec!["nguyenvanan@example.com".to_string()]);
    assert!(mails[0].subject.starts_with("Đặt lại mật khẩu"));
}

pub(crate) fn demo_pw_static(login: &str) -> String {
    motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == login)
        .unwrap()
        .password
}

async fn sea_check(db: &motcua_store::Db) -> String {
    db.integrity_check().await.unwrap()
}

mod motcua_blobs_check {
    pub fn open(dir: &std::path::Path) -> motcua_app::dossiers::BlobsHandle {
        motcua_app::dossiers::BlobsHandle::open(dir).unwrap()
    }
}

#[allow(dead_code)]
fn unused(t: &motcua_testkit::TestApp) -> String {
    demo_pw(t, "x")
}

engine_tests!(
    killed_mid_flight_loses_nothing_acknowledged,
    sigterm_completes_accepted_requests,
    killed_between_commit_and_delivery
);
