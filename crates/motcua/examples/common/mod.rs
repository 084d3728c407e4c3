//! What the HTTP benchmarks share: arguments, a generated catalogue, and the load driver.
#![allow(dead_code)] // each benchmark uses part of it
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
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let client = client.clone();
        let base = base.clone();
        let paths = paths.clone();
        let bearer = bearer.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w as usize;
            while Instant::now() < end {
                let url = format!("{base}{}", paths[i % paths.len()]);
                i += 1;
                let t = Instant::now();
                let mut rb = client.get(&url);
                if let Some(b) = &bearer {
                    rb = rb.bearer_auth(b);
                }
                match rb.send().await {
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
