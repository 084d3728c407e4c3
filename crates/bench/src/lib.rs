//! What motcua's benchmarks share: arguments, a generated catalogue, generated dossiers, and a
//! load driver that measures latency percentiles. Every benchmark of motcua lives in this crate:
//! the load benchmark is `src/main.rs` (`cargo run --release -p motcua-bench`), the others are
//! its examples (`cargo run --release -p motcua-bench --example NAME`): `search`, `submit`,
//! `notice`, `worklist`, `calendar` and `ceiling`.
use std::future::Future;
use std::time::{Duration, Instant};

use motcua_app::catalogue::{CatalogueSnapshot, FieldRecord, SectorRecord, ServiceRecord};
use serde_json::json;

pub const VERBS: &[&str] = &[
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
pub const OBJECTS: &[&str] = &[
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
pub const QUALIFIERS: &[&str] = &[
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
pub const QUERIES: &[&str] = &[
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
pub const COMMUNES: &[&str] = &[
    "000.01.01.H53",
    "000.01.02.H53",
    "000.01.03.H53",
    "000.01.04.H53",
    "000.01.05.H53",
];

pub fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn catalogue(n: usize) -> CatalogueSnapshot {
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
            fee_due: Default::default(),
        });
    }
    CatalogueSnapshot {
        sectors,
        procedures,
        services,
    }
}

pub struct Run {
    pub rps: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub errors: u64,
}

/// Runs `f(worker, i)` in a loop on `concurrency` workers for `seconds`; `f` answers whether the
/// operation succeeded. Latency is measured per successful operation.
pub async fn drive_with<F, Fut>(seconds: f64, concurrency: u64, f: F) -> Run
where
    F: Fn(u64, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < end {
                let t = Instant::now();
                if f(w, i).await {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                i += 1;
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
        rps: all.len() as f64 / seconds,
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
        errors,
    }
}

/// Drives GET requests (with `bearer`, if any) at the paths in turn from `concurrency` clients for
/// `seconds`.
pub async fn drive(
    base: String,
    paths: Vec<String>,
    seconds: u64,
    concurrency: u64,
    bearer: Option<String>,
) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let paths = std::sync::Arc::new(paths);
    drive_with(seconds as f64, concurrency, move |w, i| {
        let client = client.clone();
        let url = format!("{base}{}", paths[(w + i * 7) as usize % paths.len()]);
        let bearer = bearer.clone();
        async move {
            let mut rb = client.get(&url);
            if let Some(b) = &bearer {
                rb = rb.bearer_auth(b);
            }
            match rb.send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await
}

/// Starts the machine's HTTP ceiling on loopback: a minimal axum server answering a fixed body.
pub async fn ceiling_server() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            l,
            axum::Router::new().route("/", axum::routing::get(|| async { "ok" })),
        )
        .await
    });
    base
}

/// Generated dossiers for the benchmarks.
pub struct Load<'a> {
    pub agency: &'a motcua_domain::agency::Agency,
    pub service_id: uuid::Uuid,
    pub version_id: uuid::Uuid,
    pub n: u64,
    /// How many are waiting (60 % at the desk, 25 % with the leader, 15 % with `specialist`);
    /// the rest are returned. With `all_submitted`, every one waits at the desk.
    pub waiting: u64,
    pub all_submitted: bool,
    pub specialist: uuid::Uuid,
    pub owner: Option<uuid::Uuid>,
    /// Days added to the codes' dates, so that two loads at one agency do not collide.
    pub day_offset: i64,
}

/// Inserts the dossiers in transactions of a thousand; answers their codes (in the configured
/// code format's shape: `<agency>-<yymmdd>-<NNNN>`).
pub async fn load_dossiers(
    app: &motcua_app::App,
    l: &Load<'_>,
    now: jiff::Timestamp,
) -> Vec<String> {
    use motcua_domain::catalogue::Duration;
    use motcua_domain::dossier::Intake;
    use motcua_domain::lifecycle::Stage;
    use motcua_store::dossiers::{self as ds, Dossier};
    let every = (l.n / l.waiting.max(1)).max(1);
    let mut codes = Vec::with_capacity(l.n as usize);
    let mut k = 0u64;
    while k < l.n {
        let tx = app.db().write().await.unwrap();
        let mut rows = Vec::with_capacity(1000);
        for k in k..(k + 1000).min(l.n) {
            let stage = if l.all_submitted {
                Stage::Submitted
            } else if k.is_multiple_of(every) && k / every < l.waiting {
                match (k / every) % 20 {
                    0..=11 => Stage::Submitted,
                    12..=16 => Stage::AwaitingAssignment,
                    _ => Stage::Examining,
                }
            } else {
                Stage::Returned
            };
            let at = now - jiff::SignedDuration::from_secs((k % 5_000_000) as i64);
            let due =
                now + jiff::SignedDuration::from_secs(((k * 7919) % 5_184_000) as i64 - 86_400);
            let day = jiff::civil::date(2024, 1, 1)
                .checked_add(jiff::Span::new().days(l.day_offset + (k / 9999) as i64))
                .unwrap();
            let code = format!(
                "{}-{}-{:04}",
                l.agency.code,
                day.strftime("%y%m%d"),
                k % 9999 + 1
            );
            let d = Dossier {
                code: Some(code.clone()),
                owner_id: l.owner,
                form: json!({"ho_ten": "Nguyễn Văn A"}),
                applicant_name: format!("Người nộp {k}"),
                phone_tail: Some("1234".into()),
                submitted_at: Some(at),
                appointment_at: (stage != Stage::Submitted).then_some(due),
                assignee_id: (stage == Stage::Examining).then_some(l.specialist),
                step_due_at: (stage != Stage::Returned).then_some(due),
                time_to_result: Some(Duration::WorkingDays { value: 5.0 }),
                ..Dossier::blank(
                    l.service_id,
                    l.version_id,
                    l.agency.id,
                    Intake::Online,
                    stage,
                    at,
                )
            };
            rows.push(d);
            codes.push(code);
        }
        ds::insert_dossiers(&tx, &rows).await.unwrap();
        tx.commit().await.unwrap();
        k += 1000;
    }
    codes
}

/// Creates a staff account with one role at an agency; answers its id and an API token.
pub async fn staff(
    app: &motcua_app::App,
    login: &str,
    role: motcua_domain::account::Role,
    agency: uuid::Uuid,
) -> (uuid::Uuid, String) {
    use motcua_app::staff::{By, NewStaff};
    let new = NewStaff {
        login: login.into(),
        full_name: login.into(),
        home_agency_id: Some(agency),
        ..Default::default()
    };
    let (u, pw) = app
        .create_staff(&Default::default(), By::Operator, &new)
        .await
        .unwrap();
    let g = motcua_domain::authz::Grant {
        role,
        agency_id: agency,
        unit_id: None,
    };
    app.grant_role(&Default::default(), By::Operator, u.id, &g)
        .await
        .unwrap();
    let (tok, _) = app
        .issue_api_token(&Default::default(), login, &pw.unwrap(), None)
        .await
        .unwrap();
    (u.id, tok)
}

/// The first service an agency offers and its version in force on 02/03/2026 (the test clock's
/// day): what generated dossiers point to.
pub async fn first_service(app: &motcua_app::App, agency: uuid::Uuid) -> (uuid::Uuid, uuid::Uuid) {
    let conn = app.db().conn();
    let service = motcua_store::catalogue::services_of_agency(conn, agency)
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
    (service.id, version.id)
}
