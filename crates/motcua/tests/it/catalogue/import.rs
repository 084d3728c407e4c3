//! The portable catalogue: an import checked before anything is written and idempotent, and the
//! demo catalogue whole.
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;

use crate::security::demo_pw;

use super::{fixture, with_fixture};

async fn import_is_checked_and_idempotent(e: Engine) {
    let t = with_fixture(e).await;
    let again = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &fixture(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            again.procedures_created,
            again.versions_published,
            again.services_created,
            again.services_updated
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(again.procedures_unchanged, 3);
    let exported = t.app.export_catalogue().await.unwrap();
    let r = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &exported,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.versions_published, r.services_updated),
        (0, 0),
        "export → import changes nothing"
    );
    // One bad service rejects the whole file; nothing changes.
    let mut bad = fixture();
    bad.procedures[0].name = "Đổi tên".into();
    bad.services[0].process[1].budget =
        motcua_domain::catalogue::Duration::WorkingDays { value: 20.0 };
    let err = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &bad,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("vượt thời hạn"), "{err:?}");
    assert_eq!(
        t.app
            .procedure_page("1.009999", false)
            .await
            .unwrap()
            .version
            .body
            .name,
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"
    );
    let mut bad = fixture();
    bad.services[0].procedure = "1.000000".into();
    assert!(
        t.app
            .import_catalogue(
                &Default::default(),
                None,
                &bad,
                jiff::civil::date(2026, 1, 1)
            )
            .await
            .is_err()
    );
    let _ = demo_pw;
}

/// The demo catalogue: searchable whole, and every service's form renders with its title and
/// every question.
async fn demo_catalogue(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let sectors = t.app.sectors().await.unwrap();
    assert!(sectors.len() >= 6);
    let exported = t.app.export_catalogue().await.unwrap();
    assert!(
        exported.procedures.len() >= 30,
        "{}",
        exported.procedures.len()
    );
    // An empty search lists every procedure once, each with the agencies that offer it.
    let all = t
        .app
        .search_catalogue(&Default::default(), 1000)
        .await
        .unwrap();
    let mut listed: Vec<&str> = all.iter().map(|p| p.code.as_str()).collect();
    listed.sort();
    let mut want: Vec<&str> = exported
        .procedures
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    want.sort();
    assert_eq!(listed, want);
    // Each field's figure on the sector listing is the number of its procedures, by hand.
    for (code, _, n) in sectors.iter().flat_map(|s| &s.fields) {
        let by_hand = exported.procedures.iter().filter(|p| &p.field == code);
        assert_eq!(*n, by_hand.count() as i64, "field {code}");
    }
    let total: i64 = sectors.iter().flat_map(|s| &s.fields).map(|f| f.2).sum();
    assert_eq!(total, exported.procedures.len() as i64);
    for s in &exported.services {
        let p = all.iter().find(|p| p.code == s.procedure).unwrap();
        assert!(
            p.agencies.iter().any(|(code, _)| code == &s.agency) && p.levels.contains(&s.level),
            "{} at {} with level {} in the search result",
            s.procedure,
            s.agency,
            s.level
        );
    }
    for l in [2u8, 3, 4] {
        assert!(
            exported.services.iter().any(|s| s.level == l),
            "level {l} offered"
        );
    }
    let mut c = t.client();
    let r = c
        .json(
            Method::GET,
            "/api/v1/procedures?q=dang+ky+khai+sinh",
            None,
            None,
        )
        .await
        .json();
    assert_eq!(r[0]["code"], "1.001193");
    // Every demo service's form renders: its title, every question, the check button.
    for s in &exported.services {
        let p = c
            .json(
                Method::GET,
                &format!("/api/v1/procedures/{}", s.procedure),
                None,
                None,
            )
            .await
            .json();
        let svc = p["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["agency"]["code"] == s.agency.as_str())
            .unwrap();
        let page = c
            .get(&format!(
                "/dich-vu-cong/{}/bieu-mau/{}",
                s.procedure,
                svc["id"].as_str().unwrap()
            ))
            .await;
        let at = format!("{} at {}", s.procedure, s.agency);
        assert_eq!(page.status, 200, "{at}");
        let title = s.form_schema["title"].as_str().unwrap();
        assert!(
            page.body.contains(&format!("<h1>{title}</h1>")),
            "{at}: {title}"
        );
        let questions = s.form_schema["properties"].as_object().unwrap();
        assert!(!questions.is_empty(), "{at} asks something");
        for (name, q) in questions {
            let label = q["title"].as_str().unwrap();
            assert!(
                page.body.contains(&format!("name=\"{name}"))
                    || page.body.contains(&format!("id=\"f-{name}")),
                "{at}: the field {name} is on the page"
            );
            assert!(page.body.contains(label), "{at}: the question {label}");
        }
        assert!(page.body.contains("Kiểm tra biểu mẫu"), "{at}");
    }
}

engine_tests!(import_is_checked_and_idempotent, demo_catalogue);
