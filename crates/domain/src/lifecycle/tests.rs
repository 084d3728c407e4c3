use super::reference::reference;
use super::*;
use proptest::prelude::*;

fn who() -> impl Strategy<Value = Who> {
    proptest::sample::select(Who::all())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(2000)))]

    /// Random actions by random people: the table agrees with the reference model at every
    /// step, so no illegal transition is ever accepted, and `available` lists exactly the
    /// actions that `next` accepts.
    #[test]
    fn table_matches_the_reference_model(
        steps in proptest::collection::vec(
            (any::<u8>(), proptest::sample::select(Act::ALL.to_vec()), who()), 1..80)
    ) {
        // Most steps take a legal action (by the reference model) so that walks reach deep
        // stages; the rest are random actions by random people.
        let people = Who::all();
        let mut stage = S::Draft;
        for (sel, act, w) in steps {
            let legal: Vec<(Act, Who)> = Act::ALL
                .into_iter()
                .flat_map(|a| people.iter().map(move |p| (a, *p)))
                .filter(|(a, p)| reference(stage, *a, *p).is_some())
                .collect();
            let (act, w) = if sel < 200 && !legal.is_empty() {
                legal[usize::from(sel) % legal.len()]
            } else {
                (act, w)
            };
            let want = reference(stage, act, w);
            let got = next(stage, act, w);
            prop_assert_eq!(got.clone().ok(), want, "{:?} {:?} {:?}", stage, act, w);
            prop_assert_eq!(available(stage, w).contains(&act), want.is_some());
            if let Ok(s) = got {
                stage = s;
            }
        }
    }
}

/// Every (stage, action, person), not only those random walks reach: the table and the
/// reference model agree, and `available` lists exactly what `next` accepts.
#[test]
fn table_matches_the_reference_everywhere() {
    let people = Who::all();
    let mut allowed = 0;
    for s in Stage::ALL {
        for a in Act::ALL {
            for w in &people {
                let want = reference(s, a, *w);
                assert_eq!(next(s, a, *w).ok(), want, "{s:?} {a:?} {w:?}");
                assert_eq!(available(s, *w).contains(&a), want.is_some());
                allowed += usize::from(want.is_some());
            }
        }
    }
    assert!(allowed >= 30, "{allowed} allowed steps");
}

#[test]
fn the_printed_table_names_national_codes() {
    assert_eq!(code(S::Draft), "—");
    assert_eq!(code(S::Submitted), "1");
    assert_eq!(code(S::Returned), "10");
}

#[test]
fn every_stage_maps_to_a_national_code_and_is_reachable() {
    for s in Stage::ALL {
        if s != S::Draft {
            assert!(s.national().is_some_and(|c| (1..=10).contains(&c)), "{s:?}");
        }
        assert_eq!(Stage::parse(s.as_str()), Some(s));
        let reachable = s == S::Draft || TABLE.iter().any(|t| t.to == s);
        assert!(reachable, "{s:?} cannot be reached");
    }
    for a in Act::ALL {
        assert_eq!(Act::parse(a.as_str()), Some(a));
        assert!(TABLE.iter().any(|t| t.act == a), "{a:?} is never used");
    }
    assert_eq!(S::Draft.national(), None);
    assert_eq!(S::Declined.national(), Some(8));
    assert_eq!(S::Resolved.national(), Some(9));
    assert_eq!(S::Declined.status(), Status::Declined);
    assert_eq!(S::Draft.queue(), None);
    assert!(S::Draft.owner_edits() && S::SupplementRequested.owner_edits());
    assert!(!S::Submitted.owner_edits() && !S::Returned.owner_edits());
    assert_eq!(S::ProposedDecline.applicant_label(), "Đang xử lý");
    assert_eq!(S::Declined.applicant_label(), "Dừng xử lý");
    assert_eq!(S::Submitted.queue(), Some(Role::Reception));
    assert_eq!(S::AwaitingAssignment.queue(), Some(Role::Leader));
    assert_eq!(S::ProposedResolve.queue(), Some(Role::Leader));
    assert_eq!(S::Consulting.queue(), Some(Role::Specialist));
    assert_eq!(S::Examining.queue(), Some(Role::Specialist));
    assert_eq!(S::Resolved.queue(), Some(Role::Reception));
    assert_eq!(S::SupplementRequested.queue(), None);
    assert_eq!(S::Returned.queue(), None);
    assert!(S::Returned.is_final() && S::Refused.is_final() && S::Withdrawn.is_final());
}

/// Stored names never change (the database and the API hold them); the labels are the
/// Vietnamese terms the pages show, and docs/lifecycle.md is generated from them.
#[test]
fn stored_names_and_labels() {
    assert_eq!(
        Stage::ALL.map(Stage::as_str),
        [
            "draft",
            "submitted",
            "supplemented",
            "supplement_requested",
            "refused",
            "accepted",
            "awaiting_assignment",
            "examining",
            "consulting",
            "proposed_resolve",
            "proposed_supplement",
            "proposed_decline",
            "supplement_approved",
            "decline_approved",
            "resolved",
            "declined",
            "returned",
            "withdrawn"
        ]
    );
    assert_eq!(
        Stage::ALL.map(Stage::label_vi),
        [
            "Hồ sơ nháp",
            "Mới đăng ký, chờ tiếp nhận",
            "Đã bổ sung, chờ tiếp nhận",
            "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            "Không được tiếp nhận",
            "Đã tiếp nhận, chờ chuyển phòng chuyên môn",
            "Chờ phân công xử lý",
            "Đang thẩm định",
            "Chờ ý kiến cơ quan phối hợp",
            "Chờ lãnh đạo duyệt kết quả",
            "Chờ lãnh đạo duyệt yêu cầu bổ sung",
            "Chờ lãnh đạo duyệt từ chối giải quyết",
            "Chờ gửi yêu cầu bổ sung",
            "Chờ gửi văn bản từ chối",
            "Đã xử lý xong, chờ trả kết quả",
            "Dừng xử lý",
            "Đã trả kết quả",
            "Đã rút hồ sơ"
        ]
    );
    for s in Stage::ALL {
        assert_eq!(Stage::parse(s.as_str()), Some(s));
    }
    assert_eq!(Stage::parse("Draft"), None);
    assert_eq!(Stage::parse(""), None);

    assert_eq!(
        Act::ALL.map(Act::as_str),
        [
            "submit",
            "accept",
            "request_supplement",
            "refuse",
            "resubmit",
            "forward",
            "assign",
            "reassign",
            "take_back",
            "propose_resolve",
            "propose_supplement",
            "propose_decline",
            "consult",
            "consultation_answered",
            "approve",
            "return_for_revision",
            "send_supplement_request",
            "send_decline",
            "apologise",
            "return_at_office",
            "return_online",
            "return_by_post",
            "withdraw",
            "registered_in_person",
            "registered_postal",
            "consultation_answer"
        ]
    );
    assert_eq!(
        Act::ALL.map(Act::label_vi),
        [
            "Nộp hồ sơ",
            "Tiếp nhận hồ sơ",
            "Yêu cầu bổ sung, hoàn thiện",
            "Từ chối tiếp nhận",
            "Nộp bổ sung",
            "Chuyển phòng chuyên môn",
            "Phân công xử lý",
            "Phân công lại",
            "Thu hồi hồ sơ về lãnh đạo",
            "Trình kết quả giải quyết",
            "Đề xuất yêu cầu bổ sung",
            "Đề xuất từ chối giải quyết",
            "Gửi lấy ý kiến phối hợp",
            "Ghi nhận ý kiến phối hợp",
            "Phê duyệt",
            "Trả lại để xử lý lại",
            "Gửi yêu cầu bổ sung cho công dân",
            "Gửi văn bản từ chối cho công dân",
            "Xin lỗi và hẹn lại ngày trả kết quả",
            "Trả kết quả tại bộ phận một cửa",
            "Trả kết quả trực tuyến",
            "Trả kết quả qua bưu chính",
            "Rút hồ sơ",
            "Tiếp nhận trực tiếp tại bộ phận một cửa",
            "Tiếp nhận hồ sơ gửi qua bưu chính",
            "Cơ quan phối hợp trả lời"
        ]
    );
    for a in Act::ALL {
        assert_eq!(Act::parse(a.as_str()), Some(a));
    }
    assert_eq!(Act::parse("Submit"), None);
    assert_eq!(Act::parse(""), None);

    assert_eq!(
        FIELDS.map(Field::as_str),
        [
            "components",
            "reasons",
            "assignee",
            "consultations",
            "new_date",
            "tracking_number",
            "originals_compared",
            "result_document",
            "comment",
            "answer"
        ]
    );
    assert_eq!(
        FIELDS.map(Field::label_vi),
        [
            "Giấy tờ cần bổ sung",
            "Lý do, nội dung (mỗi dòng một ý)",
            "Chuyên viên xử lý",
            "Cơ quan phối hợp cho ý kiến",
            "Ngày hẹn trả kết quả mới",
            "Số hiệu bưu gửi",
            "Đã đối chiếu bản chính các giấy tờ",
            "Văn bản kết quả",
            "Ý kiến",
            "Ý kiến của cơ quan phối hợp"
        ]
    );
    assert_eq!(
        [
            FieldType::Text,
            FieldType::Date,
            FieldType::Datetime,
            FieldType::Boolean,
            FieldType::Choice,
            FieldType::Choices,
            FieldType::File,
            FieldType::List,
        ]
        .map(FieldType::as_str),
        [
            "text", "date", "datetime", "boolean", "choice", "choices", "file", "list"
        ]
    );
}

/// Every field of the actions description.
const FIELDS: [Field; 10] = [
    Field::Components,
    Field::Reasons,
    Field::Assignee,
    Field::Consultations,
    Field::NewDate,
    Field::TrackingNumber,
    Field::OriginalsCompared,
    Field::ResultDocument,
    Field::Comment,
    Field::Answer,
];

/// What each field is written as, and which one is a list of strings.
#[test]
fn field_types() {
    use FieldType as T;
    assert_eq!(
        FIELDS.map(Field::kind),
        [
            T::Choices,
            T::Text,
            T::Choice,
            T::List,
            T::Date,
            T::Text,
            T::Boolean,
            T::File,
            T::Text,
            T::Text
        ]
    );
    assert_eq!(
        FIELDS.map(Field::multiple),
        [
            false, true, false, false, false, false, false, false, false, false
        ]
    );
}

/// Per stage, in `Stage::ALL` order: the status and national code (docs/lifecycle.md,
/// R6.1), whether it is the departments' internal work, what the applicant reads,
/// whether the owner edits, whose worklist holds it and whether it is final.
#[test]
fn every_stage_derives_its_status_and_owner() {
    use Role::{Leader as L, Reception as R, Specialist as Sp};
    use Status as St;
    assert_eq!(
        Stage::ALL.map(Stage::status),
        [
            St::Draft,
            St::Submitted,
            St::Submitted,
            St::SupplementRequested,
            St::Refused,
            St::Accepted,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::InProcess,
            St::Resolved,
            St::Declined,
            St::Returned,
            St::Withdrawn
        ]
    );
    assert_eq!(
        Stage::ALL.map(Stage::national),
        [
            None,
            Some(1),
            Some(1),
            Some(5),
            Some(3),
            Some(2),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(9),
            Some(8),
            Some(10),
            Some(7)
        ]
    );
    let internal = [
        false, false, false, false, false, false, true, true, true, true, true, true, true, true,
        false, false, false, false,
    ];
    assert_eq!(Stage::ALL.map(Stage::is_internal), internal);
    for (s, internal) in Stage::ALL.into_iter().zip(internal) {
        let want = if internal {
            "Đang xử lý"
        } else {
            s.label_vi()
        };
        assert_eq!(s.applicant_label(), want, "{s:?}");
    }
    assert_eq!(
        Stage::ALL.map(Stage::owner_edits),
        [
            true, false, false, true, false, false, false, false, false, false, false, false,
            false, false, false, false, false, false
        ]
    );
    assert_eq!(
        Stage::ALL.map(Stage::queue),
        [
            None,
            Some(R),
            Some(R),
            None,
            None,
            Some(R),
            Some(L),
            Some(Sp),
            Some(Sp),
            Some(L),
            Some(L),
            Some(L),
            Some(R),
            Some(R),
            Some(R),
            None,
            None,
            None
        ]
    );
    assert_eq!(
        Stage::ALL.map(Stage::is_final),
        [
            false, false, false, false, true, false, false, false, false, false, false, false,
            false, false, false, true, true, true
        ]
    );
}

/// Per action, in `Act::ALL` order: the fields it takes ("*" required), those of which one is
/// needed, whether the applicant sees it and whether it decides a proposal.
#[test]
fn every_action_takes_its_fields() {
    let fields = |a: Act| {
        a.fields()
            .iter()
            .map(|(f, req)| format!("{}{}", f.as_str(), if *req { "*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        Act::ALL.map(fields),
        [
            "comment",
            "comment",
            "components reasons comment",
            "reasons* comment",
            "comment",
            "comment",
            "assignee* comment",
            "assignee* reasons* comment",
            "reasons* comment",
            "result_document* comment",
            "components reasons comment",
            "reasons* comment",
            "consultations* comment",
            "comment*",
            "comment",
            "reasons* comment",
            "comment",
            "comment",
            "reasons* new_date* comment",
            "originals_compared* comment",
            "comment",
            "tracking_number* comment",
            "comment",
            "comment",
            "comment",
            "answer*"
        ]
    );
    for a in Act::ALL {
        let want: &[Field] = match a {
            A::RequestSupplement | A::ProposeSupplement => &[Field::Components, Field::Reasons],
            _ => &[],
        };
        assert_eq!(a.one_of(), want, "{a:?}");
    }
    assert_eq!(
        Act::ALL.map(Act::is_public),
        [
            true, true, true, true, true, false, false, false, false, false, false, false, false,
            false, false, false, true, true, true, true, true, true, true, true, true, false
        ]
    );
    assert_eq!(
        Act::ALL.map(Act::decides_a_proposal),
        [
            false, false, false, false, false, false, false, false, false, false, false, false,
            false, false, true, true, false, false, false, false, false, false, false, false,
            false, false
        ]
    );
}

#[test]
fn refusals_say_why() {
    let e = next(S::Submitted, A::Approve, Who::Staff(Role::Leader)).unwrap_err();
    assert!(e.to_string().contains("Mới đăng ký"), "{e}");
    let e = next(S::Submitted, A::Accept, Who::Staff(Role::Specialist)).unwrap_err();
    assert!(matches!(e, NotAllowed::NotYourStep { .. }));
    assert!(e.to_string().contains("không thuộc vai trò"));
    assert!(table_markdown().lines().count() == TABLE.len() + 2);
    let e = next(S::ProposedDecline, A::Approve, Who::Owner).unwrap_err();
    assert!(e.to_string().contains("từ chối"), "{e}");
    assert!(
        !e.for_applicant().contains("từ chối") && e.for_applicant().contains("Đang xử lý"),
        "{}",
        e.for_applicant()
    );
}

/// A supplement request from the department goes through the leader, then reception.
#[test]
fn department_supplement_needs_the_leader() {
    let sp = Who::Assignee;
    assert!(
        next(
            S::Examining,
            A::ProposeSupplement,
            Who::Staff(Role::Specialist)
        )
        .is_err()
    );
    let mut s = S::Submitted;
    for (a, w) in [
        (A::Accept, Who::Staff(Role::Reception)),
        (A::Forward, Who::Staff(Role::Reception)),
        (A::Assign, Who::Staff(Role::Leader)),
        (A::ProposeSupplement, sp),
    ] {
        s = next(s, a, w).unwrap();
    }
    assert!(next(s, A::SendSupplementRequest, Who::Staff(Role::Reception)).is_err());
    s = next(s, A::Approve, Who::Staff(Role::Leader)).unwrap();
    s = next(s, A::SendSupplementRequest, Who::Staff(Role::Reception)).unwrap();
    assert_eq!((s, s.national()), (S::SupplementRequested, Some(5)));
}

/// A leader reassigns or takes back a dossier a specialist holds; never while it waits for
/// the leader's own decision.
#[test]
fn the_leader_reassigns_and_takes_back() {
    let leader = Who::Staff(Role::Leader);
    assert_eq!(next(S::Examining, A::Reassign, leader), Ok(S::Examining));
    assert_eq!(next(S::Consulting, A::Reassign, leader), Ok(S::Consulting));
    assert_eq!(
        next(S::Examining, A::TakeBack, leader),
        Ok(S::AwaitingAssignment)
    );
    assert_eq!(
        next(S::Consulting, A::TakeBack, leader),
        Ok(S::AwaitingAssignment)
    );
    assert!(next(S::ProposedResolve, A::Reassign, leader).is_err());
    assert!(next(S::Examining, A::Reassign, Who::Staff(Role::Specialist)).is_err());
    assert!(A::Approve.decides_a_proposal() && !A::Assign.decides_a_proposal());
    assert!(A::Refuse.is_public() && !A::ProposeDecline.is_public());
    assert!(!A::ReturnForRevision.is_public() && !A::ConsultationAnswered.is_public());
}

/// The examining steps are the assignee's, not any specialist's; a consulted agency answers
/// without moving the dossier, and the system ends the wait; nobody registers or answers on a
/// dossier that has ended.
#[test]
fn the_assignee_the_consulted_agency_and_the_system() {
    let sp = Who::Staff(Role::Specialist);
    for a in [A::ProposeResolve, A::Consult, A::Apologise] {
        assert!(matches!(
            next(S::Examining, a, sp),
            Err(NotAllowed::NotYourStep { .. })
        ));
        assert!(next(S::Examining, a, Who::Assignee).is_ok());
    }
    assert_eq!(S::Examining.queue(), Some(Role::Specialist));
    assert_eq!(
        next(S::Consulting, A::ConsultationAnswered, Who::System),
        Ok(S::Examining)
    );
    assert!(next(S::Consulting, A::ConsultationAnswered, Who::Consulted).is_err());
    assert_eq!(
        next(S::Consulting, A::AnswerConsultation, Who::Consulted),
        Ok(S::Consulting)
    );
    assert!(next(S::Withdrawn, A::AnswerConsultation, Who::Consulted).is_err());
    assert!(next(S::Consulting, A::AnswerConsultation, Who::Assignee).is_err());
    assert_eq!(
        next(S::Draft, A::RegisterPostal, Who::Staff(Role::Reception)),
        Ok(S::Submitted)
    );
    assert!(
        next(
            S::Submitted,
            A::RegisterInPerson,
            Who::Staff(Role::Reception)
        )
        .is_err()
    );
    assert!(available(S::Draft, Who::Owner) == vec![A::Submit]);
    assert!(A::AnswerConsultation.has_own_form() && !A::Accept.has_own_form());
    let back: Vec<Act> = Act::ALL.into_iter().filter(|a| a.turns_back()).collect();
    assert_eq!(
        back,
        [
            A::Refuse,
            A::TakeBack,
            A::ProposeDecline,
            A::ReturnForRevision,
            A::SendDecline
        ]
    );
    assert!(
        Who::all()
            .iter()
            .all(|w| available(S::Returned, *w).is_empty())
    );
}

/// Who acts, as the printed table names them.
#[test]
fn who_is_named() {
    assert_eq!(
        Who::all()
            .into_iter()
            .map(Who::label_vi)
            .collect::<Vec<_>>()[Who::all().len() - 3..],
        [
            "Chuyên viên được phân công",
            "Cơ quan được lấy ý kiến",
            "Hệ thống"
        ]
    );
    assert_eq!(Who::Owner.label_vi(), "Công dân, tổ chức");
    assert_eq!(Who::Staff(Role::Leader).label_vi(), Role::Leader.label_vi());
    let table = table_markdown();
    assert!(table.contains("| Chuyên viên được phân công |"), "{table}");
    assert!(
        table.contains("Chuyên viên được phân công, Hệ thống"),
        "{table}"
    );
}
