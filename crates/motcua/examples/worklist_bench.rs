//! Worklist benchmark (issue 6): loads N dossiers (default 1,000,000) into a fresh database, most
//! of them finished and some waiting at the desk, the leader and one specialist, then drives
//! `GET /api/v1/worklist` (the first page, a page 10,000 dossiers deep, the leader's and the
//! specialist's lists) over HTTP on loopback, and a minimal axum server answering a fixed body
//! (the machine's ceiling for HTTP) in the same run. Also times the page's own database work
//! in-process. Prints requests per second, latency percentiles and the ratio to the ceiling.
//!
//!   cargo run --release -p motcua --example worklist_bench -- [--dossiers 1000000] [--waiting 20000] [--seconds 10] [--concurrency 4] [--postgres] [--no-analyze]
//!
//! After loading, the statistics are refreshed (`ANALYZE`; `VACUUM ANALYZE` on PostgreSQL, as
//! autovacuum would do soon after a bulk load) unless `--no-analyze` is given.
use std::time::Instant;

use motcua_domain::account::Role;
use motcua_domain::authz::Grant;
use motcua_domain::dossier::{Intake, State};
use motcua_domain::lifecycle::Stage;
use motcua_store::dossiers::{self as ds, DossierRow};
use motcua_testkit::{Engine, TestApp};
use uuid::Uuid;

mod common;
use common::{arg, catalogue, drive};

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
    let conn = t.app.db.conn();
    let service = motcua_store::catalogue::services_of_agency(conn, agency.id)
        .await
        .unwrap()
        .remove(0);
    let version = motcua_store::catalogue::current_version(
        conn,
        service.procedure_id,
        jiff::civil::date(2026, 3, 2),
    )
    .await
    .unwrap()
    .unwrap();

    // Staff: one per role, each with a token.
    let mut tokens = vec![];
    let mut specialist = Uuid::nil();
    for (login, role) in [
        ("tiepnhan.bench", Role::Reception),
        ("lanhdao.bench", Role::Leader),
        ("chuyenvien.bench", Role::Specialist),
    ] {
        let new = motcua_app::staff::NewStaff {
            login: login.into(),
            full_name: login.into(),
            home_agency_id: Some(agency.id),
            ..Default::default()
        };
        let (u, pw) = t
            .app
            .create_staff(&Default::default(), motcua_app::staff::By::Operator, &new)
            .await
            .unwrap();
        let g = Grant {
            role,
            agency_id: agency.id,
            unit_id: None,
        };
        t.app
            .grant_role(
                &Default::default(),
                motcua_app::staff::By::Operator,
                u.id,
                &g,
            )
            .await
            .unwrap();
        if role == Role::Specialist {
            specialist = u.id;
        }
        let (tok, _) = t
            .app
            .issue_api_token(&Default::default(), login, &pw.unwrap())
            .await
            .unwrap();
        tokens.push(tok);
    }

    // The dossiers: `waiting` spread over the desk (60 %), the leader (25 %) and the specialist
    // (15 %), the rest returned; due points spread over two months.
    let started = Instant::now();
    let t0 = t.app.now();
    let batch = 1000u64;
    let mut i = 0u64;
    while i < n {
        let tx = t.app.db.write().await.unwrap();
        let mut rows = Vec::with_capacity(batch as usize);
        for k in i..(i + batch).min(n) {
            let every = (n / waiting.max(1)).max(1);
            let stage = if k.is_multiple_of(every) && k / every < waiting {
                match (k / every) % 20 {
                    0..=11 => Stage::Submitted,
                    12..=16 => Stage::AwaitingAssignment,
                    _ => Stage::Examining,
                }
            } else {
                Stage::Returned
            };
            let at = t0 - jiff::SignedDuration::from_secs((k % 5_000_000) as i64);
            let due =
                t0 + jiff::SignedDuration::from_secs(((k * 7919) % 5_184_000) as i64 - 86_400);
            let mut d = DossierRow {
                id: Uuid::now_v7(),
                code: Some(format!("{AGENCY}-bench-{k:08}")),
                service_id: service.id,
                procedure_version_id: version.id,
                agency_id: agency.id,
                owner_id: None,
                registered_by: None,
                intake: Intake::Online,
                state: State::Submitted,
                form: serde_json::json!({"ho_ten": "Nguyễn Văn A"}),
                applicant_name: format!("Người nộp {k}"),
                phone_tail: Some("1234".into()),
                declaration: None,
                declared_at: None,
                submitted_at: Some(at),
                appointment_at: Some(due),
                supplement: None,
                created_at: at,
                updated_at: at,
                expires_at: None,
                version: 0,
                stage: None,
                assignee_id: (stage == Stage::Examining).then_some(specialist),
                step_due_at: (stage != Stage::Returned).then_some(due),
            };
            d.enter(stage);
            rows.push(d);
        }
        ds::insert_dossiers(&tx, &rows).await.unwrap();
        tx.commit().await.unwrap();
        i += batch;
        if i.is_multiple_of(100_000) {
            eprintln!("{i} dossiers…");
        }
    }
    eprintln!(
        "loaded {n} dossiers ({waiting} waiting) into {engine:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !std::env::args().any(|a| a == "--no-analyze") {
        let s = Instant::now();
        t.app.db.analyze().await.unwrap();
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
    let first: serde_json::Value = http
        .get(format!("{base}/api/v1/worklist?role=reception"))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    eprintln!(
        "desk: {} waiting, {} overdue; first due {}",
        first["total"], first["overdue"], first["items"][0]["step_due_at"]
    );

    // In-process: the page's database work alone (page + counts), sequentially.
    let session = t.app.resolve_api_token(&tokens[0]).await.unwrap().unwrap();
    let mut lat = vec![];
    for _ in 0..300 {
        let s = Instant::now();
        t.app
            .worklist(&session, Some(Role::Reception), None, None, 50)
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

    let ceiling = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ceiling_base = format!("http://{}", ceiling.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            ceiling,
            axum::Router::new().route("/", axum::routing::get(|| async { "ok" })),
        )
        .await
    });
    let ceil = drive(ceiling_base, vec!["/".into()], seconds, concurrency, None).await;
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
