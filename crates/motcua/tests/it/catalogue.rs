//! The catalogue and the "Dịch vụ công trực tuyến" section (R5.1a, R5.1b, R5.2, R6.1,
//! R9.2, R10.3, R10.4).
use motcua_app::catalogue::CatalogueSnapshot;
use motcua_testkit::{Engine, TestApp};

mod editing;
mod import;
mod public;

/// A small catalogue of our own (independent of the demo data), shared with the benchmarks.
pub fn fixture() -> CatalogueSnapshot {
    serde_json::from_str(include_str!("fixture_catalogue.json")).expect("fixture catalogue")
}

async fn with_fixture(e: Engine) -> TestApp {
    let t = TestApp::spawn(e).await;
    t.app
        .import_agencies(
            &Default::default(),
            None,
            &motcua_app::demo::demo_snapshot(),
        )
        .await
        .unwrap();
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &fixture(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    t
}

fn first_code(r: &motcua_testkit::Resp) -> String {
    let b = &r.body;
    let i = b.find("<ol class=\"results\">").expect("results list");
    let j = b[i..].find("/dich-vu-cong/").unwrap() + i + "/dich-vu-cong/".len();
    b[j..].split('"').next().unwrap().to_string()
}
