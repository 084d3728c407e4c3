//! Oversight figures are hand counts (R9.4, R9.6): an agency's statistics, the dossiers behind
//! each figure, the Decision 766 scorecard, who may read them, and the satisfaction rating of a
//! finished dossier (its owner, once).
use jiff::SignedDuration;
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, OTHER, setup, token};
use crate::processing::{dossier, get_json, ok, people, submitted};
use crate::security::demo_pw;

use super::status::to_resolved;

const CAMTHANH: &str = "000.01.01.H53";
const YEAR: &str = "from=2026-01-01&to=2026-12-31";

fn indicator(card: &Value, code: &str) -> Value {
    card["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("indicator {code}"))
        .clone()
}

fn all_answers(level: u8) -> Value {
    let keys = [
        "overall",
        "convenience",
        "on_time",
        "attitude",
        "time_vs_law",
        "time_vs_promise",
        "contacts",
        "agencies",
        "one_stop",
        "publicity",
        "responsiveness",
        "online",
    ];
    Value::Object(keys.iter().map(|k| (k.to_string(), json!(level))).collect())
}

/// Six dossiers submitted on Monday 02/03 09:00 (appointments 23/03 when accepted at once):
/// [1] refused at intake; [0] resolved the same day (early); [3] withdrawn the same day (early);
/// two days later [5] accepted (after eight office hours: late acceptance) and [2], accepted on
/// Monday, handed over (late hand-over); on 26/03 [4] handed over and resolved (late, a late
/// hand-over too). Then [2] and [5] are in progress past their appointments.
async fn statistics_and_scorecard_are_hand_counts(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut codes = vec![];
    for _ in 0..6 {
        codes.push(submitted(&mut p).await);
    }
    ok(
        &mut p.desk,
        &codes[1],
        json!({"action": "refuse", "reasons": ["Sai thủ tục"]}),
    )
    .await;
    for c in [&codes[0], &codes[2], &codes[3], &codes[4]] {
        ok(&mut p.desk, c, json!({"action": "accept"})).await;
    }
    to_resolved(&t, &mut p, &codes[0]).await;
    let (c, tok) = &mut p.citizen;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{}/withdraw", codes[3]),
            Some(tok),
            Some(json!({"reason": "Không cần nữa"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    t.clock.advance(SignedDuration::from_hours(48));
    p.relogin(&t).await;
    ok(&mut p.desk, &codes[5], json!({"action": "accept"})).await;
    ok(&mut p.desk, &codes[2], json!({"action": "forward"})).await;
    t.clock.advance(SignedDuration::from_hours(24 * 22));
    p.relogin(&t).await;
    to_resolved(&t, &mut p, &codes[4]).await;

    let stats = get_json(&mut p.leader, &format!("/api/v1/reports/statistics?{YEAR}")).await;
    let want = json!({
        "agency": CAMTHANH, "from": "2026-01-01", "to": "2026-12-31",
        "received": 6, "finished": 3, "early": 2, "on_time": 0, "late": 1,
        "in_progress": 2, "overdue": 2, "late_acceptances": 1, "late_handovers": 2,
        "second_supplements": 0, "on_time_percent": 66,
        // Office time from acceptance: 10 min ([0]), 10 min ([3]), and [4] from Monday 02/03
        // 09:00 to Thursday 26/03 09:20: 6 h + 17 days × 7.5 h + 1 h 50 = 135 h 20; the three
        // average 45 h 6 min 40 s, 6.0 working days.
        "average_days": 6.0,
    });
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&stats[k], v, "{k}: {stats}");
    }
    assert_eq!(
        stats["by_channel"],
        json!([{"key": "online", "label": "Trực tuyến", "dossiers": 6}])
    );
    let by_status: Vec<(String, u64)> = stats["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().into(),
                s["dossiers"].as_u64().unwrap(),
            )
        })
        .collect();
    let want_status = [
        ("accepted", 1),
        ("refused", 1),
        ("in_process", 1),
        ("withdrawn", 1),
        ("resolved", 2),
    ];
    assert_eq!(
        by_status,
        want_status.map(|(k, n)| (k.to_string(), n)).to_vec()
    );
    assert_eq!(stats["months"][0]["month"], "2026-03");
    // Each figure's list holds exactly the dossiers it counts.
    let expect = [
        ("received", vec![0, 1, 2, 3, 4, 5]),
        ("finished", vec![0, 3, 4]),
        ("on_time", vec![0, 3]),
        ("late", vec![4]),
        ("in_progress", vec![2, 5]),
        ("overdue", vec![2, 5]),
        ("late_acceptance", vec![5]),
        ("late_handover", vec![2, 4]),
        ("second_supplement", vec![]),
    ];
    for (figure, which) in expect {
        let l = get_json(
            &mut p.leader,
            &format!("/api/v1/reports/dossiers?{YEAR}&figure={figure}"),
        )
        .await;
        let mut got: Vec<String> = l["dossiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        let mut want: Vec<String> = which.iter().map(|i| codes[*i].clone()).collect();
        want.sort();
        assert_eq!(got, want, "{figure}");
        assert_eq!(l["total"].as_u64(), Some(want.len() as u64), "{figure}");
    }
    let withdrawn = get_json(
        &mut p.leader,
        &format!("/api/v1/reports/dossiers?{YEAR}&figure=received&status=withdrawn"),
    )
    .await;
    assert_eq!(withdrawn["dossiers"][0]["code"], codes[3].as_str());

    // The pages show the same figures, each linking to its dossiers.
    let (login, pw) = p.logins[2].clone();
    let mut web = t.client();
    web.login(&login, &pw).await;
    assert!(
        web.get("/can-bo")
            .await
            .body
            .contains("href=\"/can-bo/bao-cao\"")
    );
    let page = web
        .get("/can-bo/bao-cao?tu=2026-01-01&den=2026-12-31")
        .await
        .body;
    let q = format!("co_quan={CAMTHANH}&#38;tu=2026-01-01&#38;den=2026-12-31");
    for (figure, n) in [("overdue", 2), ("late_handover", 2), ("late_acceptance", 1)] {
        let cell = format!("<a href=\"/can-bo/bao-cao/ho-so?{q}&#38;chi_so={figure}\">{n}</a>");
        assert!(page.contains(&cell), "{cell} in {page}");
    }
    assert!(
        page.contains("<svg class=\"chart\""),
        "charts drawn on the server"
    );
    assert!(page.contains("Thời gian giải quyết trung bình</td><td class=\"num\">6 ngày làm việc"));
    let list = web
        .get(&format!(
            "/can-bo/bao-cao/ho-so?co_quan={CAMTHANH}&tu=2026-01-01&den=2026-12-31&chi_so=overdue"
        ))
        .await
        .body;
    assert!(
        list.contains(&codes[2]) && list.contains(&codes[5]),
        "{list}"
    );
    assert!(!list.contains(&codes[0]));
    let card_page = web
        .get(&format!(
            "/can-bo/bao-cao/chi-so-766?co_quan={CAMTHANH}&tu=2026-01-01&den=2026-12-31"
        ))
        .await
        .body;
    assert!(card_page.contains("<td class=\"num\">40%</td>\n    <td class=\"num\">2/5</td>\n    <td class=\"num\">8</td>"), "{card_page}");
    assert!(card_page.contains("Không đo được"));

    // 2.1: (2 early + 0 in progress in time) ÷ (3 finished + 2 in progress) = 40 % of 20.
    let card = get_json(
        &mut p.leader,
        &format!("/api/v1/reports/scorecard?agency={CAMTHANH}&{YEAR}"),
    )
    .await;
    let i = indicator(&card, "2.1");
    assert_eq!(
        (&i["numerator"], &i["denominator"], &i["value"], &i["score"]),
        (&json!(2), &json!(5), &json!(40.0), &json!(8.0))
    );
    assert_eq!(indicator(&card, "3.3")["value"], json!(100.0));
    // 5.4: 100 % − 60 % late (1 late + 2 overdue of 5) − 0 % disliked = 40 → 6 × 40/90.
    assert_eq!(indicator(&card, "5.4")["score"], json!(2.67));
    assert_eq!(indicator(&card, "1.4")["measured"], json!(false));
    assert_eq!(card["max"], json!(100.0));
    let sum: f64 = card["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["score"].as_f64().unwrap())
        .sum();
    assert!(
        (card["total"].as_f64().unwrap() - sum).abs() < 0.011,
        "{card}"
    );

    // The owner rates the refused dossier, dissatisfied: 5.4 loses 1 of 6 received.
    let path = format!("/api/v1/dossiers/{}/rating", codes[1]);
    let body = json!({"answers": all_answers(3), "comment": "Hướng dẫn chưa rõ"});
    let (c, tok) = &mut p.citizen;
    let r = c
        .json(Method::POST, &path, Some(tok), Some(body.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["dissatisfied"], json!(true));
    let card = get_json(
        &mut p.leader,
        &format!("/api/v1/reports/scorecard?agency={CAMTHANH}&{YEAR}"),
    )
    .await;
    // 100 − 60 − 16.67 = 23.33 → 6 × 23.33/90.
    assert_eq!(indicator(&card, "5.4")["score"], json!(1.56));

    // Who may read: the province sees every agency, a leader only theirs, a citizen none.
    let mut inspector = token(&t, "thanhtra.tinh").await;
    let province = get_json(
        &mut inspector,
        &format!("/api/v1/reports/statistics?{YEAR}"),
    )
    .await;
    assert_eq!(
        (&province["agency"], &province["received"]),
        (&Value::Null, &json!(6))
    );
    let checks = [
        (
            "leader",
            format!("/api/v1/reports/statistics?agency=000.00.00.H53&{YEAR}"),
            403,
        ),
        ("citizen", format!("/api/v1/reports/scorecard?{YEAR}"), 403),
        (
            "leader",
            "/api/v1/reports/statistics?from=2026-13-01".to_string(),
            422,
        ),
        (
            "leader",
            "/api/v1/reports/dossiers?figure=everything".to_string(),
            422,
        ),
        (
            "inspector",
            "/api/v1/reports/statistics?agency=000.99.99.H53".to_string(),
            404,
        ),
    ];
    for (who, path, status) in checks {
        let (c, tok) = match who {
            "leader" => &mut p.leader,
            "citizen" => &mut p.citizen,
            _ => &mut inspector,
        };
        let r = c.json(Method::GET, &path, Some(tok), None).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
}

async fn post(
    who: &mut (motcua_testkit::Client, String),
    path: &str,
    b: Value,
) -> motcua_testkit::Resp {
    let (c, tok) = who;
    c.json(Method::POST, path, Some(tok), Some(b)).await
}

/// A rating: only when the dossier has ended, only by its owner, once, every criterion.
async fn a_rating_once_by_the_owner(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let path = format!("/api/v1/dossiers/{code}/rating");
    let body = json!({"answers": all_answers(1)});
    let r = post(&mut p.citizen, &path, body.clone()).await;
    assert_eq!(r.status, 409, "not ended yet: {}", r.body);
    ok(
        &mut p.desk,
        &code,
        json!({"action": "refuse", "reasons": ["Sai thủ tục"]}),
    )
    .await;
    let mut other = token(&t, OTHER).await;
    assert_eq!(
        post(&mut other, &path, body.clone()).await.status,
        404,
        "another person"
    );
    assert_eq!(
        post(&mut p.desk, &path, body.clone()).await.status,
        404,
        "the staff"
    );
    let mut missing = all_answers(1);
    missing.as_object_mut().unwrap().remove("attitude");
    let r = post(&mut p.citizen, &path, json!({"answers": missing})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Thái độ của cán bộ"), "{}", r.body);
    let r = post(&mut p.citizen, &path, body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["dissatisfied"], json!(false));
    let r = post(&mut p.citizen, &path, body).await;
    assert_eq!(r.status, 409, "once: {}", r.body);
    let crit = get_json(&mut p.citizen, "/api/v1/ratings/criteria").await;
    assert_eq!(crit.as_array().unwrap().len(), 12);

    // On the pages: the dossier offers the form once it has ended; a missing answer is said.
    let code = submitted(&mut p).await;
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut web = t.client();
    web.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let form = format!("/ho-so/{id}/danh-gia");
    assert!(!web.get(&format!("/ho-so/{id}")).await.body.contains(&form));
    ok(
        &mut p.desk,
        &code,
        json!({"action": "refuse", "reasons": ["Sai thủ tục"]}),
    )
    .await;
    assert!(web.get(&format!("/ho-so/{id}")).await.body.contains(&form));
    let answers = all_answers(2);
    let mut fields: Vec<(&str, &str)> = answers
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.as_str() != "online")
        .map(|k| (k.as_str(), "2"))
        .collect();
    let r = web.post_form(&form, &fields).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("Chưa đánh giá “Tiến độ và chất lượng dịch vụ công trực tuyến”"),
        "{}",
        r.body
    );
    fields.push(("online", "1"));
    assert_eq!(web.post_form(&form, &fields).await.status, 303);
    let done = web.get(&form).await.body;
    assert!(done.contains("Cảm ơn bạn đã đánh giá"), "{done}");
    assert!(!web.get(&format!("/ho-so/{id}")).await.body.contains(&form));
}

engine_tests!(
    statistics_and_scorecard_are_hand_counts,
    a_rating_once_by_the_owner
);

/// Staff find dossiers by code, name (with or without diacritics), identity number or phone,
/// only in their agencies; inspectors across agencies; the audit says how, never what.
async fn staff_search_stays_in_their_agencies(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let online = submitted(&mut p).await;
    let svc = get_json(&mut p.desk, "/api/v1/procedures/1.009999").await["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (c, tok) = &mut p.desk;
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers/register",
            Some(tok),
            Some(
                json!({"service": svc, "intake": "postal", "form": crate::dossiers::answers(),
                        "applicant_name": "Hồ Thị Lan", "phone": "0905111222"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let counter = r.json()["code"].as_str().unwrap().to_string();
    let found = |v: Value| -> Vec<String> {
        let mut c: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        c
    };
    let mut both = vec![online.clone(), counter.clone()];
    both.sort();
    let q = |s: &str| format!("/api/v1/dossiers/search?q={}", urlencode(s));
    for (typed, want) in [
        ("nguyen van an", vec![online.clone()]),
        ("Hồ Thị", vec![counter.clone()]),
        ("0905 111 222", vec![counter.clone()]),
        ("0912345678", vec![online.clone()]),
        ("051095001234", both.clone()),
        ("000.01.01.h53-260302", both.clone()),
        ("khong ai ca", vec![]),
    ] {
        assert_eq!(
            found(get_json(&mut p.desk, &q(typed)).await),
            want,
            "{typed}"
        );
    }
    let elsewhere = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.role == "reception" && a.agency_code != CAMTHANH)
        .unwrap();
    let mut other = t.client();
    let otok = other.token(&elsewhere.login, &elsewhere.password).await;
    let mut other = (other, otok);
    assert!(found(get_json(&mut other, &q("051095001234")).await).is_empty());
    let mut inspector = token(&t, "thanhtra.tinh").await;
    assert_eq!(
        found(get_json(&mut inspector, &q("051095001234")).await),
        both
    );
    for (who, path, status) in [
        (&mut p.citizen, q("nguyen"), 403),
        (&mut inspector, q("a"), 422),
    ] {
        let (c, tok) = who;
        assert_eq!(
            c.json(Method::GET, &path, Some(tok), None).await.status,
            status,
            "{path}"
        );
    }
    let audit = get_json(&mut inspector, "/api/v1/audit?limit=1000")
        .await
        .to_string();
    assert!(audit.contains("dossiers_searched") && audit.contains("\"phone\""));
    assert!(!audit.contains("0905111222") && !audit.contains("nguyen van an"));
    // The page finds the same.
    let (login, pw) = p.logins[0].clone();
    let mut web = t.client();
    web.login(&login, &pw).await;
    let page = web.get("/can-bo/tim-kiem?q=ho+thi+lan").await.body;
    assert!(page.contains(&counter) && !page.contains(&online), "{page}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

engine_tests!(staff_search_stays_in_their_agencies);

/// Feedback reaches the agency it is about, is answered once by its leaders, rated once by its
/// author, and counts in indicators 5.2 and 5.3; an agency's proposal reaches the province.
async fn feedback_is_routed_answered_and_counted(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let send = |body: Value| {
        json!({"subject": "Chậm trả lời", "body": "Tôi chưa nhận được hướng dẫn bổ sung."})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .chain(body.as_object().unwrap().clone())
            .collect::<serde_json::Map<_, _>>()
    };
    let (c, tok) = &mut p.citizen;
    let r = c
        .json(
            Method::POST,
            "/api/v1/feedback",
            Some(tok),
            Some(Value::Object(send(
                json!({"kind": "reflection", "about": "officer", "dossier": code}),
            ))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = c
        .json(
            Method::POST,
            "/api/v1/feedback",
            Some(tok),
            Some(Value::Object(send(json!({"kind": "recommendation"})))),
        )
        .await;
    assert_eq!(r.status, 201, "no agency named: the province's: {}", r.body);
    let province = t.app.agency_by_code("000.00.00.H53").await.unwrap();
    assert_eq!(r.json()["agency"], province.id.to_string());
    let (c, tok) = &mut p.desk;
    let r = c
        .json(
            Method::POST,
            "/api/v1/feedback",
            Some(tok),
            Some(Value::Object(send(
                json!({"kind": "reflection", "agency": CAMTHANH}),
            ))),
        )
        .await;
    assert_eq!(r.status, 403, "staff do not file people's feedback");
    // The agency's leader sees it; another agency's does not; the desk may not answer.
    let list = get_json(&mut p.leader, "/api/v1/feedback").await;
    assert_eq!(list[0]["id"], id.as_str());
    let elsewhere = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.role == "leader" && a.agency_code != CAMTHANH)
        .unwrap();
    let mut other = t.client();
    let otok = other.token(&elsewhere.login, &elsewhere.password).await;
    let mut other = (other, otok);
    assert_eq!(get_json(&mut other, "/api/v1/feedback").await, json!([]));
    let path = format!("/api/v1/feedback/{id}/answer");
    let answer = json!({"answer": "Đã nhắc bộ phận một cửa gửi hướng dẫn trong ngày."});
    for (who, status) in [
        ("desk", 404),
        ("other", 404),
        ("leader", 200),
        ("leader", 409),
    ] {
        let (c, tok) = match who {
            "desk" => &mut p.desk,
            "leader" => &mut p.leader,
            _ => &mut other,
        };
        let r = c
            .json(Method::POST, &path, Some(tok), Some(answer.clone()))
            .await;
        assert_eq!(r.status, status, "{who}: {}", r.body);
    }
    let path = format!("/api/v1/feedback/{id}/verdict");
    for (who, status) in [("other", 404), ("citizen", 204), ("citizen", 409)] {
        let (c, tok) = match who {
            "citizen" => &mut p.citizen,
            _ => &mut other,
        };
        let r = c
            .json(
                Method::POST,
                &path,
                Some(tok),
                Some(json!({"satisfied": false})),
            )
            .await;
        assert_eq!(r.status, status, "{who}: {}", r.body);
    }
    // 5.2: answered in time, 1 of 1 (6 points); 5.3: the author was not satisfied, 0 of 1.
    let card = get_json(
        &mut p.leader,
        &format!("/api/v1/reports/scorecard?agency={CAMTHANH}&{YEAR}"),
    )
    .await;
    let (a, b) = (indicator(&card, "5.2"), indicator(&card, "5.3"));
    assert_eq!(
        (&a["numerator"], &a["denominator"], &a["score"]),
        (&json!(1), &json!(1), &json!(6.0))
    );
    assert_eq!(
        (&b["numerator"], &b["denominator"], &b["score"]),
        (&json!(0), &json!(1), &json!(0.0))
    );
    // A proposal goes to the provincial department.
    let (c, tok) = &mut p.leader;
    let r = c
        .json(
            Method::POST,
            "/api/v1/feedback",
            Some(tok),
            Some(Value::Object(send(json!({"kind": "proposal"})))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["agency"], province.id.to_string());
    // On the pages: the person sends, the agency answers.
    let mut web = t.client();
    web.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let r = web
        .post_form(
            "/phan-anh",
            &[
                ("kind", "recommendation"),
                ("about", "service"),
                ("agency", CAMTHANH),
                ("subject", "Giờ làm việc"),
                ("body", "Xin mở cửa thêm sáng thứ Bảy."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(web.get("/phan-anh").await.body.contains("Giờ làm việc"));
    let (login, pw) = p.logins[2].clone();
    let mut staff = t.client();
    staff.login(&login, &pw).await;
    let page = staff.get("/can-bo/phan-anh").await.body;
    assert!(
        page.contains("Xin mở cửa thêm sáng thứ Bảy.") && page.contains("1 đang chờ trả lời"),
        "{page}"
    );
}

engine_tests!(feedback_is_routed_answered_and_counted);

/// An agency's incident reaches the province at once (inbox), is tracked on its timeline to
/// resolution, and is announced on the public site while it lasts; a burst of server errors
/// opens one by itself.
async fn incidents_reach_the_province_and_are_tracked(e: Engine) {
    let t = setup(e).await;
    let agency_admin = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.role == "agency_admin")
        .unwrap();
    let mut admin = t.client();
    let atok = admin
        .token(&agency_admin.login, &agency_admin.password)
        .await;
    let mut admin = (admin, atok);
    let body = json!({"agency": agency_admin.agency_code, "personal_data": false,
        "summary": "Máy chủ tiếp nhận hồ sơ mất kết nối mạng.", "impact": "Không nộp được hồ sơ trực tuyến.",
        "started_at": "2026-03-02T08:00:00+07:00", "discovered_at": "2026-03-02T08:30:00+07:00",
        "public_notice": true});
    let (c, tok) = &mut admin;
    let r = c
        .json(Method::POST, "/api/v1/incidents", Some(tok), Some(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["updates"].as_array().unwrap().len(), 1);
    // The province's administrator and inspector have it in their inbox; nobody else does.
    for (login, told) in [
        ("quantri.tinh", true),
        ("thanhtra.tinh", true),
        (agency_admin.login.as_str(), false),
    ] {
        let u = t.app.find_user(login).await.unwrap();
        let (inbox, _) = t.app.inbox(u.id).await.unwrap();
        let has = inbox
            .iter()
            .any(|n| n.subject.starts_with("Sự cố hệ thống dịch vụ công"));
        assert_eq!(has, told, "{login}");
    }
    // Announced on the public site until resolved.
    let home = t.client().get("/").await.body;
    assert!(
        home.contains("Máy chủ tiếp nhận hồ sơ mất kết nối mạng."),
        "{home}"
    );
    let mut inspector = token(&t, "thanhtra.tinh").await;
    let list = get_json(&mut inspector, "/api/v1/incidents").await;
    assert_eq!(list[0]["id"], id.as_str());
    let path = format!("/api/v1/incidents/{id}/updates");
    let (c, tok) = &mut admin;
    for (body, status) in [
        (
            json!({"note": "Đã chuyển sang đường truyền dự phòng."}),
            204,
        ),
        (json!({"note": "Đã khắc phục xong.", "resolves": true}), 204),
        (json!({"note": "Lần nữa.", "resolves": true}), 409),
    ] {
        let r = c.json(Method::POST, &path, Some(tok), Some(body)).await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    let one = get_json(&mut admin, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(one["updates"].as_array().unwrap().len(), 3);
    assert!(one["resolved_at"].is_string());
    let home = t.client().get("/").await.body;
    assert!(!home.contains("Máy chủ tiếp nhận hồ sơ mất kết nối mạng."));
    // A citizen may not see incidents.
    let mut citizen = token(&t, CITIZEN).await;
    let (c, tok) = &mut citizen;
    assert_eq!(
        c.json(Method::GET, "/api/v1/incidents", Some(tok), None)
            .await
            .status,
        403
    );
    // Twenty server errors within a minute open an incident by themselves, once.
    for _ in 0..45 {
        t.app.note_server_error().await.unwrap();
    }
    let list = get_json(&mut inspector, "/api/v1/incidents").await;
    let errors: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["origin"] == "errors")
        .collect();
    assert_eq!(errors.len(), 1, "{list}");
    assert_eq!(
        errors[0]["updates"].as_array().unwrap().len(),
        2,
        "the second burst is an entry"
    );
    // The staff page follows it.
    let web_admin = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == "quantri.tinh")
        .unwrap();
    let mut web = t.client();
    web.login(&web_admin.login, &web_admin.password).await;
    let page = web.get(&format!("/can-bo/su-co/{id}")).await.body;
    assert!(
        page.contains("Đã chuyển sang đường truyền dự phòng.") && page.contains("đã khắc phục lúc"),
        "{page}"
    );
}

engine_tests!(incidents_reach_the_province_and_are_tracked);
