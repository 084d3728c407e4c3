//! Fees and payments (R7.1b, R7.2b, R8.2c): the owner pays online, the gateway reports to the
//! IPN, the cashier records payments at the desk, refunds are approved and paid back, and the
//! daily statement is read as JSON, CSV or XLSX.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_domain::fees::{Method, Receipt, Refund};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dossier_out::ReceiptOut;
use super::kit::{Caller, dossier_id, json_body, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/dossiers/{dossier}/payments", Signed, start)
        .post("/api/v1/dossiers/{dossier}/receipts", Signed, record)
        .get("/api/v1/payments/vnpay/ipn", Public, ipn)
        .get("/api/v1/refunds", Signed, refunds)
        .post("/api/v1/refunds/{id}/approve", Signed, approve)
        .post("/api/v1/refunds/{id}/pay-back", Signed, pay_back)
        .get("/api/v1/statements/{day}", Signed, statement)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentStartedOut {
    pub id: String,
    /// Đồng.
    pub amount: i64,
    /// The reference sent to the gateway (`vnp_TxnRef`).
    pub txn_ref: String,
    /// Where to send the person's browser: the gateway's page with the signed request.
    pub payment_url: String,
}

/// The owner starts paying what is left of the fee online; the payment becomes final only when
/// the gateway reports it to the IPN.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/payments", tag = tags::PAYMENTS, params(("dossier" = String, Path, description = "Dossier id or code")), security(("bearer" = [])), responses((status = 201, body = PaymentStartedOut), (status = 401), (status = 404, description = "Not the caller's dossier"), (status = 409, description = "Nothing to pay now, or no online gateway")))]
pub async fn start(c: Caller, Path(key): Path<String>) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let p = c.s.app.start_payment(&c.ctx(), sess, id).await?;
    let out = PaymentStartedOut {
        id: p.id.to_string(),
        amount: p.amount,
        txn_ref: p.txn_ref,
        payment_url: p.payment_url,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    /// cash, card, national_portal, postal_order, bank_transfer or exemption.
    #[schema(
        example = "cash",
        pattern = "^(cash|card|national_portal|postal_order|bank_transfer|exemption)$"
    )]
    pub method: String,
    /// The outside reference (required but for cash and card); for an exemption, its ground.
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedOut {
    pub payment: String,
    pub amount: i64,
    pub method: String,
    /// The receipt issued (none for an exemption).
    pub receipt: Option<ReceiptOut>,
}

pub(crate) fn receipt_out(r: &Receipt) -> ReceiptOut {
    ReceiptOut {
        id: r.id.to_string(),
        number: r.number(),
        amount: r.amount,
        issued_at: motcua_domain::calendar::rfc3339_vn(r.issued_at),
        method: r.method.as_str().into(),
    }
}

/// The agency's cashier records a payment of what is left of the fee, and issues its receipt.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/receipts", tag = tags::PAYMENTS, params(("dossier" = String, Path, description = "Dossier id or code")), request_body = RecordRequest, security(("bearer" = [])), responses((status = 201, body = RecordedOut), (status = 401), (status = 404, description = "Not a cashier of the dossier's agency"), (status = 409, description = "Nothing to pay now"), (status = 422, description = "Unknown method or missing reference")))]
pub async fn record(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<RecordRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let method = Method::parse(&req.method).ok_or_else(|| {
        motcua_app::AppError::field("method", "Hình thức thanh toán không hợp lệ.")
    })?;
    let (p, r) =
        c.s.app
            .record_payment(&c.ctx(), sess, id, method, &req.reference)
            .await?;
    let out = RecordedOut {
        payment: p.id.to_string(),
        amount: p.amount,
        method: p.method.as_str().into(),
        receipt: r.as_ref().map(receipt_out),
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IpnOut {
    /// 00 confirmed, 01 order not found, 02 already confirmed, 04 invalid amount, 97 invalid
    /// signature, 99 unknown error.
    #[serde(rename = "RspCode")]
    pub rsp_code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

/// The payment gateway's server-to-server report (VNPay 2.1.0 IPN), signed with the merchant's
/// secret; always answered 200 with the protocol's code.
#[utoipa::path(get, path = "/api/v1/payments/vnpay/ipn", tag = tags::PAYMENTS, params(("vnp_TxnRef" = String, Query), ("vnp_Amount" = String, Query), ("vnp_ResponseCode" = String, Query), ("vnp_TransactionStatus" = String, Query), ("vnp_SecureHash" = String, Query)), responses((status = 200, body = IpnOut)))]
pub async fn ipn(c: Caller, Query(q): Query<Vec<(String, String)>>) -> Response {
    let mut params = std::collections::BTreeMap::new();
    let mut repeated = false;
    for (k, v) in q {
        repeated |= params.insert(k, v).is_some();
    }
    let answer = match repeated {
        // A parameter given twice is not what the gateway signs.
        true => motcua_domain::vnpay::IpnAnswer::InvalidSignature,
        false => c.s.app.payment_report(&c.ctx(), &params).await,
    };
    Json(IpnOut {
        rsp_code: answer.rsp_code().into(),
        message: answer.message().into(),
    })
    .into_response()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundOut {
    pub id: String,
    pub dossier: String,
    pub payment: String,
    pub amount: i64,
    pub reason: String,
    /// pending (awaiting the leader), approved (to pay back), paid
    pub state: String,
    pub reference: Option<String>,
}

fn refund_out(r: &Refund, code: &str) -> RefundOut {
    RefundOut {
        id: r.id.to_string(),
        dossier: code.into(),
        payment: r.payment_id.to_string(),
        amount: r.amount,
        reason: r.reason.clone(),
        state: r.state.as_str().into(),
        reference: r.reference.clone(),
    }
}

/// The refunds not yet paid back at the agencies where the caller is leader or cashier.
#[utoipa::path(get, path = "/api/v1/refunds", tag = tags::PAYMENTS, security(("bearer" = [])), responses((status = 200, body = Vec<RefundOut>), (status = 401)))]
pub async fn refunds(c: Caller) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let rows = c.s.app.open_refunds_for(sess).await?;
    let out: Vec<RefundOut> = rows
        .iter()
        .map(|r| refund_out(&r.refund, &r.code))
        .collect();
    Ok(Json(out).into_response())
}

/// A refund's id; anything else names no refund.
fn refund_id(id: &str) -> Result<Uuid, ApiError> {
    match Uuid::parse_str(id) {
        Ok(u) => Ok(u),
        Err(_) => Err(motcua_app::AppError::NotFound.into()),
    }
}

/// The agency's leader approves a refund; one of an online payment is paid back through the
/// gateway at once (409 with the gateway's reason when it is not; it stays approved).
#[utoipa::path(post, path = "/api/v1/refunds/{id}/approve", tag = tags::PAYMENTS, params(("id" = String, Path)), security(("bearer" = [])), responses((status = 200, body = RefundOut), (status = 401), (status = 404), (status = 409)))]
pub async fn approve(c: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let r =
        c.s.app
            .approve_refund(&c.ctx(), sess, refund_id(&id)?)
            .await?;
    Ok(Json(refund_out(&r, "")).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBackRequest {
    /// The expense voucher's number or the transfer's reference (not needed for an online
    /// payment, which the gateway pays back).
    #[serde(default)]
    pub reference: String,
}

/// The agency's cashier pays an approved refund back.
#[utoipa::path(post, path = "/api/v1/refunds/{id}/pay-back", tag = tags::PAYMENTS, params(("id" = String, Path)), request_body = PayBackRequest, security(("bearer" = [])), responses((status = 200, body = RefundOut), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn pay_back(
    c: Caller,
    Path(id): Path<String>,
    body: Result<Json<PayBackRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let r =
        c.s.app
            .pay_back_refund(&c.ctx(), sess, refund_id(&id)?, &req.reference)
            .await?;
    Ok(Json(refund_out(&r, "")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StatementQuery {
    pub agency: Option<String>,
    pub format: Option<String>,
}

/// The daily reconciliation of an agency (`agency` = its code) or of every agency: `format`
/// json (default), csv or xlsx.
#[utoipa::path(get, path = "/api/v1/statements/{day}", tag = tags::PAYMENTS, params(("day" = String, Path, format = Date, description = "YYYY-MM-DD, Vietnam's time"), ("agency" = Option<String>, Query, description = "The agency's code; absent: every agency"), ("format" = Option<String>, Query, pattern = "^(json|csv|xlsx)$", description = "json (default), csv or xlsx")), security(("bearer" = [])), responses((status = 200, description = "The statement"), (status = 401), (status = 404), (status = 422)))]
pub async fn statement(
    c: Caller,
    Path(day): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let day: jiff::civil::Date = match day.parse() {
        Ok(d) => d,
        Err(_) => {
            return Err(motcua_app::AppError::field("day", "Ngày phải có dạng YYYY-MM-DD.").into());
        }
    };
    let st = c.s.app.statement(sess, q.agency.as_deref(), day).await?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "csv" => crate::statement::csv_response(&st),
        "xlsx" => crate::statement::xlsx_response(&st)?,
        "json" => Json(crate::statement::json(&st)).into_response(),
        _ => {
            return Err(
                motcua_app::AppError::field("format", "Định dạng: json, csv hoặc xlsx.").into(),
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// The document names exactly the methods the cashier may record.
    #[test]
    fn the_desk_methods_are_documented_as_the_domain_lists_them() {
        let doc = serde_json::to_value(super::super::doc::ApiDoc::openapi()).unwrap();
        let pattern =
            doc["components"]["schemas"]["RecordRequest"]["properties"]["method"]["pattern"]
                .as_str()
                .unwrap()
                .to_string();
        let names: Vec<&str> = motcua_domain::fees::Method::AT_DESK
            .iter()
            .map(|m| m.as_str())
            .collect();
        assert_eq!(pattern, format!("^({})$", names.join("|")));
    }
}
