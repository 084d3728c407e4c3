//! Catalogue search benchmark: loads N generated procedures (default 10,000) into a fresh
//! database, then drives `GET /api/v1/procedures?q=…` over HTTP on loopback with C concurrent
//! clients for S seconds, and does the same against a minimal axum server answering a fixed
//! body (the machine's ceiling for HTTP, measured in the same run). Prints requests per second,
//! latency percentiles and the ratio to the ceiling.
//!
//!   cargo run --release -p motcua-bench --example search -- [--procedures 10000] [--seconds 10] [--concurrency 8] [--postgres]
//!
//! `--postgres` uses a fresh database on the server named by MOTCUA_TEST_POSTGRES_URL.
use std::time::Instant;

use motcua_testkit::{Engine, TestApp};

use motcua_bench::{QUERIES, arg, catalogue, ceiling_server, drive};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = arg("--procedures", 10_000) as usize;
    let seconds = arg("--seconds", 10);
    let concurrency = arg("--concurrency", 8);
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
    let started = Instant::now();
    let r = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &catalogue(n),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    eprintln!(
        "loaded {} procedures and {} services into {engine:?} in {:.1} s",
        r.procedures_created,
        r.services_created,
        started.elapsed().as_secs_f64()
    );

    let ceiling_base = ceiling_server().await;

    let paths: Vec<String> = QUERIES
        .iter()
        .map(|q| format!("/api/v1/procedures?q={}", q.replace(' ', "+")))
        .collect();
    let sample = reqwest::get(format!("{}{}", t.base, paths[0]))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    eprintln!(
        "«{}» → {} results, first: {}",
        QUERIES[0],
        sample.as_array().map(Vec::len).unwrap_or(0),
        sample[0]["name"]
    );
    let ceil = drive(ceiling_base, vec!["/".into()], seconds, concurrency, None).await;
    let search = drive(t.base.clone(), paths, seconds, concurrency, None).await;
    println!("| path | rps | p50 ms | p95 ms | p99 ms | errors | ratio to ceiling |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| ceiling (fixed body) | {:.0} | {:.2} | {:.2} | {:.2} | {} | 1 |",
        ceil.rps, ceil.p50, ceil.p95, ceil.p99, ceil.errors
    );
    println!(
        "| catalogue search, {n} procedures, {engine:?} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.3} |",
        search.rps,
        search.p50,
        search.p95,
        search.p99,
        search.errors,
        search.rps / ceil.rps
    );
}
