//! The stored stage always equals the reference model: random walks through the API, concurrent
//! steps that lose no update, and `motcua check` finding broken invariants.
use motcua_domain::account::Role;
use motcua_testkit::{Client, Engine, engine_tests, jpeg};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{camthanh_staff, setup, submit, token};

use super::{act, dossier, notice_kinds, ok, people, submitted};

/// Prints the walks' seed when the test fails, so that the failure can be repeated.
struct SeedOnFailure(u64);

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "lifecycle walks failed: repeat with MOTCUA_TEST_LIFECYCLE_SEED={}",
                self.0
            );
        }
    }
}

/// Random sequences of (person, action) through the API against the
/// reference model; every legal step succeeds, every other one is refused (404 or 409) and
/// leaves the stored stage as it was, so the database always equals the model.
async fn random_steps_match_the_model(e: Engine) {
    use motcua_domain::lifecycle::reference::reference;
    use motcua_domain::lifecycle::{Act, Stage, Who};
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut cashier = camthanh_staff(&t, "ketoan.camthanh", "Võ Văn Tài", Role::Cashier).await;
    // A second specialist, for the leader's reassignments: whoever holds the dossier acts as
    // "the specialist" of the model.
    let mut other = camthanh_staff(&t, "chuyenvien2.camthanh", "Đỗ Thị Mơ", Role::Specialist).await;
    let mut other_id = other
        .0
        .json(Method::GET, "/api/v1/me", Some(&other.1), None)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases: usize = std::env::var("MOTCUA_TEST_LIFECYCLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if e == Engine::Sqlite { 12 } else { 4 });
    // Sở Tư pháp's specialist, the agency each walk consults.
    let mut consulted = token(&t, "chuyenvien.tuphap").await;
    // The assignee is whoever holds the dossier; "a specialist" is the other one.
    let people_list = [
        Who::Owner,
        Who::Staff(Role::Reception),
        Who::Assignee,
        Who::Staff(Role::Specialist),
        Who::Staff(Role::Leader),
        Who::Staff(Role::Cashier),
        Who::Consulted,
    ];
    let strategy = proptest::collection::vec(
        (
            any_u8(),
            proptest::sample::select(Act::ALL.to_vec()),
            proptest::sample::select(people_list.to_vec()),
        ),
        1..40,
    );
    // A new seed each run (CI runs 100 walks per engine), printed, and kept with a failure.
    let seed: u64 = std::env::var("MOTCUA_TEST_LIFECYCLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
    eprintln!(
        "lifecycle walks ({e:?}): {cases} from seed {seed} (MOTCUA_TEST_LIFECYCLE_SEED={seed} repeats them)"
    );
    let _seed = SeedOnFailure(seed);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let rng = proptest::test_runner::TestRng::from_seed(
        proptest::test_runner::RngAlgorithm::ChaCha,
        &bytes,
    );
    let mut runner = TestRunner::new_with_rng(Default::default(), rng);
    let mut visited = std::collections::BTreeSet::new();
    let mut answers = 0;
    for case in 0..cases {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let code = submitted(&mut p).await;
        // The fee is paid first: the walk explores the lifecycle, which an unpaid fee would
        // hold at the handing over of the result (the fees have their own tests).
        super::pay_at_desk(&t, &code).await;
        let id = dossier(&mut p.citizen, &code).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut model = Stage::Submitted;
        let mut uploaded = false;
        // Each apology gives a later working day than the last.
        let cal = motcua_domain::calendar::Calendar::official();
        let new_date = |n: i64| {
            let mut d = jiff::civil::date(2026, 6, 30)
                .checked_add(jiff::Span::new().days(7 * n))
                .unwrap();
            while !cal.is_working_day(d) {
                d = d.tomorrow().unwrap();
            }
            d.to_string()
        };
        let mut apologies = 0;
        // The consultations this walk opened that Sở Tư pháp has not answered yet.
        let mut open = 0usize;
        for (n, (sel, act, who)) in steps.into_iter().enumerate() {
            // Mostly legal steps (so walks go deep), sometimes anything. An answer needs an open
            // consultation to answer.
            let legal: Vec<(Act, Who)> = Act::ALL
                .into_iter()
                .flat_map(|a| people_list.iter().map(move |w| (a, *w)))
                .filter(|(a, w)| reference(model, *a, *w).is_some())
                .filter(|(a, _)| *a != Act::AnswerConsultation || open > 0)
                .collect();
            let onward: Vec<(Act, Who)> = legal
                .iter()
                .copied()
                .filter(|(a, w)| !reference(model, *a, *w).is_some_and(Stage::is_final))
                .collect();
            let (act, who) = if sel < 170 && !onward.is_empty() {
                onward[usize::from(sel) % onward.len()]
            } else if sel < 185 && !legal.is_empty() {
                legal[usize::from(sel) % legal.len()]
            } else if sel < 240 && !legal.is_empty() {
                // A step that exists here, by whoever: wrong people must be refused.
                (legal[usize::from(sel) % legal.len()].0, who)
            } else {
                (act, who)
            };
            if act == Act::AnswerConsultation && who == Who::Consulted && open == 0 {
                continue; // nothing to answer
            }
            if model == Stage::Examining && !uploaded {
                let r = {
                    let (c, tok) = &mut p.specialist;
                    c.upload(
                        tok,
                        &id,
                        "_ket-qua",
                        "kq.pdf",
                        motcua_testkit::result_pdf("kq", 900),
                    )
                    .await
                };
                assert_eq!(r.status, 201, "{}", r.body);
                uploaded = true;
            }
            let file = if uploaded {
                dossier(&mut p.specialist, &code).await["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["component"] == "_ket-qua")
                    .map(|f| f["id"].clone())
                    .unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            // Before each step, someone it does not belong to tries it: refused, nothing moves.
            let wrong: Vec<Who> = people_list
                .iter()
                .copied()
                .filter(|w| reference(model, act, *w).is_none() && *w != Who::Owner)
                .collect();
            if !wrong.is_empty() && act != Act::Resubmit {
                let w = wrong[usize::from(sel) % wrong.len()];
                let actor = match w {
                    Who::Staff(Role::Reception) => &mut p.desk,
                    Who::Assignee => &mut p.specialist,
                    Who::Staff(Role::Specialist) => &mut other,
                    Who::Staff(Role::Leader) => &mut p.leader,
                    Who::Consulted => &mut consulted,
                    _ => &mut cashier,
                };
                let st = act_status(
                    actor,
                    &code,
                    json!({"action": act.as_str(), "comment": "x",
                    "reasons": ["x"], "assignee": p.specialist_id, "new_date": "2026-06-30",
                    "tracking_number": "EB123456789VN", "originals_compared": true}),
                )
                .await;
                assert!(
                    matches!(st, 404 | 409),
                    "case {case} step {n}: {act:?} by {w:?} at {model:?} answered {st}"
                );
            }
            let assignee = match act {
                Act::Reassign => &other_id,
                _ => &p.specialist_id,
            };
            let body = json!({"action": act.as_str(), "comment": "Ý kiến",
                "reasons": ["Lý do"], "components": ["ban-ve"], "assignee": assignee,
                "consultations": [{"agency": "000.00.11.H53", "question": "Ý kiến?", "due": "2026-03-04", "basis": "Luật Xây dựng số 50/2014/QH13"}],
                "new_date": new_date(apologies), "tracking_number": "EB123456789VN",
                "originals_compared": true, "result_document": file});
            // A return step follows the way the person chose (R8.2): the walk has them
            // choose it first, so that the table alone decides.
            let way = match act {
                Act::ReturnAtOffice => Some("office"),
                Act::ReturnOnline => Some("online"),
                Act::ReturnByPost => Some("post"),
                _ => None,
            };
            if let Some(channel) = way.filter(|_| model == Stage::Resolved) {
                let mut choice = json!({"channel": channel});
                if channel == "post" {
                    choice["post"] = json!({"recipient": "Nguyễn Văn An", "phone": "0912345678",
                        "address": "12 Lê Lợi, phường Cẩm Thành, Quảng Ngãi"});
                }
                let (st, v) = crate::processing::choose_result(&mut p.citizen, &code, choice).await;
                assert_eq!(st, 200, "{v}");
            }
            let actor = match who {
                Who::Owner => &mut p.citizen,
                Who::Staff(Role::Reception) => &mut p.desk,
                Who::Assignee => &mut p.specialist,
                Who::Staff(Role::Specialist) => &mut other,
                Who::Staff(Role::Leader) => &mut p.leader,
                Who::Consulted => &mut consulted,
                _ => &mut cashier,
            };
            let status = if act == Act::AnswerConsultation && who == Who::Consulted {
                let (c, tok) = actor;
                answer_open(c, tok, &code).await
            } else if act == Act::Resubmit && who == Who::Owner {
                let (c, tok) = actor;
                if model == Stage::SupplementRequested {
                    // The person supplements what was asked (a repeat request may name only
                    // what the resubmission changed).
                    let r = c.upload(tok, &id, "ban-ve", "bo-sung.jpg", jpeg(700)).await;
                    assert_eq!(r.status, 201, "{}", r.body);
                }
                submit(c, tok, &id, None).await.status
            } else {
                act_status(actor, &code, body).await
            };
            let want = reference(model, act, who);
            let got = dossier(&mut p.desk, &code).await["stage"]
                .as_str()
                .unwrap()
                .to_string();
            match want {
                Some(next) => {
                    assert_eq!(
                        status, 200,
                        "case {case} step {n}: {act:?} by {who:?} at {model:?}"
                    );
                    if act == Act::Apologise {
                        apologies += 1;
                    }
                    if act == Act::Consult {
                        open += 1;
                    }
                    if act == Act::AnswerConsultation {
                        // The last answer ends the wait (the system's step).
                        answers += 1;
                        open -= 1;
                        if open == 0 {
                            model = reference(next, Act::ConsultationAnswered, Who::System)
                                .unwrap_or(next);
                            visited.insert(model);
                            assert_eq!(got, model.as_str(), "case {case} step {n}: last answer");
                            continue;
                        }
                    }
                    if act == Act::Reassign {
                        std::mem::swap(&mut p.specialist, &mut other);
                        std::mem::swap(&mut p.specialist_id, &mut other_id);
                    }
                    model = next;
                }
                None if act == Act::Resubmit && who == Who::Owner => {}
                None => assert!(
                    matches!(status, 404 | 409),
                    "case {case} step {n}: {act:?} by {who:?} at {model:?} answered {status}"
                ),
            }
            assert_eq!(
                got,
                model.as_str(),
                "case {case} step {n}: {act:?} by {who:?}"
            );
            visited.insert(model);
        }
    }
    // The walks reach deep into the process, not only the desk.
    assert!(visited.len() >= 8, "{visited:?}");
    eprintln!(
        "lifecycle walks visited {} stages: {visited:?}; {answers} consultation answers",
        visited.len()
    );
}

/// Sở Tư pháp answers the first open consultation on the dossier; the answer's status (204 when
/// taken, 200 for the walk's bookkeeping).
async fn answer_open(c: &mut Client, tok: &str, code: &str) -> u16 {
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(
        r.status, 200,
        "the consulted agency reads the dossier: {}",
        r.body
    );
    let d = r.json();
    let id = d["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["answered_at"].is_null())
        .map(|x| x["id"].as_str().unwrap().to_string())
        .expect("an open consultation");
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/consultations/{id}/answer"),
            Some(tok),
            Some(json!({"answer": "Ý kiến của Sở Tư pháp"})),
        )
        .await;
    match r.status {
        204 => 200,
        s => s,
    }
}

fn any_u8() -> impl proptest::strategy::Strategy<Value = u8> {
    proptest::num::u8::ANY
}

async fn act_status(who: &mut (Client, String), code: &str, body: Value) -> u16 {
    act(who, code, body).await.0
}

/// Ten officers accept the same dossier at once: exactly one succeeds, the
/// others are told it changed (409), and there is one acceptance event.
async fn concurrent_steps_do_not_lose_updates(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let tok = p.desk.1.clone();
    let mut tasks = vec![];
    for _ in 0..10 {
        let mut c = t.client();
        let (tok, code) = (tok.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            c.json(
                Method::POST,
                &format!("/api/v1/dossiers/{code}/actions"),
                Some(&tok),
                Some(json!({"action": "accept"})),
            )
            .await
            .status
        }));
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
    let d = dossier(&mut p.citizen, &code).await;
    let accepts = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "accept")
        .count();
    assert_eq!(accepts, 1);
    let acceptance_notices = notice_kinds(&d)
        .iter()
        .filter(|k| *k == "acceptance")
        .count();
    assert_eq!(acceptance_notices, 1);
}

engine_tests!(
    random_steps_match_the_model,
    concurrent_steps_do_not_lose_updates
);

/// `motcua check` finds a state change without its event, an accepted dossier without its
/// appointment and a worklist count that differs from its dossiers, and nothing in consistent
/// data.
async fn the_check_finds_broken_invariants(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    assert_eq!(t.app.check().await.unwrap(), Vec::<String>::new());
    let conn = t.app.db().conn();
    let mut d = motcua_store::dossiers::find_by_code(conn, &code)
        .await
        .unwrap()
        .unwrap();
    d.appointment_at = None;
    d.stage = motcua_domain::lifecycle::Stage::Returned;
    motcua_store::dossiers::update_dossier(conn, &d)
        .await
        .unwrap();
    let problems = t.app.check().await.unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("latest event does not enter its stage")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("without an appointment")),
        "{problems:?}"
    );
    // A worklist count that no longer matches its dossiers.
    use sea_orm::ConnectionTrait;
    let tamper = "INSERT INTO work_counts SELECT agency_id, 'leader', agency_id, agency_id, 'proposed_resolve', 2 \
                  FROM dossiers LIMIT 1";
    t.app.db().conn().execute_unprepared(tamper).await.unwrap();
    let problems = t.app.check().await.unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("worklist count of leader") && p.contains("2 kept, 0 there")),
        "{problems:?}"
    );
}

engine_tests!(the_check_finds_broken_invariants);
