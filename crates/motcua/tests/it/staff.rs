//! Staff administration, grants, duty roster, the agency tree (R2, R10.6).
use motcua_app::agencies::Snapshot;
use motcua_testkit::{Engine, TestApp, engine_tests};

async fn staff_admin_flow(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let mut admin = t.login_as("agency_admin").await;
    let tp = t.app.agency_by_code("000.00.11.H53").await.unwrap();
    // Create: a generated password, shown once, that works.
    let r = admin
        .post_form(
            "/can-bo/nhan-su/moi",
            &[
                ("login", "Bad Login!"),
                ("full_name", "Ngô Thị Mai"),
                ("agency", &tp.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Tên đăng nhập gồm"));
    let r = admin
        .post_form(
            "/can-bo/nhan-su/moi",
            &[
                ("login", "ngothi.mai"),
                ("full_name", "Ngô Thị Mai"),
                ("agency", &tp.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pw = r
        .body
        .split("Mật khẩu ban đầu: ")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(pw.len() >= 15);
    let mai = t.app.find_user("ngothi.mai").await.unwrap();
    let mut m = t.client();
    m.login("ngothi.mai", &pw).await;
    assert_eq!(
        m.get("/can-bo").await.status,
        403,
        "no grant yet: no back office"
    );
    // Grant reception at the desk: her session ends; after log-in she sees the role.
    let (_, units) = t.app.agencies_and_units().await.unwrap();
    let desk = units
        .iter()
        .find(|u| u.agency_id == tp.id && u.code == "MOTCUA")
        .unwrap();
    let r = admin
        .post_form(
            &format!("/can-bo/nhan-su/{}/quyen", mai.id),
            &[
                ("role", "reception"),
                ("agency", &tp.id.to_string()),
                ("unit", &desk.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .post_form(
            &format!("/can-bo/nhan-su/{}/quyen", mai.id),
            &[
                ("role", "reception"),
                ("agency", &tp.id.to_string()),
                ("unit", &desk.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "no duplicate grant");
    assert_eq!(
        m.get("/can-bo").await.status,
        303,
        "privilege change ends the holder's sessions"
    );
    m.login("ngothi.mai", &pw).await;
    let home = m.get("/can-bo").await;
    assert!(
        home.body.contains("Cán bộ tiếp nhận và trả kết quả"),
        "{}",
        home.body
    );
    // Duty roster (R10.6).
    let r = admin
        .post_form(
            &format!("/can-bo/lich-truc/{}", desk.id),
            &[
                ("user", &mai.id.to_string()),
                ("starts_on", "2026-03-02"),
                ("ends_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get(&format!("/can-bo/lich-truc/{}", desk.id)).await;
    assert!(page.body.contains("Ngô Thị Mai") && page.body.contains("02/03/2026"));
    let specialist_unit = units
        .iter()
        .find(|u| u.agency_id == tp.id && u.code == "HCTP")
        .unwrap();
    let r = admin
        .post_form(
            &format!("/can-bo/lich-truc/{}", specialist_unit.id),
            &[("user", &mai.id.to_string()), ("starts_on", "2026-03-02")],
        )
        .await;
    assert_eq!(r.status, 422, "only reception desks have a duty roster");
    // Revoke and disable.
    let grant = t.app.active_grants(mai.id).await.unwrap()[0].id;
    m.login("ngothi.mai", &pw).await;
    assert_eq!(
        admin
            .post_form(&format!("/can-bo/quyen/{grant}/thu-hoi"), &[])
            .await
            .status,
        303
    );
    assert!(t.app.active_grants(mai.id).await.unwrap().is_empty());
    assert_eq!(
        m.get("/can-bo").await.status,
        303,
        "revocation ends sessions"
    );
    let mut m2 = t.client();
    m2.login("ngothi.mai", &pw).await;
    let token = m2.token("ngothi.mai", &pw).await;
    assert_eq!(
        admin
            .post_form(
                &format!("/can-bo/nhan-su/{}/trang-thai", mai.id),
                &[("disabled", "1")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        m2.get("/tai-khoan").await.status,
        303,
        "disabling ends sessions"
    );
    assert_eq!(
        m2.json(reqwest::Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        401,
        "and API tokens"
    );
    let r = m2
        .post_form("/dang-nhap", &[("login", "ngothi.mai"), ("password", &pw)])
        .await;
    assert_eq!(r.status, 422, "a disabled account cannot log in");
    assert!(r.body.contains(motcua_app::accounts::BAD_CREDENTIALS));
    assert_eq!(
        admin
            .post_form(
                &format!("/can-bo/nhan-su/{}/trang-thai", mai.id),
                &[("disabled", "0")]
            )
            .await
            .status,
        303
    );
    m2.login("ngothi.mai", &pw).await;
}

async fn agency_tree_and_history(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    t.demo().await; // safe twice
    let tree = t.app.agency_tree(None).await.unwrap();
    let new_province = tree
        .iter()
        .find(|n| n.agency.code == "000.00.00.H53")
        .unwrap();
    let preds: Vec<&str> = new_province
        .predecessors
        .iter()
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert!(preds.contains(&"Ủy ban nhân dân tỉnh Kon Tum"), "{preds:?}");
    let active = t
        .app
        .agency_tree(Some(jiff::civil::date(2026, 3, 2)))
        .await
        .unwrap();
    assert!(active.iter().all(|n| n.agency.valid_to.is_none()));
    assert!(active.len() >= 12 && active.len() < tree.len());
    for code in [
        "000.00.11.H53",
        "000.00.12.H53",
        "000.00.13.H53",
        "000.00.14.H53",
        "000.00.15.H53",
        "000.00.20.H53",
    ] {
        let n = active.iter().find(|n| n.agency.code == code).unwrap();
        assert!(
            n.units
                .iter()
                .any(|u| u.kind == motcua_domain::agency::UnitKind::ReceptionDesk),
            "{code} has a desk"
        );
    }
    assert!(
        active
            .iter()
            .filter(|n| matches!(n.agency.kind.as_str(), "commune" | "ward" | "special_zone"))
            .count()
            >= 4
    );
    // Export → import is idempotent.
    let snap = t.app.export_agencies().await.unwrap();
    let r = t
        .app
        .import_agencies(&Default::default(), None, &snap)
        .await
        .unwrap();
    assert_eq!(
        (
            r.created,
            r.updated,
            r.units_created,
            r.units_updated,
            r.successions_created
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(r.unchanged, snap.agencies.len());
    // A bad snapshot changes nothing.
    let mut bad: Snapshot = snap.clone();
    bad.agencies[1].name = "Đã đổi tên".into();
    bad.agencies.push(motcua_app::agencies::AgencyRecord {
        code: "ZZ.1".into(),
        name: "Mồ côi".into(),
        short_name: None,
        kind: motcua_domain::agency::AgencyKind::Department,
        parent: Some("KHONG.CO".into()),
        valid_from: jiff::civil::date(2025, 7, 1),
        valid_to: None,
        units: vec![],
    });
    assert!(
        t.app
            .import_agencies(&Default::default(), None, &bad)
            .await
            .is_err()
    );
    assert_eq!(
        t.app.export_agencies().await.unwrap(),
        snap,
        "all or nothing"
    );
    // The back office shows the history; the public API too.
    let mut prov = t.login_as("province_admin").await;
    let page = prov.get("/can-bo/co-quan?tat_ca=1").await;
    assert!(
        page.body
            .contains("Sở Tài nguyên và Môi trường tỉnh Quảng Ngãi")
            && page.body.contains("hợp nhất")
    );
    let page = prov.get("/can-bo/co-quan/000.00.14.H53").await;
    assert!(
        page.body.contains("kế thừa")
            && page.body.contains("Sở Nông nghiệp và Phát triển nông thôn")
    );
    let api = t.client().get("/api/v1/agencies").await.json();
    let nnmt = api
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "000.00.14.H53")
        .unwrap();
    assert_eq!(nnmt["predecessors"].as_array().unwrap().len(), 2);
    // Citizens and anonymous visitors do not see the back-office tree.
    assert_eq!(t.client().get("/can-bo/co-quan").await.status, 303);
}

engine_tests!(staff_admin_flow, agency_tree_and_history);
