use super::*;
use crate::catalogue::FeeKind;

fn at() -> jiff::Timestamp {
    "2026-03-02T02:00:00Z".parse().unwrap()
}

fn pay(method: Method, amount: i64, state: PaymentState) -> Payment {
    Payment {
        id: Uuid::new_v4(),
        dossier_id: Uuid::nil(),
        agency_id: Uuid::nil(),
        amount,
        method,
        state,
        txn_ref: None,
        gateway_txn: None,
        reference: None,
        created_at: at(),
        confirmed_at: None,
        recorded_by: None,
    }
}

fn refund(p: &Payment, state: RefundState) -> Refund {
    Refund {
        id: Uuid::new_v4(),
        payment_id: p.id,
        dossier_id: p.dossier_id,
        agency_id: p.agency_id,
        amount: p.amount,
        reason: "Dừng xử lý".into(),
        state,
        created_at: at(),
        approved_by: None,
        approved_at: None,
        paid_by: None,
        paid_at: None,
        reference: None,
    }
}

#[test]
fn a_channel_owes_its_own_fees_and_charges() {
    let f = |channel, kind, amount| ChannelFee {
        channel,
        kind,
        amount,
        note: None,
    };
    let fees = [
        f(Channel::InPerson, FeeKind::Charge, 20_000),
        f(Channel::Online, FeeKind::Charge, 10_000),
        f(Channel::Online, FeeKind::Fee, 5_000),
    ];
    assert_eq!(channel_fee(&fees, Channel::Online), 15_000);
    assert_eq!(channel_fee(&fees, Channel::InPerson), 20_000);
    assert_eq!(channel_fee(&fees, Channel::Postal), 0);
}

#[test]
fn the_status_follows_payments_exemptions_and_refunds() {
    let none = fees(0, &[], &[]);
    assert_eq!((none.due, none.status), (0, FeeStatus::None));
    let due = fees(
        50_000,
        &[pay(Method::Vnpay, 50_000, PaymentState::Pending)],
        &[],
    );
    assert_eq!((due.due, due.paid, due.status), (50_000, 0, FeeStatus::Due));
    assert_eq!(due.outstanding(), 50_000);
    assert!(!due.settled());
    let failed = fees(
        50_000,
        &[pay(Method::Vnpay, 50_000, PaymentState::Failed)],
        &[],
    );
    assert_eq!(failed.status, FeeStatus::Due);
    let p = pay(Method::Cash, 50_000, PaymentState::Succeeded);
    let paid = fees(50_000, std::slice::from_ref(&p), &[]);
    assert_eq!(
        (paid.paid, paid.status, paid.outstanding()),
        (50_000, FeeStatus::Paid, 0)
    );
    assert!(paid.settled());
    let exempt = fees(
        50_000,
        &[pay(Method::Exemption, 50_000, PaymentState::Succeeded)],
        &[],
    );
    assert_eq!(
        (exempt.due, exempt.paid, exempt.status),
        (0, 0, FeeStatus::None)
    );
    let pending = fees(
        50_000,
        std::slice::from_ref(&p),
        &[refund(&p, RefundState::Approved)],
    );
    assert_eq!(pending.status, FeeStatus::RefundPending);
    let back = fees(
        50_000,
        std::slice::from_ref(&p),
        &[refund(&p, RefundState::Paid)],
    );
    assert_eq!((back.refunded, back.status), (50_000, FeeStatus::Refunded));
    let part = fees(
        50_000,
        &[pay(Method::Cash, 20_000, PaymentState::Succeeded)],
        &[],
    );
    assert_eq!((part.status, part.outstanding()), (FeeStatus::Due, 30_000));
}

#[test]
fn a_payment_is_exactly_what_is_left_on_a_live_dossier() {
    let due = fees(50_000, &[], &[]);
    assert_eq!(payable(Stage::Submitted, &due), Ok(50_000));
    assert_eq!(payable(Stage::Resolved, &due), Ok(50_000));
    assert!(payable(Stage::Draft, &due).is_err());
    assert!(payable(Stage::Returned, &due).is_err());
    assert!(payable(Stage::Declined, &due).is_err());
    let p = pay(Method::Cash, 50_000, PaymentState::Succeeded);
    assert!(
        payable(
            Stage::Accepted,
            &fees(50_000, std::slice::from_ref(&p), &[])
        )
        .is_err()
    );
    let r = refund(&p, RefundState::Pending);
    let f = fees(50_000, std::slice::from_ref(&p), &[r]);
    assert!(payable(Stage::Accepted, &f).is_err());
    assert!(payable(Stage::Accepted, &fees(0, &[], &[])).is_err());
    // While money goes back, nothing more is taken, even with some left to pay.
    let part = pay(Method::Cash, 20_000, PaymentState::Succeeded);
    let back = fees(
        50_000,
        std::slice::from_ref(&part),
        &[refund(&part, RefundState::Approved)],
    );
    assert_eq!(back.outstanding(), 30_000);
    assert!(payable(Stage::Accepted, &back).is_err());
}

#[test]
fn the_fee_holds_acceptance_or_the_result() {
    use FeeDue::*;
    assert!(Submission.holds(Act::Accept));
    assert!(!Submission.holds(Act::Refuse));
    assert!(!Submission.holds(Act::ReturnAtOffice));
    for d in [Acceptance, Collection] {
        assert!(!d.holds(Act::Accept));
        for a in [Act::ReturnAtOffice, Act::ReturnOnline, Act::ReturnByPost] {
            assert!(d.holds(a));
        }
        assert!(!d.holds(Act::Approve));
    }
    assert!(Submission.falls_due_at(Act::Submit));
    assert!(Submission.falls_due_at(Act::RegisterInPerson));
    assert!(Submission.falls_due_at(Act::RegisterPostal));
    assert!(!Submission.falls_due_at(Act::Accept));
    assert!(Acceptance.falls_due_at(Act::Accept));
    assert!(!Acceptance.falls_due_at(Act::Submit));
    assert!(Collection.falls_due_at(Act::Approve));
    assert!(!Collection.falls_due_at(Act::Accept));
    for d in FeeDue::ALL {
        assert_eq!(FeeDue::parse(d.as_str()), Some(d));
    }
    for act in Act::ALL {
        let falls = matches!(
            act,
            Act::Submit | Act::RegisterInPerson | Act::RegisterPostal | Act::Accept | Act::Approve
        );
        assert_eq!(FeeDue::falls_due_at_any(act), falls, "{act:?}");
        let holds = matches!(
            act,
            Act::Accept | Act::ReturnAtOffice | Act::ReturnOnline | Act::ReturnByPost
        );
        assert_eq!(FeeDue::holds_any(act), holds, "{act:?}");
    }
    assert!(not_provided(Stage::Refused) && not_provided(Stage::Declined));
    assert!(!not_provided(Stage::Withdrawn) && !not_provided(Stage::Returned));
    for m in Method::ALL {
        assert_eq!(Method::parse(m.as_str()), Some(m));
    }
}

#[test]
fn refunds_are_owed_only_when_the_agency_cannot_provide_the_service() {
    let p = pay(Method::Vnpay, 50_000, PaymentState::Succeeded);
    let failed = pay(Method::Vnpay, 50_000, PaymentState::Failed);
    let exempt = pay(Method::Exemption, 10_000, PaymentState::Succeeded);
    let all = [p.clone(), failed, exempt];
    assert_eq!(
        refunds_owed(Stage::Declined, 50_000, &all, &[]),
        vec![(p.id, 50_000, RefundCause::NotProvided)]
    );
    assert_eq!(
        refunds_owed(Stage::Refused, 50_000, &all, &[]),
        vec![(p.id, 50_000, RefundCause::NotProvided)]
    );
    // R8.2c: the result was produced; the person not collecting it owes no refund.
    for s in [
        Stage::Resolved,
        Stage::Returned,
        Stage::Withdrawn,
        Stage::Examining,
    ] {
        assert!(refunds_owed(s, 50_000, &all, &[]).is_empty(), "{s:?}");
    }
    let r = refund(&p, RefundState::Pending);
    assert!(refunds_owed(Stage::Declined, 50_000, &all, &[r]).is_empty());
}

#[test]
fn a_payment_after_the_fee_was_paid_is_owed_back() {
    let at = |s: &str| Some(s.parse::<jiff::Timestamp>().unwrap());
    let mut first = pay(Method::Vnpay, 50_000, PaymentState::Succeeded);
    first.confirmed_at = at("2026-03-02T02:00:00Z");
    let mut second = pay(Method::Vnpay, 50_000, PaymentState::Succeeded);
    second.confirmed_at = at("2026-03-02T02:01:00Z");
    let both = [second.clone(), first.clone()];
    assert_eq!(
        refunds_owed(Stage::Accepted, 50_000, &both, &[]),
        vec![(second.id, 50_000, RefundCause::Duplicate)]
    );
    // A part paid at the desk, then the rest online twice: the second online payment is extra.
    let mut part = pay(Method::Cash, 20_000, PaymentState::Succeeded);
    part.confirmed_at = at("2026-03-02T01:00:00Z");
    let mut rest = first.clone();
    rest.amount = 30_000;
    let mut again = second.clone();
    again.amount = 30_000;
    assert_eq!(
        refunds_owed(
            Stage::Examining,
            50_000,
            &[part.clone(), rest.clone(), again.clone()],
            &[]
        ),
        vec![(again.id, 30_000, RefundCause::Duplicate)]
    );
    assert!(refunds_owed(Stage::Examining, 50_000, &[part, rest], &[]).is_empty());
    // Once refunded it is not owed again; nothing is owed when the fee is 0 but nothing was paid.
    let r = refund(&second, RefundState::Pending);
    assert!(refunds_owed(Stage::Accepted, 50_000, &both, &[r]).is_empty());
    assert!(refunds_owed(Stage::Accepted, 0, &[], &[]).is_empty());
    assert_eq!(
        refunds_owed(Stage::Accepted, 0, std::slice::from_ref(&first), &[]),
        vec![(first.id, 50_000, RefundCause::Duplicate)],
        "an exempt dossier paid anyway"
    );
    assert_eq!(
        RefundCause::Duplicate.label_vi(),
        "nộp trùng, phí đã được nộp trước đó"
    );
    // Whenever a refund is owed, one is possible; one payment on a live dossier owes none.
    assert!(refund_possible(Stage::Accepted, &both));
    assert!(!refund_possible(
        Stage::Accepted,
        std::slice::from_ref(&first)
    ));
    let exempt = pay(Method::Exemption, 1, PaymentState::Succeeded);
    assert!(!refund_possible(Stage::Accepted, &[first.clone(), exempt]));
    assert!(refund_possible(
        Stage::Declined,
        std::slice::from_ref(&first)
    ));
}

#[test]
fn a_refund_is_approved_then_paid_back() {
    use RefundState::*;
    use RefundStep::*;
    assert_eq!(refund_next(Pending, Approve), Ok(Approved));
    assert_eq!(refund_next(Approved, PayBack), Ok(Paid));
    assert!(refund_next(Pending, PayBack).is_err());
    assert!(refund_next(Approved, Approve).is_err());
    assert!(refund_next(Paid, Approve).is_err());
    assert!(refund_next(Paid, PayBack).is_err());
}

#[test]
fn receipts_are_numbered_by_year() {
    assert_eq!(receipt_number(2026, 12), "0000012/2026");
}

fn report(payment: Option<&Payment>, txn: &str, code: &str) -> GatewayReport {
    GatewayReport {
        id: Uuid::new_v4(),
        txn_ref: "T".into(),
        gateway_txn: txn.into(),
        amount: 50_000,
        response_code: code.into(),
        transaction_status: code.into(),
        payment_id: payment.map(|p| p.id),
        answer: "00".into(),
        received_at: at(),
    }
}

#[test]
fn the_statement_finds_payments_without_a_report_and_reports_without_a_payment() {
    let mut online = pay(Method::Vnpay, 50_000, PaymentState::Succeeded);
    online.gateway_txn = Some("14000001".into());
    let cash = pay(Method::Cash, 50_000, PaymentState::Succeeded);
    let pending = pay(Method::Vnpay, 50_000, PaymentState::Pending);
    let payments = [online.clone(), cash, pending];
    let good = report(Some(&online), "14000001", "00");
    let (unbacked, unmatched) = differences(&payments, std::slice::from_ref(&good));
    assert!(unbacked.is_empty() && unmatched.is_empty());
    // Backed only by its own transaction, and only by a success.
    for r in [
        report(Some(&online), "99", "00"),
        report(Some(&online), "14000001", "24"),
        report(None, "14000001", "00"),
    ] {
        let (unbacked, _) = differences(&payments, std::slice::from_ref(&r));
        assert_eq!(unbacked.len(), 1, "{r:?}");
        assert_eq!(unbacked[0].id, online.id);
    }
    // The response says paid but the transaction does not: not a success (both must).
    let half = GatewayReport {
        transaction_status: "02".into(),
        ..report(Some(&online), "14000001", "00")
    };
    assert!(!half.succeeded());
    assert_eq!(
        differences(&payments, std::slice::from_ref(&half)).0.len(),
        1
    );
    let stray = report(None, "777", "00");
    let failed_stray = report(None, "778", "24");
    let reports = [good, stray.clone(), failed_stray];
    let (_, unmatched) = differences(&payments, &reports);
    assert_eq!(
        unmatched.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![stray.id]
    );
}

#[test]
fn names_are_stored_and_shown_as_published() {
    use std::collections::HashSet;
    fn distinct(v: Vec<&'static str>) -> bool {
        v.iter().all(|s| !s.is_empty()) && v.iter().collect::<HashSet<_>>().len() == v.len()
    }
    assert!(distinct(FeeDue::ALL.map(FeeDue::label_vi).to_vec()));
    assert_eq!(FeeDue::Collection.label_vi(), "Nộp khi nhận kết quả");
    assert!(distinct(Method::ALL.map(Method::label_vi).to_vec()));
    assert_eq!(Method::Cash.label_vi(), "Tiền mặt");
    let states = [
        PaymentState::Pending,
        PaymentState::Succeeded,
        PaymentState::Failed,
    ];
    for s in states {
        assert_eq!(PaymentState::parse(s.as_str()), Some(s));
    }
    assert_eq!(PaymentState::parse("paid"), None);
    assert!(distinct(states.map(PaymentState::label_vi).to_vec()));
    let refunds = [
        RefundState::Pending,
        RefundState::Approved,
        RefundState::Paid,
    ];
    for s in refunds {
        assert_eq!(RefundState::parse(s.as_str()), Some(s));
    }
    assert_eq!(RefundState::parse(""), None);
    assert!(distinct(refunds.map(RefundState::label_vi).to_vec()));
    let statuses = [
        FeeStatus::None,
        FeeStatus::Due,
        FeeStatus::Paid,
        FeeStatus::RefundPending,
        FeeStatus::Refunded,
    ];
    assert_eq!(
        statuses.map(FeeStatus::as_str),
        ["none", "due", "paid", "refund_pending", "refunded"]
    );
    assert!(distinct(statuses.map(FeeStatus::label_vi).to_vec()));
    assert_eq!(FeeStatus::Due.label_vi(), "Chưa nộp");
}

#[test]
fn each_method_has_its_channel_and_its_reference() {
    let channel: Vec<&str> = Method::ALL.iter().map(|m| m.channel()).collect();
    assert_eq!(
        channel,
        [
            "office",
            "office",
            "vnpay",
            "national_portal",
            "post_bank",
            "post_bank",
            "exemption"
        ]
    );
    for (c, _) in CHANNELS {
        assert!(Method::ALL.iter().any(|m| m.channel() == c), "{c}");
    }
    let needs: Vec<bool> = Method::ALL.iter().map(|m| m.needs_reference()).collect();
    assert_eq!(needs, [false, false, true, true, true, true, true]);
    assert!(!Method::AT_DESK.contains(&Method::Vnpay));
    let r = Receipt {
        id: Uuid::nil(),
        payment_id: Uuid::nil(),
        dossier_id: Uuid::nil(),
        agency_id: Uuid::nil(),
        year: 2026,
        seq: 42,
        amount: 1,
        method: Method::Cash,
        issued_at: at(),
    };
    assert_eq!(r.number(), "0000042/2026");
}
