//! Staff hear of their new work, and only theirs (R10.6, R11.4, R12, R8.1b): the desk officer on
//! duty of a new dossier, the leader of one forwarded, the specialist of an assignment, the
//! leader of a proposal, the consulted agency's leader of a consultation, the holder of a due
//! point within a working day (once), the agency's administrators of desk days with nobody on
//! duty (once); never the person who acted, never another agency, never the applicant.
use jiff::SignedDuration;
use motcua_app::staff::By;
use motcua_domain::account::Role;
use motcua_domain::agency::UnitKind;
use motcua_domain::notice::NoticeKind;
use motcua_testkit::{Engine, TestApp, engine_tests};
use serde_json::json;

use crate::dossiers::{camthanh_staff_pw, setup};
use crate::processing::{dossier, ok, people, submitted, to_specialist};

use super::upload_result;

const CAMTHANH: &str = "000.01.01.H53";

/// The staff notices in someone's inbox, oldest first.
async fn heard(t: &TestApp, login: &str) -> Vec<NoticeKind> {
    let u = t.app.find_user(login).await.unwrap();
    let mut n = t.app.inbox(u.id).await.unwrap().0;
    // Ids are time-ordered (v7) and the test clock stands still between steps.
    n.sort_by_key(|n| n.id);
    n.into_iter().map(|n| n.kind).collect()
}

/// Everyone's staff notices, by login.
async fn all_heard(t: &TestApp, logins: &[&str]) -> Vec<(String, Vec<NoticeKind>)> {
    let mut out = vec![];
    for l in logins {
        out.push((l.to_string(), heard(t, l).await));
    }
    out
}

fn expect(pairs: &[(&str, &[NoticeKind])]) -> Vec<(String, Vec<NoticeKind>)> {
    pairs
        .iter()
        .map(|(l, k)| (l.to_string(), k.to_vec()))
        .collect()
}

/// A new staff member of Cẩm Thành in a role; answers the password.
async fn camthanh_officer(t: &TestApp, login: &str, role: Role) -> String {
    camthanh_staff_pw(t, login, &format!("Cán bộ {login}"), role)
        .await
        .2
}

async fn each_staff_notice_reaches_the_right_person_only(e: Engine) {
    use NoticeKind::*;
    let t = setup(e).await;
    let mut p = people(&t).await;
    // A second reception officer, not on the desk's duty roster (the demo's officer is).
    camthanh_officer(&t, "tiepnhan2.camthanh", Role::Reception).await;
    let admin_pw = camthanh_officer(&t, "quantri.camthanh", Role::AgencyAdmin).await;
    let watched = [
        "tiepnhan.camthanh",
        "tiepnhan2.camthanh",
        "chuyenvien.camthanh",
        "chuyenvien2.camthanh",
        "lanhdao.camthanh",
        "lanhdao.tuphap",
        "chuyenvien.tuphap",
        "quantri.camthanh",
        "quantri.tuphap",
    ];
    let code = submitted(&mut p).await;
    assert_eq!(
        all_heard(&t, &watched).await,
        expect(&[
            ("tiepnhan.camthanh", &[NewWork]),
            ("tiepnhan2.camthanh", &[]),
            ("chuyenvien.camthanh", &[]),
            ("chuyenvien2.camthanh", &[]),
            ("lanhdao.camthanh", &[]),
            ("lanhdao.tuphap", &[]),
            ("chuyenvien.tuphap", &[]),
            ("quantri.camthanh", &[]),
            ("quantri.tuphap", &[]),
        ]),
        "the officer on duty hears of a new online dossier"
    );
    // Accept (the desk keeps it: the one who acted is not told), forward (the leader), assign
    // (the specialist chosen, not the other one).
    to_specialist(&t, &mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-10", "basis": "Luật Xây dựng số 50/2014/QH13"}]}),
    )
    .await;
    let mut tp = crate::dossiers::token(&t, "lanhdao.tuphap").await;
    let list = crate::processing::get_json(&mut tp, "/api/v1/consultations").await;
    let cid = list[0]["id"].as_str().unwrap().to_string();
    let r =
        tp.0.json(
            reqwest::Method::POST,
            &format!("/api/v1/consultations/{cid}/answer"),
            Some(&tp.1),
            Some(json!({"answer": "Thửa đất đã được cấp giấy chứng nhận."})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let doc = upload_result(&mut p.specialist, &code, "ket-qua.pdf").await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": doc}),
    )
    .await;
    assert_eq!(
        all_heard(&t, &watched).await,
        expect(&[
            ("tiepnhan.camthanh", &[NewWork]),
            ("tiepnhan2.camthanh", &[]),
            // Assigned; back from the consultation when its last answer came.
            ("chuyenvien.camthanh", &[Assigned, NewWork]),
            ("chuyenvien2.camthanh", &[]),
            // Forwarded to the department; then the proposal to approve.
            ("lanhdao.camthanh", &[NewWork, ApprovalAwaited]),
            // Asked for its opinion (it answered: the specialist's step is the one told).
            ("lanhdao.tuphap", &[ConsultationRequested]),
            ("chuyenvien.tuphap", &[]),
            ("quantri.camthanh", &[]),
            ("quantri.tuphap", &[]),
        ])
    );
    // None of it reaches the applicant's dossier page.
    let d = dossier(&mut p.citizen, &code).await;
    let kinds: Vec<&str> = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().all(
            |k| [NewWork, Assigned, ApprovalAwaited, ConsultationRequested]
                .iter()
                .all(|s| s.as_str() != *k)
        ),
        "{kinds:?}"
    );
    // By e-mail too, as the leader chose (staff e-mail is on by default).
    let mails = t.app.recent_emails(50).await.unwrap();
    assert!(
        mails.iter().any(
            |(to, subject, body, kind, _)| to == "lanhdao.camthanh@quangngai.example"
                && *kind == ApprovalAwaited
                && subject.contains(&code)
                && body.contains("/can-bo/ho-so/")
        ),
        "{mails:?}"
    );

    // The proposal's due point: the leader is warned once, when it is within a working day.
    let row = motcua_store::dossiers::get_dossier(
        t.app.db().conn(),
        d["id"].as_str().unwrap().parse().unwrap(),
    )
    .await
    .unwrap();
    let due = row.step_due_at.unwrap();
    let now = t.app.now();
    assert!(due > now);
    t.clock
        .advance(due.duration_since(now) - SignedDuration::from_mins(30));
    let first = t.app.remind().await.unwrap();
    let again = t.app.remind().await.unwrap();
    assert!(first.deadlines >= 1, "{first:?}");
    assert_eq!(again.deadlines, 0, "never twice for one due point");
    assert_eq!(
        heard(&t, "lanhdao.camthanh").await,
        [NewWork, ApprovalAwaited, DeadlineNear]
    );
    assert!(
        !heard(&t, "chuyenvien.camthanh")
            .await
            .contains(&DeadlineNear)
    );

    // The desk's roster: the demo officer's open-ended turn ends today; the days after have
    // nobody. Cẩm Thành's administrator hears once; Sở Tư pháp's (fully staffed) does not.
    let cam_thanh = t.app.agency_by_code(CAMTHANH).await.unwrap();
    let desk = t
        .app
        .agencies_and_units()
        .await
        .unwrap()
        .1
        .into_iter()
        .find(|u| u.agency_id == cam_thanh.id && u.kind == UnitKind::ReceptionDesk)
        .unwrap();
    let turns = motcua_store::users::list_duty(t.app.db().conn(), desk.id)
        .await
        .unwrap();
    let officer = turns[0].user_id;
    for d in turns {
        t.app
            .remove_duty(&Default::default(), By::Operator, d.id)
            .await
            .unwrap();
    }
    let today = motcua_domain::clock::vn_date(t.app.now());
    t.app
        .add_duty(
            &Default::default(),
            By::Operator,
            desk.id,
            officer,
            today,
            Some(today),
        )
        .await
        .unwrap();
    let unstaffed = t.app.unstaffed_days(desk.id).await.unwrap();
    assert_eq!(
        unstaffed.len(),
        4,
        "the next four working days: {unstaffed:?}"
    );
    assert!(unstaffed[0] > today);
    let first = t.app.remind().await.unwrap();
    let again = t.app.remind().await.unwrap();
    assert_eq!((first.desks, again.desks), (1, 0), "{first:?} {again:?}");
    assert_eq!(heard(&t, "quantri.camthanh").await, [UnstaffedDesk]);
    assert_eq!(heard(&t, "quantri.tuphap").await, []);
    // The roster page flags the same days.
    let mut admin = t.client();
    admin.login("quantri.camthanh", &admin_pw).await;
    let page = admin.get(&format!("/can-bo/lich-truc/{}", desk.id)).await;
    assert_eq!(page.status, 200);
    let first_day = motcua_domain::clock::format_vn_date(unstaffed[0]);
    assert!(
        page.body.contains("id=\"unstaffed\"") && page.body.contains(&first_day),
        "{}",
        page.body
    );
    // On the next day, a new online dossier goes to every reception officer: nobody is on duty.
    t.clock.advance(SignedDuration::from_hours(24 * 3));
    p.relogin(&t).await;
    submitted(&mut p).await;
    assert_eq!(heard(&t, "tiepnhan2.camthanh").await, [NewWork]);
}

engine_tests!(each_staff_notice_reaches_the_right_person_only);
