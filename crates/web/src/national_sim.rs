//! A stand-in for the national public service portal (DVCQG), for the tests, the demo and
//! integrators (`motcua national simulate --listen ADDR`). It speaks the sync motcua speaks
//! (domain.md §2.7): it takes motcua's status updates (`POST /api/capnhat`, the shared key as
//! bearer token), keeps each dossier's status history (`GET /status/{code}`), serves the papers
//! of the dossiers it submits (`GET /files/{id}`), and submits dossiers to motcua
//! (`POST /submit`), payments made on it (`POST /pay`) and results the person received there
//! (`POST /deliver-result`). It can be told (`POST /control`) to fail the next updates (an outage), to
//! take the next updates but answer as if it failed (so that motcua delivers them again), and to
//! deliver each submission twice. It is a simulator of an outside service, nothing more: it
//! keeps everything in memory.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Where the simulator sends dossiers and how it is reached.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// motcua's base URL.
    pub motcua: String,
    /// The key both sides present.
    pub key: String,
    /// The simulator's own base URL (the papers' addresses).
    pub public: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub status: u8,
    pub at: String,
    #[serde(skip)]
    pub seq: i64,
}

/// What the simulator can be told.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Control {
    /// Answer 503 to the next this many updates, recording nothing (an outage).
    pub fail: u32,
    /// Record the next this many updates but answer 503 (a lost acknowledgement: motcua
    /// delivers them again).
    pub drop_ack: u32,
    /// Deliver each submission to motcua twice.
    pub duplicate: bool,
}

#[derive(Default)]
struct State_ {
    history: BTreeMap<String, Vec<Entry>>,
    /// The payments motcua reported, per dossier.
    payments: BTreeMap<String, Vec<Value>>,
    /// The last number taken per dossier.
    last: HashMap<String, i64>,
    control: Control,
    files: HashMap<String, Vec<u8>>,
    updates: u64,
    repeats: u64,
    out_of_order: u64,
    next_file: u64,
}

type Shared = (Arc<Mutex<State_>>, Arc<SimConfig>);

/// The simulator's routes.
pub fn router(cfg: SimConfig) -> Router {
    let shared: Shared = (Arc::new(Mutex::new(State_::default())), Arc::new(cfg));
    Router::new()
        .route("/api/capnhat", post(update))
        .route("/status/{code}", get(status))
        .route("/files/{id}", get(file))
        .route("/control", post(control))
        .route("/stats", get(stats))
        .route("/submit", post(submit))
        .route("/pay", post(pay))
        .route("/deliver-result", post(deliver_result))
        .with_state(shared)
}

/// Serves the simulator on `listener` until `stop`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cfg: SimConfig,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(cfg))
        .with_graceful_shutdown(stop)
        .await
}

fn keyed(headers: &HeaderMap, key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|k| k.trim() == key)
}

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, State_> {
    s.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// motcua's update (a status, or a payment): recorded once per number, in order per dossier.
async fn update(State(s): State<Shared>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if !keyed(&headers, &s.1.key) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut st = lock(&s);
    if st.control.fail > 0 {
        st.control.fail -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "bảo trì").into_response();
    }
    let (Some(code), Some(seq)) = (b["MaHoSo"].as_str(), b["SoThuTu"].as_i64()) else {
        return (StatusCode::BAD_REQUEST, "thiếu trường").into_response();
    };
    st.updates += 1;
    let last = st.last.get(code).copied().unwrap_or(0);
    if seq <= last {
        st.repeats += 1;
    } else if seq != last + 1 {
        st.out_of_order += 1;
        return (StatusCode::CONFLICT, "sai thứ tự").into_response();
    } else {
        st.last.insert(code.to_string(), seq);
        if b["LoaiCapNhat"] == "ThanhToan" {
            st.payments
                .entry(code.to_string())
                .or_default()
                .push(b.clone());
        } else {
            st.history.entry(code.to_string()).or_default().push(Entry {
                status: b["TrangThai"].as_u64().unwrap_or(0) as u8,
                at: b["ThoiDiemXuLy"].as_str().unwrap_or_default().to_string(),
                seq,
            });
        }
    }
    if st.control.drop_ack > 0 {
        st.control.drop_ack -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "mất xác nhận").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn status(State(s): State<Shared>, Path(code): Path<String>) -> Response {
    let st = lock(&s);
    match st.history.get(&code) {
        Some(h) => {
            let paid = st.payments.get(&code).cloned().unwrap_or_default();
            Json(json!({"code": code, "history": h, "payments": paid})).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn file(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !keyed(&headers, &s.1.key) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match lock(&s).files.get(&id) {
        Some(b) => b.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn control(State(s): State<Shared>, Json(c): Json<Control>) -> Json<Control> {
    let mut st = lock(&s);
    st.control = c;
    Json(st.control.clone())
}

async fn stats(State(s): State<Shared>) -> Json<Value> {
    let st = lock(&s);
    Json(json!({"updates": st.updates, "repeats": st.repeats, "out_of_order": st.out_of_order}))
}

/// A dossier to submit: the national fields but the papers' addresses and hashes, which the
/// simulator fills in from the files given.
#[derive(Debug, Deserialize)]
pub struct Submission {
    pub dossier: Value,
    /// `{component, name, base64}` per paper.
    pub files: Vec<FileIn>,
    /// Give a paper a wrong hash (to see motcua refuse it).
    #[serde(default)]
    pub corrupt_hash: bool,
}

#[derive(Debug, Deserialize)]
pub struct FileIn {
    pub component: String,
    pub name: String,
    pub base64: String,
}

/// Submits a dossier to motcua (twice when told to duplicate); answers motcua's answers.
async fn submit(State(s): State<Shared>, Json(sub): Json<Submission>) -> Response {
    let mut d = sub.dossier;
    let mut components: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for f in sub.files {
        let bytes = match base64::engine::general_purpose::STANDARD.decode(&f.base64) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("{}: base64: {e}", f.name);
                return (StatusCode::BAD_REQUEST, why).into_response();
            }
        };
        let mut hash = hex::encode(Sha256::digest(&bytes));
        if sub.corrupt_hash {
            hash = hex::encode(Sha256::digest(b"another file"));
        }
        let id = {
            let mut st = lock(&s);
            st.next_file += 1;
            let id = format!("gt{}", st.next_file);
            st.files.insert(id.clone(), bytes);
            id
        };
        components.entry(f.component).or_default().push(json!({
            "IdGiayTo": id, "TenGiayTo": f.name, "HashTepTin": hash,
            "DuongDanTepTin": format!("{}/files/{id}", s.1.public),
        }));
    }
    d["ThanhPhanHoSo"] = components
        .into_iter()
        .map(|(c, papers)| json!({"MaThanhPhanHoSo": c, "GiayToDinhKem": papers}))
        .collect();
    deliver(&s, "/api/v1/national/dossiers", &d).await
}

/// Reports to motcua a payment made on the portal (`MaHoSo`, `SoTien`, `MaGiaoDich`,
/// `ThoiDiemThanhToan`); answers motcua's answers (twice when told to duplicate).
async fn pay(State(s): State<Shared>, Json(p): Json<Value>) -> Response {
    deliver(&s, "/api/v1/national/payments", &p).await
}

/// Reports to motcua that the person received the result on the portal (`MaHoSo`,
/// `MaKetQua`, `ThoiDiemNhan`).
async fn deliver_result(State(s): State<Shared>, Json(r): Json<Value>) -> Response {
    deliver(&s, "/api/v1/national/returns", &r).await
}

/// Posts to motcua (twice when told to duplicate); answers motcua's answers.
async fn deliver(s: &Shared, path: &str, body: &Value) -> Response {
    let times = if lock(s).control.duplicate { 2 } else { 1 };
    let http = reqwest::Client::new();
    let mut answers = vec![];
    for _ in 0..times {
        let r = http
            .post(format!("{}{path}", s.1.motcua))
            .bearer_auth(&s.1.key)
            .json(body)
            .send()
            .await;
        answers.push(match r {
            Ok(r) => {
                let status = r.status().as_u16();
                json!({"status": status, "body": r.json::<Value>().await.unwrap_or(Value::Null)})
            }
            Err(e) => json!({"status": 0, "body": e.to_string()}),
        });
    }
    Json(json!({"answers": answers})).into_response()
}
