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

/// An instant as the protocol writes it: `yyyyMMddHHmmss` in Vietnam's time (GMT+7).
pub fn date(t: jiff::Timestamp) -> String {
    jiff::tz::offset(7)
        .to_datetime(t)
        .strftime("%Y%m%d%H%M%S")
        .to_string()
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

/// HMAC-SHA512 over fields joined by `|`, as the gateway's merchant API (refund, query) signs.
pub fn sign_fields(secret: &[u8], fields: &[&str]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(fields.join("|").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The fields of a refund request, in the order its signature covers them.
pub const REFUND_FIELDS: [&str; 13] = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];

/// The fields of the answer to a refund, in the order its signature covers them.
pub const REFUND_ANSWER_FIELDS: [&str; 13] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
];

/// A full refund of a paid transaction (`vnp_Command=refund`, type `02`), posted as JSON to
/// the gateway's merchant API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Unique per request.
    pub request_id: String,
    pub tmn_code: String,
    pub txn_ref: String,
    /// In đồng.
    pub amount: i64,
    /// The gateway's number of the payment.
    pub transaction_no: String,
    /// When the payment was made, `yyyyMMddHHmmss` GMT+7.
    pub transaction_date: String,
    pub create_by: String,
    pub create_date: String,
    pub ip_addr: String,
    pub order_info: String,
}

/// A JSON object's text field (numbers as their text), or empty.
fn text(v: &serde_json::Value, k: &str) -> String {
    match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Whether a signed JSON message of the merchant API carries the signature its fields give.
pub fn verify_fields(secret: &[u8], v: &serde_json::Value, fields: &[&str]) -> bool {
    let Ok(given) = hex::decode(text(v, "vnp_SecureHash").to_ascii_lowercase()) else {
        return false;
    };
    let values: Vec<String> = fields.iter().map(|k| text(v, k)).collect();
    let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(values.join("|").as_bytes());
    mac.verify_slice(&given).is_ok()
}

impl RefundRequest {
    /// The signed JSON body.
    pub fn body(&self, secret: &[u8]) -> serde_json::Value {
        let values = [
            self.request_id.clone(),
            VERSION.to_string(),
            "refund".into(),
            self.tmn_code.clone(),
            "02".into(),
            self.txn_ref.clone(),
            (self.amount * 100).to_string(),
            self.transaction_no.clone(),
            self.transaction_date.clone(),
            self.create_by.clone(),
            self.create_date.clone(),
            self.ip_addr.clone(),
            self.order_info.clone(),
        ];
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let mut body = serde_json::Map::new();
        for (k, v) in REFUND_FIELDS.iter().zip(&values) {
            body.insert((*k).into(), v.clone().into());
        }
        body.insert("vnp_SecureHash".into(), sign_fields(secret, &refs).into());
        body.into()
    }

    /// A refund request read back from its JSON (what the gateway receives), when its fields
    /// are all there and its amount is whole đồng.
    pub fn parse(v: &serde_json::Value) -> Option<RefundRequest> {
        let cents: i64 = text(v, "vnp_Amount").parse().ok()?;
        if cents <= 0 || cents % 100 != 0 || text(v, "vnp_Command") != "refund" {
            return None;
        }
        Some(RefundRequest {
            request_id: text(v, "vnp_RequestId"),
            tmn_code: text(v, "vnp_TmnCode"),
            txn_ref: text(v, "vnp_TxnRef"),
            amount: cents / 100,
            transaction_no: text(v, "vnp_TransactionNo"),
            transaction_date: text(v, "vnp_TransactionDate"),
            create_by: text(v, "vnp_CreateBy"),
            create_date: text(v, "vnp_CreateDate"),
            ip_addr: text(v, "vnp_IpAddr"),
            order_info: text(v, "vnp_OrderInfo"),
        })
    }
}

/// The gateway's answer to a refund: `00` refunded; its refund transaction number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAnswer {
    pub response_code: String,
    pub message: String,
    pub transaction_no: String,
}

impl RefundAnswer {
    /// The answer read from the gateway's JSON, when its signature holds.
    pub fn verified(secret: &[u8], v: &serde_json::Value) -> Option<RefundAnswer> {
        verify_fields(secret, v, &REFUND_ANSWER_FIELDS).then(|| RefundAnswer {
            response_code: text(v, "vnp_ResponseCode"),
            message: text(v, "vnp_Message"),
            transaction_no: text(v, "vnp_TransactionNo"),
        })
    }

    pub fn succeeded(&self) -> bool {
        self.response_code == "00"
    }

    /// The signed JSON the gateway answers a request with (the sandbox's side).
    pub fn body(&self, secret: &[u8], req: &RefundRequest, pay_date: &str) -> serde_json::Value {
        let values = [
            req.request_id.clone(),
            "refund".into(),
            self.response_code.clone(),
            self.message.clone(),
            req.tmn_code.clone(),
            req.txn_ref.clone(),
            (req.amount * 100).to_string(),
            "NCB".into(),
            pay_date.into(),
            self.transaction_no.clone(),
            "02".into(),
            if self.succeeded() { "05" } else { "09" }.into(),
            req.order_info.clone(),
        ];
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let mut body = serde_json::Map::new();
        for (k, v) in REFUND_ANSWER_FIELDS.iter().zip(&values) {
            body.insert((*k).into(), v.clone().into());
        }
        body.insert("vnp_SecureHash".into(), sign_fields(secret, &refs).into());
        body.into()
    }
}

#[cfg(test)]
mod tests;
