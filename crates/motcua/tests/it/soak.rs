//! Soak (security.md row 60): the real binary under a mixed load of about 50 requests a second
//! for `MOTCUA_TEST_SOAK_SECS` (default 30; CI 180; by hand 1800): public look-ups, catalogue
//! searches and pages, citizens submitting dossiers with two papers and reading them back, the
//! desk taking its worklist and accepting. Fewer than 0.1 % of requests may fail, and the
//! server's memory and open files must stay flat after the warm-up (the first third).
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, Resp};
use reqwest::Method;
use serde_json::json;

use crate::crash::{DESK, DESK_PW, body, demo_pw_static, new_draft, prepare, start_with, submit};

/// What the load saw.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failed: AtomicU64,
    /// Each failure, for the report (the first ones).
    failures: Mutex<Vec<String>>,
    /// Every request's time in microseconds.
    times: Mutex<Vec<u64>>,
    stop: AtomicBool,
}

impl Tally {
    /// Counts one answer: a failure when its status is not one of `ok`.
    fn count(&self, what: &str, started: Instant, r: &Resp, ok: &[u16]) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.times
            .lock()
            .unwrap()
            .push(started.elapsed().as_micros() as u64);
        if ok.contains(&r.status) {
            return true;
        }
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut f = self.failures.lock().unwrap();
        if f.len() < 20 {
            let body: String = r.body.chars().take(200).collect();
            f.push(format!("{what}: {} {body}", r.status));
        }
        false
    }
}

/// The server process's resident memory (kB) and open files.
fn usage(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (rss, fds)
}

/// A citizen: a new dossier with two papers, submitted, then read back; between them their list.
async fn citizen(base: String, login: &'static str, n: usize, t: Arc<Tally>, period: Duration) {
    let mut c = Client::new(&base).lenient();
    let tok = c.token(login, &demo_pw_static(login)).await;
    let mut i = 0;
    while !t.stop.load(Ordering::Relaxed) {
        let tick = Instant::now();
        i += 1;
        let tag = format!("soak-{n}-{i}-{}", uuid::Uuid::new_v4());
        let s = Instant::now();
        let r = new_draft(&mut c, &tok).await;
        if t.count("draft", s, &r, &[201]) {
            let id = r.json()["id"].as_str().unwrap().to_string();
            let mut ok = true;
            for (comp, size) in [("don", 80_000), ("ban-ve", 40_000)] {
                let s = Instant::now();
                let r = c
                    .upload(
                        &tok,
                        &id,
                        comp,
                        "giay.pdf",
                        body(&format!("{tag}-{comp}"), size),
                    )
                    .await;
                ok &= t.count("upload", s, &r, &[201]);
            }
            if ok {
                let s = Instant::now();
                let r = submit(&mut c, &tok, &id, &tag).await;
                t.count("submit", s, &r, &[200]);
                let s = Instant::now();
                let r = c
                    .json(
                        Method::GET,
                        &format!("/api/v1/dossiers/{id}"),
                        Some(&tok),
                        None,
                    )
                    .await;
                t.count("read", s, &r, &[200]);
            }
        }
        let s = Instant::now();
        let r = c
            .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
            .await;
        t.count("list", s, &r, &[200]);
        tokio::time::sleep(period.saturating_sub(tick.elapsed())).await;
    }
}

/// Anonymous readers: look-ups by code, catalogue searches, the home and a procedure's page.
async fn reader(base: String, t: Arc<Tally>, period: Duration) {
    let mut c = Client::new(&base).lenient();
    let paths = [
        "/",
        "/api/v1/procedures?q=xay+dung",
        "/api/v1/procedures?q=giay+phep",
        "/dich-vu-cong/1.009999",
        "/api/v1/lookup/000.01.01.H53-260302-0001",
        "/tra-cuu?ma=000.01.01.H53-260302-0002",
    ];
    let mut i = 0;
    while !t.stop.load(Ordering::Relaxed) {
        let tick = Instant::now();
        let path = paths[i % paths.len()];
        i += 1;
        let s = Instant::now();
        let r = c.get(path).await;
        // A look-up of a code that does not exist is an answer (404), not a failure.
        t.count(path, s, &r, &[200, 404]);
        tokio::time::sleep(period.saturating_sub(tick.elapsed())).await;
    }
}

/// The desk: its worklist, accepting what was submitted.
async fn desk(base: String, t: Arc<Tally>, period: Duration) {
    let mut c = Client::new(&base).lenient();
    let tok = c.token(DESK, DESK_PW).await;
    while !t.stop.load(Ordering::Relaxed) {
        let tick = Instant::now();
        let s = Instant::now();
        let r = c
            .json(
                Method::GET,
                "/api/v1/worklist?role=reception&limit=3",
                Some(&tok),
                None,
            )
            .await;
        if t.count("worklist", s, &r, &[200]) {
            for item in r.json()["items"].as_array().cloned().unwrap_or_default() {
                if item["stage"] != "submitted" {
                    continue;
                }
                let s = Instant::now();
                let r = c
                    .json(
                        Method::POST,
                        &format!(
                            "/api/v1/dossiers/{}/actions",
                            item["code"].as_str().unwrap()
                        ),
                        Some(&tok),
                        Some(json!({"action": "accept"})),
                    )
                    .await;
                t.count("accept", s, &r, &[200]);
            }
        }
        tokio::time::sleep(period.saturating_sub(tick.elapsed())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_load_stays_flat() {
    let secs: u64 = std::env::var("MOTCUA_TEST_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let db = TestDb::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut child, base) = start_with(
        &db.url,
        d,
        true,
        &[("MOTCUA_THROTTLE__LOOKUPS", "100000000")],
    );
    prepare(&db.url, d);
    let pid = child.id();
    let t = Arc::new(Tally::default());
    // About 50 requests a second: two citizens (6 requests every 2 s each), ten readers (4 a
    // second each), the desk (about 2 a second).
    let mut tasks = vec![];
    for n in 0..2 {
        let login = [crate::dossiers::CITIZEN, crate::dossiers::OTHER][n];
        tasks.push(tokio::spawn(citizen(
            base.clone(),
            login,
            n,
            t.clone(),
            Duration::from_millis(2000),
        )));
    }
    for _ in 0..10 {
        tasks.push(tokio::spawn(reader(
            base.clone(),
            t.clone(),
            Duration::from_millis(250),
        )));
    }
    tasks.push(tokio::spawn(desk(
        base.clone(),
        t.clone(),
        Duration::from_millis(700),
    )));
    let started = Instant::now();
    let total = Duration::from_secs(secs);
    let mut samples = vec![];
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(2)).await;
        samples.push((started.elapsed(), usage(pid)));
    }
    t.stop.store(true, Ordering::SeqCst);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("a client ended")
            .expect("a client panicked");
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    assert!(child.wait().unwrap().success(), "the server stops cleanly");

    let requests = t.requests.load(Ordering::SeqCst);
    let failed = t.failed.load(Ordering::SeqCst);
    let mut times = t.times.lock().unwrap().clone();
    times.sort_unstable();
    let pct =
        |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)] as f64 / 1000.0;
    // After the warm-up (the first third): the memory and the open files at its end, and the
    // most of either since.
    let warm = samples
        .iter()
        .rfind(|(at, _)| *at <= total / 3)
        .map(|(_, u)| *u)
        .unwrap();
    let after = &samples[samples.iter().position(|(at, _)| *at > total / 3).unwrap()..];
    let rss_max = after.iter().map(|(_, u)| u.0).max().unwrap();
    let fds_max = after.iter().map(|(_, u)| u.1).max().unwrap();
    let rate = requests as f64 / started.elapsed().as_secs_f64();
    eprintln!(
        "soak ({secs} s): {requests} requests ({rate:.0}/s), {failed} failed, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; memory {} kB after warm-up, at most {} kB since; open files {} then at most {}",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        warm.0,
        rss_max,
        warm.1,
        fds_max
    );
    assert!(requests > secs * 20, "the load ran ({requests} requests)");
    assert!(
        failed * 1000 < requests,
        "more than 0.1 % failed: {failed} of {requests}: {:?}",
        t.failures.lock().unwrap()
    );
    // Flat: within a tenth of the warm memory (and a few MB of allocator noise); the open files
    // within a few of the warm count (the clients keep their connections).
    assert!(
        rss_max <= warm.0 + (warm.0 / 10).max(8 * 1024),
        "memory grew after the warm-up: {} kB to {rss_max} kB",
        warm.0
    );
    assert!(
        fds_max <= warm.1 + 8,
        "open files grew after the warm-up: {} to {fds_max}",
        warm.1
    );
}
