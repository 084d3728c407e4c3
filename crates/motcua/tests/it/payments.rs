//! Fees and payments (R3.2, R7.1b, R7.2b, R8.2c; security matrix rows 48, 50–52): the online
//! payment is final only from the gateway's signed IPN, once, whatever arrives again, out of
//! order, forged or for the wrong amount; receipts stay gap-free under concurrency; refunds
//! follow R8.2c. Each on both engines.
use std::collections::BTreeMap;

use motcua_domain::vnpay;
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::setup;
use crate::processing::{act, dossier, ok, pay_at_desk, people, submitted, to_specialist};

/// The gateway's signed report of a payment, as the sandbox would send it.
fn report(t: &TestApp, txn_ref: &str, amount: i64, code: &str, txn_no: &str) -> String {
    let secret = t.app.sandbox_secret().expect("the sandbox in development");
    let mut p: BTreeMap<String, String> = [
        ("vnp_TmnCode", "MOTCUADEV".to_string()),
        ("vnp_Amount", (amount * 100).to_string()),
        ("vnp_ResponseCode", code.into()),
        (
            "vnp_TransactionStatus",
            if code == "00" { "00" } else { "02" }.into(),
        ),
        ("vnp_TransactionNo", txn_no.into()),
        ("vnp_TxnRef", txn_ref.into()),
        ("vnp_PayDate", "20260302090000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let hash = vnpay::sign(secret.as_bytes(), &p);
    p.insert("vnp_SecureHash".into(), hash.clone());
    format!("{}&vnp_SecureHash={hash}", vnpay::signed_data(&p))
}

async fn ipn(t: &TestApp, query: &str) -> String {
    let mut c = t.client();
    let r = c.get(&format!("/api/v1/payments/vnpay/ipn?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["RspCode"].as_str().unwrap().to_string()
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    serde_urlencoded::from_str(url.split_once('?').unwrap().1).unwrap()
}

async fn start(who: &mut (motcua_testkit::Client, String), code: &str) -> Value {
    let r = who
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/payments"),
            Some(&who.1),
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

/// A citizen pays online: the request is the protocol's, signed; the browser's return changes
/// nothing; the IPN confirms once, issues one receipt and tells the person; replays, 20
/// concurrent duplicates and a "failed" afterwards answer "already confirmed" and change nothing;
/// a forged report, an unknown order and a wrong amount are refused without a change.
async fn online_payment_is_final_only_from_the_ipn(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        d["fees"],
        json!({"due": 50000, "paid": 0, "refunded": 0, "status": "due", "status_label": "Chưa nộp", "fee_due": "acceptance", "payable": 50000})
    );
    let started = start(&mut p.citizen, &code).await;
    assert_eq!(started["amount"], 50000);
    let url = started["payment_url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/dev/vnpay/thanh-toan?", t.base)),
        "{url}"
    );
    let q = query_of(url);
    for (k, v) in [
        ("vnp_Version", "2.1.0"),
        ("vnp_Command", "pay"),
        ("vnp_Amount", "5000000"),
        ("vnp_CurrCode", "VND"),
        ("vnp_TmnCode", "MOTCUADEV"),
    ] {
        assert_eq!(q[k], v, "{k}");
    }
    assert_eq!(q["vnp_TxnRef"], started["txn_ref"].as_str().unwrap());
    assert_eq!(q["vnp_SecureHash"].len(), 128);
    assert!(q["vnp_ReturnUrl"].ends_with("/thanh-toan"));
    assert!(vnpay::verify(
        t.app.sandbox_secret().unwrap().as_bytes(),
        &q
    ));
    let txn = started["txn_ref"].as_str().unwrap().to_string();

    // A forged report: the amount changed after signing (row 50).
    let good = report(&t, &txn, 50000, "00", "14000001");
    assert_eq!(
        ipn(&t, &good.replace("vnp_Amount=5000000", "vnp_Amount=100")).await,
        "97"
    );
    assert_eq!(
        ipn(&t, &format!("{good}&vnp_Amount=5000000")).await,
        "97",
        "a parameter twice"
    );
    // Signed, but for an order nobody made, or for another amount (row 52).
    assert_eq!(
        ipn(&t, &report(&t, "khong-co", 50000, "00", "1")).await,
        "01"
    );
    assert_eq!(ipn(&t, &report(&t, &txn, 40000, "00", "2")).await, "04");
    // The browser comes back saying "paid": shown, never taken (row 50).
    let mut web = t.client();
    web.login(
        crate::dossiers::CITIZEN,
        &crate::security::demo_pw(&t, crate::dossiers::CITIZEN),
    )
    .await;
    let back = web
        .get(&format!(
            "/ho-so/{}/thanh-toan?{good}",
            d["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(back.status, 200);
    assert!(
        back.body.contains("đang chờ cổng thanh toán xác nhận")
            || back.body.contains("chờ cổng thanh toán xác nhận"),
        "{}",
        back.body
    );
    assert_eq!(
        dossier(&mut p.citizen, &code).await["fees"]["status"],
        "due"
    );

    // The IPN confirms once; 20 concurrent duplicates and replays confirm nothing more (row 51).
    assert_eq!(ipn(&t, &good).await, "00");
    let mut tasks = vec![];
    for _ in 0..20 {
        let mut t2 = t.client();
        let q = good.clone();
        tasks.push(tokio::spawn(async move {
            let r = t2.get(&format!("/api/v1/payments/vnpay/ipn?{q}")).await;
            r.json()["RspCode"].as_str().unwrap().to_string()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), "02");
    }
    assert_eq!(
        ipn(&t, &report(&t, &txn, 50000, "24", "14000001")).await,
        "02",
        "failed after succeeded"
    );
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["fees"]["status"].as_str(), d["fees"]["paid"].as_i64()),
        (Some("paid"), Some(50000))
    );
    let receipts = d["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    assert_eq!(receipts[0]["number"], "0000001/2026");
    assert_eq!(receipts[0]["method"], "vnpay");
    assert!(crate::processing::notice_kinds(&d).contains(&"payment_received".to_string()));
    // Nothing left to pay: another payment is refused.
    let r = p
        .citizen
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/payments"),
            Some(&p.citizen.1),
            None,
        )
        .await;
    assert_eq!(r.status, 409);
    // The receipt prints for its owner.
    let page = web
        .get(&format!(
            "/bien-lai/{}",
            receipts[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("0000001/2026") && page.body.contains("50.000 đ"));
}

/// A payment cancelled at the gateway leaves the fee due and may be tried again.
async fn a_cancelled_payment_leaves_the_fee_due(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let first = start(&mut p.citizen, &code).await;
    let txn = first["txn_ref"].as_str().unwrap();
    assert_eq!(ipn(&t, &report(&t, txn, 50000, "24", "0")).await, "00");
    assert_eq!(
        ipn(&t, &report(&t, txn, 50000, "00", "9")).await,
        "02",
        "final once failed"
    );
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["fees"]["status"], "due");
    assert!(d["receipts"].as_array().unwrap().is_empty());
    // One gateway transaction settles one payment (row 51): a report reusing the cancelled
    // transaction's number for another payment is not taken (99: the gateway calls again).
    let again = start(&mut p.citizen, &code).await;
    let txn2 = again["txn_ref"].as_str().unwrap();
    assert_eq!(ipn(&t, &report(&t, txn2, 50000, "00", "0")).await, "99");
    assert_eq!(
        dossier(&mut p.citizen, &code).await["fees"]["status"],
        "due"
    );
    assert_eq!(ipn(&t, &report(&t, txn2, 50000, "00", "1")).await, "00");
    assert_eq!(
        dossier(&mut p.citizen, &code).await["fees"]["status"],
        "paid"
    );
}

/// The person starts paying twice and the gateway takes both: the second payment is kept (the
/// money moved) and owed back at once, to the leader's approval.
async fn paying_twice_online_is_owed_back(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let first = start(&mut p.citizen, &code).await;
    let second = start(&mut p.citizen, &code).await;
    for (s, no) in [(&first, "501"), (&second, "502")] {
        let r = report(&t, s["txn_ref"].as_str().unwrap(), 50000, "00", no);
        assert_eq!(ipn(&t, &r).await, "00");
    }
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["receipts"].as_array().unwrap().len(), 2);
    assert_eq!(d["fees"]["paid"], 100000);
    assert_eq!(d["fees"]["status"], "refund_pending");
    let list = p
        .leader
        .0
        .json(Method::GET, "/api/v1/refunds", Some(&p.leader.1), None)
        .await
        .json();
    let owed: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dossier"] == code)
        .collect();
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["payment"], second["id"]);
    assert!(owed[0]["reason"].as_str().unwrap().contains("nộp trùng"));
    let r = p
        .leader
        .0
        .json(
            Method::POST,
            &format!(
                "/api/v1/refunds/{}/approve",
                owed[0]["id"].as_str().unwrap()
            ),
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("paid")),
        "{}",
        r.body
    );
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["fees"]["status"].as_str(), d["fees"]["refunded"].as_i64()),
        (Some("paid"), Some(50000))
    );
}

/// Receipts are numbered without a gap or a repeat when cashiers take fees at once (row 48).
async fn receipts_stay_gap_free_under_concurrency(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut codes = vec![];
    for _ in 0..8 {
        codes.push(submitted(&mut p).await);
    }
    let mut tasks = vec![];
    for code in codes.clone() {
        let base = t.base.clone();
        let (_, tok, _) = crate::dossiers::camthanh_staff_pw(
            &t,
            "ketoan.camthanh",
            "Võ Văn Tài",
            motcua_domain::Role::Cashier,
        )
        .await;
        tasks.push(tokio::spawn(async move {
            let mut c = motcua_testkit::Client::new(&base);
            c.json(
                Method::POST,
                &format!("/api/v1/dossiers/{code}/receipts"),
                Some(&tok),
                Some(json!({"method": "cash"})),
            )
            .await
        }));
    }
    let mut numbers = vec![];
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        numbers.push(r.json()["receipt"]["number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let want: Vec<String> = (1..=8).map(|n| format!("{n:07}/2026")).collect();
    assert_eq!(numbers, want);
    // The same dossier twice: the second finds nothing left to pay.
    let (mut c, tok, _) = crate::dossiers::camthanh_staff_pw(
        &t,
        "ketoan.camthanh",
        "Võ Văn Tài",
        motcua_domain::Role::Cashier,
    )
    .await;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{}/receipts", codes[0]),
            Some(&tok),
            Some(json!({"method": "cash"})),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{}/receipts", codes[0]),
            Some(&tok),
            Some(json!({"method": "vnpay"})),
        )
        .await;
    assert_eq!(
        r.status, 422,
        "the gateway's payments come from the gateway"
    );
    // Not the cashier: the dossier's desk cannot take money.
    let (c2, tok2) = &mut p.desk;
    let r = c2
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{}/receipts", codes[1]),
            Some(tok2),
            Some(json!({"method": "cash"})),
        )
        .await;
    assert_eq!(r.status, 404);
    // The day's statement counts them at the office.
    let st = p
        .leader
        .0
        .json(
            Method::GET,
            "/api/v1/statements/2026-03-02?agency=000.01.01.H53",
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(st.status, 200, "{}", st.body);
    let office = &st.json()["totals"][0];
    assert_eq!(
        (office["count"].as_i64(), office["taken"].as_i64()),
        (Some(8), Some(400000)),
        "{office}"
    );
    let csv = p
        .leader
        .0
        .json(
            Method::GET,
            "/api/v1/statements/2026-03-02?agency=000.01.01.H53&format=csv",
            Some(&p.leader.1),
            None,
        )
        .await;
    assert!(csv.body.contains(&codes[0]) && csv.body.contains("50000"));
    let xlsx = p
        .leader
        .0
        .json(
            Method::GET,
            "/api/v1/statements/2026-03-02?agency=000.01.01.H53&format=xlsx",
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(xlsx.status, 200);
}

/// R8.2c: a dossier the department declines after the fee was paid owes it back: the leader
/// approves, the cashier pays it back with a voucher; a dossier whose result was produced
/// owes nothing.
async fn refunds_follow_r8_2c(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    pay_at_desk(&t, &code).await;
    to_specialist(&t, &mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": ["Không đủ điều kiện"]}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    ok(&mut p.desk, &code, json!({"action": "send_decline"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["fees"]["status"], "refund_pending");
    let list = p
        .leader
        .0
        .json(Method::GET, "/api/v1/refunds", Some(&p.leader.1), None)
        .await
        .json();
    let refund = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dossier"] == code)
        .expect("a refund")
        .clone();
    assert_eq!(
        (refund["amount"].as_i64(), refund["state"].as_str()),
        (Some(50000), Some("pending"))
    );
    let id = refund["id"].as_str().unwrap();
    let (mut cashier, ctok, _) = crate::dossiers::camthanh_staff_pw(
        &t,
        "ketoan.camthanh",
        "Võ Văn Tài",
        motcua_domain::Role::Cashier,
    )
    .await;
    let pay_back = format!("/api/v1/refunds/{id}/pay-back");
    let r = cashier
        .json(
            Method::POST,
            &pay_back,
            Some(&ctok),
            Some(json!({"reference": "PC-01"})),
        )
        .await;
    assert_eq!(r.status, 409, "not approved yet: {}", r.body);
    let r = cashier
        .json(
            Method::POST,
            &format!("/api/v1/refunds/{id}/approve"),
            Some(&ctok),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "only a leader approves");
    let r = p
        .leader
        .0
        .json(
            Method::POST,
            &format!("/api/v1/refunds/{id}/approve"),
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("approved"))
    );
    let r = cashier
        .json(Method::POST, &pay_back, Some(&ctok), Some(json!({})))
        .await;
    assert_eq!(r.status, 422, "a voucher's number");
    let r = cashier
        .json(
            Method::POST,
            &pay_back,
            Some(&ctok),
            Some(json!({"reference": "PC-01"})),
        )
        .await;
    assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("paid")));
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["fees"]["status"], "refunded");
    assert!(crate::processing::notice_kinds(&d).contains(&"refund".to_string()));

    // An online payment is paid back through the gateway when the leader approves.
    let code2 = submitted(&mut p).await;
    let s = start(&mut p.citizen, &code2).await;
    assert_eq!(
        ipn(
            &t,
            &report(&t, s["txn_ref"].as_str().unwrap(), 50000, "00", "777")
        )
        .await,
        "00"
    );
    ok(
        &mut p.desk,
        &code2,
        json!({"action": "refuse", "reasons": ["Hồ sơ không thuộc thẩm quyền"]}),
    )
    .await;
    let list = p
        .leader
        .0
        .json(Method::GET, "/api/v1/refunds", Some(&p.leader.1), None)
        .await
        .json();
    let r2 = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dossier"] == code2)
        .expect("a refund")
        .clone();
    let r = p
        .leader
        .0
        .json(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", r2["id"].as_str().unwrap()),
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("paid")),
        "{}",
        r.body
    );
    assert_eq!(
        dossier(&mut p.citizen, &code2).await["fees"]["status"],
        "refunded"
    );

    // Paid at the gateway after the desk refused the dossier: owed back at once.
    let code4 = submitted(&mut p).await;
    let late = start(&mut p.citizen, &code4).await;
    ok(
        &mut p.desk,
        &code4,
        json!({"action": "refuse", "reasons": ["Không thuộc thẩm quyền"]}),
    )
    .await;
    let r = report(&t, late["txn_ref"].as_str().unwrap(), 50000, "00", "888");
    assert_eq!(ipn(&t, &r).await, "00");
    assert_eq!(
        dossier(&mut p.citizen, &code4).await["fees"]["status"],
        "refund_pending"
    );

    // A result produced owes no refund, collected or not.
    let code3 = submitted(&mut p).await;
    pay_at_desk(&t, &code3).await;
    let (st, _) = act(&mut p.desk, &code3, json!({"action": "withdraw"})).await;
    assert_ne!(st, 200);
    let list = p
        .leader
        .0
        .json(Method::GET, "/api/v1/refunds", Some(&p.leader.1), None)
        .await
        .json();
    assert!(
        !list
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["dossier"] == code3)
    );
}

/// A web client logged in as one of Cẩm Thành's demo staff.
async fn staff_web(t: &TestApp, login: &str, role: motcua_domain::Role) -> motcua_testkit::Client {
    let (_, _, pw) = crate::dossiers::camthanh_staff_pw(t, login, login, role).await;
    let mut c = t.client();
    c.login(login, &pw).await;
    c
}

/// The pages: the cashier takes the fee on the staff dossier page and lands on the printable
/// receipt; a bad method is refused on the page; the leader approves a refund on the refunds page;
/// the statement page and its CSV and XLSX files show the day.
async fn the_pages_take_fees_refunds_and_statements(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut cashier = staff_web(&t, "ketoan.camthanh", motcua_domain::Role::Cashier).await;
    let page = cashier.get(&format!("/can-bo/ho-so/{id}")).await;
    assert!(
        page.body.contains("Thu và in biên lai"),
        "the cashier's form"
    );
    let mut leader = staff_web(&t, "lanhdao.camthanh", motcua_domain::Role::Leader).await;
    let page = leader.get(&format!("/can-bo/ho-so/{id}")).await;
    assert!(page.body.contains("Chưa nộp") && !page.body.contains("Thu và in biên lai"));
    let r = cashier
        .post_form(
            &format!("/can-bo/ho-so/{id}/thu-phi"),
            &[("method", "vnpay")],
        )
        .await;
    assert_eq!(r.status, 422, "not recorded at the desk");
    let r = cashier
        .post_form(
            &format!("/can-bo/ho-so/{id}/thu-phi"),
            &[("method", "bank_transfer")],
        )
        .await;
    assert_eq!(r.status, 422, "a transfer needs its reference");
    let r = cashier
        .post_form(
            &format!("/can-bo/ho-so/{id}/thu-phi"),
            &[("method", "cash")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = cashier.get(r.location()).await;
    assert!(
        receipt.body.contains("BIÊN LAI THU PHÍ, LỆ PHÍ") && receipt.body.contains("0000001/2026")
    );
    assert!(receipt.body.contains("<svg"), "the QR code");
    // The dossier is declined: the refund appears on the leader's page and is approved there.
    to_specialist(&t, &mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": ["Không đủ điều kiện"]}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    ok(&mut p.desk, &code, json!({"action": "send_decline"})).await;
    // The clock moved past the staff's idle time: they log in again.
    let mut leader = staff_web(&t, "lanhdao.camthanh", motcua_domain::Role::Leader).await;
    let mut cashier = staff_web(&t, "ketoan.camthanh", motcua_domain::Role::Cashier).await;
    let page = leader.get("/can-bo/hoan-tra").await;
    assert!(
        page.body.contains(&code) && page.body.contains("Chờ lãnh đạo duyệt"),
        "{}",
        page.body
    );
    let refund = p
        .leader
        .0
        .json(Method::GET, "/api/v1/refunds", Some(&p.leader.1), None)
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = leader
        .post_form(&format!("/can-bo/hoan-tra/{refund}/duyet"), &[])
        .await;
    assert!(r.body.contains("Đã duyệt, chờ hoàn trả"), "{}", r.body);
    let r = cashier
        .post_form(
            &format!("/can-bo/hoan-tra/{refund}/chi-tra"),
            &[("reference", "PC-7")],
        )
        .await;
    assert!(r.body.contains("Đã hoàn trả."), "{}", r.body);
    // The day's statement: one taken at the office, one paid back.
    let page = cashier.get("/can-bo/doi-soat?ngay=2026-03-02").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&code)
            && page.body.contains("Chi hoàn trả")
            && page.body.contains("PC-7"),
        "{}",
        page.body
    );
    let csv = cashier
        .get("/can-bo/doi-soat/tep/doi-soat.csv?ngay=2026-03-02&co-quan=000.01.01.H53")
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.body.contains(&format!("{code},office,Tiền mặt,50000")),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(",-50000,PC-7"), "{}", csv.body);
    let xlsx = cashier
        .get("/can-bo/doi-soat/tep/doi-soat.xlsx?ngay=2026-03-02&co-quan=000.01.01.H53")
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with("PK"), "a zip file");
    // A citizen has no statement; another agency's is not the cashier's.
    let r = cashier.get("/can-bo/doi-soat?co-quan=000.00.15.H53").await;
    assert_eq!(r.status, 404);
    let r = cashier.get("/can-bo/doi-soat?ngay=hom-nay").await;
    assert_eq!(r.status, 422);
}

engine_tests!(
    the_pages_take_fees_refunds_and_statements,
    online_payment_is_final_only_from_the_ipn,
    a_cancelled_payment_leaves_the_fee_due,
    paying_twice_online_is_owed_back,
    receipts_stay_gap_free_under_concurrency,
    refunds_follow_r8_2c,
);
