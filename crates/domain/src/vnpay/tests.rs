use super::*;

const SECRET: &[u8] = b"SECRETKEY0123456789";

fn request() -> PaymentRequest {
    PaymentRequest {
        tmn_code: "MOTCUA01".into(),
        amount: 50_000,
        txn_ref: "000.00.11.H53-260302-0007-1".into(),
        order_info: "Lệ phí hồ sơ 000.00.11.H53-260302-0007".into(),
        return_url: "http://127.0.0.1:8080/thanh-toan/ket-qua".into(),
        ip_addr: "127.0.0.1".into(),
        create_date: "20260302100000".into(),
        expire_date: "20260302101500".into(),
    }
}

/// The encoding is Python's `quote_plus`, which the gateway's samples use (checked against it).
#[test]
fn values_are_encoded_form_style() {
    assert_eq!(
        encode("a b~c_d.e-f*g'h(i)!/:?#[]@$&+,;=%é"),
        "a+b~c_d.e-f%2Ag%27h%28i%29%21%2F%3A%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25%C3%A9"
    );
    assert_eq!(encode(""), "");
    assert_eq!(encode("AZaz09"), "AZaz09");
}

/// The signed text and the signature of a request, as Python's `hmac.new(secret, data,
/// sha512).hexdigest()` computes them over the same parameters.
#[test]
fn a_request_is_signed_as_the_gateway_checks_it() {
    let params = request().params();
    assert_eq!(
        signed_data(&params),
        "vnp_Amount=5000000&vnp_Command=pay&vnp_CreateDate=20260302100000&vnp_CurrCode=VND\
         &vnp_ExpireDate=20260302101500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn\
         &vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+h%E1%BB%93+s%C6%A1+000.00.11.H53-260302-0007\
         &vnp_OrderType=other&vnp_ReturnUrl=http%3A%2F%2F127.0.0.1%3A8080%2Fthanh-toan%2Fket-qua\
         &vnp_TmnCode=MOTCUA01&vnp_TxnRef=000.00.11.H53-260302-0007-1&vnp_Version=2.1.0"
    );
    let hash = "7f1ed78261162ef49286046502cced490f26984e2663088912f4af4260ed0a08609b030787292776\
                a0207116b86f291e6733d38d49056e2399fb1cb77c6ffb54";
    assert_eq!(sign(SECRET, &params), hash);
    let url = request().url("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", SECRET);
    assert!(
        url.starts_with("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=5000000&")
    );
    assert!(url.ends_with(&format!("&vnp_SecureHash={hash}")), "{url}");
}

/// What comes back verifies with the right secret only, and not once any field changed; the hash
/// fields themselves are not signed.
#[test]
fn reports_are_verified() {
    let mut p = request().params();
    p.insert("vnp_ResponseCode".into(), "00".into());
    p.insert("vnp_TransactionStatus".into(), "00".into());
    p.insert("vnp_SecureHashType".into(), "HmacSHA512".into());
    let hash = sign(SECRET, &p);
    p.insert("vnp_SecureHash".into(), hash.clone());
    assert!(verify(SECRET, &p));
    p.insert("vnp_SecureHash".into(), hash.to_uppercase());
    assert!(verify(SECRET, &p), "hex in either case");
    assert!(!verify(b"another secret", &p));
    let mut forged = p.clone();
    forged.insert("vnp_Amount".into(), "100".into());
    assert!(!verify(SECRET, &forged));
    let mut bad = p.clone();
    bad.insert("vnp_SecureHash".into(), "not hex".into());
    assert!(!verify(SECRET, &bad));
    bad.remove("vnp_SecureHash");
    assert!(!verify(SECRET, &bad));
}

/// A report's fields: the amount back in đồng (a fraction of a đồng is not a report), paid only
/// when both codes say so.
#[test]
fn reports_are_read() {
    let mut p = BTreeMap::new();
    for (k, v) in [
        ("vnp_TxnRef", "R1"),
        ("vnp_Amount", "5000000"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TransactionNo", "14226112"),
    ] {
        p.insert(k.to_string(), v.to_string());
    }
    let r = Report::parse(&p).unwrap();
    assert_eq!((r.amount, r.transaction_no.as_str()), (50_000, "14226112"));
    assert!(r.succeeded());
    for (k, v) in [("vnp_ResponseCode", "24"), ("vnp_TransactionStatus", "02")] {
        let mut q = p.clone();
        q.insert(k.into(), v.into());
        assert!(!Report::parse(&q).unwrap().succeeded(), "{k}={v}");
    }
    for (k, v) in [
        ("vnp_Amount", "5000001"),
        ("vnp_Amount", "-100"),
        ("vnp_Amount", "x"),
    ] {
        let mut q = p.clone();
        q.insert(k.into(), v.into());
        assert_eq!(Report::parse(&q), None, "{k}={v}");
    }
    let mut q = p.clone();
    q.insert("vnp_Amount".into(), "0".into());
    assert_eq!(
        Report::parse(&q).unwrap().amount,
        0,
        "a zero amount is read (and fails the order's)"
    );
    q = p.clone();
    q.remove("vnp_TxnRef");
    assert_eq!(Report::parse(&q), None);
    q = p.clone();
    q.remove("vnp_TransactionNo");
    assert_eq!(Report::parse(&q).unwrap().transaction_no, "");
}

/// The IPN answers in the protocol's order, with its codes; only a first, matching, signed report
/// is confirmed.
#[test]
fn the_ipn_answers_in_order() {
    let report = Report {
        txn_ref: "R1".into(),
        amount: 50_000,
        response_code: "00".into(),
        transaction_status: "00".into(),
        transaction_no: "1".into(),
    };
    let open = Order {
        amount: 50_000,
        settled: false,
    };
    let cases = [
        (
            false,
            Some(&report),
            Some(open),
            IpnAnswer::InvalidSignature,
        ),
        (true, None, Some(open), IpnAnswer::Unknown),
        (true, Some(&report), None, IpnAnswer::OrderNotFound),
        (
            true,
            Some(&report),
            Some(Order {
                amount: 40_000,
                settled: true,
            }),
            IpnAnswer::InvalidAmount,
        ),
        (
            true,
            Some(&report),
            Some(Order {
                amount: 50_000,
                settled: true,
            }),
            IpnAnswer::AlreadyConfirmed,
        ),
        (true, Some(&report), Some(open), IpnAnswer::Confirmed),
    ];
    for (sig, r, o, want) in cases {
        assert_eq!(ipn_answer(sig, r, o), want, "{sig} {r:?} {o:?}");
    }
    let all = [
        IpnAnswer::Confirmed,
        IpnAnswer::OrderNotFound,
        IpnAnswer::AlreadyConfirmed,
        IpnAnswer::InvalidAmount,
        IpnAnswer::InvalidSignature,
        IpnAnswer::Unknown,
    ];
    assert_eq!(
        all.map(IpnAnswer::rsp_code),
        ["00", "01", "02", "04", "97", "99"]
    );
    assert_eq!(
        all.map(IpnAnswer::message),
        [
            "Confirm Success",
            "Order not found",
            "Order already confirmed",
            "Invalid amount",
            "Invalid signature",
            "Unknown error"
        ]
    );
}

#[test]
fn a_refund_is_signed_over_its_fields_in_order() {
    let secret = b"SECRETKEY0123456789";
    let req = RefundRequest {
        request_id: "R1".into(),
        tmn_code: "MOTCUA01".into(),
        txn_ref: "T1".into(),
        amount: 50_000,
        transaction_no: "14000001".into(),
        transaction_date: "20260302090000".into(),
        create_by: "lanhdao".into(),
        create_date: "20260303090000".into(),
        ip_addr: "127.0.0.1".into(),
        order_info: "Hoan tra".into(),
    };
    let body = req.body(secret);
    assert_eq!(body["vnp_Amount"], "5000000");
    assert_eq!(body["vnp_Command"], "refund");
    assert_eq!(body["vnp_TransactionType"], "02");
    let joined = "R1|2.1.0|refund|MOTCUA01|02|T1|5000000|14000001|20260302090000|lanhdao|20260303090000|127.0.0.1|Hoan tra";
    assert_eq!(
        body["vnp_SecureHash"],
        sign_fields(secret, &joined.split('|').collect::<Vec<_>>())
    );
    assert!(verify_fields(secret, &body, &REFUND_FIELDS));
    assert!(!verify_fields(b"other", &body, &REFUND_FIELDS));
    let mut tampered = body.clone();
    tampered["vnp_Amount"] = "9950".into();
    assert!(!verify_fields(secret, &tampered, &REFUND_FIELDS));
    assert_eq!(RefundRequest::parse(&body), Some(req.clone()));
    assert_eq!(RefundRequest::parse(&tampered), None, "not whole đồng");

    let answer = RefundAnswer {
        response_code: "00".into(),
        message: "Success".into(),
        transaction_no: "14000002".into(),
    };
    let back = answer.body(secret, &req, "20260303090001");
    assert_eq!(RefundAnswer::verified(secret, &back), Some(answer.clone()));
    assert!(RefundAnswer::verified(b"other", &back).is_none());
    assert!(answer.succeeded());
    let no = RefundAnswer {
        response_code: "94".into(),
        ..answer
    };
    assert!(!no.succeeded());
    assert_eq!(back["vnp_TransactionStatus"], "05");
    assert_eq!(back["vnp_Amount"], "5000000");
    // A gateway that writes the amount as a JSON number signs the same text.
    let mut numeric = back.clone();
    numeric["vnp_Amount"] = serde_json::json!(5000000);
    assert!(RefundAnswer::verified(secret, &numeric).is_some());
    numeric["vnp_Amount"] = serde_json::json!(5000001);
    assert!(RefundAnswer::verified(secret, &numeric).is_none());
}

#[test]
fn dates_are_written_in_vietnam_time() {
    let t: jiff::Timestamp = "2026-03-02T17:30:05Z".parse().unwrap();
    assert_eq!(date(t), "20260303003005");
}
