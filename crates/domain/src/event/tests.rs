use super::*;
use serde_json::json;

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn ev(act: Act, to: Stage, data: EventData) -> Event {
    Event {
        dossier_id: Uuid::nil(),
        at: at("2026-03-02T03:00:00Z"),
        actor_id: Some(Uuid::from_u128(u128::from(act as u8) + 1)),
        act,
        from_stage: None,
        to_stage: to,
        comment: None,
        unit_id: None,
        to_unit_id: None,
        step: None,
        due_at: None,
        data,
        public: act.is_public(),
    }
}

/// Each act's data goes to JSON and back unchanged, under the keys the database holds.
#[test]
fn data_round_trips_by_act() {
    let u = Uuid::from_u128(7);
    let t = at("2026-03-10T10:00:00Z");
    let cases = [
        (Act::Accept, EventData::Accepted { appointment_at: t }),
        (
            Act::RequestSupplement,
            EventData::Supplement(SupplementRequest {
                components: vec!["ban-ve".into()],
                items: vec!["Bổ sung: Bản vẽ".into()],
                note: Some("Gấp".into()),
                snapshot: Some(Snapshot {
                    form: "abc".into(),
                    files: vec![(u, "don".into())],
                }),
                repeat: true,
            }),
        ),
        (Act::Refuse, EventData::Reasons(vec!["Sai mẫu".into()])),
        (
            Act::Reassign,
            EventData::Assigned(Assignment {
                assignee: Some(u),
                previous: Some(Uuid::from_u128(8)),
                reasons: vec!["Nghỉ phép".into()],
            }),
        ),
        (
            Act::TakeBack,
            EventData::TakenBack(Assignment {
                assignee: None,
                previous: Some(u),
                reasons: vec!["x".into()],
            }),
        ),
        (
            Act::ProposeResolve,
            EventData::ResultProposed(ResultDocument {
                result_document: u,
                name: "kq.pdf".into(),
            }),
        ),
        (
            Act::Consult,
            EventData::Consulted(vec![Asked {
                agency: "000.00.11.H53".into(),
                name: "Sở Tư pháp".into(),
                due_at: t,
            }]),
        ),
        (
            Act::AnswerConsultation,
            EventData::Answered(Answer {
                consultation: u,
                agency: "000.00.11.H53".into(),
                name: "Sở Tư pháp".into(),
            }),
        ),
        (
            Act::Apologise,
            EventData::Apology(Apology {
                reasons: vec!["Chờ ý kiến".into()],
                new_date: t,
            }),
        ),
        (
            Act::ReturnByPost,
            EventData::Returned(Returned {
                channel: ReturnChannel::Post,
                originals_compared: false,
                tracking_number: Some("EB123456789VN".into()),
            }),
        ),
        (
            Act::Resubmit,
            EventData::Resubmitted(Resubmission {
                changed: vec!["_to-khai".into()],
            }),
        ),
        (Act::Forward, EventData::None),
    ];
    for (act, data) in cases {
        let json = data.to_json();
        assert_eq!(
            EventData::from_json(act, json.clone()).unwrap(),
            data,
            "{act:?}"
        );
        if data == EventData::None {
            assert_eq!(json, None);
        }
    }
    // The keys as stored.
    let j = EventData::Reasons(vec!["a".into()]).to_json().unwrap();
    assert_eq!(j, json!({"reasons": ["a"]}));
    let j = EventData::Returned(Returned {
        channel: ReturnChannel::Office,
        originals_compared: true,
        tracking_number: None,
    })
    .to_json()
    .unwrap();
    assert_eq!(j, json!({"channel": "office", "originals_compared": true}));
    // What an act does not carry is not read; what it carries wrongly is an error.
    assert_eq!(
        EventData::from_json(Act::Approve, Some(json!({"x": 1}))).unwrap(),
        EventData::None
    );
    assert!(EventData::from_json(Act::Refuse, Some(json!({"reasons": 3}))).is_err());
    assert!(EventData::from_json(Act::Accept, Some(json!({}))).is_err());
}

/// The slips exist once their event happened; each lists what its event carried; the control
/// sheet is staff's.
#[test]
fn slips_from_typed_events() {
    let t = at("2026-03-20T10:00:00Z");
    let mut events = vec![ev(Act::Submit, Stage::Submitted, EventData::None)];
    assert_eq!(slips(&events, false), vec![]);
    assert_eq!(slips(&events, true), vec![Slip::Control]);
    events.push(ev(
        Act::RequestSupplement,
        Stage::SupplementRequested,
        EventData::Supplement(SupplementRequest {
            items: vec!["Bổ sung: Đơn".into(), "Ghi rõ diện tích".into()],
            ..Default::default()
        }),
    ));
    events.push(ev(
        Act::Accept,
        Stage::Accepted,
        EventData::Accepted { appointment_at: t },
    ));
    events.push(ev(
        Act::Apologise,
        Stage::Examining,
        EventData::Apology(Apology {
            reasons: vec!["Chờ xác minh".into()],
            new_date: t,
        }),
    ));
    assert_eq!(
        slips(&events, false),
        vec![Slip::Receipt, Slip::Supplement, Slip::Apology]
    );
    let s = slip(Slip::Supplement, &events, false).unwrap();
    assert_eq!(s.items, ["Bổ sung: Đơn", "Ghi rõ diện tích"]);
    assert_eq!(s.event.act, Act::RequestSupplement);
    let s = slip(Slip::Apology, &events, false).unwrap();
    assert_eq!(
        (s.items.clone(), s.new_date),
        (vec!["Chờ xác minh".into()], Some(t))
    );
    assert!(slip(Slip::Refusal, &events, true).is_none());
    assert_eq!(
        slip(Slip::Control, &events, true).unwrap().event.act,
        Act::Submit
    );
    events.push(ev(
        Act::SendDecline,
        Stage::Declined,
        EventData::Reasons(vec!["Không đủ điều kiện".into()]),
    ));
    assert_eq!(
        slip(Slip::Refusal, &events, false).unwrap().items,
        ["Không đủ điều kiện"]
    );
}

/// Slip numbers, addresses, names and printed titles (Circular 01/2018, forms 01–05).
#[test]
fn slip_names_and_titles() {
    assert_eq!(Slip::ALL.map(Slip::number), [1, 2, 3, 4, 5]);
    for s in Slip::ALL {
        assert_eq!(Slip::parse(&s.code()), Some(s));
    }
    assert_eq!(Slip::parse("06"), None);
    assert_eq!(Slip::parse("1"), None);
    assert_eq!(
        Slip::ALL.map(Slip::name),
        [
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ"
        ]
    );
    assert_eq!(
        Slip::ALL.map(Slip::title),
        [
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
        ]
    );
}

/// The readers of the history: who proposed, what the leader approved, what changed, the
/// repeat request, and the control sheet's steps (a reassignment starts one, an apology none).
#[test]
fn reading_the_history() {
    let u = Uuid::from_u128(9);
    let mut events = vec![
        ev(Act::Assign, Stage::Examining, EventData::None),
        ev(
            Act::ProposeSupplement,
            Stage::ProposedSupplement,
            EventData::Supplement(SupplementRequest {
                components: vec!["don".into()],
                items: vec!["Bổ sung: Đơn".into()],
                ..Default::default()
            }),
        ),
    ];
    assert_eq!(proposer(&events), events[1].actor_id);
    assert_eq!(proposed_supplement(&events).components, ["don"]);
    assert_eq!(proposed_decline(&events), Vec::<String>::new());
    assert_eq!(proposed_result(&events), None);
    events.push(ev(
        Act::ProposeResolve,
        Stage::ProposedResolve,
        EventData::ResultProposed(ResultDocument {
            result_document: u,
            name: "kq.pdf".into(),
        }),
    ));
    assert_eq!(proposed_result(&events), Some(u));
    events.push(ev(Act::Apologise, Stage::ProposedResolve, EventData::None));
    events.push(ev(Act::Reassign, Stage::ProposedResolve, EventData::None));
    let steps = steps(&events, at("2026-03-30T00:00:00Z"));
    assert_eq!(
        steps.len(),
        4,
        "assign, propose ×2, reassign; not the apology"
    );
    events.push(ev(
        Act::Resubmit,
        Stage::Supplemented,
        EventData::Resubmitted(Resubmission {
            changed: vec!["ban-ve".into()],
        }),
    ));
    assert_eq!(changed_by_resubmission(&events), ["ban-ve"]);
    let repeat = ev(
        Act::RequestSupplement,
        Stage::SupplementRequested,
        EventData::Supplement(SupplementRequest {
            repeat: true,
            snapshot: Some(Snapshot::default()),
            ..Default::default()
        }),
    );
    assert!(repeat.is_repeat_request());
    events.push(repeat);
    assert_eq!(snapshot_at_request(&events), Some(&Snapshot::default()));
    let mut proposal = events[1].clone();
    proposal.act = Act::ProposeSupplement;
    if let EventData::Supplement(s) = &mut proposal.data {
        s.repeat = true;
    }
    assert!(
        !proposal.is_repeat_request(),
        "only the desk's request repeats"
    );
}

/// The reasons each kind of step carries, and what the leader approved to decline.
#[test]
fn reasons_by_kind_of_step() {
    let r = vec!["Lý do".to_string()];
    let assigned = Assignment {
        reasons: r.clone(),
        ..Default::default()
    };
    for data in [
        EventData::Reasons(r.clone()),
        EventData::Assigned(assigned.clone()),
        EventData::TakenBack(assigned),
        EventData::Apology(Apology {
            reasons: r.clone(),
            new_date: at("2026-03-20T10:00:00Z"),
        }),
    ] {
        assert_eq!(data.reasons(), r.as_slice(), "{data:?}");
    }
    assert!(EventData::None.reasons().is_empty());
    assert!(
        EventData::Supplement(SupplementRequest::default())
            .reasons()
            .is_empty()
    );
    let events = vec![ev(
        Act::ProposeDecline,
        Stage::ProposedDecline,
        EventData::Reasons(vec!["Không đủ điều kiện".into()]),
    )];
    assert_eq!(proposed_decline(&events), ["Không đủ điều kiện"]);
    assert_eq!(
        snapshot_at_request(&events),
        None,
        "no request reached the person"
    );
}

/// The control sheet: each change of stage or hand-over starts a step that the next one ends;
/// a step that keeps the stage without a hand-over starts none.
#[test]
fn control_sheet_steps_start_and_end() {
    let mut events = vec![
        ev(Act::Assign, Stage::Examining, EventData::None),
        ev(Act::Apologise, Stage::Examining, EventData::None),
        ev(Act::Reassign, Stage::Examining, EventData::None),
        ev(Act::ProposeResolve, Stage::ProposedResolve, EventData::None),
    ];
    for (i, e) in events.iter_mut().enumerate() {
        e.at = at("2026-03-02T03:00:00Z") + jiff::SignedDuration::from_hours(i as i64);
    }
    let s = steps(&events, at("2026-03-30T00:00:00Z"));
    let starts: Vec<(Stage, jiff::Timestamp)> = s.iter().map(|x| (x.stage, x.started_at)).collect();
    assert_eq!(
        starts,
        [
            (Stage::Examining, events[0].at),
            (Stage::Examining, events[2].at),
            (Stage::ProposedResolve, events[3].at)
        ]
    );
    let ends: Vec<Option<jiff::Timestamp>> = s.iter().map(|x| x.finished_at).collect();
    assert_eq!(ends, [Some(events[2].at), Some(events[3].at), None]);
}
