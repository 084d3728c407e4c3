//! The online payment gateway (R7.2b): a trait the app pays and refunds through, and its one
//! adapter, the VNPay 2.1.0 protocol. In development the adapter points at motcua's own sandbox
//! (`/dev/vnpay`), which speaks the same protocol; nothing else differs.
use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

use motcua_domain::vnpay::{self, PaymentRequest, RefundAnswer, RefundRequest, Report};

use crate::config::{Config, PaymentsConfig};

/// What the app needs of a payment gateway.
pub trait Gateway: Send + Sync {
    /// The address the person's browser is sent to, to pay.
    fn payment_url(&self, req: &PaymentRequest) -> String;
    /// The report a callback carries, and whether its signature holds.
    fn read_report(&self, params: &BTreeMap<String, String>) -> (bool, Option<Report>);
    /// Asks the gateway to pay a transaction back in full; its answer, or why none came.
    fn refund<'a>(&'a self, req: &'a RefundRequest) -> BoxFuture<'a, Result<RefundAnswer, String>>;
    /// The merchant's terminal code.
    fn tmn_code(&self) -> &str;
}

/// The VNPay adapter.
pub struct Vnpay {
    pub url: String,
    pub api_url: String,
    pub tmn_code: String,
    secret: Vec<u8>,
    http: reqwest::Client,
}

impl Vnpay {
    pub fn new(url: String, api_url: String, tmn_code: String, secret: Vec<u8>) -> Vnpay {
        Vnpay {
            url,
            api_url,
            tmn_code,
            secret,
            // The gateway answers within seconds or not at all: a refund waits no longer.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("the HTTP client builds with its bundled TLS roots"),
        }
    }

    /// The adapter the settings ask for: the configured gateway, or in development the
    /// built-in sandbox with a secret derived from the server's key; none in production
    /// without a gateway.
    pub fn from_config(c: &Config, key: &[u8]) -> Option<Vnpay> {
        let PaymentsConfig {
            vnpay_url,
            vnpay_api_url,
            vnpay_tmn_code,
            vnpay_secret,
        } = &c.payments;
        match (vnpay_url, vnpay_api_url, vnpay_tmn_code, vnpay_secret) {
            (Some(u), Some(a), Some(t), Some(s)) => Some(Vnpay::new(
                u.clone(),
                a.clone(),
                t.clone(),
                s.as_bytes().to_vec(),
            )),
            _ if c.is_dev() => Some(Vnpay::new(
                format!("{}{SANDBOX_PAY}", c.public_url),
                format!("{}{SANDBOX_API}", c.public_url),
                SANDBOX_TMN.into(),
                sandbox_secret(key).into_bytes(),
            )),
            _ => None,
        }
    }
}

/// Where the sandbox takes payments and refunds.
pub const SANDBOX_PAY: &str = "/dev/vnpay/thanh-toan";
pub const SANDBOX_API: &str = "/dev/vnpay/merchant_webapi/api/transaction";
pub const SANDBOX_TMN: &str = "MOTCUADEV";

/// The sandbox's merchant secret: derived from the server's key, so that nobody outside this
/// server can sign a callback it accepts.
pub fn sandbox_secret(key: &[u8]) -> String {
    crate::crypto::hmac_b64(key, "vnpay-sandbox")
}

impl Gateway for Vnpay {
    fn payment_url(&self, req: &PaymentRequest) -> String {
        req.url(&self.url, &self.secret)
    }

    fn read_report(&self, params: &BTreeMap<String, String>) -> (bool, Option<Report>) {
        let ok = vnpay::verify(&self.secret, params)
            && params
                .get("vnp_TmnCode")
                .is_some_and(|t| *t == self.tmn_code);
        (ok, Report::parse(params))
    }

    fn refund<'a>(&'a self, req: &'a RefundRequest) -> BoxFuture<'a, Result<RefundAnswer, String>> {
        Box::pin(self.post_refund(req))
    }

    fn tmn_code(&self) -> &str {
        &self.tmn_code
    }
}

impl Vnpay {
    async fn post_refund(&self, req: &RefundRequest) -> Result<RefundAnswer, String> {
        let resp = self
            .http
            .post(&self.api_url)
            .json(&req.body(&self.secret))
            .send()
            .await
            .map_err(|e| format!("cổng thanh toán không trả lời: {e}"))?;
        let body: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| format!("cổng thanh toán trả lời không đúng định dạng: {e}"))?;
        RefundAnswer::verified(&self.secret, &body).ok_or_else(|| {
            tracing::warn!(
                event = "gateway_refund_unverified",
                "refund answer without a valid signature"
            );
            "chữ ký trong trả lời của cổng thanh toán không hợp lệ".to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merchant API of a real gateway is HTTPS: the client speaks it (the call reaches the
    /// connection, refused here, instead of failing on the scheme).
    #[tokio::test]
    async fn the_merchant_api_is_reached_over_https() {
        let g = Vnpay::new(
            "https://127.0.0.1:9/pay".into(),
            "https://127.0.0.1:9/api".into(),
            "T".into(),
            b"s".to_vec(),
        );
        let req = RefundRequest {
            request_id: "r".into(),
            tmn_code: "T".into(),
            txn_ref: "x".into(),
            amount: 1,
            transaction_no: "1".into(),
            transaction_date: "20260302090000".into(),
            create_by: "u".into(),
            create_date: "20260302090000".into(),
            ip_addr: "127.0.0.1".into(),
            order_info: "o".into(),
        };
        let e = g.refund(&req).await.unwrap_err();
        assert!(!e.contains("scheme"), "{e}");
        let debug = format!(
            "{:?}",
            g.http
                .post("https://127.0.0.1:9/")
                .send()
                .await
                .unwrap_err()
        );
        assert!(
            debug.contains("Connect") || debug.contains("connect"),
            "{debug}"
        );
    }
}
