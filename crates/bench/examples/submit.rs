//! Submission benchmark: each submission creates a draft, uploads two 1 MB attachments and
//! submits, over HTTP on loopback, at 1, 4 and 16 concurrent clients. The ceiling is the machine's
//! durable write of the same two files (write, fsync, rename, fsync of the folder) at the same
//! concurrency, measured in the same run.
//!
//!   cargo run --release -p motcua-bench --example submit -- [--seconds 8] [--postgres]
use std::time::{Duration, Instant};

use motcua_bench::arg;
use motcua_testkit::{Client, Engine, TestApp, pdf, pdf_tagged};
use reqwest::Method;
use serde_json::json;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

fn answers() -> serde_json::Value {
    json!({"ho_ten": "Phạm Văn Bình", "so_dinh_danh": "051095001234", "ngay_khoi_cong": "2026-04-01", "so_tang": 3, "loai_cong_trinh": "nha_o", "nop_thay": false,
           "dia_diem": {"province": "Quảng Ngãi", "commune": "Phường Cẩm Thành", "detail": "12 Lê Lợi"}, "ban_ve": [{"ten": "Mặt bằng"}]})
}

async fn one_submission(c: &mut Client, tok: &str, n: u64) -> bool {
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(tok),
            Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": answers()})),
        )
        .await;
    if r.status != 201 {
        return false;
    }
    let id = r.json()["id"].as_str().unwrap().to_string();
    for comp in ["don", "ban-ve"] {
        let body = pdf_tagged(&format!("{n}-{comp}"), 1024 * 1024);
        if c.upload(tok, &id, comp, &format!("{comp}.pdf"), body)
            .await
            .status
            != 201
        {
            return false;
        }
    }
    c.json_with(
        Method::POST,
        &format!("/api/v1/dossiers/{id}/submit"),
        Some(tok),
        &[("idempotency-key", &format!("bench-{n}"))],
        Some(json!({"declaration_accepted": true})),
    )
    .await
    .status
        == 200
}

async fn durable_pair(dir: std::path::PathBuf, n: u64) {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        for k in 0..2 {
            let tmp = dir.join(format!("{n}-{k}.part"));
            let mut f = std::fs::File::create(&tmp).unwrap();
            f.write_all(&pdf(1024 * 1024)).unwrap();
            f.sync_all().unwrap();
            std::fs::rename(&tmp, dir.join(format!("{n}-{k}"))).unwrap();
            std::fs::File::open(&dir).unwrap().sync_all().unwrap();
        }
    })
    .await
    .unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = arg("--seconds", 8);
    let engine = if std::env::args().any(|a| a == "--postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let t = TestApp::spawn_with(engine, |c| {
        c.test_routes = false;
        c.dossiers.max_person_mb = 10_000_000;
    })
    .await;
    t.demo().await;
    let cat: motcua_app::catalogue::CatalogueSnapshot =
        serde_json::from_str(include_str!("../../motcua/tests/it/fixture_catalogue.json")).unwrap();
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &cat,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    let pw = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == "051095001234")
        .unwrap()
        .password;
    // One log-in shared by every client: the log-in throttle refuses a crowd of attempts on one
    // account from one address, as it should.
    let tok = Client::new(&t.base).token("051095001234", &pw).await;
    let scratch = tempfile::tempdir().unwrap();
    println!(
        "| clients | submissions/s | p50 ms | p95 ms | p99 ms | errors | ceiling (durable writes of the same files)/s | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut counter = 0u64;
    for clients in [1u64, 4, 16] {
        // Ceiling first.
        let end = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for w in 0..clients {
            let dir = scratch.path().to_path_buf();
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < end {
                    durable_pair(dir.clone(), w * 1_000_000 + n).await;
                    n += 1;
                }
                n
            }));
        }
        let mut ceiling = 0;
        for task in tasks {
            ceiling += task.await.unwrap();
        }
        for e in std::fs::read_dir(scratch.path()).unwrap() {
            let _ = std::fs::remove_file(e.unwrap().path());
        }
        let ceiling_rate = ceiling as f64 / seconds as f64;
        // motcua.
        let end = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for w in 0..clients {
            let base = t.base.clone();
            let tok = tok.clone();
            let start = counter + w * 1_000_000;
            tasks.push(tokio::spawn(async move {
                let mut c = Client::new(&base);
                let mut lat = Vec::new();
                let mut errors = 0u64;
                let mut n = start;
                while Instant::now() < end {
                    let t0 = Instant::now();
                    if one_submission(&mut c, &tok, n).await {
                        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors += 1;
                    }
                    n += 1;
                }
                (lat, errors)
            }));
        }
        let mut lat = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (l, e) = task.await.unwrap();
            lat.extend(l);
            errors += e;
        }
        counter += 100_000_000;
        let rate = lat.len() as f64 / seconds as f64;
        println!(
            "| {clients} | {rate:.1} | {:.1} | {:.1} | {:.1} | {errors} | {ceiling_rate:.1} | {:.2} |",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.95),
            pct(&mut lat, 0.99),
            rate / ceiling_rate
        );
    }
    eprintln!("engine: {engine:?}");
}
