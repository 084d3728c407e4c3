//! Catalogue search benchmark: loads N generated procedures (default 10,000) into a fresh
//! database, then drives `GET /api/v1/procedures?q=…` over HTTP on loopback with C concurrent
//! clients for S seconds, and does the same against a minimal axum server answering a fixed
//! body (the machine's ceiling for HTTP, measured in the same run). Prints requests per second,
//! latency percentiles and the ratio to the ceiling.
//!
//!   cargo run --release -p motcua --example search_bench -- [--procedures 10000] [--seconds 10] [--concurrency 8] [--postgres]
//!
//! `--postgres` uses a fresh database on the server named by MOTCUA_TEST_POSTGRES_URL.
use std::time::{Duration, Instant};

use motcua_app::catalogue::{CatalogueSnapshot, FieldRecord, SectorRecord, ServiceRecord};
use motcua_testkit::{Engine, TestApp};
use serde_json::json;

const VERBS: &[&str] = &[
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Đăng ký",
    "Điều chỉnh",
    "Gia hạn",
    "Thu hồi",
    "Xác nhận",
    "Chứng thực",
    "Thẩm định",
    "Phê duyệt",
    "Công nhận",
];
const OBJECTS: &[&str] = &[
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "hộ kinh doanh",
    "khai sinh",
    "tạm trú",
    "thường trú",
    "giấy phép lái xe",
    "hộ chiếu phổ thông",
    "phiếu lý lịch tư pháp",
    "bản sao từ bản chính",
    "chữ ký người dịch",
    "giấy phép kinh doanh rượu",
    "chứng chỉ hành nghề dược",
    "giấy phép khai thác nước mặt",
    "hồ sơ hưởng trợ cấp xã hội",
    "hộ nghèo, hộ cận nghèo",
    "thẻ bảo hiểm y tế",
    "giấy phép biểu diễn nghệ thuật",
    "cơ sở giáo dục mầm non",
    "quỹ xã hội, quỹ từ thiện",
];
const QUALIFIERS: &[&str] = &[
    "đối với nhà ở riêng lẻ",
    "cho cá nhân",
    "cho tổ chức",
    "có yếu tố nước ngoài",
    "lần đầu",
    "khi bị mất, hư hỏng",
    "tại cấp xã",
    "tại cấp tỉnh",
    "theo thủ tục rút gọn",
    "trong khu công nghiệp",
];
const QUERIES: &[&str] = &[
    "giay phep xay dung",
    "cấp lại giấy phép lái xe",
    "dang ky ho kinh doanh",
    "khai sinh",
    "ly lich tu phap",
    "tạm trú",
    "chứng thực bản sao",
    "giay chung nhan quyen su dung dat",
    "the bao hiem y te",
    "ho ngheo",
    "đăng ký thường trú",
    "gia han",
];
const COMMUNES: &[&str] = &[
    "000.01.01.H53",
    "000.01.02.H53",
    "000.01.03.H53",
    "000.01.04.H53",
    "000.01.05.H53",
];

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn catalogue(n: usize) -> CatalogueSnapshot {
    let sectors: Vec<SectorRecord> = (0..6)
        .map(|s| SectorRecord {
            code: format!("S{s}"),
            name: format!("Ngành {s}"),
            fields: (0..2)
                .map(|f| FieldRecord {
                    code: format!("S{s}.F{f}"),
                    name: format!("Lĩnh vực {s}.{f}"),
                })
                .collect(),
        })
        .collect();
    let mut procedures = Vec::with_capacity(n);
    let mut services = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!(
            "{} {} {} (mẫu {})",
            VERBS[i % VERBS.len()],
            OBJECTS[(i / VERBS.len()) % OBJECTS.len()],
            QUALIFIERS[(i / 7) % QUALIFIERS.len()],
            i
        );
        let code = format!("{}.{:06}", 1 + i % 3, 100_000 + i);
        procedures.push(serde_json::from_value(json!({
            "code": code, "name": name, "field": format!("S{}.F{}", i % 6, i % 2), "gov_level": "commune",
            "steps": ["Bước 1: Nộp hồ sơ", "Bước 2: Giải quyết", "Bước 3: Trả kết quả"], "methods": ["in_person", "online"],
            "components": [{"id": "don", "name": "Đơn đề nghị theo mẫu", "quantity": 1, "original": "original", "required": true}],
            "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 5}}, {"channel": "online", "duration": {"unit": "working_days", "value": 5}}],
            "subjects": ["Công dân Việt Nam", "Tổ chức"], "implementing_agency": "UBND cấp xã", "deciding_agency": "UBND cấp xã", "result": "Văn bản chấp thuận",
            "fees": [{"channel": "in_person", "kind": "charge", "amount": 50000}], "legal_basis": ["Căn cứ pháp lý mẫu"]
        })).unwrap());
        services.push(ServiceRecord {
            procedure: code,
            agency: COMMUNES[i % COMMUNES.len()].into(),
            level: [2, 3, 4][i % 3],
            classification: None,
            online_time: None,
            form_schema: json!({"type": "object", "title": "Tờ khai", "properties": {"ho_ten": {"type": "string", "title": "Họ và tên"}}, "required": ["ho_ten"]}),
            process: serde_json::from_value(json!([{"name": "Xử lý", "role": "specialist", "budget": {"unit": "working_days", "value": 4}}])).unwrap(),
        });
    }
    CatalogueSnapshot {
        sectors,
        procedures,
        services,
    }
}

struct Run {
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    errors: u64,
}

async fn drive(base: String, paths: Vec<String>, seconds: u64, concurrency: u64) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let client = client.clone();
        let base = base.clone();
        let paths = paths.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w as usize;
            while Instant::now() < end {
                let url = format!("{base}{}", paths[i % paths.len()]);
                i += 1;
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Run {
        rps: all.len() as f64 / seconds as f64,
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
        errors,
    }
}

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

    let ceiling = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ceiling_base = format!("http://{}", ceiling.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            ceiling,
            axum::Router::new().route("/", axum::routing::get(|| async { "ok" })),
        )
        .await
    });

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
    let ceil = drive(ceiling_base, vec!["/".into()], seconds, concurrency).await;
    let search = drive(t.base.clone(), paths, seconds, concurrency).await;
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
