//! How long the full audit takes (R4.3): N records (default 1,000,000) appended through the
//! store's own append (place, chain, leaf hash) in transactions of 10,000; then `checkpoint`
//! (which verifies first, then signs) and `verify` as `motcua audit verify` runs them, reading
//! every row. In the same run, the ceiling for the same work: the verifier over the same
//! records already in memory (hashing and chaining only, no database). Prints both and the ratio.
//!
//! `cargo run --release -p motcua-bench --example audit [-- N]` (SQLite in a temporary folder;
//! `MOTCUA_BENCH_DATABASE_URL=postgres://…` for PostgreSQL).
use std::sync::Arc;
use std::time::Instant;

use motcua_app::{App, Config};
use motcua_domain::SystemClock;
use motcua_domain::audit::Verifier;
use motcua_store::audit::{self, AuditEntry};

#[tokio::main]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: std::env::var("MOTCUA_BENCH_DATABASE_URL").ok(),
        ..Config::default()
    };
    let app = App::open(config, Arc::new(SystemClock)).await.unwrap();
    let start = Instant::now();
    let batch = 10_000;
    let mut done = audit::size(app.db().conn()).await.unwrap();
    while done < n {
        let tx = app.db().write().await.unwrap();
        for i in 0..batch.min(n - done) {
            let e = AuditEntry {
                at: jiff::Timestamp::now(),
                actor_id: Some(uuid::Uuid::now_v7()),
                role: Some("reception".into()),
                action: "read".into(),
                object_type: "dossier".into(),
                object_id: Some(uuid::Uuid::now_v7().to_string()),
                agency_id: Some(uuid::Uuid::now_v7()),
                request_id: Some(format!("r{}", done + i)),
                client: Some("10.0.0.1".into()),
                detail: "{\"as\":\"role\"}".into(),
            };
            audit::append(&tx, &e).await.unwrap();
        }
        tx.commit().await.unwrap();
        done = audit::size(app.db().conn()).await.unwrap();
    }
    let fill = start.elapsed();
    println!(
        "records: {n}, appended in {:.1} s ({:.0}/s)",
        fill.as_secs_f64(),
        n as f64 / fill.as_secs_f64()
    );
    let t = Instant::now();
    app.checkpoint().await.unwrap().expect("a checkpoint");
    println!(
        "checkpoint (verify, then sign): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let v = app.verify_audit(&[]).await.unwrap();
    let full = t.elapsed().as_secs_f64();
    println!(
        "verify: {} records against {} checkpoint in {full:.2} s ({:.0} records/s)",
        v.size,
        v.checkpoints,
        v.size as f64 / full
    );
    let mut rows = Vec::with_capacity(n as usize);
    let mut after = 0;
    loop {
        let page = audit::stored_after(app.db().conn(), after, 100_000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.record.seq;
        rows.extend(page);
    }
    let t = Instant::now();
    let mut ceiling = Verifier::new(vec![]);
    for r in rows {
        ceiling.push(r).unwrap();
    }
    ceiling.finish().unwrap();
    let floor = t.elapsed().as_secs_f64();
    println!(
        "ceiling (the same records in memory, hashing and chaining only): {floor:.2} s; verify runs at {:.2} of it",
        floor / full
    );
}
