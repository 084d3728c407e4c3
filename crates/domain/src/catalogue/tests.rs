use super::*;
use crate::account::Role;

fn step(name: &str, d: Duration) -> ProcessStep {
    ProcessStep {
        name: name.into(),
        role: Role::Specialist,
        unit: None,
        budget: d,
    }
}

#[test]
fn process_must_fit_the_published_time() {
    let limit = Duration::WorkingDays { value: 3.0 };
    let ok = vec![
        step("Tiếp nhận", Duration::WorkingHours { value: 4.0 }),
        step("Thẩm định", Duration::WorkingDays { value: 2.0 }),
        step("Phê duyệt", Duration::WorkingHours { value: 3.5 }),
    ];
    assert!(check_process(&ok, &limit).is_ok(), "exactly 3 days fits");
    let mut over = ok.clone();
    over.push(step("Trả kết quả", Duration::WorkingHours { value: 0.5 }));
    let msg = check_process(&over, &limit).unwrap_err();
    assert!(
        msg.contains("vượt thời hạn") && msg.contains("03 ngày làm việc"),
        "{msg}"
    );
    let same_day = Duration::SameDay {
        cutoff: "15:00".into(),
    };
    assert!(
        check_process(
            &[step("Xử lý", Duration::WorkingHours { value: 7.5 })],
            &same_day
        )
        .is_ok()
    );
    assert!(
        check_process(
            &[step("Xử lý", Duration::WorkingDays { value: 1.5 })],
            &same_day
        )
        .is_err()
    );
    // Seven calendar days hold five working days.
    assert!(
        check_process(
            &[step("Xử lý", Duration::WorkingDays { value: 5.0 })],
            &Duration::CalendarDays { value: 7.0 }
        )
        .is_ok()
    );
    assert!(
        check_process(
            &[step("Xử lý", Duration::WorkingDays { value: 5.5 })],
            &Duration::CalendarDays { value: 7.0 }
        )
        .is_err()
    );
    assert!(
        check_process(&[], &limit).is_ok(),
        "no process: the defaults apply"
    );
}

#[test]
fn durations_are_checked_at_their_bounds() {
    let days = |value: f64| Duration::WorkingDays { value }.check();
    assert!(days(0.5).is_ok() && days(3650.0).is_ok() && days(2.5).is_ok());
    for bad in [0.0, -1.0, 3650.5, 0.25, f64::NAN, f64::INFINITY] {
        assert!(days(bad).is_err(), "{bad}");
    }
    let cut = |c: &str| {
        Duration::SameDay {
            cutoff: c.to_string(),
        }
        .check()
    };
    assert!(cut("00:00").is_ok() && cut("23:59").is_ok() && cut("15:00").is_ok());
    for bad in ["24:00", "23:60", "1500", "15-00", "7:00", "15:000", "ab:cd"] {
        assert!(cut(bad).is_err(), "{bad}");
    }
}

#[test]
fn step_totals_read_in_days_and_hours() {
    // A working day is 7.5 hours (450 minutes).
    assert_eq!(minutes_label(60.0), "1 giờ làm việc");
    assert_eq!(minutes_label(90.0), "1,5 giờ làm việc");
    assert_eq!(minutes_label(450.0), "1 ngày làm việc");
    assert_eq!(minutes_label(900.0 + 180.0), "2 ngày 3 giờ làm việc");
    assert_eq!(minutes_label(450.0 + 30.0), "1 ngày 0,5 giờ làm việc");
    // A process that uses exactly the published time fits; a minute more does not.
    let step = |value: f64| ProcessStep {
        name: "Thẩm định".into(),
        role: crate::account::Role::Specialist,
        unit: None,
        budget: Duration::WorkingHours { value },
    };
    let limit = Duration::WorkingDays { value: 1.0 };
    assert!(check_process(&[step(4.0), step(3.5)], &limit).is_ok());
    let err = check_process(&[step(4.0), step(4.0)], &limit).unwrap_err();
    assert!(err.contains("(1 ngày 0,5 giờ làm việc)"), "{err}");
}

#[test]
fn money_as_people_read_it() {
    assert_eq!(money(0), "0 đ");
    assert_eq!(money(999), "999 đ");
    assert_eq!(money(1000), "1.000 đ");
    assert_eq!(money(75_000), "75.000 đ");
    assert_eq!(money(1_250_000), "1.250.000 đ");
    assert_eq!(money(-100_000), "-100.000 đ");
}

#[test]
fn a_component_is_one_paper_unless_it_says_more() {
    let c: Component = serde_json::from_value(
        serde_json::json!({"id": "don", "name": "Đơn", "original": "original", "required": true}),
    )
    .unwrap();
    assert_eq!(c.quantity, 1);
}

#[test]
fn durations_read_as_people_write_them() {
    assert_eq!(
        Duration::WorkingDays { value: 3.0 }.label_vi(),
        "03 ngày làm việc"
    );
    assert_eq!(
        Duration::WorkingDays { value: 0.5 }.label_vi(),
        "0,5 ngày làm việc"
    );
    assert!(
        Duration::SameDay {
            cutoff: "15:00".into()
        }
        .check()
        .is_ok()
    );
    assert!(
        Duration::SameDay {
            cutoff: "25:00".into()
        }
        .check()
        .is_err()
    );
    assert!(Duration::WorkingDays { value: 0.3 }.check().is_err());
    assert!(Duration::WorkingDays { value: -1.0 }.check().is_err());
}

/// Each rule of the procedure check, one change at a time from a body that passes.
#[test]
fn every_rule_of_a_procedure() {
    use serde_json::json;
    let good = json!({
        "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
        "steps": ["a"], "methods": ["in_person"],
        "forms": [{"id": "mau", "name": "Tờ khai", "content": "x"}],
        "components": [{"id": "don", "name": "Đơn", "original": "original", "required": true, "form": "mau"}],
        "subjects": [], "implementing_agency": "", "deciding_agency": "",
        "result": "", "fees": [{"channel": "in_person", "kind": "fee", "amount": 0}], "legal_basis": ["x"],
        "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 7}}]
    });
    let check = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut b = good.clone();
        change(&mut b);
        check_procedure(&serde_json::from_value(b).unwrap())
    };
    assert_eq!(check(&|_| {}), Ok(()));
    assert!(
        check(&|b| b["name"] = json!("Ab ")).is_err(),
        "a name of two letters"
    );
    assert!(check(&|b| b["name"] = json!("Abc")).is_ok());
    for code in ["1.00422", "1.0042222", "1-004222", "1.00422a", "a.004222"] {
        assert!(check(&|b| b["code"] = json!(code)).is_err(), "{code}");
    }
    assert!(check(&|b| b["steps"] = json!([])).is_err());
    assert!(check(&|b| b["methods"] = json!([])).is_err());
    assert!(
        check(&|b| b["methods"] = json!(["in_person", "online"])).is_err(),
        "no time online"
    );
    assert!(check(&|b| b["fees"][0]["amount"] = json!(-1)).is_err());
    assert!(check(&|b| b["fees"][0]["amount"] = json!(1)).is_ok());
    assert!(check(&|b| b["components"][0]["quantity"] = json!(0)).is_err());
    assert!(check(&|b| b["components"][0]["quantity"] = json!(2)).is_ok());
    assert!(check(&|b| b["components"][0]["form"] = json!("khac")).is_err());
    assert!(check(&|b| b["legal_basis"] = json!([])).is_err());
}

#[test]
fn form_ids_are_checked_like_component_ids() {
    let with_forms = |ids: &[&str]| -> ProcedureBody {
        let forms: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({"id": id, "name": "Tờ khai", "content": "x"}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
            "steps": ["a"], "methods": ["in_person"], "forms": forms,
            "components": [], "subjects": [], "implementing_agency": "", "deciding_agency": "",
            "result": "", "fees": [], "legal_basis": ["x"],
            "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 7}}]
        }))
        .unwrap()
    };
    assert_eq!(
        check_procedure(&with_forms(&["mau-tk01", "mau-02"])),
        Ok(())
    );
    let long = "a".repeat(65);
    for bad in [
        "../etc",
        "mau.html",
        "Mau",
        "",
        "mau tk",
        "mau%2f",
        long.as_str(),
    ] {
        let e = check_procedure(&with_forms(&[bad])).unwrap_err();
        assert!(
            e[0].starts_with("Mẫu «Tờ khai»: mã chỉ gồm"),
            "{bad:?}: {e:?}"
        );
    }
    let e = check_procedure(&with_forms(&["mau", "mau"])).unwrap_err();
    assert_eq!(e, vec!["Mẫu «Tờ khai»: mã «mau» bị lặp.".to_string()]);
}

#[test]
fn the_time_that_applies() {
    let body: ProcedureBody = serde_json::from_value(serde_json::json!({
        "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
        "steps": ["a"], "methods": ["in_person", "online"],
        "components": [], "subjects": [], "implementing_agency": "", "deciding_agency": "",
        "result": "", "fees": [], "legal_basis": ["x"],
        "times": [
            {"channel": "in_person", "duration": {"unit": "working_days", "value": 7}},
            {"channel": "online", "duration": {"unit": "working_days", "value": 6}}
        ]
    }))
    .unwrap();
    let five = Duration::WorkingDays { value: 5.0 };
    let days = |v: f64| Some(Duration::WorkingDays { value: v });
    // The agency's shorter online time wins for online dossiers only.
    assert_eq!(
        time_to_result(&body, Some(&five), Channel::Online),
        days(5.0)
    );
    assert_eq!(
        time_to_result(&body, Some(&five), Channel::InPerson),
        days(7.0)
    );
    assert_eq!(time_to_result(&body, None, Channel::Online), days(6.0));
    // No postal time published: processed as at the counter.
    assert_eq!(time_to_result(&body, None, Channel::Postal), days(7.0));
}

/// Stored names never change (the database and the catalogue files hold them); the labels
/// are the Vietnamese terms the pages show.
#[test]
fn stored_names_and_labels() {
    assert_eq!(
        Channel::ALL.map(Channel::as_str),
        ["in_person", "online", "postal"]
    );
    assert_eq!(
        Channel::ALL.map(Channel::label_vi),
        ["Trực tiếp", "Trực tuyến", "Qua bưu chính công ích"]
    );
    let originals = [
        Original::Original,
        Original::Copy,
        Original::OriginalOrCopy,
        Original::CertifiedCopy,
    ];
    assert_eq!(
        originals.map(Original::label_vi),
        [
            "Bản chính",
            "Bản sao",
            "Bản chính hoặc bản sao",
            "Bản sao có chứng thực (hoặc bản sao kèm bản chính để đối chiếu)"
        ]
    );
    assert_eq!(
        [FeeKind::Charge, FeeKind::Fee].map(FeeKind::label_vi),
        ["Lệ phí", "Phí"]
    );
    assert_eq!(
        [GovLevel::Central, GovLevel::Province, GovLevel::Commune].map(GovLevel::label_vi),
        ["Cấp trung ương", "Cấp tỉnh", "Cấp xã"]
    );
    let classes = [
        Classification::Full,
        Classification::Partial,
        Classification::Info,
    ];
    assert_eq!(
        classes.map(Classification::as_str),
        ["full", "partial", "info"]
    );
    assert_eq!(
        classes.map(Classification::label_vi),
        ["Toàn trình", "Một phần", "Cung cấp thông tin"]
    );
    for c in classes {
        assert_eq!(Classification::parse(c.as_str()), Some(c));
        assert_eq!(
            serde_json::json!(c),
            c.as_str(),
            "the serde name is the stored one"
        );
    }
    for c in Channel::ALL {
        assert_eq!(
            serde_json::json!(c),
            c.as_str(),
            "the serde name is the stored one"
        );
    }
    assert_eq!(Classification::parse("Full"), None);
    assert_eq!(Classification::parse(""), None);
}

/// The 2016 levels as the founding regulation names them, which take dossiers online
/// (3 and 4) and the classification each maps to by default (R5.1a).
#[test]
fn service_levels() {
    let levels = [0, 1, 2, 3, 4, 5];
    assert_eq!(
        levels.map(level_label),
        [
            "Không rõ mức độ",
            "Mức độ 1",
            "Mức độ 2",
            "Mức độ 3",
            "Mức độ 4",
            "Không rõ mức độ"
        ]
    );
    assert_eq!(
        levels.map(takes_dossiers_online),
        [false, false, false, true, true, true]
    );
    use Classification::{Full, Info, Partial};
    assert_eq!(
        levels.map(Classification::from_level),
        [Info, Info, Info, Partial, Full, Info]
    );
}

/// Every kind of duration, as people read it and in minutes of office time.
#[test]
fn every_duration_reads_and_counts() {
    let all = [
        Duration::WorkingDays { value: 2.0 },
        Duration::WorkingHours { value: 4.0 },
        Duration::WorkingHours { value: 1.5 },
        Duration::SameDay {
            cutoff: "15:00".into(),
        },
        Duration::CalendarDays { value: 15.0 },
    ];
    assert_eq!(
        all.clone().map(|d| d.label_vi()),
        [
            "02 ngày làm việc",
            "04 giờ làm việc",
            "1,5 giờ làm việc",
            "Trong ngày (nhận sau 15:00 thì trả trong ngày làm việc tiếp theo)",
            "15 ngày"
        ]
    );
    // 15 calendar days: floor(15 × 5 / 7) = 10 working days.
    assert_eq!(
        all.map(|d| d.working_minutes()),
        [900.0, 240.0, 90.0, 450.0, 4500.0]
    );
}

#[test]
fn levels_map_to_the_current_classification() {
    assert_eq!(Classification::from_level(4), Classification::Full);
    assert_eq!(Classification::from_level(3), Classification::Partial);
    assert_eq!(Classification::from_level(2), Classification::Info);
}
