//! The load benchmark: motcua on a fresh database loaded with generated data, on
//! loopback, with the machine's ceilings measured in the same run:
//! - HTTP: a minimal axum server answering a fixed small body;
//! - durable writes: the same two 1 MB files written and fsynced, as a submission stores them.
//!
//! Paths (`--only` names some of them): the public status look-up by code (`lookup`), catalogue
//! search (`search`), a staff worklist page of 50 (`worklist`) and of 100 (`worklist100`),
//! dossier submission with two 1 MB attachments in one request (`submit1`) and in four: create,
//! two uploads, submit (`submit4`), an accept at reception (`accept`) and a registration at the
//! counter (`register`). Prints a table, or with `--json` one JSON object, with the page of 100
//! and the registration compared with Open Zaak's list and create rates on this machine.
//!
//!   cargo run --release -p motcua-bench -- [--duration 20s] [--dossiers 100000 | --million]
//!       [--concurrency 8] [--database postgres://postgres@127.0.0.1:5432/postgres] [--json]
//!       [--copies 3] [--only lookup,worklist] [--clamd unix:/run/clamav/clamd.ctl]
//!
//! `--copies N` runs the same paths again against N copies of the release binary (`motcua`,
//! built beside the benchmark) and reports them beside the in-process server. Above one copy
//! (PostgreSQL only) they run behind nginx, sharing the database and moto's S3 server (it needs
//! nginx and moto_server); one copy, on either engine, is answered directly, so that the peak
//! memory reported is the server's alone.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use motcua_bench::{
    Load, QUERIES, Run, catalogue, ceiling_server, drive, drive_with, first_service, load_dossiers,
    staff,
};
use motcua_domain::account::Role;
use motcua_testkit::{Engine, TestApp};
use serde_json::json;

const AGENCY: &str = "000.01.01.H53";
const POOL_AGENCY: &str = "000.01.02.H53";
const MB: usize = 1024 * 1024;

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn seconds(s: &str) -> f64 {
    let s = s.trim();
    s.strip_suffix("ms")
        .map(|v| v.parse::<f64>().unwrap_or(0.0) / 1000.0)
        .or_else(|| s.strip_suffix('s').and_then(|v| v.parse().ok()))
        .or_else(|| {
            s.strip_suffix('m')
                .and_then(|v| v.parse::<f64>().ok().map(|m| m * 60.0))
        })
        .or_else(|| s.parse().ok())
        .expect("--duration like 20s, 1m or 500ms")
}

/// A valid PDF of `n` bytes, unique by `tag` (no two files share content).
fn pdf(tag: &str, n: usize) -> Vec<u8> {
    motcua_testkit::pdf_tagged(tag, n)
}

/// The form answers the fixture procedure (1.009999) needs.
fn answers() -> serde_json::Value {
    json!({"ho_ten": "Phạm Văn Bình", "so_dinh_danh": "051095001234", "ngay_khoi_cong": "2026-04-01",
        "so_tang": 3, "loai_cong_trinh": "nha_o", "nop_thay": false,
        "dia_diem": {"province": "Quảng Ngãi", "commune": "Phường Cẩm Thành", "detail": "12 Lê Lợi"},
        "ban_ve": [{"ten": "Mặt bằng tầng 1"}]})
}

/// One submission through the API: create, two 1 MB uploads, submit.
async fn submit_once(client: &reqwest::Client, base: &str, tok: &str, tag: &str) -> bool {
    let r = client
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(tok)
        .json(&json!({"procedure": "1.009999", "agency": AGENCY, "form": answers()}))
        .send()
        .await;
    let Ok(r) = r else { return false };
    if r.status() != 201 {
        if std::env::var("BENCH_DEBUG").is_ok() {
            eprintln!(
                "create: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        return false;
    }
    let Ok(v) = r.json::<serde_json::Value>().await else {
        return false;
    };
    let id = v["id"].as_str().unwrap_or_default().to_string();
    for comp in ["don", "ban-ve"] {
        let form = reqwest::multipart::Form::new()
            .text("component", comp)
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf(&format!("{tag}-{comp}"), MB))
                    .file_name(format!("{comp}.pdf")),
            );
        let r = client
            .post(format!("{base}/api/v1/dossiers/{id}/attachments"))
            .bearer_auth(tok)
            .multipart(form)
            .send()
            .await;
        match r {
            Ok(r) if r.status() == 201 => {}
            Ok(r) => {
                if std::env::var("BENCH_DEBUG").is_ok() {
                    eprintln!(
                        "upload: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    );
                }
                return false;
            }
            Err(e) => {
                if std::env::var("BENCH_DEBUG").is_ok() {
                    eprintln!("upload: {e}");
                }
                return false;
            }
        }
    }
    let r = client
        .post(format!("{base}/api/v1/dossiers/{id}/submit"))
        .bearer_auth(tok)
        .header("idempotency-key", tag)
        .json(&json!({"declaration_accepted": true}))
        .send()
        .await;
    matches!(r, Ok(ref r) if r.status() == 200)
}

/// One submission in one request: the answers and the two 1 MB papers together.
async fn submit_whole(client: &reqwest::Client, base: &str, tok: &str, tag: &str) -> bool {
    let dossier = json!({"service": format!("1.009999/{AGENCY}"), "form": answers(), "declaration_accepted": true});
    let mut form = reqwest::multipart::Form::new().text("dossier", dossier.to_string());
    for comp in ["don", "ban-ve"] {
        form = form.part(
            comp,
            reqwest::multipart::Part::bytes(pdf(&format!("{tag}-{comp}"), MB))
                .file_name(format!("{comp}.pdf")),
        );
    }
    let r = client
        .post(format!("{base}/api/v1/submissions"))
        .bearer_auth(tok)
        .header("idempotency-key", tag)
        .multipart(form)
        .send()
        .await;
    answered(r, 201, "submission").await
}

/// Whether a request was answered `want`; with `BENCH_DEBUG` set, what else was answered.
async fn answered(r: reqwest::Result<reqwest::Response>, want: u16, what: &str) -> bool {
    match r {
        Ok(r) if r.status() == want => true,
        Ok(r) => {
            if std::env::var("BENCH_DEBUG").is_ok() {
                let status = r.status();
                eprintln!("{what}: {status} {}", r.text().await.unwrap_or_default());
            }
            false
        }
        Err(_) => false,
    }
}

/// The ceiling for a submission's storage: the same two 1 MB files written and fsynced (with
/// their folder), from the same number of workers.
async fn durable_ceiling(dir: std::path::PathBuf, secs: f64, concurrency: u64) -> Run {
    drive_with(secs, concurrency, move |w, i| {
        let dir = dir.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                use std::io::Write;
                for comp in ["don", "ban-ve"] {
                    let p = dir.join(format!("{w}-{i}-{comp}"));
                    let mut f = std::fs::File::create(&p).unwrap();
                    f.write_all(&pdf(&format!("{w}-{i}-{comp}"), MB)).unwrap();
                    f.sync_all().unwrap();
                }
                std::fs::File::open(&dir).unwrap().sync_all().unwrap();
                true
            })
            .await
            .unwrap_or(false)
        }
    })
    .await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs = seconds(&flag("--duration").unwrap_or_else(|| "20s".into()));
    let n: u64 = if std::env::args().any(|a| a == "--million") {
        1_000_000
    } else {
        flag("--dossiers")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    };
    let concurrency: u64 = flag("--concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let as_json = std::env::args().any(|a| a == "--json");
    let copies: Option<u32> = flag("--copies").map(|v| v.parse().expect("--copies N"));
    if let Some(only) = flag("--only") {
        for k in only.split(',') {
            assert!(
                PATHS.contains(&k),
                "--only takes some of {}: not {k}",
                PATHS.join(",")
            );
        }
    }
    let engine = match flag("--database") {
        Some(url) if url.starts_with("postgres") => {
            // The test kit makes a fresh database on that server and drops it afterwards.
            // SAFETY: set before any other thread reads the environment.
            unsafe { std::env::set_var("MOTCUA_TEST_POSTGRES_URL", url) };
            Engine::Postgres
        }
        Some(other) => {
            panic!("--database takes a postgres:// URL (SQLite is the default): {other}")
        }
        None => Engine::Sqlite,
    };
    assert!(
        copies.is_none_or(|n| n == 1) || engine == Engine::Postgres,
        "--copies N above 1 needs --database postgres://… (the copies share it and S3)"
    );
    let say = |m: String| {
        if !as_json {
            eprintln!("{m}");
        }
    };

    // `--clamd unix:/path` scans every upload with that daemon (R4.4), as production does.
    let clamd = flag("--clamd");
    let t = TestApp::spawn_with(engine, |c| {
        c.test_routes = false;
        c.throttle.lookups = u32::MAX;
        c.dossiers.max_person_mb = 10_000_000;
        c.scan.clamd = clamd.clone();
    })
    .await;
    t.demo().await;
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &serde_json::from_str(include_str!("../../motcua/tests/it/fixture_catalogue.json"))
                .unwrap(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &catalogue(2000),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    let agency = t.app.agency_by_code(AGENCY).await.unwrap();
    let pool_agency = t.app.agency_by_code(POOL_AGENCY).await.unwrap();
    let (desk_id, desk) = staff(&t.app, "tiepnhan.bench", Role::Reception, agency.id).await;
    let (_, pool_desk) = staff(&t.app, "tiepnhan.pool", Role::Reception, pool_agency.id).await;
    let _ = desk_id;
    let (specialist, _) = staff(&t.app, "chuyenvien.bench", Role::Specialist, agency.id).await;
    let citizen_login = "051095001234";
    let citizen_pw = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == citizen_login)
        .unwrap()
        .password;
    let (citizen, _) = t
        .app
        .issue_api_token(&Default::default(), citizen_login, &citizen_pw, None)
        .await
        .unwrap();
    // The accept pool belongs to another citizen, so that the submitting citizen's storage
    // quota is summed over a normal number of dossiers.
    let other_login = "062188004321";
    let other_pw = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == other_login)
        .unwrap()
        .password;
    let (other, _) = t
        .app
        .issue_api_token(&Default::default(), other_login, &other_pw, None)
        .await
        .unwrap();
    let owner = t
        .app
        .resolve_api_token(&other)
        .await
        .unwrap()
        .unwrap()
        .user
        .id;

    let started = Instant::now();
    let (service_id, version_id) = first_service(&t.app, agency.id).await;
    let codes = load_dossiers(
        &t.app,
        &Load {
            agency: &agency,
            service_id,
            version_id,
            n,
            waiting: (n / 50).max(1),
            all_submitted: false,
            specialist,
            owner: None,
            day_offset: 0,
        },
        t.app.now(),
    )
    .await;
    // The dossiers reception accepts during the run: waiting at another ward's desk, owned by
    // a citizen (so each acceptance writes its notice).
    let pool_n = 40_000;
    let (service_id, version_id) = first_service(&t.app, pool_agency.id).await;
    let pool = load_dossiers(
        &t.app,
        &Load {
            agency: &pool_agency,
            service_id,
            version_id,
            n: pool_n,
            waiting: pool_n,
            all_submitted: true,
            specialist,
            owner: Some(owner),
            day_offset: 0,
        },
        t.app.now(),
    )
    .await;
    t.app.db().analyze().await.unwrap();
    say(format!(
        "loaded {n} dossiers (+{pool_n} to accept) into {engine:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let base = t.base.clone();
    let ceiling = drive(
        ceiling_server().await,
        vec!["/".into()],
        secs as u64,
        concurrency,
        None,
    )
    .await;
    let durable = durable_ceiling(tempfile_dir(&t), secs, concurrency).await;
    let counter_service = counter_service(&t.app, agency.id).await;
    let work = Work {
        counter_service,
        codes: Arc::new(codes),
        desk,
        citizen,
        pool_desk,
        pool: Arc::new(pool),
        next: Arc::new(AtomicUsize::new(0)),
        secs,
        concurrency,
    };
    let one = run_paths(&work, &base).await;
    let one_rss = peak_rss_kb(std::process::id());
    let several = match copies {
        Some(n) => Some(several_copies(&t, n, &work).await),
        None => None,
    };
    let ceiling_of = |c: Ceiling| match c {
        Ceiling::Http => Some(ceiling.rps),
        Ceiling::Durable => Some(durable.rps),
        Ceiling::None => None,
    };
    let rows =
        |runs: &[(&'static str, Run, Ceiling)]| -> Vec<serde_json::Value> {
            runs.iter()
            .map(|(name, r, c)| json!({
                "name": name, "rps": r.rps, "p50_ms": r.p50, "p95_ms": r.p95, "p99_ms": r.p99,
                "errors": r.errors, "ceiling_ratio": ceiling_of(*c).map(|c| r.rps / c),
            }))
            .collect()
        };
    let beside = open_zaak(&one);
    if as_json {
        let v = json!({
            "engine": format!("{engine:?}"),
            "dossiers": n,
            "concurrency": concurrency,
            "duration_s": secs,
            "ceiling_rps": ceiling.rps,
            "durable_ceiling_rps": durable.rps,
            "paths": rows(&one),
            "peak_rss_mb": one_rss / 1024,
            "beside_open_zaak": beside.iter().map(|(name, x)| json!({"name": name, "times": x})).collect::<Vec<_>>(),
            "copies": several.as_ref().map(|(n, runs, rss)| json!({
                "copies": n, "paths": rows(runs), "peak_rss_mb_per_copy": rss.iter().map(|k| k / 1024).collect::<Vec<_>>(),
            })),
        });
        println!("{v}");
        return;
    }
    println!(
        "| path ({n} dossiers, {engine:?}, {concurrency} clients, {secs} s) | rps | p50 ms | p95 ms | p99 ms | errors | ratio to ceiling |"
    );
    println!("|---|---|---|---|---|---|---|");
    let row = |name: &str, r: &Run, ratio: String| {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {ratio} |",
            r.rps, r.p50, r.p95, r.p99, r.errors
        )
    };
    row("ceiling: fixed body over HTTP", &ceiling, "1".into());
    row(
        "ceiling: two 1 MB files written durably",
        &durable,
        "1".into(),
    );
    let paths = |runs: &[(&'static str, Run, Ceiling)]| {
        for (name, r, c) in runs {
            let ratio = ceiling_of(*c).map(|c| format!("{:.4}", r.rps / c));
            row(name, r, ratio.unwrap_or_else(|| "—".into()));
        }
    };
    paths(&one);
    println!(
        "\npeak memory of the benchmark process (server and clients): {} MB",
        one_rss / 1024
    );
    for (name, x) in &beside {
        println!(
            "beside Open Zaak 1.21 (its rates measured earlier on a machine of this kind): {name} {x:.0}×"
        );
    }
    if let Some((n, runs, rss)) = &several {
        println!(
            "\n| path ({n} copies of the release binary{}) | rps | p50 ms | p95 ms | p99 ms | errors | ratio to ceiling |",
            if *n > 1 {
                " behind nginx, attachments on moto's S3"
            } else {
                ", its own process"
            }
        );
        println!("|---|---|---|---|---|---|---|");
        paths(runs);
        println!(
            "\npeak memory per copy: {} MB",
            rss.iter()
                .map(|k| (k / 1024).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// What the paths need: the codes to look up, the tokens, the dossiers to accept, the service
/// registered at the counter.
struct Work {
    counter_service: uuid::Uuid,
    codes: Arc<Vec<String>>,
    desk: String,
    citizen: String,
    pool_desk: String,
    pool: Arc<Vec<String>>,
    /// The next dossier of the pool to accept (shared by every run).
    next: Arc<AtomicUsize>,
    secs: f64,
    concurrency: u64,
}

/// What a path's rate is compared with.
#[derive(Clone, Copy)]
enum Ceiling {
    Http,
    Durable,
    None,
}

/// Open Zaak 1.21's rates measured beside motcua in one run on a machine of this kind (two
/// shared cores; 10,000 cases, wrk, 30 s), not in this run: its case list (the better of
/// 9.4–10.4 requests/s) and its case create (39/s).
const OPEN_ZAAK_LIST_RPS: f64 = 10.4;
const OPEN_ZAAK_CREATE_RPS: f64 = 39.0;

/// The paths' names for `--only`.
const PATHS: &[&str] = &[
    "lookup",
    "search",
    "worklist",
    "worklist100",
    "submit1",
    "submit4",
    "accept",
    "register",
];

/// Whether the run includes the path named `key` (`--only key,key`; every path without it).
fn wanted(key: &str) -> bool {
    flag("--only").is_none_or(|v| v.split(',').any(|k| k == key))
}

/// A GET path driven for the run's time.
async fn reads(w: &Work, base: &str, paths: Vec<String>, bearer: Option<&String>) -> Run {
    drive(
        base.to_string(),
        paths,
        w.secs as u64,
        w.concurrency,
        bearer.cloned(),
    )
    .await
}

/// The paths against the server at `base`, one after the other (those `--only` names).
async fn run_paths(w: &Work, base: &str) -> Vec<(&'static str, Run, Ceiling)> {
    let mut out = vec![];
    if wanted("lookup") {
        let lookups: Vec<String> = (0..1000)
            .map(|i| format!("/api/v1/lookup/{}", w.codes[(i * 7919) % w.codes.len()]))
            .collect();
        let r = reads(w, base, lookups, None).await;
        out.push(("status look-up by code", r, Ceiling::Http));
    }
    if wanted("search") {
        let searches: Vec<String> = QUERIES
            .iter()
            .map(|q| format!("/api/v1/procedures?q={}", q.replace(' ', "+")))
            .collect();
        let r = reads(w, base, searches, None).await;
        out.push(("catalogue search", r, Ceiling::Http));
    }
    if wanted("worklist") {
        let page = vec!["/api/v1/worklist?role=reception".into()];
        let r = reads(w, base, page, Some(&w.desk)).await;
        out.push(("staff worklist page", r, Ceiling::Http));
    }
    if wanted("worklist100") {
        let page = vec!["/api/v1/worklist?role=reception&limit=100".into()];
        let r = reads(w, base, page, Some(&w.desk)).await;
        out.push(("staff worklist page of 100", r, Ceiling::Http));
    }
    if wanted("submit1") {
        let r = submissions(w, base, |c, base, tok, key| async move {
            submit_whole(&c, &base, &tok, &key).await
        })
        .await;
        out.push((
            "submission in one request, two 1 MB files",
            r,
            Ceiling::Durable,
        ));
    }
    if wanted("submit4") {
        let r = submissions(w, base, |c, base, tok, key| async move {
            submit_once(&c, &base, &tok, &key).await
        })
        .await;
        out.push((
            "submission in four requests, two 1 MB files",
            r,
            Ceiling::Durable,
        ));
    }
    if wanted("accept") {
        out.push(("accept at reception", accepts(w, base).await, Ceiling::None));
    }
    if wanted("register") {
        let r = registrations(w, base).await;
        out.push(("registration at the counter", r, Ceiling::None));
    }
    out
}

/// Reception accepts the pool's dossiers, each once, for the run's time.
async fn accepts(w: &Work, base: &str) -> Run {
    let (next, pool) = (w.next.clone(), w.pool.clone());
    let (client, base, tok) = (
        reqwest::Client::new(),
        base.to_string(),
        w.pool_desk.clone(),
    );
    drive_with(w.secs, w.concurrency, move |_, _| {
        let (client, base, tok) = (client.clone(), base.clone(), tok.clone());
        let code = pool[next.fetch_add(1, Ordering::Relaxed) % pool.len()].clone();
        async move {
            let r = client
                .post(format!("{base}/api/v1/dossiers/{code}/actions"))
                .bearer_auth(&tok)
                .json(&json!({"action": "accept"}))
                .send()
                .await;
            matches!(r, Ok(ref r) if r.status() == 200)
        }
    })
    .await
}

/// Reception registers dossiers received at the counter (the fixture procedure's service),
/// for the run's time.
async fn registrations(w: &Work, base: &str) -> Run {
    let (client, base, tok) = (reqwest::Client::new(), base.to_string(), w.desk.clone());
    let body = json!({"service": w.counter_service.to_string(), "intake": "in_person",
        "form": answers(), "applicant_name": "Phạm Văn Bình", "phone": "0905111222"});
    drive_with(w.secs, w.concurrency, move |_, _| {
        let (client, base, tok, body) = (client.clone(), base.clone(), tok.clone(), body.clone());
        async move {
            let r = client
                .post(format!("{base}/api/v1/dossiers/register"))
                .bearer_auth(&tok)
                .json(&body)
                .send()
                .await;
            answered(r, 201, "register").await
        }
    })
    .await
}

/// Submissions by the citizen from every client for the run's time, each under a new key:
/// `submit(client, base, token, key)` answers whether one was acknowledged.
async fn submissions<F, Fut>(w: &Work, base: &str, submit: F) -> Run
where
    F: Fn(reqwest::Client, String, String, String) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let (client, base, tok) = (reqwest::Client::new(), base.to_string(), w.citizen.clone());
    drive_with(w.secs, w.concurrency, move |worker, i| {
        let key = format!("b-{worker}-{i}-{}", uuid::Uuid::new_v4());
        submit(client.clone(), base.clone(), tok.clone(), key)
    })
    .await
}

/// The peak resident memory of a process (kB).
fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The rates compared with Open Zaak's on this machine (`OPEN_ZAAK_*`): how many times its list
/// rate a worklist page of 100 reaches, and its create rate a registration at the counter.
fn open_zaak(runs: &[(&'static str, Run, Ceiling)]) -> Vec<(&'static str, f64)> {
    let rate = |name: &str| runs.iter().find(|r| r.0 == name).map(|r| r.1.rps);
    [
        (
            "list (worklist page of 100)",
            rate("staff worklist page of 100"),
            OPEN_ZAAK_LIST_RPS,
        ),
        (
            "create (registration at the counter)",
            rate("registration at the counter"),
            OPEN_ZAAK_CREATE_RPS,
        ),
    ]
    .into_iter()
    .filter_map(|(name, r, theirs)| r.map(|r| (name, r / theirs)))
    .collect()
}

/// The fixture procedure's service at `agency`, which the counter registers.
async fn counter_service(app: &motcua_app::App, agency: uuid::Uuid) -> uuid::Uuid {
    let conn = app.db().conn();
    let p = motcua_store::catalogue::find_procedure(conn, "1.009999")
        .await
        .unwrap()
        .expect("the fixture procedure");
    motcua_store::catalogue::services_of(conn, Some(&[p.id]))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.agency_id == agency)
        .expect("the fixture service at the agency")
        .id
}

/// `n` copies of the release binary on the benchmark's database: the paths again, and each
/// copy's peak memory. Several copies run behind nginx with attachments on moto's S3 server;
/// one copy (either engine) is answered directly, its attachments on its own disk, so that its
/// memory is the server's alone.
async fn several_copies(
    t: &TestApp,
    n: u32,
    w: &Work,
) -> (u32, Vec<(&'static str, Run, Ceiling)>, Vec<u64>) {
    use motcua_testkit::procs;
    let bin = std::env::current_exe()
        .expect("the benchmark's path")
        .with_file_name("motcua");
    assert!(
        bin.exists(),
        "{} missing: cargo build --release -p motcua",
        bin.display()
    );
    // The tokens were issued on the test clock's day; the copies run on the real clock.
    use sea_orm::ConnectionTrait;
    t.app
        .db()
        .conn()
        .execute_unprepared("UPDATE api_tokens SET expires_at = '2099-01-01 00:00:00+00:00'")
        .await
        .unwrap();
    // The copies alone write to the database while they are measured.
    t.stop_worker();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit-key.pem");
    let ok = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success(), "the audit key");
    let mut _moto = None;
    let mut env = vec![];
    if n > 1 {
        let (m, endpoint) = procs::moto("motcua-bench");
        _moto = Some(m);
        env = procs::s3_env(&endpoint, "motcua-bench");
    }
    env.extend(
        [
            ("MOTCUA_SERVER__COPIES", n.to_string()),
            ("MOTCUA_SECRET_KEY", "5a".repeat(32)),
            ("MOTCUA_AUDIT__KEY_FILE", key.display().to_string()),
            ("MOTCUA_TRUSTED_PROXIES", "[\"127.0.0.1\"]".into()),
            ("MOTCUA_THROTTLE__LOOKUPS", u32::MAX.to_string()),
            ("MOTCUA_DOSSIERS__MAX_PERSON_MB", "10000000".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v)),
    );
    if let Some(a) = flag("--clamd") {
        env.push(("MOTCUA_SCAN__CLAMD".into(), a));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut children = vec![];
    let mut bases = vec![];
    for i in 0..n {
        let d = dir.path().join(format!("copy{i}"));
        std::fs::create_dir_all(&d).unwrap();
        let (child, base) = procs::serve(&bin, t.db_url(), &d, false, &env);
        children.push(procs::Proc(child));
        bases.push(base);
    }
    let mut _nginx = None;
    let base = match n {
        1 => bases[0].clone(),
        _ => {
            let ngx = dir.path().join("nginx");
            std::fs::create_dir_all(&ngx).unwrap();
            let (p, base) = procs::nginx(&ngx, &bases);
            _nginx = Some(p);
            base
        }
    };
    let runs = run_paths(w, &base).await;
    let rss = children.iter().map(|c| peak_rss_kb(c.0.id())).collect();
    (n, runs, rss)
}

/// A scratch folder for the durable-write ceiling, on the same disk as the server's data.
fn tempfile_dir(t: &TestApp) -> std::path::PathBuf {
    let d = t.app.config.data_dir.join("ceiling");
    std::fs::create_dir_all(&d).unwrap();
    d
}
