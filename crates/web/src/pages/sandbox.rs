//! Development and tests only: a payment gateway that speaks the VNPay 2.1.0 protocol, so that
//! the demo and the browser test pay through the real flow (R7.2b). Its page checks the signed
//! request, lets the tester pay or cancel, calls the merchant's IPN server to server, then sends
//! the browser back; its merchant API answers refunds. It signs with the sandbox's secret, which
//! only this server knows.
use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_app::payments::gateway::{SANDBOX_API, SANDBOX_PAY};
use motcua_domain::catalogue::money;
use motcua_domain::vnpay::{self, RefundAnswer, RefundRequest};
use serde::Deserialize;
use serde_json::Value;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(SANDBOX_PAY, DevOnly, page)
        .post(SANDBOX_PAY, DevOnly, decide)
        .post(SANDBOX_API, DevOnly, refund)
}

fn secret(p: &AppState) -> Result<Vec<u8>, AppError> {
    p.app
        .sandbox_secret()
        .map(String::into_bytes)
        .ok_or(AppError::NotFound)
}

/// A gateway transaction number: eight digits, unique as the gateway's are (the clock of a test
/// stands still, so it is drawn at random).
fn transaction_no() -> String {
    format!("{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// The signed request of a payment URL's query, when its signature holds.
fn request(secret: &[u8], query: &str) -> Result<BTreeMap<String, String>, AppError> {
    let params: BTreeMap<String, String> = serde_urlencoded::from_str(query)
        .map_err(|e| AppError::field("query", format!("Yêu cầu thanh toán không đọc được: {e}")))?;
    if !vnpay::verify(secret, &params) {
        return Err(AppError::field(
            "vnp_SecureHash",
            "Chữ ký yêu cầu thanh toán không hợp lệ.",
        ));
    }
    Ok(params)
}

#[derive(Template)]
#[template(path = "dev/vnpay.html")]
struct SandboxPage {
    c: Chrome,
    amount: String,
    order: String,
    txn_ref: String,
    query: String,
}

/// The gateway's payment page: what is asked, and two buttons.
pub async fn page(p: Page, RawQuery(q): RawQuery) -> PageResult {
    let query = q.unwrap_or_default();
    let params = request(&secret(&p.s)?, &query)?;
    let cents: i64 = params
        .get("vnp_Amount")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    Ok(render(&SandboxPage {
        c: p.chrome("Cổng thanh toán thử nghiệm (VNPay sandbox)"),
        amount: money(cents / 100),
        order: params.get("vnp_OrderInfo").cloned().unwrap_or_default(),
        txn_ref: params.get("vnp_TxnRef").cloned().unwrap_or_default(),
        query,
    }))
}

#[derive(Deserialize)]
pub struct Decision {
    query: String,
    /// `pay` or `cancel`.
    choice: String,
}

/// Pays or cancels: the signed report goes to the merchant's IPN first, server to server, then
/// the browser goes back to the return address with the same report.
pub async fn decide(p: Page, Form(f): Form<Decision>) -> PageResult {
    let secret = secret(&p.s)?;
    let req = request(&secret, &f.query)?;
    let paid = f.choice == "pay";
    let now = p.s.app.now();
    let mut report: BTreeMap<String, String> = [
        (
            "vnp_TmnCode",
            req.get("vnp_TmnCode").cloned().unwrap_or_default(),
        ),
        (
            "vnp_Amount",
            req.get("vnp_Amount").cloned().unwrap_or_default(),
        ),
        ("vnp_BankCode", "NCB".into()),
        ("vnp_CardType", "ATM".into()),
        (
            "vnp_OrderInfo",
            req.get("vnp_OrderInfo").cloned().unwrap_or_default(),
        ),
        ("vnp_PayDate", vnpay::date(now)),
        ("vnp_ResponseCode", if paid { "00" } else { "24" }.into()),
        ("vnp_TransactionNo", transaction_no()),
        (
            "vnp_TransactionStatus",
            if paid { "00" } else { "02" }.into(),
        ),
        (
            "vnp_TxnRef",
            req.get("vnp_TxnRef").cloned().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let hash = vnpay::sign(&secret, &report);
    report.insert("vnp_SecureHash".into(), hash);
    let query = format!(
        "{}&vnp_SecureHash={}",
        vnpay::signed_data(&report),
        report["vnp_SecureHash"]
    );
    let ipn = format!(
        "{}/api/v1/payments/vnpay/ipn?{query}",
        p.s.app.config.public_url.trim_end_matches('/')
    );
    // The gateway tells the merchant before the browser comes back (and would retry on a
    // failure; the sandbox reports what it got).
    let answer = reqwest::Client::new()
        .get(&ipn)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| AppError::Unexpected(format!("sandbox IPN: {e}")))?;
    tracing::info!(event = "sandbox_ipn", status = %answer.status(), "sandbox reported the payment");
    let back = req.get("vnp_ReturnUrl").cloned().unwrap_or_default();
    Ok(Redirect::to(&format!("{back}?{query}")).into_response())
}

/// The gateway's merchant API: a signed full refund is answered `00`, anything else `97`.
pub async fn refund(State(s): State<AppState>, Json(body): Json<Value>) -> PageResult {
    let secret = secret(&s)?;
    let ok = vnpay::verify_fields(&secret, &body, &vnpay::REFUND_FIELDS);
    let Some(req) = RefundRequest::parse(&body) else {
        return Ok(Json(
            serde_json::json!({"vnp_ResponseCode": "99", "vnp_Message": "Invalid request"}),
        )
        .into_response());
    };
    let now = s.app.now();
    let answer = RefundAnswer {
        response_code: if ok { "00" } else { "97" }.into(),
        message: if ok {
            "Refund success"
        } else {
            "Invalid Checksum"
        }
        .into(),
        transaction_no: transaction_no(),
    };
    Ok(Json(answer.body(&secret, &req, &vnpay::date(now))).into_response())
}
