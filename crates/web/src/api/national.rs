//! The national public service portal's side of the API (R6.1, R9.2): the portal delivers the
//! dossiers submitted on it, authenticated by the shared key (`national.key`) as its bearer
//! token. Field names are the national sync's.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_domain::national::{Incoming, PaidOnPortal, ResultReceived};
use serde::Serialize;
use utoipa::ToSchema;

use super::kit::{Caller, json_body, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/national/dossiers", Portal, receive)
        .post("/api/v1/national/payments", Portal, paid)
        .post("/api/v1/national/returns", Portal, returned)
}

/// The key the caller presents (the routes refuse a request without one before its body is
/// read; the use case checks it is the portal's).
fn portal_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| AppError::Unauthenticated.into())
}

/// What motcua made of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedOut {
    /// The dossier's code (the portal's `MaHoSo`).
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// `true` when this delivery made the dossier; `false` for a repeated delivery.
    #[serde(rename = "MoiTao")]
    pub created: bool,
}

/// Receives a dossier submitted on the national portal: `MaHoSo`, `MaTTHC`, `MaDonViTiepNhan`,
/// `NgayNop`, `ThongTinNguoiNop` (`HoVaTen`, `SoDinhDanh`, `SoDienThoai`, `Email`),
/// `DuLieuToKhai` (the declaration, keyed as the service's form) and `ThanhPhanHoSo`
/// (`MaThanhPhanHoSo`, `GiayToDinhKem`: `IdGiayTo`, `TenGiayTo`, `HashTepTin` as SHA-256 hex,
/// `DuongDanTepTin` under the portal's address). Every paper is fetched and checked against its
/// hash before anything is stored. Idempotent by `MaHoSo`.
#[utoipa::path(post, path = "/api/v1/national/dossiers", tag = tags::DOSSIERS, request_body = Incoming, security(("bearer" = [])),
    responses((status = 201, body = ReceivedOut, description = "made"), (status = 200, body = ReceivedOut, description = "delivered before: the dossier already made"),
        (status = 401, description = "not the portal's key"), (status = 404, description = "the portal is not connected, or no such procedure at that agency"),
        (status = 422, description = "a field, the declaration, a component, a paper's kind, size, hash, parsing or malware scan refused (`errors` says which)"),
        (status = 503, description = "a paper could not be fetched from the portal, or the malware scanner does not answer; deliver again later")))]
pub async fn receive(
    c: Caller,
    headers: HeaderMap,
    body: Result<Json<Incoming>, JsonRejection>,
) -> Result<Response, ApiError> {
    let key = portal_key(&headers)?;
    let inc = json_body(body)?;
    let r = c.s.app.receive_from_portal(&c.ctx(), key, inc).await?;
    let status = if r.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ReceivedOut {
            code: r.code,
            created: r.created,
        }),
    )
        .into_response())
}

/// What motcua made of a payment report.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaidOut {
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// `true` when this report recorded the payment; `false` for a repeated report.
    #[serde(rename = "DaGhiNhan")]
    pub recorded: bool,
}

/// Reports a payment made on the national portal's platform for a dossier: `MaHoSo`, `SoTien`
/// (đồng; it must be what the dossier owes now), `MaGiaoDich` (the portal's reference; a repeat
/// changes nothing), `ThoiDiemThanhToan`. motcua issues the receipt.
#[utoipa::path(post, path = "/api/v1/national/payments", tag = tags::PAYMENTS, request_body = PaidOnPortal, security(("bearer" = [])),
    responses((status = 201, body = PaidOut, description = "recorded"), (status = 200, body = PaidOut, description = "reported before"),
        (status = 401, description = "not the portal's key"), (status = 404, description = "the portal is not connected, or no such dossier"),
        (status = 409, description = "nothing to pay now, or another amount than the dossier owes"),
        (status = 422, description = "a field refused (`errors` says which)")))]
pub async fn paid(
    c: Caller,
    headers: HeaderMap,
    body: Result<Json<PaidOnPortal>, JsonRejection>,
) -> Result<Response, ApiError> {
    let key = portal_key(&headers)?;
    let p = json_body(body)?;
    let code = p.code.clone();
    let recorded =
        c.s.app
            .receive_payment_from_portal(&c.ctx(), key, p)
            .await?;
    let status = if recorded {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(PaidOut { code, recorded })).into_response())
}

/// What motcua made of a report that the person received the result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnedOut {
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// `true` when this report returned the dossier; `false` when it was returned before.
    #[serde(rename = "DaTraKetQua")]
    pub returned: bool,
}

/// Reports that the person received the electronic result on the national portal: `MaHoSo`,
/// `MaKetQua` (the result's register number motcua sent), `ThoiDiemNhan`. motcua records the
/// return ("Trả kết quả trực tuyến", national status 10) with every check a desk's return has.
#[utoipa::path(post, path = "/api/v1/national/returns", tag = tags::PROCESSING, request_body = ResultReceived, security(("bearer" = [])),
    responses((status = 201, body = ReturnedOut, description = "returned"), (status = 200, body = ReturnedOut, description = "returned before"),
        (status = 401, description = "not the portal's key"), (status = 404, description = "the portal is not connected, or no such dossier"),
        (status = 409, description = "the dossier cannot be returned now (not resolved, or its fee unpaid; the message says why)"),
        (status = 422, description = "a field refused, or a result number not of this dossier (`errors` says which)")))]
pub async fn returned(
    c: Caller,
    headers: HeaderMap,
    body: Result<Json<ResultReceived>, JsonRejection>,
) -> Result<Response, ApiError> {
    let key = portal_key(&headers)?;
    let r = json_body(body)?;
    let code = r.code.clone();
    let returned = c.s.app.receive_return_from_portal(&c.ctx(), key, r).await?;
    let status = if returned {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ReturnedOut { code, returned })).into_response())
}
