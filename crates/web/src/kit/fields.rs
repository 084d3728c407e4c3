//! The fields of an online form as the templates draw them, from the form's schema, the answers
//! so far and the messages about them.
use motcua_domain::form::{Field, Kind};
use serde_json::Value;

use super::Choice;

/// A field as the template draws it.
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// text, textarea, number, date, choice, yesno, personal_id, address, group
    pub widget: &'static str,
    pub options: Vec<Choice>,
    pub value: String,
    pub error: String,
    /// Address parts or group rows (each a list of fields).
    pub parts: Vec<FieldView>,
    pub rows: Vec<Vec<FieldView>>,
}

fn value_str(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => {
            if *b {
                "co".into()
            } else {
                "khong".into()
            }
        }
        _ => String::new(),
    }
}

/// The message about the field at `path`, if any.
fn error_at(errors: &[(String, String)], path: &str) -> String {
    errors
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, m)| m.clone())
        .unwrap_or_default()
}

/// The fields of a form, named under `prefix` (a group's rows are `group.0.`, `group.1.` …).
pub fn field_views(
    fields: &[Field],
    answers: &Value,
    errors: &[(String, String)],
    prefix: &str,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| field_view(f, answers, errors, prefix))
        .collect()
}

fn field_view(f: &Field, answers: &Value, errors: &[(String, String)], prefix: &str) -> FieldView {
    let name = format!("{prefix}{}", f.name);
    let v = answers.get(&f.name);
    let mut view = FieldView {
        label: f.label.clone(),
        hint: f.hint.clone().unwrap_or_default(),
        required: f.required,
        widget: "text",
        options: vec![],
        value: value_str(v),
        error: error_at(errors, &name),
        parts: vec![],
        rows: vec![],
        name,
    };
    match &f.kind {
        Kind::Text { multiline, .. } => {
            view.widget = if *multiline { "textarea" } else { "text" };
        }
        Kind::Number { .. } => view.widget = "number",
        Kind::Date => view.widget = "date",
        Kind::Choice { options } => {
            view.widget = "choice";
            view.options = options.iter().map(|(v, l)| Choice::new(v, l)).collect();
        }
        Kind::YesNo => {
            view.widget = "yesno";
            view.options = vec![Choice::new("co", "Có"), Choice::new("khong", "Không")];
        }
        Kind::PersonalId => view.widget = "personal_id",
        Kind::Address => {
            view.widget = "address";
            view.parts = address_parts(&view.name, f.required, v, errors);
        }
        Kind::Group {
            fields,
            min_items,
            max_items,
        } => {
            view.widget = "group";
            let bounds = (*min_items as usize, *max_items as usize);
            view.rows = group_rows(&view.name, fields, v, errors, bounds);
        }
    }
    view
}

/// The three parts of an address: province, commune, and the rest.
fn address_parts(
    name: &str,
    required: bool,
    v: Option<&Value>,
    errors: &[(String, String)],
) -> Vec<FieldView> {
    [
        ("province", "Tỉnh, thành phố"),
        ("commune", "Xã, phường, đặc khu"),
        ("detail", "Số nhà, đường, thôn, tổ dân phố"),
    ]
    .iter()
    .map(|(k, l)| FieldView {
        name: format!("{name}.{k}"),
        label: l.to_string(),
        hint: String::new(),
        required,
        widget: "text",
        options: vec![],
        value: value_str(v.and_then(|a| a.get(*k))),
        error: error_at(errors, &format!("{name}.{k}")),
        parts: vec![],
        rows: vec![],
    })
    .collect()
}

/// The rows of a group: one more than answered (at least two, at least its minimum), never more
/// than its maximum.
fn group_rows(
    name: &str,
    fields: &[Field],
    v: Option<&Value>,
    errors: &[(String, String)],
    (min_items, max_items): (usize, usize),
) -> Vec<Vec<FieldView>> {
    let items: Vec<Value> = v.and_then(Value::as_array).cloned().unwrap_or_default();
    let n = (items.len() + 1).max(min_items).max(2).min(max_items);
    (0..n)
        .map(|i| {
            field_views(
                fields,
                items.get(i).unwrap_or(&Value::Null),
                errors,
                &format!("{name}.{i}."),
            )
        })
        .collect()
}
