//! The VNPay payment gateway protocol, version 2.1.0 (R7.2b): the signed payment request, the
//! verification of what the gateway sends back (the browser's return and the server-to-server
//! IPN), and the IPN's answer. Pure: the caller supplies the secret, the times and the order's
//! state; nothing here talks to the network.
use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha512;

/// The protocol version every request names.
pub const VERSION: &str = "2.1.0";

/// One value encoded as the gateway signs it: form-style, letters, digits and `_.-~` kept,
/// a space as `+`, every other byte of its UTF-8 as `%XX`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The text the signature covers: every parameter but the hash's own, sorted by name, each
/// value encoded, joined as `k=v&k=v`. The query string of a request is the same text.
pub fn signed_data(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, _)| *k != "vnp_SecureHash" && *k != "vnp_SecureHashType")
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signature: HMAC-SHA512 of the signed data with the merchant's secret, lowercase hex.
pub fn sign(secret: &[u8], params: &BTreeMap<String, String>) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(signed_data(params).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether the parameters carry the signature the secret gives them (compared in constant time).
pub fn verify(secret: &[u8], params: &BTreeMap<String, String>) -> bool {
    let Some(given) = params.get("vnp_SecureHash") else {
        return false;
    };
    let Ok(given) = hex::decode(given.to_ascii_lowercase()) else {
        return false;
    };
    let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(signed_data(params).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// A payment the merchant asks the gateway to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub tmn_code: String,
    /// In đồng (the protocol sends it × 100).
    pub amount: i64,
    /// The merchant's reference, unique per day.
    pub txn_ref: String,
    pub order_info: String,
    pub return_url: String,
    pub ip_addr: String,
    /// `yyyyMMddHHmmss` in Vietnam's time (GMT+7).
    pub create_date: String,
    pub expire_date: String,
}

impl PaymentRequest {
    /// The parameters of the request, without the signature.
    pub fn params(&self) -> BTreeMap<String, String> {
        [
            ("vnp_Version", VERSION.to_string()),
            ("vnp_Command", "pay".into()),
            ("vnp_TmnCode", self.tmn_code.clone()),
            ("vnp_Amount", (self.amount * 100).to_string()),
            ("vnp_CurrCode", "VND".into()),
            ("vnp_TxnRef", self.txn_ref.clone()),
            ("vnp_OrderInfo", self.order_info.clone()),
            ("vnp_OrderType", "other".into()),
            ("vnp_Locale", "vn".into()),
            ("vnp_ReturnUrl", self.return_url.clone()),
            ("vnp_IpAddr", self.ip_addr.clone()),
            ("vnp_CreateDate", self.create_date.clone()),
            ("vnp_ExpireDate", self.expire_date.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The gateway's address with the signed request as its query.
    pub fn url(&self, gateway: &str, secret: &[u8]) -> String {
        let params = self.params();
        let hash = sign(secret, &params);
        format!("{gateway}?{}&vnp_SecureHash={hash}", signed_data(&params))
    }
}

/// What the gateway reports of a payment (the return and the IPN carry the same fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub txn_ref: String,
    /// In đồng.
    pub amount: i64,
    pub response_code: String,
    pub transaction_status: String,
    /// The gateway's own transaction number.
    pub transaction_no: String,
}

impl Report {
    /// The report's fields, when they are all there and the amount is whole đồng.
    pub fn parse(params: &BTreeMap<String, String>) -> Option<Report> {
        let get = |k: &str| params.get(k).cloned();
        let cents: i64 = get("vnp_Amount")?.parse().ok()?;
        if cents < 0 || cents % 100 != 0 {
            return None;
        }
        Some(Report {
            txn_ref: get("vnp_TxnRef")?,
            amount: cents / 100,
            response_code: get("vnp_ResponseCode")?,
            transaction_status: get("vnp_TransactionStatus")?,
            transaction_no: get("vnp_TransactionNo").unwrap_or_default(),
        })
    }

    /// Paid: both the response and the transaction say so.
    pub fn succeeded(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }
}

/// The merchant's order as the IPN finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// In đồng.
    pub amount: i64,
    /// A report was already taken for it (paid or failed): the answer is final.
    pub settled: bool,
}

/// The IPN's answer to the gateway (`{"RspCode", "Message"}`); the gateway calls again on
/// `01`, `04`, `97` and `99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    /// `00`: the report is taken.
    Confirmed,
    /// `01`: no such order.
    OrderNotFound,
    /// `02`: the order was settled before; nothing changes.
    AlreadyConfirmed,
    /// `04`: the amount is not the order's.
    InvalidAmount,
    /// `97`: the signature does not match.
    InvalidSignature,
    /// `99`: the call cannot be read.
    Unknown,
}

impl IpnAnswer {
    pub fn rsp_code(self) -> &'static str {
        match self {
            Self::Confirmed => "00",
            Self::OrderNotFound => "01",
            Self::AlreadyConfirmed => "02",
            Self::InvalidAmount => "04",
            Self::InvalidSignature => "97",
            Self::Unknown => "99",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Confirmed => "Confirm Success",
            Self::OrderNotFound => "Order not found",
            Self::AlreadyConfirmed => "Order already confirmed",
            Self::InvalidAmount => "Invalid amount",
            Self::InvalidSignature => "Invalid signature",
            Self::Unknown => "Unknown error",
        }
    }
}

/// The IPN's decision, in the protocol's order: the signature, then the report's fields, then
/// the order, its amount, and whether it was settled before. Only `Confirmed` changes anything.
pub fn ipn_answer(signature_ok: bool, report: Option<&Report>, order: Option<Order>) -> IpnAnswer {
    if !signature_ok {
        return IpnAnswer::InvalidSignature;
    }
    let Some(report) = report else {
        return IpnAnswer::Unknown;
    };
    let Some(order) = order else {
        return IpnAnswer::OrderNotFound;
    };
    if order.amount != report.amount {
        return IpnAnswer::InvalidAmount;
    }
    if order.settled {
        return IpnAnswer::AlreadyConfirmed;
    }
    IpnAnswer::Confirmed
}

#[cfg(test)]
mod tests;
