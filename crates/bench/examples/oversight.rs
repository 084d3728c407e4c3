//! How long oversight reports take on a year of dossiers (R9.6): N dossiers (default 1,000,000)
//! received through 2025 at the demo's agencies, with every channel, stage, outcome and desk
//! mark; then the province's and one agency's statistics and Decision 766 scorecard, as an
//! inspector asks for them. In the same run, the ceiling for the same work: counting the same
//! rows of the period with one `COUNT(*)` (the least any report over them must read). Prints
//! each time (best of three), the ceiling and the ratio.
//!
//! `cargo run --release -p motcua-bench --example oversight [-- N]` (SQLite in a temporary
//! folder; `MOTCUA_BENCH_DATABASE_URL=postgres://…` for PostgreSQL).
use std::sync::Arc;
use std::time::Instant;

use motcua_app::oversight::ReportQuery;
use motcua_app::{App, Config};
use motcua_domain::SystemClock;
use motcua_domain::account::Role;
use motcua_domain::catalogue::Duration;
use motcua_domain::deadline::Timeliness;
use motcua_domain::dossier::Intake;
use motcua_domain::lifecycle::Stage;
use motcua_domain::record::Marks;
use motcua_store::dossiers::{self as ds, Dossier};

const STAGES: [Stage; 8] = [
    Stage::Submitted,
    Stage::Accepted,
    Stage::Examining,
    Stage::ProposedResolve,
    Stage::Resolved,
    Stage::Returned,
    Stage::Returned,
    Stage::Refused,
];

/// A dossier with facts drawn from `k`.
fn dossier(
    k: u64,
    target: &(uuid::Uuid, uuid::Uuid, uuid::Uuid),
    year: jiff::Timestamp,
) -> Dossier {
    let h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
    let at = year + jiff::SignedDuration::from_secs((h % 31_536_000) as i64);
    let stage = STAGES[(h % 8) as usize];
    let accepted = !matches!(stage, Stage::Submitted | Stage::Refused);
    let finished = matches!(stage, Stage::Resolved | Stage::Returned);
    let intake = [
        Intake::Online,
        Intake::Online,
        Intake::InPerson,
        Intake::Postal,
    ][(h % 4) as usize];
    let outcome = finished
        .then(|| [Timeliness::Early, Timeliness::OnTime, Timeliness::Late][(h / 8 % 3) as usize]);
    Dossier {
        code: Some(format!("B-{k:08}")),
        form: serde_json::json!({}),
        applicant_name: format!("Người nộp {k}"),
        submitted_at: Some(at),
        received_at: accepted.then_some(at),
        appointment_at: accepted.then(|| at + jiff::SignedDuration::from_hours(24 * 21)),
        time_to_result: Some(Duration::WorkingDays { value: 15.0 }),
        outcome,
        finished_at: finished.then(|| at + jiff::SignedDuration::from_hours(24 * 10)),
        repeat_requests: i32::from(h.is_multiple_of(50)),
        marks: Marks {
            intake_late: h.is_multiple_of(23),
            handover_late: accepted && h.is_multiple_of(17),
            late_by_count: accepted && h.is_multiple_of(97),
            office_secs: finished.then_some(8 * 27_000 + (h % 100_000) as i64),
        },
        ..Dossier::blank(target.1, target.2, target.0, intake, stage, at)
    }
}

async fn best_of_three<F, Fut>(f: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        f().await;
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::args()
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
    app.load_demo().await.unwrap();
    let conn = app.db().conn();
    let mut targets = vec![];
    for a in motcua_store::agencies::list_agencies(conn).await.unwrap() {
        if let Some(s) = motcua_store::catalogue::services_of_agency(conn, a.id)
            .await
            .unwrap()
            .first()
        {
            let v = motcua_store::catalogue::versions(conn, s.procedure_id)
                .await
                .unwrap()
                .remove(0);
            targets.push((a.id, s.id, v.id, a.code.clone()));
        }
    }
    let year: jiff::Timestamp = "2024-12-31T17:00:00Z".parse().unwrap();
    let start = Instant::now();
    let mut k = 0;
    while k < n {
        let tx = app.db().write().await.unwrap();
        let rows: Vec<Dossier> = (k..(k + 1000).min(n))
            .map(|k| {
                let t = &targets[(k % targets.len() as u64) as usize];
                dossier(k, &(t.0, t.1, t.2), year)
            })
            .collect();
        ds::insert_dossiers(&tx, &rows).await.unwrap();
        tx.commit().await.unwrap();
        k += 1000;
    }
    println!(
        "dossiers: {n} at {} agencies, loaded in {:.1} s",
        targets.len(),
        start.elapsed().as_secs_f64()
    );
    app.db().analyze().await.unwrap();
    let province = app.agency_by_code("000.00.00.H53").await.unwrap();
    let (_, tok) = motcua_bench::staff(&app, "thanhtra.bench", Role::Inspector, province.id).await;
    let s = app.resolve_api_token(&tok).await.unwrap().unwrap();
    let (from, to) = (
        jiff::civil::date(2025, 1, 1),
        jiff::civil::date(2025, 12, 31),
    );
    let whole = ReportQuery {
        agency: None,
        from,
        to,
    };
    let one = ReportQuery {
        agency: Some(targets[0].3.clone()),
        ..whole.clone()
    };
    let scope = motcua_store::reports::Scope {
        agency: None,
        from: year,
        to: "2025-12-31T17:00:00Z".parse().unwrap(),
        now: jiff::Timestamp::now(),
    };
    let ceiling = best_of_three(|| async {
        motcua_store::reports::received(app.db().conn(), &scope)
            .await
            .unwrap();
    })
    .await;
    println!("ceiling: COUNT(*) of the period's dossiers, {ceiling:.3} s");
    for (what, q) in [("province", &whole), ("one agency", &one)] {
        let st = best_of_three(|| async {
            app.statistics(&s, q).await.unwrap();
        })
        .await;
        let sc = best_of_three(|| async {
            app.scorecard(&s, q).await.unwrap();
        })
        .await;
        println!(
            "{what}: statistics {st:.3} s ({:.1}× the ceiling), scorecard {sc:.3} s ({:.1}×)",
            st / ceiling,
            sc / ceiling
        );
    }
}
