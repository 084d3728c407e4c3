//! IPN benchmark (R7.2b): the gateway's server-to-server reports over loopback HTTP. N dossiers
//! each have a pending online payment; N signed reports confirm them (verify the signature, find
//! the order, lock the dossier, settle once, number the receipt, queue the notice, keep the
//! report, audit, commit), then the same N again as the gateway's retries (answered "already
//! confirmed"). Two ceilings, in the same run at the same concurrency: the machine's minimal HTTP
//! server answering GETs of the same length, and the database's smallest durable write (one
//! report row per transaction through the same pool), since every report is kept.
//!
//!   cargo run --release -p motcua-bench --example ipn -- [--reports 2000] [--concurrency 16] [--postgres]
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use motcua_bench::{Load, arg, ceiling_server, load_dossiers};
use motcua_domain::fees::{Method, Payment, PaymentState, channel_fee};
use motcua_domain::vnpay;
use motcua_testkit::{Engine, TestApp};

/// Requests per second, p50 and p99 in ms, and how many answers were `want`.
struct Figures {
    rps: f64,
    p50: f64,
    p99: f64,
    matched: usize,
}

/// Sends every URL once from `concurrency` clients; `want` is the RspCode counted (or any 200).
async fn send_all(
    urls: Arc<Vec<String>>,
    concurrency: usize,
    want: Option<&'static str>,
) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency {
        let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            let mut matched = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(url) = urls.get(i) else { break };
                let t = Instant::now();
                let body = client.get(url).send().await.unwrap().text().await.unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                matched += usize::from(
                    want.is_none_or(|w| body.contains(&format!("\"RspCode\":\"{w}\""))),
                );
            }
            (lat, matched)
        }));
    }
    let mut all = vec![];
    let mut matched = 0;
    for t in tasks {
        let (l, m) = t.await.unwrap();
        all.extend(l);
        matched += m;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Figures {
        rps: all.len() as f64 / secs,
        p50: pct(0.50),
        p99: pct(0.99),
        matched,
    }
}

/// The smallest durable write the IPN makes: one report row in its own transaction, from
/// `concurrency` tasks; answers transactions per second.
async fn durable_writes(app: &motcua_app::App, n: usize, concurrency: usize) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency {
        let (app, next) = (app.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let tx = app.db().write().await.unwrap();
                let r = motcua_domain::fees::GatewayReport {
                    id: uuid::Uuid::now_v7(),
                    txn_ref: "CEILING".into(),
                    gateway_txn: "0".into(),
                    amount: 0,
                    response_code: "00".into(),
                    transaction_status: "00".into(),
                    payment_id: None,
                    answer: "01".into(),
                    received_at: jiff::Timestamp::UNIX_EPOCH,
                };
                motcua_store::payments::insert_report(&tx, &r)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = arg("--reports", 2000);
    let concurrency = arg("--concurrency", 16) as usize;
    let engine = if std::env::args().any(|a| a == "--postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let t = TestApp::spawn_with(engine, |c| c.worker = false).await;
    t.demo().await;
    let agency = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    // A service of Cẩm Thành whose online dossiers owe a fee.
    let conn = t.app.db().conn();
    let today = jiff::civil::date(2026, 3, 2);
    let mut chosen = None;
    for s in motcua_store::catalogue::services_of_agency(conn, agency.id)
        .await
        .unwrap()
    {
        let v = motcua_store::catalogue::current_version(conn, s.procedure_id, today)
            .await
            .unwrap()
            .unwrap();
        let fee = channel_fee(&v.body.fees, motcua_domain::catalogue::Channel::Online);
        if fee > 0 {
            chosen = Some((s.id, v.id, fee));
            break;
        }
    }
    let (service_id, version_id, fee) = chosen.expect("a service with an online fee");
    let codes = load_dossiers(
        &t.app,
        &Load {
            agency: &agency,
            service_id,
            version_id,
            n,
            waiting: n,
            all_submitted: true,
            specialist: uuid::Uuid::nil(),
            owner: None,
            day_offset: 0,
        },
        t.app.now(),
    )
    .await;
    // One pending payment per dossier, as `POST …/payments` leaves it.
    let secret = t.app.sandbox_secret().expect("the sandbox's secret");
    let mut urls = Vec::with_capacity(codes.len());
    let tx = t.app.db().write().await.unwrap();
    for (i, code) in codes.iter().enumerate() {
        let d = motcua_store::dossiers::find_by_code(&tx, code)
            .await
            .unwrap()
            .unwrap();
        let txn_ref = format!("BENCH{i:010}");
        let p = Payment {
            id: uuid::Uuid::now_v7(),
            dossier_id: d.id,
            agency_id: d.agency_id,
            amount: fee,
            method: Method::Vnpay,
            state: PaymentState::Pending,
            txn_ref: Some(txn_ref.clone()),
            gateway_txn: None,
            reference: None,
            created_at: t.app.now(),
            confirmed_at: None,
            recorded_by: None,
        };
        motcua_store::payments::insert_payment(&tx, &p)
            .await
            .unwrap();
        let mut q: BTreeMap<String, String> = [
            ("vnp_TmnCode", "MOTCUADEV".to_string()),
            ("vnp_Amount", (fee * 100).to_string()),
            ("vnp_ResponseCode", "00".into()),
            ("vnp_TransactionStatus", "00".into()),
            ("vnp_TransactionNo", format!("{}", 14_000_000 + i)),
            ("vnp_TxnRef", txn_ref),
            ("vnp_PayDate", "20260302090000".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let hash = vnpay::sign(secret.as_bytes(), &q);
        q.insert("vnp_SecureHash".into(), hash.clone());
        urls.push(format!(
            "{}/api/v1/payments/vnpay/ipn?{}&vnp_SecureHash={hash}",
            t.base,
            vnpay::signed_data(&q)
        ));
    }
    tx.commit().await.unwrap();
    let urls = Arc::new(urls);
    // Ceiling: GETs of the same length to the minimal server.
    let ceiling = ceiling_server().await;
    let ceiling_urls: Vec<String> = urls
        .iter()
        .map(|u| format!("{ceiling}/?{}", u.split_once('?').unwrap().1))
        .collect();
    let top = send_all(Arc::new(ceiling_urls), concurrency, None).await;
    let disk = durable_writes(&t.app, n as usize, concurrency).await;
    let first = send_all(urls.clone(), concurrency, Some("00")).await;
    let again = send_all(urls.clone(), concurrency, Some("02")).await;
    assert_eq!(first.matched, urls.len(), "every report confirmed once");
    assert_eq!(
        again.matched,
        urls.len(),
        "every retry answered 'already confirmed'"
    );
    println!(
        "| engine | reports | path | IPN/s | p50 ms | p99 ms | HTTP ceiling req/s | ratio | durable writes/s | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (path, f) in [("confirm (00)", &first), ("retry (02)", &again)] {
        println!(
            "| {engine:?} | {n} | {path} | {:.0} | {:.1} | {:.1} | {:.0} | {:.3} | {disk:.0} | {:.2} |",
            f.rps,
            f.p50,
            f.p99,
            top.rps,
            f.rps / top.rps,
            f.rps / disk
        );
    }
    println!(
        "ceiling p50 {:.2} ms, p99 {:.2} ms at concurrency {concurrency}",
        top.p50, top.p99
    );
}
