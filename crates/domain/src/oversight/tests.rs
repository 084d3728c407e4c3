use super::scorecard::{Inputs, Ratio, points, score};
use super::*;

fn at(s: &str) -> Timestamp {
    format!("{s}+07:00").parse().unwrap()
}

fn cell(month: &str, intake: Intake, stage: Stage, outcome: Option<Timeliness>) -> Cell {
    Cell {
        month: month.into(),
        intake,
        stage,
        outcome,
    }
}

/// `dossiers`, all accepted but those waiting at the desk or refused there, none marked.
fn tally(dossiers: u64, office_secs: i64, stage: Stage) -> Tally {
    let accepted = !matches!(stage, Stage::Submitted | Stage::Refused);
    Tally {
        dossiers,
        accepted: if accepted { dossiers } else { 0 },
        office_secs,
        ..Default::default()
    }
}

/// Twelve dossiers in two months, counted by hand.
#[test]
fn statistics_match_a_hand_count() {
    let day = 450 * 60;
    let groups = vec![
        // March: 3 returned early (3 days each), 2 resolved late (5 days each), 1 refused.
        (
            cell(
                "2026-03",
                Intake::Online,
                Stage::Returned,
                Some(Timeliness::Early),
            ),
            tally(3, 9 * day, Stage::Returned),
        ),
        (
            cell(
                "2026-03",
                Intake::InPerson,
                Stage::Resolved,
                Some(Timeliness::Late),
            ),
            Tally {
                intake_late: 2,
                ..tally(2, 10 * day, Stage::Resolved)
            },
        ),
        (
            cell("2026-03", Intake::Online, Stage::Refused, None),
            tally(1, 0, Stage::Refused),
        ),
        // April: 4 examined (1 overdue, handed over late), 1 on time, 1 waiting at the desk.
        (
            cell("2026-04", Intake::Postal, Stage::Examining, None),
            tally(3, 0, Stage::Examining),
        ),
        (
            cell("2026-04", Intake::Online, Stage::Examining, None),
            Tally {
                overdue: 1,
                handover_late: 1,
                repeat: 1,
                ..tally(1, 0, Stage::Examining)
            },
        ),
        (
            cell(
                "2026-04",
                Intake::Online,
                Stage::Returned,
                Some(Timeliness::OnTime),
            ),
            tally(1, 2 * day, Stage::Returned),
        ),
        (
            cell("2026-04", Intake::Online, Stage::Submitted, None),
            tally(1, 0, Stage::Submitted),
        ),
    ];
    let s = Statistics::of(&groups);
    assert_eq!(
        (s.received, s.finished, s.early, s.on_time, s.late),
        (12, 6, 3, 1, 2)
    );
    assert_eq!((s.in_progress, s.overdue), (4, 1));
    assert_eq!(
        (s.late_acceptances, s.late_handovers, s.second_supplements),
        (2, 1, 1)
    );
    // 4 of 6 finished early or on time; (9 + 10 + 2) days over 6 dossiers = 3.5.
    assert_eq!(s.on_time_percent, Some(66));
    assert_eq!(s.average_days, Some(3.5));
    assert_eq!(
        s.by_channel,
        vec![
            (Intake::InPerson, 2),
            (Intake::Online, 7),
            (Intake::Postal, 3)
        ]
    );
    assert_eq!(
        s.by_status,
        vec![
            (Status::Submitted, 1),
            (Status::Refused, 1),
            (Status::InProcess, 4),
            (Status::Resolved, 2),
            (Status::Returned, 4)
        ]
    );
    let months: Vec<_> = s
        .months
        .iter()
        .map(|m| {
            (
                m.month.as_str(),
                m.received,
                m.finished,
                m.on_time,
                m.late,
                m.overdue,
            )
        })
        .collect();
    assert_eq!(
        months,
        vec![("2026-03", 6, 5, 3, 2, 0), ("2026-04", 6, 1, 1, 0, 1)]
    );
    for f in Figure::ALL {
        let by_hand: u64 = groups.iter().map(|(c, t)| f.count_in(c, t)).sum();
        assert_eq!(s.count(f), by_hand, "{f:?}");
        assert_eq!(Figure::parse(f.as_str()), Some(f));
    }
    assert_eq!(Statistics::of(&[]).average_days, None);
}

#[test]
fn overdue_is_past_the_appointment_or_late_by_count() {
    let now = at("2026-04-10T09:00:00");
    let before = Some(at("2026-04-09T17:00:00"));
    let after = Some(at("2026-04-10T17:00:00"));
    assert!(overdue(true, None, Stage::Examining, false, before, now));
    assert!(!overdue(true, None, Stage::Examining, false, after, now));
    assert!(overdue(true, None, Stage::Examining, true, after, now));
    // Not accepted, already counted, or final: never overdue in progress.
    assert!(!overdue(false, None, Stage::Submitted, false, before, now));
    assert!(!overdue(
        true,
        Some(Timeliness::Late),
        Stage::Resolved,
        false,
        before,
        now
    ));
    assert!(!overdue(true, None, Stage::Withdrawn, false, before, now));
}

#[test]
fn desk_marks_compare_each_act_with_its_due_point() {
    let h = |acted: &str, forwarded: &str| {
        vec![
            (
                Stage::Submitted,
                at("2026-04-06T08:00:00"),
                Some(at("2026-04-07T08:00:00")),
            ),
            (Stage::Accepted, at(acted), Some(at("2026-04-07T15:00:00"))),
            (Stage::AwaitingAssignment, at(forwarded), None),
        ]
    };
    assert_eq!(
        desk_marks(&h("2026-04-07T08:00:00", "2026-04-07T15:00:00")),
        (false, false)
    );
    assert_eq!(
        desk_marks(&h("2026-04-07T08:00:01", "2026-04-07T15:00:01")),
        (true, true)
    );
    // Not yet acted on: no mark, whatever the time.
    assert_eq!(
        desk_marks(&h("2026-04-07T09:00:00", "2026-04-07T10:00:00")[..1]),
        (false, false)
    );
}

#[test]
fn office_time_skips_the_supplement_pause() {
    let cal = Calendar::official();
    // Mon 6 Apr 2026 08:00 accepted; Tue 08:00 sent to the person; Thu 08:00 back; Thu 10:00 end.
    let h = vec![
        (Stage::Submitted, at("2026-04-06T07:45:00")),
        (Stage::Accepted, at("2026-04-06T08:00:00")),
        (Stage::SupplementRequested, at("2026-04-07T08:00:00")),
        (Stage::Supplemented, at("2026-04-09T08:00:00")),
        (Stage::Resolved, at("2026-04-09T10:00:00")),
    ];
    // Monday 08:00–11:30 and 13:30–17:00 and Tuesday 07:30–08:00 is 7.5 h; Thursday
    // 08:00–10:00 is 2 h.
    assert_eq!(
        office_secs(&cal, None, &h, at("2026-04-09T10:00:00")),
        34_200
    );
    assert_eq!(
        office_secs(&cal, None, &h[..1], at("2026-04-09T10:00:00")),
        0
    );
}

#[test]
fn points_fall_pro_rata_below_the_target() {
    assert_eq!(points(Ratio::new(40, 100), 4.0, 80.0), 2.0);
    assert_eq!(points(Ratio::new(90, 100), 4.0, 80.0), 4.0);
    assert_eq!(points(Ratio::new(1, 3), 6.0, 100.0), 2.0);
    assert_eq!(points(Ratio::new(0, 0), 6.0, 100.0), 6.0);
    assert_eq!(points(Ratio::new(0, 7), 6.0, 100.0), 0.0);
}

/// A whole scorecard computed by hand.
#[test]
fn the_scorecard_matches_a_hand_count() {
    let i = Inputs {
        published_on_time: Ratio::new(3, 4),   // 75 % of 6 = 4.5
        complete_procedures: Ratio::new(5, 5), // 2
        on_time: Ratio::new(90, 100),          // 18
        average_days: Some(3.5),
        online_services: Ratio::new(6, 10),     // 60/80 of 4 = 3
        online_dossiers: Ratio::new(30, 100),   // 30/50 of 4 = 2.4
        full_process: Ratio::new(0, 0),         // 4
        payable_online: Ratio::new(4, 4),       // 2
        paid_online_services: Ratio::new(1, 4), // 25/80 of 2 = 0.625 → 0.63
        paid_online: Ratio::new(10, 40),        // 25 % of 6 = 1.5
        e_results: Ratio::new(20, 50),          // 40 % of 6 = 2.4
        digitised: Ratio::new(40, 100),         // 40/80 of 4 = 2
        feedback_on_time: None,
        feedback_satisfied: None,
        late: Ratio::new(10, 100),    // 10 %
        disliked: Ratio::new(5, 100), // 5 % → 85/90 of 6 = 5.67
    };
    let s = score(&i);
    let groups: Vec<_> = s
        .groups
        .iter()
        .map(|g| (g.key, g.score, g.measured_max))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("CKMB", 6.5, 8.0),
            ("TDGQ", 18.0, 20.0),
            ("CLGQ", 9.4, 12.0),
            ("TTTT", 4.13, 10.0),
            ("MDSH", 4.4, 10.0),
            ("MDHL", 5.67, 6.0),
        ]
    );
    assert_eq!(s.max, 100.0);
    assert_eq!(s.measured_max, 66.0);
    assert_eq!(s.total, 48.1);
    let ind = |code: &str| {
        s.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .find(|i| i.code == code)
            .unwrap()
            .clone()
    };
    assert_eq!(ind("2.2").value, Some(3.5));
    assert_eq!(ind("5.4").value, Some(85.0));
    assert_eq!(ind("1.4").score, None);
    assert!(!ind("1.4").measured);
    // The group maxima are the Decision's.
    let maxima: Vec<f64> = s.groups.iter().map(|g| g.max).collect();
    assert_eq!(maxima, vec![18.0, 20.0, 12.0, 10.0, 22.0, 18.0]);
    for g in &s.groups {
        let points: f64 = g.indicators.iter().map(|i| i.max).sum();
        assert_eq!(points, g.max, "{}", g.key);
    }
}

#[test]
fn feedback_counts_once_held() {
    let i = Inputs {
        feedback_on_time: Some(Ratio::new(1, 2)),
        feedback_satisfied: Some(Ratio::new(0, 0)),
        ..Default::default()
    };
    let g = score(&i).groups.pop().unwrap();
    assert_eq!((g.score, g.measured_max), (3.0 + 6.0 + 6.0, 18.0));
}

#[test]
fn published_five_working_days_before_it_takes_effect() {
    use super::scorecard::published_on_time;
    let cal = Calendar::official();
    // Effective Monday 13 April 2026: five working days back is Monday 6 April.
    let effective = jiff::civil::date(2026, 4, 13);
    assert!(published_on_time(
        &cal,
        at("2026-04-06T16:00:00"),
        effective
    ));
    assert!(!published_on_time(
        &cal,
        at("2026-04-07T08:00:00"),
        effective
    ));
}
