//! Calendar tests: official ranges of 2024–2026 (R8.1a), Art. 112 compensatory days,
//! the 15:00 cut-off, due dates across Tết 2026 and a make-up Saturday, and properties.
use jiff::civil::{Date, date};
use proptest::prelude::*;

use super::*;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn days(v: f64) -> Duration {
    Duration::WorkingDays { value: v }
}

fn due(start: &str, d: Duration) -> String {
    rfc3339_vn(Calendar::official().due(None, at(start), &d))
}

fn off_days(year: i16) -> Vec<Date> {
    Calendar::official()
        .holidays(year)
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

fn range(from: Date, to: Date) -> Vec<Date> {
    let mut v = vec![];
    let mut d = from;
    while d <= to {
        if !is_weekend(d) {
            v.push(d);
        }
        d = d.tomorrow().unwrap();
    }
    v
}

#[test]
fn resume_after_a_supplement_across_tet() {
    let c = Calendar::official();
    // Paused on Wednesday 11 Feb 2026 at 09:00 with the appointment Friday 13 Feb at 17:00: 21
    // hours of office time are left (6 + 7.5 + 7.5). Resumed Monday 23 Feb (after Tết) at 13:30:
    // 3.5 that afternoon, 7.5 on Tuesday and Wednesday, 2.5 on Thursday morning.
    let moved = c.resume(
        None,
        at("2026-02-11T09:00:00+07:00"),
        at("2026-02-23T13:30:00+07:00"),
        at("2026-02-13T17:00:00+07:00"),
    );
    assert_eq!(rfc3339_vn(moved), "2026-02-26T10:00:00+07:00");
    assert_eq!(
        c.office_seconds_between(
            None,
            at("2026-02-13T16:00:00+07:00"),
            at("2026-02-23T08:30:00+07:00")
        ),
        2 * 3600
    );
}

#[test]
fn official_ranges_2024_to_2026() {
    let c = Calendar::official();
    // 2024: Tết 08–14/02, Hùng Kings Thu 18/04, 30/04–01/05, Quốc khánh 02–03/09.
    let mut want = vec![date(2024, 1, 1)];
    want.extend(range(date(2024, 2, 8), date(2024, 2, 14)));
    want.extend([
        date(2024, 4, 18),
        date(2024, 4, 30),
        date(2024, 5, 1),
        date(2024, 9, 2),
        date(2024, 9, 3),
    ]);
    assert_eq!(off_days(2024), want);
    // 2025: Tết 27–31/01, Hùng Kings Mon 07/04, 30/04–02/05 with Saturday 26/04 worked,
    // Quốc khánh Mon 01/09 and Tue 02/09.
    let mut want = vec![date(2025, 1, 1)];
    want.extend(range(date(2025, 1, 27), date(2025, 1, 31)));
    want.extend([
        date(2025, 4, 7),
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 5, 2),
    ]);
    want.extend([date(2025, 9, 1), date(2025, 9, 2)]);
    assert_eq!(off_days(2025), want);
    assert!(c.is_working_day(date(2025, 4, 26)), "make-up Saturday");
    assert_eq!(c.working_weekend_days(2025), vec![date(2025, 4, 26)]);
    // 2026: Tết Mon 16–Fri 20/02 (29 Chạp – mùng 4), Hùng Kings Sun 26/04 → Mon 27/04 off.
    let h2026 = c.holidays(2026);
    let o2026 = off_days(2026);
    for d in range(date(2026, 2, 16), date(2026, 2, 20)) {
        assert!(o2026.contains(&d), "{d}");
    }
    assert!(!o2026.contains(&date(2026, 2, 13)) && !o2026.contains(&date(2026, 2, 23)));
    let monday = h2026.iter().find(|(d, _)| *d == date(2026, 4, 27)).unwrap();
    assert_eq!(monday.1, "Nghỉ bù Giỗ Tổ Hùng Vương");
    assert!(!c.is_working_day(date(2026, 2, 21)) && !c.is_working_day(date(2026, 4, 26)));
    assert!(c.is_working_day(date(2026, 2, 23)));
}

/// Art. 112 without a decision: 2023's Hùng Kings (Sat 29/04) and 30/04 (Sun) move to Tue 02/05
/// and Wed 03/05, after Labour Day on Mon 01/05 (§6.1).
#[test]
fn compensatory_days_follow_article_112() {
    let o = off_days(2023);
    for d in [date(2023, 5, 1), date(2023, 5, 2), date(2023, 5, 3)] {
        assert!(o.contains(&d), "{d}");
    }
    assert!(!o.contains(&date(2023, 5, 4)));
    // Without a decision, Tết is giao thừa to mùng 4: 2030 runs Fri 01/02 to Tue 05/02, and its
    // Saturday and Sunday move to Wed 06/02 and Thu 07/02.
    let tet: Vec<Date> = off_days(2030)
        .into_iter()
        .filter(|d| d.month() == 2)
        .collect();
    let want = [1, 4, 5, 6, 7].map(|d| date(2030, 2, d));
    assert_eq!(tet, want);
}

#[test]
fn working_days_from_inside_office_hours() {
    // 09:00 Monday plus 3 working days is 09:00 on the third following working day.
    assert_eq!(
        due("2024-06-03T09:00:00+07:00", days(3.0)),
        "2024-06-06T09:00:00+07:00"
    );
    // Half a working day (3h45) from 10:00: 1h30 in the morning, 2h15 after lunch.
    assert_eq!(
        due("2024-06-03T10:00:00+07:00", days(0.5)),
        "2024-06-03T15:45:00+07:00"
    );
    // A due point exactly between periods is the end of the earlier one.
    assert_eq!(
        due(
            "2024-06-03T09:00:00+07:00",
            Duration::WorkingHours { value: 2.5 }
        ),
        "2024-06-03T11:30:00+07:00"
    );
    assert_eq!(
        due("2024-06-03T07:30:00+07:00", days(1.0)),
        "2024-06-03T17:00:00+07:00"
    );
    // Receipts outside office hours start at the next opening.
    assert_eq!(
        due(
            "2024-06-03T12:10:00+07:00",
            Duration::WorkingHours { value: 1.0 }
        ),
        "2024-06-03T14:30:00+07:00"
    );
    assert_eq!(
        due("2024-06-07T18:00:00+07:00", days(1.0)),
        "2024-06-10T17:00:00+07:00"
    );
    // Instants in another offset are read as the same instant.
    assert_eq!(
        due("2024-06-03T02:00:00Z", days(3.0)),
        "2024-06-06T09:00:00+07:00"
    );
}

#[test]
fn same_day_cut_off_at_15_00() {
    let same = || Duration::SameDay {
        cutoff: "15:00".into(),
    };
    assert_eq!(
        due("2024-06-03T14:59:00+07:00", same()),
        "2024-06-03T17:00:00+07:00"
    );
    assert_eq!(
        due("2024-06-03T15:00:00+07:00", same()),
        "2024-06-04T17:00:00+07:00"
    );
    assert_eq!(
        due("2024-06-07T16:00:00+07:00", same()),
        "2024-06-10T17:00:00+07:00"
    );
    assert_eq!(
        due("2024-06-08T09:00:00+07:00", same()),
        "2024-06-10T17:00:00+07:00"
    );
}

#[test]
fn due_dates_across_tet_2026_and_a_make_up_saturday() {
    // Thursday 12/02/2026 10:00 + 3 working days: Fri 13/02, then Tết (14–22/02), Mon 23, Tue 24.
    assert_eq!(
        due("2026-02-12T10:00:00+07:00", days(3.0)),
        "2026-02-24T10:00:00+07:00"
    );
    // Friday 25/04/2025 10:00 + 1 working day ends on the make-up Saturday 26/04.
    assert_eq!(
        due("2025-04-25T10:00:00+07:00", days(1.0)),
        "2025-04-26T10:00:00+07:00"
    );
    // + 2 days skips 30/04–04/05 (with 02/05 swapped) to Tuesday 29/04, then Monday 05/05.
    assert_eq!(
        due("2025-04-25T10:00:00+07:00", days(3.0)),
        "2025-04-29T10:00:00+07:00"
    );
    assert_eq!(
        due("2025-04-29T10:00:00+07:00", days(1.0)),
        "2025-05-05T10:00:00+07:00"
    );
    // Calendar days ending on a holiday run to the end of the next working day.
    assert_eq!(
        due(
            "2026-02-10T10:00:00+07:00",
            Duration::CalendarDays { value: 5.0 }
        ),
        "2026-02-23T17:00:00+07:00"
    );
}

#[test]
fn agency_hours_and_seasons() {
    let mut data = CalendarData::official();
    let p = |o: &str, c: &str| Period {
        open: o.parse().unwrap(),
        close: c.parse().unwrap(),
    };
    data.office_hours.agencies.insert(
        "HCC".into(),
        vec![
            Season {
                from: "04-15".into(),
                periods: vec![p("07:00", "11:30"), p("13:30", "17:00")],
            },
            Season {
                from: "10-15".into(),
                periods: vec![p("07:30", "11:30"), p("13:00", "16:30")],
            },
        ],
    );
    data.check().unwrap();
    let c = Calendar::new(data);
    assert!(c.has_agency_hours("HCC") && !c.has_agency_hours("OTHER"));
    assert_eq!(c.day_length(Some("HCC"), date(2024, 6, 3)), 8 * 3600);
    assert_eq!(
        c.day_length(Some("HCC"), date(2024, 1, 3)),
        7 * 3600 + 1800,
        "winter wraps"
    );
    assert_eq!(
        c.day_length(Some("OTHER"), date(2024, 6, 3)),
        7 * 3600 + 1800
    );
    let d = c.due(Some("HCC"), at("2024-06-03T09:00:00+07:00"), &days(3.0));
    assert_eq!(rfc3339_vn(d), "2024-06-06T09:00:00+07:00");
    let d = c.due(
        Some("HCC"),
        at("2024-12-02T16:00:00+07:00"),
        &Duration::WorkingHours { value: 1.0 },
    );
    assert_eq!(
        rfc3339_vn(d),
        "2024-12-03T08:00:00+07:00",
        "16:30 close in winter"
    );
}

#[test]
fn bad_data_is_refused_with_a_reason() {
    let mut bad = CalendarData::official();
    bad.decisions[0].replaces.push("nope".into());
    assert!(bad.check().unwrap_err().contains("nope"));
    let mut bad = CalendarData::official();
    bad.office_hours.default[0].periods.reverse();
    assert!(bad.check().is_err());
    assert!(CalendarData::parse("{").is_err());
    CalendarData::official().check().unwrap();
}

/// A holiday rule applies up to and including its last year; a decision's range that starts in
/// December of the year before counts on those December days; a dossier resumed at a period's
/// close with no office time left is due at that moment.
#[test]
fn edges_of_rules_ranges_and_periods() {
    use serde_json::json;
    let mut d: serde_json::Value = serde_json::from_str(include_str!("calendar_vn.json")).unwrap();
    d["statutory"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "cu", "name": "Ngày lễ cũ",
        "rule": {"kind": "solar", "month": 6, "day": 3, "days": 1}, "to_year": 2025}));
    d["decisions"].as_array_mut().unwrap().push(json!({"year": 2027, "source": "thử",
        "replaces": [], "days_off": [{"from": "2026-12-31", "to": "2027-01-01", "name": "Tết Dương lịch"}]}));
    let c = Calendar::new(CalendarData::parse(&d.to_string()).unwrap());
    assert!(
        !c.is_working_day(date(2025, 6, 3)),
        "Tuesday, the rule's last year"
    );
    assert!(
        c.is_working_day(date(2026, 6, 3)),
        "Wednesday, after the rule ended"
    );
    assert!(
        !c.is_working_day(date(2026, 12, 31)),
        "Thursday, in the 2027 decision"
    );
    assert!(c.is_working_day(date(2026, 12, 30)));
    let close = at("2026-03-02T11:30:00+07:00");
    assert_eq!(c.resume(None, close, close, close), close);
}

/// Each bound of the data check, on both sides: the official data with one value changed.
#[test]
fn every_bound_of_the_data_is_checked() {
    let official: serde_json::Value =
        serde_json::from_str(include_str!("calendar_vn.json")).unwrap();
    let with = |path: &[&str], v: serde_json::Value| {
        let mut d = official.clone();
        let mut at = &mut d;
        for p in path {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        *at = v;
        CalendarData::parse(&d.to_string())
    };
    use serde_json::json;
    let solar = |month: i64, day: i64, days: i64| {
        with(
            &["statutory", "0", "rule"],
            json!({"kind": "solar", "month": month, "day": day, "days": days}),
        )
    };
    assert!(solar(1, 1, 1).is_ok() && solar(1, 1, 10).is_ok() && solar(2, 29, 1).is_ok());
    assert!(solar(1, 1, 0).is_err() && solar(1, 1, 11).is_err() && solar(2, 30, 1).is_err());
    let lunar = |month: i64, day: i64, days: i64| {
        with(
            &["statutory", "2", "rule"],
            json!({"kind": "lunar", "month": month, "day": day, "days": days}),
        )
    };
    assert!(lunar(1, 1, 1).is_ok() && lunar(12, 30, 10).is_ok());
    for (m, d, n) in [
        (0, 1, 1),
        (13, 1, 1),
        (1, 0, 1),
        (1, 31, 1),
        (1, 1, 0),
        (1, 1, 11),
    ] {
        assert!(lunar(m, d, n).is_err(), "lunar {m}/{d} for {n} days");
    }
    let tet = |before: i64, days: i64| {
        with(
            &["statutory", "1", "rule"],
            json!({"kind": "tet", "before": before, "days": days}),
        )
    };
    assert!(tet(1, 5).is_ok() && tet(4, 5).is_ok() && tet(0, 15).is_ok());
    assert!(tet(5, 5).is_err() && tet(1, 16).is_err());
    // Days off: a range of at most 31 days after its start, never backwards.
    let off = |from: &str, to: &str| {
        with(
            &["decisions", "0", "days_off", "0"],
            json!({"from": from, "to": to, "name": "Tết"}),
        )
    };
    assert!(off("2024-02-08", "2024-02-08").is_ok() && off("2024-02-01", "2024-03-03").is_ok());
    assert!(off("2024-02-08", "2024-02-07").is_err() && off("2024-02-01", "2024-03-04").is_err());
    // Office hours: at least one season, a real MM-DD, periods in order, each opening first.
    let hours = |v: serde_json::Value| with(&["office_hours", "default"], v);
    let season =
        |from: &str, periods: serde_json::Value| hours(json!([{"from": from, "periods": periods}]));
    let p = |o: &str, c: &str| json!({"open": o, "close": c});
    assert!(season("01-01", json!([p("07:30", "11:30"), p("11:30", "17:00")])).is_ok());
    assert!(hours(json!([])).is_err());
    assert!(season("13-01", json!([p("07:30", "11:30")])).is_err());
    assert!(season("01-32", json!([p("07:30", "11:30")])).is_err());
    assert!(season("0101", json!([p("07:30", "11:30")])).is_err());
    assert!(season("01-01", json!([])).is_err());
    assert!(season("01-01", json!([p("07:30", "11:30"), p("11:00", "17:00")])).is_err());
    assert!(season("01-01", json!([p("11:30", "11:30")])).is_err());
    assert!(season("01-01", json!([p("11:30", "07:30")])).is_err());
}

fn instant() -> impl Strategy<Value = Timestamp> {
    // 2023-01-01 .. 2027-12-31, any second.
    (1_672_506_000i64..1_830_186_000).prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn in_office(c: &Calendar, t: Timestamp) -> bool {
    let l = to_local(t);
    c.periods(None, l.date())
        .iter()
        .any(|p| p.open <= l.time() && l.time() <= p.close)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(512)))]

    /// A due point is never before the start, always inside office hours, and grows with the start.
    #[test]
    fn due_is_monotonic_and_inside_office_hours(a in instant(), b in instant(), n in 0u32..40) {
        let c = Calendar::official();
        let d = days(f64::from(n) / 2.0);
        let (da, db) = (c.due(None, a, &d), c.due(None, b, &d));
        prop_assert!(da >= a);
        prop_assert!(in_office(&c, da), "{}", rfc3339_vn(da));
        if a <= b { prop_assert!(da <= db); } else { prop_assert!(db <= da); }
    }

    /// Adding x then y working hours equals adding x + y.
    #[test]
    fn working_time_adds_up(a in instant(), x in 1u32..2000, y in 1u32..2000) {
        let c = Calendar::official();
        let h = |m: u32| Duration::WorkingHours { value: f64::from(m) / 60.0 };
        let step = c.due(None, c.due(None, a, &h(x)), &h(y));
        prop_assert_eq!(step, c.due(None, a, &h(x + y)));
    }

    /// Office time between a start and its due point is the duration added; a pause of any length
    /// keeps the office time that was left.
    #[test]
    fn office_time_between_inverts_due(a in instant(), m in 1u32..20000, p in 0u32..30000) {
        let c = Calendar::official();
        let d = c.due(None, a, &Duration::WorkingHours { value: f64::from(m) / 60.0 });
        // From inside office time, exactly the minutes added (outside, counting starts at opening).
        let start = c.due(None, a, &Duration::WorkingHours { value: 0.0 });
        prop_assert_eq!(c.office_seconds_between(None, start, d), i64::from(m) * 60);
        let paused = c.due(None, a, &Duration::WorkingHours { value: f64::from(m / 2) / 60.0 });
        let resumed = c.due(None, paused, &Duration::CalendarDays { value: 0.0 })
            + jiff::SignedDuration::from_mins(i64::from(p));
        let moved = c.resume(None, paused, resumed, d);
        prop_assert!(moved >= d);
        let left = c.office_seconds_between(None, paused, d);
        let resumed_start = c.due(None, resumed, &Duration::WorkingHours { value: 0.0 });
        prop_assert_eq!(c.office_seconds_between(None, resumed_start, moved), left);
    }

    /// Same day is the end of a working day, on the day or the next working day.
    #[test]
    fn same_day_ends_a_working_day(a in instant()) {
        let c = Calendar::official();
        let d = c.due(None, a, &Duration::SameDay { cutoff: "15:00".into() });
        let l = to_local(d);
        prop_assert_eq!(l.time(), Time::constant(17, 0, 0, 0));
        prop_assert!(c.is_working_day(l.date()));
        prop_assert!((l.date() - to_local(a).date()).get_days() <= 15);
    }
}
