//! Worklist benchmark: loads N dossiers (default 1,000,000) into a fresh database, most
//! of them finished and some waiting at the desk, the leader and one specialist, then drives
//! `GET /api/v1/worklist` (the first page, a page 10,000 dossiers deep, the leader's and the
//! specialist's lists) over HTTP on loopback, and a minimal axum server answering a fixed body
//! (the machine's ceiling for HTTP) in the same run. Also times the page's own work in-process.
//! Prints requests per second, latency percentiles and the ratio to the ceiling.
//!
//!   cargo run --release -p motcua-bench --example worklist -- [--dossiers 1000000] [--waiting 20000] [--seconds 10] [--concurrency 4] [--postgres] [--no-analyze]
//!
//! After loading, the statistics are refreshed (`ANALYZE`; `VACUUM ANALYZE` on PostgreSQL, as
//! autovacuum would do soon after a bulk load) unless `--no-analyze` is given.
use std::time::Instant;

use motcua_bench::{
    Load, arg, catalogue, ceiling_server, drive, first_service, load_dossiers, staff,
};
use motcua_domain::account::Role;
use motcua_testkit::{Engine, TestApp};

const AGENCY: &str = "000.01.01.H53";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = arg("--dossiers", 1_000_000);
    let waiting = arg("--waiting", 20_000).min(n);
    let seconds = arg("--seconds", 10);
    let concurrency = arg("--concurrency", 4);
    let engine = if std::env::args().any(|a| a == "--postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let t = TestApp::spawn_with(engine, |c| c.test_routes = false).await;
    t.app
        .import_agencies(
            &Default::default(),
            None,
            &motcua_app::demo::demo_snapshot(),
        )
        .await
        .unwrap();
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &catalogue(5),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    let agency = t.app.agency_by_code(AGENCY).await.unwrap();
    let (service_id, version_id) = first_service(&t.app, agency.id).await;
    let (_, desk) = staff(&t.app, "tiepnhan.bench", Role::Reception, agency.id).await;
    let (_, leader) = staff(&t.app, "lanhdao.bench", Role::Leader, agency.id).await;
    let (specialist, sp) = staff(&t.app, "chuyenvien.bench", Role::Specialist, agency.id).await;
    let tokens = [desk, leader, sp];

    let started = Instant::now();
    let load = Load {
        agency: &agency,
        service_id,
        version_id,
        n,
        waiting,
        all_submitted: false,
        specialist,
        owner: None,
        day_offset: 0,
    };
    load_dossiers(&t.app, &load, t.app.now()).await;
    eprintln!(
        "loaded {n} dossiers ({waiting} waiting) into {engine:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !std::env::args().any(|a| a == "--no-analyze") {
        let s = Instant::now();
        t.app.db().analyze().await.unwrap();
        eprintln!("analyzed in {:.1} s", s.elapsed().as_secs_f64());
    }

    // A cursor 10,000 dossiers deep into the desk's list.
    let base = t.base.clone();
    let http = reqwest::Client::new();
    let mut after = String::new();
    for _ in 0..50 {
        let v: serde_json::Value = http
            .get(format!(
                "{base}/api/v1/worklist?role=reception&limit=200&after={after}"
            ))
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match v["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }

    // In-process: the page's own work alone (page + counts), sequentially.
    let session = t.app.resolve_api_token(&tokens[0]).await.unwrap().unwrap();
    let mut lat = vec![];
    for _ in 0..300 {
        let s = Instant::now();
        t.app
            .worklist(
                &session,
                Some(Role::Reception),
                None,
                Default::default(),
                Default::default(),
                None,
                50,
            )
            .await
            .unwrap();
        lat.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    eprintln!(
        "in-process App::worklist (first page of 50 with counts): p50 {:.2} ms, p95 {:.2} ms",
        lat[lat.len() / 2],
        lat[lat.len() * 95 / 100]
    );

    let ceil = drive(
        ceiling_server().await,
        vec!["/".into()],
        seconds,
        concurrency,
        None,
    )
    .await;
    let runs = [
        (
            "desk, first page",
            "/api/v1/worklist?role=reception".to_string(),
            0,
        ),
        (
            "desk, 10,000 deep",
            format!("/api/v1/worklist?role=reception&after={after}"),
            0,
        ),
        ("leader", "/api/v1/worklist?role=leader".to_string(), 1),
        (
            "specialist",
            "/api/v1/worklist?role=specialist".to_string(),
            2,
        ),
    ];
    println!(
        "| path ({n} dossiers, {engine:?}) | rps | p50 ms | p95 ms | p99 ms | errors | ratio to ceiling |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| ceiling (fixed body) | {:.0} | {:.2} | {:.2} | {:.2} | {} | 1 |",
        ceil.rps, ceil.p50, ceil.p95, ceil.p99, ceil.errors
    );
    for (name, path, who) in runs {
        let r = drive(
            base.clone(),
            vec![path],
            seconds,
            concurrency,
            Some(tokens[who].clone()),
        )
        .await;
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.3} |",
            r.rps,
            r.p50,
            r.p95,
            r.p99,
            r.errors,
            r.rps / ceil.rps
        );
    }
}
