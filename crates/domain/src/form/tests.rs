use super::*;

pub(super) fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tờ khai thử",
        "type": "object",
        "properties": {
            "ho_ten": {"type": "string", "title": "Họ và tên", "maxLength": 10},
            "so_con": {"type": "integer", "title": "Là con thứ mấy", "minimum": 1, "maximum": 20},
            "can_nang": {"type": "number", "title": "Cân nặng (kg)", "minimum": 0},
            "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
            "gioi_tinh": {"type": "string", "title": "Giới tính", "oneOf": [{"const": "nam", "title": "Nam"}, {"const": "nu", "title": "Nữ"}]},
            "nop_thay": {"type": "boolean", "title": "Nộp thay"},
            "so_dinh_danh": {"type": "string", "title": "Số định danh cá nhân", "format": "vn-personal-id", "pattern": "^[0-9]{12}$"},
            "noi_cu_tru": {"type": "object", "title": "Nơi cư trú", "x-motcua-kind": "address", "properties": {}, "required": []},
            "thanh_vien": {"type": "array", "title": "Thành viên", "minItems": 1, "maxItems": 2,
                "items": {"type": "object", "properties": {"ten": {"type": "string", "title": "Họ và tên"}, "tuoi": {"type": "integer", "title": "Tuổi"}}, "required": ["ten"]}}
        },
        "required": ["ho_ten", "so_con", "ngay_sinh", "gioi_tinh", "nop_thay", "so_dinh_danh", "noi_cu_tru", "thanh_vien"]
    })
}

fn good() -> Value {
    json!({"ho_ten": " Lê Na ", "so_con": "2", "can_nang": "3,2", "ngay_sinh": "15/03/2026", "gioi_tinh": "nu", "nop_thay": false,
           "so_dinh_danh": "051095001234", "noi_cu_tru": {"province": "Quảng Ngãi", "commune": "Cẩm Thành", "detail": "12 Lê Lợi"},
           "thanh_vien": [{"ten": "Lê Văn A", "tuoi": "40"}], "la": "bỏ qua"})
}

fn err_for(v: Value, path: &str) -> String {
    let spec = FormSpec::from_schema(&schema()).unwrap();
    let errs = spec.validate(&v).expect_err("should be refused");
    errs.into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, m)| m)
        .unwrap_or_else(|| panic!("no error at {path}"))
}

fn with(k: &str, v: Value) -> Value {
    let mut g = good();
    g[k] = v;
    g
}

/// A schema with one changed property, parsed.
fn spec_with(name: &str, prop: Value) -> Result<FormSpec, String> {
    let mut s = schema();
    s["properties"][name] = prop;
    FormSpec::from_schema(&s)
}

#[test]
fn edges_of_schemas_and_answers() {
    // No address or group inside a group's items.
    let group = |item: Value| {
        json!({"type": "array", "title": "Thành viên", "items": {"type": "object",
            "properties": {"ten": {"type": "string", "title": "Tên"}, "x": item}}})
    };
    let address = json!({"type": "object", "title": "Địa chỉ", "x-motcua-kind": "address", "properties": {}, "required": []});
    assert!(spec_with("thanh_vien", group(address)).is_err());
    assert!(spec_with("thanh_vien", group(json!({"type": "array", "title": "Con", "items": {"type": "object", "properties": {}}}))).is_err());
    // A plain object is no address.
    assert!(
        spec_with(
            "noi_cu_tru",
            json!({"type": "object", "title": "Nơi cư trú", "properties": {}})
        )
        .is_err()
    );
    // As many items at least as at most is allowed; more at least than at most is not.
    let items =
        json!({"type": "object", "properties": {"ten": {"type": "string", "title": "Tên"}}});
    let sized = |min: u64, max: u64| {
        spec_with(
            "thanh_vien",
            json!({"type": "array", "title": "Thành viên", "minItems": min, "maxItems": max, "items": items}),
        )
    };
    assert!(sized(2, 2).is_ok() && sized(3, 2).is_err());
    let spec = FormSpec::from_schema(&schema()).unwrap();
    assert_eq!(
        spec.field("so_con").map(|f| f.label.as_str()),
        Some("Là con thứ mấy")
    );
    assert!(spec.field("khong_co").is_none());
    // A yes/no field from a page: "co", "khong", or nothing chosen.
    let pairs = |v: &str| vec![("nop_thay".to_string(), v.to_string())];
    assert_eq!(spec.answers_from_pairs(&pairs("co"))["nop_thay"], true);
    assert_eq!(spec.answers_from_pairs(&pairs("on"))["nop_thay"], true);
    assert_eq!(spec.answers_from_pairs(&pairs("khong"))["nop_thay"], false);
    assert_eq!(spec.answers_from_pairs(&[])["nop_thay"], Value::Null);
    // No answers at all are a form with every required field missing.
    let errs = spec.validate(&Value::Null).unwrap_err();
    assert!(
        errs.iter()
            .any(|(p, m)| p == "ho_ten" && m == "Nhập họ và tên."),
        "{errs:?}"
    );
    // An empty list is a missing answer.
    assert_eq!(
        err_for(with("ho_ten", json!([])), "ho_ten"),
        "Nhập họ và tên."
    );
    // Text at its maximum passes; one more character does not.
    let spec = FormSpec::from_schema(&schema()).unwrap();
    assert!(spec.validate(&with("ho_ten", json!("Lê Thị Na1"))).is_ok());
    assert!(err_for(with("ho_ten", json!("Lê Thị Na12")), "ho_ten").contains("tối đa 10"));
    // Line breaks and tabs are text; other control characters are not.
    for ok in ["Lê\nNa", "Lê\r\nNa", "Lê\tNa"] {
        assert!(spec.validate(&with("ho_ten", json!(ok))).is_ok(), "{ok:?}");
    }
    assert!(err_for(with("ho_ten", json!("Lê\u{7}Na")), "ho_ten").contains("không hợp lệ"));
    let min = spec_with(
        "ho_ten",
        json!({"type": "string", "title": "Họ và tên", "minLength": 3}),
    )
    .unwrap();
    assert!(min.validate(&with("ho_ten", json!("Na1"))).is_ok());
    assert!(min.validate(&with("ho_ten", json!("Na"))).is_err());
}

#[test]
fn bounds_of_numbers_addresses_groups_and_dates() {
    let spec = FormSpec::from_schema(&schema()).unwrap();
    assert!(spec.validate(&with("so_con", json!(20))).is_ok());
    assert!(err_for(with("so_con", json!(21)), "so_con").contains("lớn nhất là 20"));
    // A required address: each part, at most 200 characters.
    let addr = |detail: &str| {
        with(
            "noi_cu_tru",
            json!({"province": "Quảng Ngãi", "commune": "Cẩm Thành", "detail": detail}),
        )
    };
    assert!(spec.validate(&addr(&"ă".repeat(200))).is_ok());
    assert!(err_for(addr(&"ă".repeat(201)), "noi_cu_tru.detail").contains("tối đa 200"));
    assert!(err_for(addr(" "), "noi_cu_tru.detail").starts_with("Nơi cư trú: nhập"));
    assert!(err_for(with("noi_cu_tru", json!({})), "noi_cu_tru.province").contains("nhập"));
    // An optional address left blank is no answer, not an error.
    let optional = {
        let mut s = schema();
        s["required"] = json!(["ho_ten"]);
        FormSpec::from_schema(&s).unwrap()
    };
    let out = optional
        .validate(&json!({"ho_ten": "Na", "thanh_vien": [{"ten": "A"}], "noi_cu_tru": {"province": "", "commune": "", "detail": ""}}))
        .unwrap();
    assert!(out.get("noi_cu_tru").is_none(), "{out}");
    // At most two members.
    let two = json!([{"ten": "A"}, {"ten": "B"}]);
    assert!(spec.validate(&with("thanh_vien", two)).is_ok());
    let three = json!([{"ten": "A"}, {"ten": "B"}, {"ten": "C"}]);
    assert!(err_for(with("thanh_vien", three), "thanh_vien").contains("tối đa 2"));
    assert_eq!(
        parse_date("15/03/9999"),
        jiff::civil::Date::new(9999, 3, 15).ok()
    );
    assert_eq!(parse_date("15/03/999"), None);
    assert_eq!(parse_date("15/03/2026/1"), None);
    assert_eq!(parse_date("31/02/2026"), None);
}

#[test]
fn accepts_and_normalises_good_answers() {
    let spec = FormSpec::from_schema(&schema()).unwrap();
    let out = spec.validate(&good()).unwrap();
    assert_eq!(out["ho_ten"], "Lê Na");
    assert_eq!(out["so_con"], 2);
    assert_eq!(out["can_nang"], 3.2);
    assert_eq!(out["ngay_sinh"], "2026-03-15");
    assert_eq!(out["thanh_vien"][0]["tuoi"], 40);
    assert!(out.get("la").is_none(), "unknown keys dropped");
    assert_eq!(
        spec.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()[..3],
        ["ho_ten", "so_con", "can_nang"],
        "order kept"
    );
    // Round trip through JSON Schema.
    assert_eq!(FormSpec::from_schema(&spec.to_schema()).unwrap(), spec);
}

#[test]
fn each_kind_refuses_bad_input_in_vietnamese() {
    assert_eq!(
        err_for(with("ho_ten", json!("")), "ho_ten"),
        "Nhập họ và tên."
    );
    assert!(
        err_for(with("ho_ten", json!("Nguyễn Văn Anh Tuấn")), "ho_ten").contains("tối đa 10 ký tự")
    );
    assert!(err_for(with("so_con", json!("hai")), "so_con").contains("nhập một số nguyên"));
    assert!(err_for(with("so_con", json!("2.5")), "so_con").contains("số nguyên"));
    assert!(err_for(with("so_con", json!(0)), "so_con").contains("nhỏ nhất là 1"));
    assert!(err_for(with("can_nang", json!("-1")), "can_nang").contains("nhỏ nhất là 0"));
    assert!(
        err_for(with("ngay_sinh", json!("31/02/2026")), "ngay_sinh").contains("ngày/tháng/năm")
    );
    assert!(err_for(with("gioi_tinh", json!("khac")), "gioi_tinh").contains("chọn một trong"));
    assert_eq!(
        err_for(with("gioi_tinh", Value::Null), "gioi_tinh"),
        "Chọn giới tính."
    );
    assert!(err_for(with("nop_thay", json!("có lẽ")), "nop_thay").contains("Có hoặc Không"));
    assert!(err_for(with("so_dinh_danh", json!("12345")), "so_dinh_danh").contains("12 chữ số"));
    assert!(
        err_for(with("so_dinh_danh", json!("003095001234")), "so_dinh_danh").contains("mã tỉnh")
    );
    assert!(
        err_for(
            with("noi_cu_tru", json!({"province": "Quảng Ngãi"})),
            "noi_cu_tru.commune"
        )
        .contains("nhập xã, phường")
    );
    assert!(err_for(with("thanh_vien", json!([])), "thanh_vien").contains("ít nhất 1 mục"));
    assert!(
        err_for(
            with(
                "thanh_vien",
                json!([{"ten": "A"}, {"ten": "B"}, {"ten": "C"}])
            ),
            "thanh_vien"
        )
        .contains("tối đa 2 mục")
    );
    assert!(
        err_for(
            with("thanh_vien", json!([{"tuoi": "x"}])),
            "thanh_vien.0.ten"
        )
        .contains("mục 1")
    );
    assert!(
        err_for(
            with("thanh_vien", json!([{"ten": "A", "tuoi": "x"}])),
            "thanh_vien.0.tuoi"
        )
        .contains("số nguyên")
    );
}

#[test]
fn html_pairs_become_answers() {
    let spec = FormSpec::from_schema(&schema()).unwrap();
    let p = |k: &str, v: &str| (k.to_string(), v.to_string());
    let pairs = vec![
        p("ho_ten", "Lê Na"),
        p("so_con", "1"),
        p("ngay_sinh", "2026-03-15"),
        p("gioi_tinh", "nam"),
        p("nop_thay", "khong"),
        p("so_dinh_danh", "051095001234"),
        p("noi_cu_tru.province", "Quảng Ngãi"),
        p("noi_cu_tru.commune", "Nghĩa Lộ"),
        p("noi_cu_tru.detail", "Tổ 3"),
        p("thanh_vien.0.ten", "Lê A"),
        p("thanh_vien.1.ten", ""),
    ];
    let out = spec.validate(&spec.answers_from_pairs(&pairs)).unwrap();
    assert_eq!(out["nop_thay"], false);
    assert_eq!(
        out["thanh_vien"].as_array().unwrap().len(),
        1,
        "empty rows dropped"
    );
    assert_eq!(out["noi_cu_tru"]["commune"], "Nghĩa Lộ");
}

#[test]
fn unsupported_schemas_are_refused_when_saved() {
    let bad = [
        json!({"type": "object", "properties": {"x": {"type": "string", "title": "X", "pattern": ".*"}}}),
        json!({"type": "object", "properties": {"X": {"type": "string", "title": "X"}}}),
        json!({"type": "object", "properties": {"x": {"type": "string"}}}),
        json!({"type": "object", "properties": {"x": {"type": "null", "title": "X"}}}),
        json!({"type": "object", "properties": {"x": {"type": "string", "title": "X"}}, "required": ["y"]}),
        json!({"type": "object", "properties": {}}),
        json!({"type": "array"}),
        json!({"type": "object", "properties": {"g": {"type": "array", "title": "G", "items": {"type": "object", "properties": {"h": {"type": "array", "title": "H", "items": {}}}}}}}),
    ];
    for b in bad {
        assert!(FormSpec::from_schema(&b).is_err(), "{b}");
    }
    assert!(parse_date("15/3/2026").is_some());
    assert!(parse_date("2026-02-30").is_none());
}
