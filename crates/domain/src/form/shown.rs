//! The declaration as people read it (R11.1): each answer under its field's label, in the
//! schema's order, choices by their titles, dates as `15/03/2026`, repeated groups as tables,
//! and identity numbers masked until the reader asks for them (R10.5).
use serde_json::Value;

use super::{ADDRESS_PARTS, Field, FormSpec, Kind, parse_date};
use crate::text::{decimal, mask};

/// One answer of the declaration, written out.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub label: String,
    pub value: ShownValue,
    /// It holds an identity number shown masked.
    pub masked: bool,
}

/// An answer's value: one line, or a repeated group's rows under its fields' labels.
#[derive(Debug, Clone, PartialEq)]
pub enum ShownValue {
    Text(String),
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

impl Shown {
    /// The answer's one line, unless it is a table.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            ShownValue::Text(t) => Some(t),
            ShownValue::Table { .. } => None,
        }
    }

    /// A repeated group's column labels and rows.
    pub fn table(&self) -> Option<(&[String], &[Vec<String>])> {
        match &self.value {
            ShownValue::Table { columns, rows } => Some((columns, rows)),
            ShownValue::Text(_) => None,
        }
    }
}

/// What a page shows for an answer left empty.
pub const NONE: &str = "—";

/// How many digits of an identity number stay visible when masked.
const KEEP: usize = 4;

impl FormSpec {
    /// The answers as the page shows them; `reveal` shows identity numbers whole.
    pub fn shown(&self, answers: &Value, reveal: bool) -> Vec<Shown> {
        self.fields
            .iter()
            .map(|f| {
                let v = answers.get(&f.name).unwrap_or(&Value::Null);
                let masked = !reveal && holds_id(f, v);
                let value = match &f.kind {
                    Kind::Group { fields, .. } => ShownValue::Table {
                        columns: fields.iter().map(|g| g.label.clone()).collect(),
                        rows: rows(fields, v, reveal),
                    },
                    _ => ShownValue::Text(one(f, v, reveal)),
                };
                Shown {
                    label: f.label.clone(),
                    value,
                    masked,
                }
            })
            .collect()
    }

    /// One top-level answer written out (a condition's value, say): `None` for an unknown field.
    pub fn shown_value(&self, field: &str, v: &Value) -> Option<(String, String)> {
        let f = self.field(field)?;
        Some((f.label.clone(), one(f, v, true)))
    }
}

fn holds_id(f: &Field, v: &Value) -> bool {
    match &f.kind {
        Kind::PersonalId => v.as_str().is_some_and(|s| !s.is_empty()),
        Kind::Group { fields, .. } => v.as_array().is_some_and(|items| {
            items.iter().any(|i| {
                fields
                    .iter()
                    .any(|g| holds_id(g, i.get(&g.name).unwrap_or(&Value::Null)))
            })
        }),
        _ => false,
    }
}

fn rows(fields: &[Field], v: &Value, reveal: bool) -> Vec<Vec<String>> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    fields
                        .iter()
                        .map(|g| one(g, i.get(&g.name).unwrap_or(&Value::Null), reveal))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One simple answer written out by its field's kind; what does not fit the kind is shown as
/// given, never dropped.
fn one(f: &Field, v: &Value, reveal: bool) -> String {
    let text = match (&f.kind, v) {
        (_, Value::Null) => return NONE.into(),
        (Kind::Choice { options }, Value::String(s)) => options
            .iter()
            .find(|(value, _)| value == s)
            .map(|(_, title)| title.clone())
            .unwrap_or_else(|| s.clone()),
        (Kind::Date, Value::String(s)) => parse_date(s)
            .map(crate::text::date_vi)
            .unwrap_or_else(|| s.clone()),
        (Kind::YesNo, Value::Bool(b)) => if *b { "Có" } else { "Không" }.into(),
        (Kind::PersonalId, Value::String(s)) if !reveal => mask(s, KEEP),
        (Kind::Number { .. }, Value::Number(n)) => n.as_f64().map(decimal).unwrap_or_default(),
        (Kind::Address, Value::Object(o)) => ADDRESS_PARTS
            .iter()
            .rev()
            .filter_map(|(p, _)| o.get(*p).and_then(Value::as_str))
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Bool(b)) => if *b { "Có" } else { "Không" }.into(),
        (_, Value::Number(n)) => n.to_string(),
        (_, other) => other.to_string(),
    };
    if text.trim().is_empty() {
        NONE.into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::schema;
    use super::*;
    use serde_json::json;

    fn text(s: &Shown) -> &str {
        match &s.value {
            ShownValue::Text(t) => t,
            ShownValue::Table { .. } => panic!("a table"),
        }
    }

    #[test]
    fn answers_read_as_people_write_them() {
        let spec = FormSpec::from_schema(&schema()).unwrap();
        let answers = json!({"ho_ten": "Lê Na", "so_con": 2, "can_nang": 3.2, "ngay_sinh": "2026-03-15",
            "gioi_tinh": "nu", "nop_thay": false, "so_dinh_danh": "051095001234",
            "noi_cu_tru": {"province": "Quảng Ngãi", "commune": "Cẩm Thành", "detail": "12 Lê Lợi"},
            "thanh_vien": [{"ten": "Lê Văn A", "tuoi": 40}, {"ten": "Lê Thị B"}]});
        let s = spec.shown(&answers, false);
        let labels: Vec<&str> = s.iter().map(|x| x.label.as_str()).collect();
        let order: Vec<String> = spec.fields.iter().map(|f| f.label.clone()).collect();
        assert_eq!(labels, order, "the schema's labels in its order");
        let by = |l: &str| s.iter().find(|x| x.label == l).unwrap();
        assert_eq!(text(by("Ngày sinh")), "15/03/2026");
        assert_eq!(text(by("Giới tính")), "Nữ", "a choice by its title");
        assert_eq!(text(by("Nộp thay")), "Không");
        assert_eq!(text(by("Cân nặng (kg)")), "3,2");
        assert_eq!(text(by("Là con thứ mấy")), "2");
        assert_eq!(text(by("Nơi cư trú")), "12 Lê Lợi, Cẩm Thành, Quảng Ngãi");
        assert_eq!(text(by("Số định danh cá nhân")), "••••••••1234");
        assert!(by("Số định danh cá nhân").masked && !by("Họ và tên").masked);
        assert_eq!(
            by("Thành viên").value,
            ShownValue::Table {
                columns: vec!["Họ và tên".into(), "Tuổi".into()],
                rows: vec![
                    vec!["Lê Văn A".into(), "40".into()],
                    vec!["Lê Thị B".into(), NONE.into()]
                ],
            }
        );
        let whole = spec.shown(&answers, true);
        let id = whole
            .iter()
            .find(|x| x.label == "Số định danh cá nhân")
            .unwrap();
        assert_eq!(text(id), "051095001234");
        assert!(!id.masked);
    }

    #[test]
    fn nothing_given_reads_as_a_dash_and_odd_values_as_given() {
        let spec = FormSpec::from_schema(&schema()).unwrap();
        let s = spec.shown(&json!({"ho_ten": "  ", "gioi_tinh": "khac"}), false);
        assert_eq!(text(&s[0]), NONE);
        let g = s.iter().find(|x| x.label == "Giới tính").unwrap();
        assert_eq!(
            text(g),
            "khac",
            "a value outside the choices is shown as given"
        );
        assert!(s.iter().all(|x| !x.masked));
        assert_eq!(
            spec.shown_value("gioi_tinh", &json!("nam")),
            Some(("Giới tính".into(), "Nam".into()))
        );
    }
}
