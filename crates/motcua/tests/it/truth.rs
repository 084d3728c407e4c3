//! What people are told must be true (R3.4, R5.1b, R6.2, R8.1a, R8.1c, R10.3, R10.5, R12): the
//! time that applies to a dossier, the published process applied, one status everywhere, figures
//! counted from the records, dossiers that never wait on an absent person, separation of duties,
//! applicants who see only what is theirs, and an API a program can drive alone. Both engines.
use motcua_domain::account::Role;
use motcua_testkit::{Client, TestApp, result_pdf};

mod desk;
mod duties;
mod oversight;
mod published;
mod status;
mod work;
mod yearly;

/// A demo officer of an agency in a role, logged in.
pub async fn demo_staff(t: &TestApp, agency: &str, role: Role) -> (Client, String) {
    let a = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.agency_code == agency && a.role == role.as_str())
        .unwrap_or_else(|| panic!("the demo has a {role:?} at {agency}"));
    let mut c = t.client();
    let tok = c.token(&a.login, &a.password).await;
    (c, tok)
}

/// The specialist uploads a result document; answers its id.
async fn upload_result(who: &mut (Client, String), code: &str, name: &str) -> String {
    let (c, tok) = who;
    let r = c
        .upload(tok, code, "_ket-qua", name, result_pdf(name, 1200))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}
