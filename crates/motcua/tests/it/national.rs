//! The national public service portal (R6.1, R9.2, R10.2): a dossier submitted through the
//! simulator (`motcua_web::national_sim`, what `motcua national simulate` runs) is received,
//! processed and returned here, and the simulator ends with the same status history as motcua,
//! across an outage and repeated deliveries both ways.
use base64::Engine;
use jiff::SignedDuration;
use motcua_testkit::{Engine as Db, TestApp, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, setup_with};
use crate::processing::{ok, pay_at_desk, people, to_specialist, upload_result};

const KEY: &str = "khoa-chung-cua-cong-quoc-gia-va-motcua-2026";

struct Sim {
    base: String,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Sim {
    async fn control(&self, c: Value) {
        let r = self
            .http
            .post(format!("{}/control", self.base))
            .json(&c)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
    /// Reports a payment through the simulator; answers motcua's answers.
    async fn pay(&self, p: Value) -> Vec<Value> {
        self.post("/pay", p).await
    }

    /// Asks the simulator to deliver something to motcua; answers motcua's answers.
    async fn post(&self, path: &str, body: Value) -> Vec<Value> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["answers"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Submits a dossier through the simulator; answers motcua's answers to its deliveries.
    async fn submit(&self, code: &str, corrupt: bool) -> Vec<Value> {
        self.submit_as(code, CITIZEN, corrupt).await
    }

    /// The same, for the person with this identity number.
    async fn submit_as(&self, code: &str, person: &str, corrupt: bool) -> Vec<Value> {
        let b64 = |b: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(b);
        let body = json!({
            "dossier": {
                "MaHoSo": code, "MaTTHC": "1.009999", "MaDonViTiepNhan": "000.01.01.H53",
                "NgayNop": "2026-03-02T08:55:00+07:00",
                "ThongTinNguoiNop": {"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": person, "SoDienThoai": "0912345678"},
                "DuLieuToKhai": crate::dossiers::answers(),
            },
            "files": [
                {"component": "don", "name": "don.pdf", "base64": b64(pdf(2000))},
                {"component": "ban-ve", "name": "ban-ve-1.jpg", "base64": b64(jpeg(3000))},
            ],
            "corrupt_hash": corrupt,
        });
        let r = self
            .http
            .post(format!("{}/submit", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.json::<Value>().await.unwrap()["answers"]
            .as_array()
            .unwrap()
            .clone()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// motcua with the portal at a simulator on loopback (the sender driven by the test).
async fn connected(e: Db) -> (TestApp, Sim) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim_base = format!("http://{}", listener.local_addr().unwrap());
    let url = sim_base.clone();
    let t = setup_with(e, move |c| {
        c.national.url = Some(url);
        c.national.key = Some(KEY.into());
        c.worker = false;
    })
    .await;
    let cfg = motcua_web::national_sim::SimConfig {
        motcua: t.base.clone(),
        key: KEY.into(),
        public: sim_base.clone(),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(motcua_web::national_sim::serve(listener, cfg, async move {
        let _ = rx.await;
    }));
    let sim = Sim {
        base: sim_base,
        http: reqwest::Client::new(),
        stop: Some(tx),
    };
    (t, sim)
}

/// Runs the sender until it has nothing left to send now; answers (sent, failed).
async fn sync(t: &TestApp) -> (usize, usize) {
    let s = t.app.sync_national().await.unwrap();
    (s.sent, s.failed)
}

async fn statuses_of(sim: &Sim, code: &str) -> Vec<(u64, String)> {
    let (st, v) = sim.get(&format!("/status/{code}")).await;
    assert_eq!(st, 200, "{v}");
    v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["status"].as_u64().unwrap(),
                e["at"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn received_processed_returned_with_the_same_history(e: Db) {
    let (t, sim) = connected(e).await;
    let code = "G22.99-260302-0001";
    // Delivered twice: one dossier, the second delivery told so.
    sim.control(json!({"duplicate": true})).await;
    let answers = sim.submit(code, false).await;
    assert_eq!(answers[0]["status"], 201, "{answers:?}");
    assert_eq!(answers[1]["status"], 200, "{answers:?}");
    assert_eq!(answers[1]["body"]["MoiTao"], false);
    sim.control(json!({})).await;
    assert_eq!(sync(&t).await, (1, 0), "status 1 goes back");

    // In the reception worklist, with its papers and its owner.
    let mut p = people(&t).await;
    let d = crate::processing::dossier(&mut p.desk, code).await;
    assert_eq!(d["stage"], "submitted", "{d}");
    assert_eq!(d["files"].as_array().unwrap().len(), 2, "{d}");
    let mine = crate::processing::get_json(&mut p.citizen, "/api/v1/dossiers").await;
    assert!(
        mine.to_string().contains(code),
        "the person's account holds it: {mine}"
    );

    // Accepted and forwarded during an outage: nothing is lost, nothing goes out of order.
    sim.control(json!({"fail": 2})).await;
    to_specialist(&t, &mut p, code).await;
    assert_eq!(sync(&t).await, (0, 1), "the portal is down");
    let admin = t.login_as("province_admin").await;
    let mut admin = admin;
    let page = admin.get("/can-bo/dong-bo-quoc-gia").await;
    assert!(
        page.body.contains(code) && page.body.contains("bảo trì"),
        "{}",
        page.body
    );
    t.clock.advance(SignedDuration::from_secs(31));
    assert_eq!(sync(&t).await, (0, 1), "still down");
    t.clock.advance(SignedDuration::from_secs(61));
    assert_eq!(
        sync(&t).await,
        (2, 0),
        "back: accepted (2), then in process (4)"
    );

    // The portal takes the next update but its acknowledgement is lost: delivered again.
    sim.control(json!({"drop_ack": 1})).await;
    let file = upload_result(&mut p, code).await;
    ok(
        &mut p.specialist,
        code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, code, json!({"action": "approve"})).await;
    assert_eq!(sync(&t).await, (0, 1));
    t.clock.advance(SignedDuration::from_secs(31));
    assert_eq!(sync(&t).await, (1, 0), "resolved (9), delivered again");
    // Paid on the portal: another amount is refused; the report, delivered twice, makes one
    // payment and its receipt; the portal is not told back what it told.
    let paid = |amount: i64| {
        json!({"MaHoSo": code, "SoTien": amount, "MaGiaoDich": "DVCQG-TT-0001",
               "ThoiDiemThanhToan": "2026-03-03T10:00:00+07:00"})
    };
    let answers = sim.pay(paid(10_000)).await;
    assert_eq!(answers[0]["status"], 409, "{answers:?}");
    sim.control(json!({"duplicate": true})).await;
    let answers = sim.pay(paid(50_000)).await;
    assert_eq!(
        (answers[0]["status"].as_u64(), answers[1]["status"].as_u64()),
        (Some(201), Some(200)),
        "{answers:?}"
    );
    sim.control(json!({})).await;
    let d = crate::processing::dossier(&mut p.desk, code).await;
    assert_eq!(d["receipts"].as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d["receipts"][0]["method"], "national_portal");
    // The person had asked for it at the office (R8.2), then takes the electronic result on
    // the portal: what happened there is recorded all the same. The portal says so, twice.
    let (st, v) =
        crate::processing::choose_result(&mut p.citizen, code, json!({"channel": "office"})).await;
    assert_eq!(st, 200, "{v}");
    let number = format!("{code}-KQ1");
    let got = |n: &str| json!({"MaHoSo": code, "MaKetQua": n, "ThoiDiemNhan": "2026-03-03T10:05:00+07:00"});
    let answers = sim.post("/deliver-result", got("G22.99-KHAC-KQ1")).await;
    assert_eq!(
        answers[0]["status"], 422,
        "another dossier's result: {answers:?}"
    );
    sim.control(json!({"duplicate": true})).await;
    let answers = sim.post("/deliver-result", got(&number)).await;
    assert_eq!(
        (answers[0]["status"].as_u64(), answers[1]["status"].as_u64()),
        (Some(201), Some(200)),
        "{answers:?}"
    );
    sim.control(json!({})).await;
    let d2 = crate::processing::dossier(&mut p.desk, code).await;
    assert_eq!(d2["stage"], "returned", "{d2}");
    assert_eq!(sync(&t).await, (1, 0), "returned (10)");
    let page = admin.get("/can-bo/dong-bo-quoc-gia").await;
    assert!(page.body.contains("mọi hồ sơ đã đồng bộ"), "{}", page.body);

    // The same history on both sides, by a hand count: 1, 2, 4, 9, 10.
    let id = uuid::Uuid::parse_str(d["id"].as_str().unwrap()).unwrap();
    let ours: Vec<(u64, String)> = t
        .app
        .national_history(id)
        .await
        .unwrap()
        .into_iter()
        .map(|(c, at)| (u64::from(c), motcua_domain::national::time(at)))
        .collect();
    let theirs = statuses_of(&sim, code).await;
    assert_eq!(theirs, ours);
    let codes: Vec<u64> = theirs.iter().map(|x| x.0).collect();
    assert_eq!(codes, [1, 2, 4, 9, 10]);
    let (_, v) = sim.get(&format!("/status/{code}")).await;
    assert_eq!(
        v["payments"],
        json!([]),
        "the portal's own payment is not echoed"
    );
    // The resolved update carries the signed result, checkable at its address.
    let msgs = t.app.national_messages(id).await.unwrap();
    let resolved = msgs.iter().find(|m| m.body["TrangThai"] == 9).unwrap();
    let link = resolved.body["DuongDanTepTinKetQua"].as_str().unwrap();
    assert!(
        link.ends_with(resolved.body["MaKetQua"].as_str().unwrap()),
        "{link}"
    );
    let r = reqwest::get(link).await.unwrap();
    assert_eq!(r.status(), 200);
    let check: Value = r.json().await.unwrap();
    assert_eq!(
        (
            check["issued_here"].as_bool(),
            check["dossier_code"].as_str()
        ),
        (Some(true), Some(code)),
        "{check}"
    );
    let signed = crate::processing::dossier(&mut p.desk, code).await["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().is_some_and(|n| n.ends_with("-KQ1.pdf")))
        .unwrap()["sha256"]
        .clone();
    assert_eq!(
        resolved.body["HashTepTinKetQua"], signed,
        "the signed result's hash"
    );
    let (_, stats) = sim.get("/stats").await;
    assert_eq!(stats["out_of_order"], 0, "{stats}");
    assert_eq!(stats["repeats"], 1, "the one repeated delivery: {stats}");
}

async fn deliveries_are_checked(e: Db) {
    let (t, sim) = connected(e).await;
    // A paper whose hash does not match: refused, nothing made.
    let answers = sim.submit("G22.99-260302-0002", true).await;
    assert_eq!(answers[0]["status"], 422, "{answers:?}");
    assert!(
        answers[0]["body"].to_string().contains("mã băm"),
        "{answers:?}"
    );
    let mut p = people(&t).await;
    let r = p
        .desk
        .0
        .json(
            Method::GET,
            "/api/v1/dossiers/G22.99-260302-0002",
            Some(&p.desk.1),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    // A payment at the desk goes to the portal, after the dossier's submission.
    let code = "G22.99-260302-0004";
    assert_eq!(sim.submit(code, false).await[0]["status"], 201);
    pay_at_desk(&t, code).await;
    assert_eq!(sync(&t).await, (2, 0));
    let (_, v) = sim.get(&format!("/status/{code}")).await;
    let paid = &v["payments"][0];
    assert_eq!(
        (
            paid["DanhSachPhiLePhi"][0]["Gia"].as_i64(),
            paid["HinhThucThanhToan"].as_str()
        ),
        (Some(50_000), Some("cash")),
        "{v}"
    );
    assert_eq!(v["history"].as_array().map(Vec::len), Some(1), "{v}");
    // Another key: refused.
    let mut c = t.client();
    let r = c
        .json(
            Method::POST,
            "/api/v1/national/dossiers",
            Some("not-the-portal-key"),
            Some(json!({
                "MaHoSo": "G22.99-260302-0003", "MaTTHC": "1.009999", "MaDonViTiepNhan": "000.01.01.H53",
                "NgayNop": "2026-03-02T08:55:00+07:00",
                "ThongTinNguoiNop": {"HoVaTen": "A", "SoDinhDanh": CITIZEN, "SoDienThoai": "0912345678"},
                "DuLieuToKhai": {}, "ThanhPhanHoSo": []
            })),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

/// A dossier from the portal for someone without an account here belongs to the portal's
/// identified person: nobody claims it with its code and phone (R6.2), though both are right.
async fn a_portal_dossier_is_not_claimed(e: Db) {
    let (t, sim) = connected(e).await;
    let code = "G22.99-260302-0003";
    let answers = sim.submit_as(code, "079199012345", false).await;
    assert_eq!(answers[0]["status"], 201, "{answers:?}");
    let (mut c, tok) = crate::dossiers::token(&t, CITIZEN).await;
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers/claim",
            Some(&tok),
            Some(json!({"code": code, "phone": "0912345678"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

engine_tests!(
    received_processed_returned_with_the_same_history,
    deliveries_are_checked,
    a_portal_dossier_is_not_claimed
);
