//! The online form of a service: a schema of fields written as JSON Schema (draft 2020-12) with
//! presentation hints, so that other tools can read it; parsed into a [`FormSpec`] that renders
//! the citizen's form and validates answers on the server with messages in Vietnamese.
//!
//! The subset of JSON Schema used: an object whose properties are fields of these kinds:
//! text (`string`), number (`integer`/`number`), date (`string`, `format: date`), choice
//! (`string` with `oneOf` of `{const, title}`), yes/no (`boolean`), số định danh (`string`,
//! `format: vn-personal-id`), address (`object`, `x-motcua-kind: address`, province + commune +
//! detail), and repeated groups (`array` of objects of simple fields). Anything else is refused
//! when the schema is saved.

use serde_json::{Map, Value, json};

use crate::identity::check_personal_id;

/// One field of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    pub kind: Kind,
}

/// What kind of answer a field takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text {
        min_len: Option<u64>,
        max_len: Option<u64>,
        multiline: bool,
    },
    Number {
        integer: bool,
        min: Option<f64>,
        max: Option<f64>,
    },
    Date,
    Choice {
        options: Vec<(String, String)>,
    },
    YesNo,
    PersonalId,
    Address,
    Group {
        fields: Vec<Field>,
        min_items: u64,
        max_items: u64,
    },
}

/// A parsed form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormSpec {
    pub title: String,
    pub fields: Vec<Field>,
}

/// A problem with an answer: the field path (`ho_ten`, `noi_cu_tru.commune`, `thanh_vien.1.ho_ten`)
/// and what to do.
pub type FieldError = (String, String);

const ADDRESS_PARTS: [(&str, &str); 3] = [
    ("province", "Tỉnh, thành phố"),
    ("commune", "Xã, phường, đặc khu"),
    ("detail", "Số nhà, đường, thôn, tổ dân phố"),
];

fn field_name_ok(n: &str) -> bool {
    let mut b = n.bytes();
    n.len() <= 64
        && b.next().is_some_and(|c| c.is_ascii_lowercase())
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

fn allowed_keys(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), String> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "{at}: khóa «{k}» không được hỗ trợ trong biểu mẫu."
            ));
        }
    }
    Ok(())
}

fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn u64_of(o: &Map<String, Value>, k: &str, at: &str) -> Result<Option<u64>, String> {
    match o.get(k) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{at}: «{k}» phải là số nguyên không âm.")),
    }
}

fn parse_fields(
    props: &Map<String, Value>,
    required: &[String],
    nested: bool,
    at: &str,
) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    for (name, schema) in props {
        out.push(parse_field(name, schema, required, nested, at)?);
    }
    for r in required {
        if !props.contains_key(r) {
            return Err(format!(
                "{at}: trường bắt buộc «{r}» không có trong properties."
            ));
        }
    }
    Ok(out)
}

/// One property of the schema as a field: its name, label, hint and kind, each checked, so
/// that a form the system cannot render or validate is refused when it is saved.
fn parse_field(
    name: &str,
    schema: &Value,
    required: &[String],
    nested: bool,
    at: &str,
) -> Result<Field, String> {
    let here = format!("{at}{name}");
    if !field_name_ok(name) {
        return Err(format!(
            "{here}: tên trường chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ."
        ));
    }
    let o = schema
        .as_object()
        .ok_or_else(|| format!("{here}: mô tả trường phải là một đối tượng JSON."))?;
    let label = str_of(o, "title")
        .map(str::to_string)
        .ok_or_else(|| format!("{here}: thiếu nhãn (title)."))?;
    let hint = str_of(o, "description").map(str::to_string);
    let ty = str_of(o, "type").ok_or_else(|| format!("{here}: thiếu kiểu (type)."))?;
    let kind = match ty {
        "string" => parse_string_kind(o, &here)?,
        "integer" | "number" => {
            allowed_keys(
                o,
                &["type", "title", "description", "minimum", "maximum"],
                &here,
            )?;
            Kind::Number {
                integer: ty == "integer",
                min: o.get("minimum").and_then(Value::as_f64),
                max: o.get("maximum").and_then(Value::as_f64),
            }
        }
        "boolean" => {
            allowed_keys(o, &["type", "title", "description"], &here)?;
            Kind::YesNo
        }
        "object" if !nested && str_of(o, "x-motcua-kind") == Some("address") => {
            allowed_keys(
                o,
                &[
                    "type",
                    "title",
                    "description",
                    "x-motcua-kind",
                    "properties",
                    "required",
                ],
                &here,
            )?;
            Kind::Address
        }
        "array" if !nested => parse_group(o, &here)?,
        t => return Err(format!("{here}: kiểu «{t}» không được hỗ trợ ở đây.")),
    };
    Ok(Field {
        required: required.iter().any(|r| r == name),
        name: name.to_string(),
        label,
        hint,
        kind,
    })
}

/// The kind of a `string` property, told by its format: a date, a personal identification
/// number, a choice (`oneOf`) or free text.
fn parse_string_kind(o: &Map<String, Value>, here: &str) -> Result<Kind, String> {
    match str_of(o, "format") {
        Some("date") => {
            allowed_keys(o, &["type", "title", "description", "format"], here)?;
            Ok(Kind::Date)
        }
        Some("vn-personal-id") => {
            allowed_keys(
                o,
                &["type", "title", "description", "format", "pattern"],
                here,
            )?;
            if o.get("pattern").is_some_and(|p| p != "^[0-9]{12}$") {
                return Err(format!(
                    "{here}: mẫu của số định danh phải là ^[0-9]{{12}}$."
                ));
            }
            Ok(Kind::PersonalId)
        }
        Some(f) => Err(format!("{here}: định dạng «{f}» không được hỗ trợ.")),
        None if o.contains_key("oneOf") => parse_choice(o, here),
        None => {
            allowed_keys(
                o,
                &[
                    "type",
                    "title",
                    "description",
                    "minLength",
                    "maxLength",
                    "x-motcua-multiline",
                ],
                here,
            )?;
            Ok(Kind::Text {
                min_len: u64_of(o, "minLength", here)?,
                max_len: u64_of(o, "maxLength", here)?,
                multiline: o
                    .get("x-motcua-multiline")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
        }
    }
}

/// A choice: at least one option, each a `{const, title}` (the title defaults to the value).
fn parse_choice(o: &Map<String, Value>, here: &str) -> Result<Kind, String> {
    allowed_keys(o, &["type", "title", "description", "oneOf"], here)?;
    let opts = o["oneOf"]
        .as_array()
        .ok_or_else(|| format!("{here}: oneOf phải là danh sách."))?;
    let mut options = Vec::new();
    for opt in opts {
        let oo = opt
            .as_object()
            .ok_or_else(|| format!("{here}: mỗi lựa chọn là {{const, title}}."))?;
        allowed_keys(oo, &["const", "title"], here)?;
        let c = str_of(oo, "const").ok_or_else(|| format!("{here}: lựa chọn thiếu const."))?;
        let t = str_of(oo, "title").unwrap_or(c);
        options.push((c.to_string(), t.to_string()));
    }
    if options.is_empty() {
        return Err(format!("{here}: cần ít nhất một lựa chọn."));
    }
    Ok(Kind::Choice { options })
}

/// A repeated group (an `array` of objects): its own fields, one level deep only, and how many
/// items it takes (at most 200, so that one answer stays bounded).
fn parse_group(o: &Map<String, Value>, here: &str) -> Result<Kind, String> {
    allowed_keys(
        o,
        &[
            "type",
            "title",
            "description",
            "items",
            "minItems",
            "maxItems",
        ],
        here,
    )?;
    let items = o
        .get("items")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{here}: nhóm lặp cần items là một đối tượng."))?;
    allowed_keys(items, &["type", "properties", "required"], here)?;
    let props = items
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{here}: nhóm lặp cần properties."))?;
    let req: Vec<String> = items
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let fields = parse_fields(props, &req, true, &format!("{here}."))?;
    let min_items = u64_of(o, "minItems", here)?.unwrap_or(0);
    let max_items = u64_of(o, "maxItems", here)?.unwrap_or(50).min(200);
    if min_items > max_items {
        return Err(format!("{here}: minItems lớn hơn maxItems."));
    }
    Ok(Kind::Group {
        fields,
        min_items,
        max_items,
    })
}

impl FormSpec {
    /// The identity numbers the answers declare in the form's own fields (not in repeated
    /// groups): whom staff find the dossier by (R10.5, searched through blind indexes).
    pub fn personal_ids(&self, answers: &Value) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| f.kind == Kind::PersonalId)
            .filter_map(|f| answers.get(&f.name)?.as_str().map(String::from))
            .collect()
    }

    /// Parses a schema; refuses anything outside the supported subset, with a Vietnamese reason.
    pub fn from_schema(schema: &Value) -> Result<FormSpec, String> {
        let o = schema
            .as_object()
            .ok_or("Biểu mẫu phải là một đối tượng JSON Schema.")?;
        allowed_keys(
            o,
            &[
                "$schema",
                "title",
                "type",
                "properties",
                "required",
                "description",
            ],
            "Biểu mẫu",
        )?;
        if let Some(s) = str_of(o, "$schema")
            && s != "https://json-schema.org/draft/2020-12/schema"
        {
            return Err("Biểu mẫu phải theo JSON Schema draft 2020-12.".into());
        }
        if str_of(o, "type") != Some("object") {
            return Err("Biểu mẫu phải có type: object.".into());
        }
        let props = o
            .get("properties")
            .and_then(Value::as_object)
            .ok_or("Biểu mẫu cần properties.")?;
        let required: Vec<String> = o
            .get("required")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let fields = parse_fields(props, &required, false, "")?;
        if fields.is_empty() {
            return Err("Biểu mẫu cần ít nhất một trường.".into());
        }
        Ok(FormSpec {
            title: str_of(o, "title").unwrap_or("Tờ khai").to_string(),
            fields,
        })
    }

    /// The field a name designates (top level).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Builds answers from HTML form pairs: `ho_ten`, `noi_cu_tru.commune`, `thanh_vien.0.ho_ten`.
    /// Values stay strings here; [`FormSpec::validate`] types and checks them.
    pub fn answers_from_pairs(&self, pairs: &[(String, String)]) -> Value {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut out = Map::new();
        for f in &self.fields {
            match &f.kind {
                Kind::Address => {
                    let mut a = Map::new();
                    for (p, _) in ADDRESS_PARTS {
                        a.insert(
                            p.into(),
                            Value::String(get(&format!("{}.{p}", f.name)).unwrap_or_default()),
                        );
                    }
                    out.insert(f.name.clone(), Value::Object(a));
                }
                Kind::Group {
                    fields, max_items, ..
                } => {
                    let mut items = Vec::new();
                    for i in 0..*max_items {
                        let mut item = Map::new();
                        let mut any = false;
                        for g in fields {
                            let v = get(&format!("{}.{i}.{}", f.name, g.name)).unwrap_or_default();
                            any |= !v.trim().is_empty();
                            item.insert(g.name.clone(), Value::String(v));
                        }
                        if any {
                            items.push(Value::Object(item));
                        }
                    }
                    out.insert(f.name.clone(), Value::Array(items));
                }
                Kind::YesNo => {
                    let v = get(&f.name);
                    out.insert(
                        f.name.clone(),
                        match v.as_deref() {
                            Some("co" | "true" | "on") => Value::Bool(true),
                            Some("khong" | "false") => Value::Bool(false),
                            _ => Value::Null,
                        },
                    );
                }
                _ => {
                    out.insert(
                        f.name.clone(),
                        get(&f.name).map(Value::String).unwrap_or(Value::Null),
                    );
                }
            }
        }
        Value::Object(out)
    }

    /// Validates answers (from JSON or from [`FormSpec::answers_from_pairs`]). Answers the
    /// normalised answers (typed, trimmed, unknown keys dropped) or every problem found.
    pub fn validate(&self, answers: &Value) -> Result<Value, Vec<FieldError>> {
        let mut errs = Vec::new();
        let empty = Map::new();
        let obj = match answers {
            Value::Object(o) => o,
            Value::Null => &empty,
            _ => {
                return Err(vec![(
                    "form".into(),
                    "Dữ liệu biểu mẫu phải là một đối tượng.".into(),
                )]);
            }
        };
        let out = validate_fields(&self.fields, obj, "", &mut errs);
        if errs.is_empty() {
            Ok(Value::Object(out))
        } else {
            Err(errs)
        }
    }

    /// Back to JSON Schema (what is stored and published).
    pub fn to_schema(&self) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.title,
            "type": "object",
            "properties": fields_schema(&self.fields),
            "required": self.fields.iter().filter(|f| f.required).map(|f| f.name.clone()).collect::<Vec<_>>(),
        })
    }
}

fn fields_schema(fields: &[Field]) -> Value {
    let mut props = Map::new();
    for f in fields {
        let mut s = match &f.kind {
            Kind::Text {
                min_len,
                max_len,
                multiline,
            } => {
                let mut m = json!({"type": "string"});
                if let Some(v) = min_len {
                    m["minLength"] = json!(v)
                }
                if let Some(v) = max_len {
                    m["maxLength"] = json!(v)
                }
                if *multiline {
                    m["x-motcua-multiline"] = json!(true)
                }
                m
            }
            Kind::Number { integer, min, max } => {
                let mut m = json!({"type": if *integer { "integer" } else { "number" }});
                if let Some(v) = min {
                    m["minimum"] = json!(v)
                }
                if let Some(v) = max {
                    m["maximum"] = json!(v)
                }
                m
            }
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Choice { options } => {
                json!({"type": "string", "oneOf": options.iter().map(|(c, t)| json!({"const": c, "title": t})).collect::<Vec<_>>()})
            }
            Kind::YesNo => json!({"type": "boolean"}),
            Kind::PersonalId => {
                json!({"type": "string", "format": "vn-personal-id", "pattern": "^[0-9]{12}$"})
            }
            Kind::Address => json!({
                "type": "object", "x-motcua-kind": "address",
                "properties": ADDRESS_PARTS.iter().map(|(k, t)| (k.to_string(), json!({"type": "string", "title": t}))).collect::<Map<_, _>>(),
                "required": ["province", "commune", "detail"],
            }),
            Kind::Group {
                fields,
                min_items,
                max_items,
            } => json!({
                "type": "array", "minItems": min_items, "maxItems": max_items,
                "items": {"type": "object", "properties": fields_schema(fields), "required": fields.iter().filter(|f| f.required).map(|f| f.name.clone()).collect::<Vec<_>>()},
            }),
        };
        s["title"] = json!(f.label);
        if let Some(h) = &f.hint {
            s["description"] = json!(h);
        }
        props.insert(f.name.clone(), s);
    }
    Value::Object(props)
}

fn blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn validate_fields(
    fields: &[Field],
    obj: &Map<String, Value>,
    at: &str,
    errs: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let path = format!("{at}{}", f.name);
        let v = obj.get(&f.name);
        if blank(v) && !matches!(f.kind, Kind::Address | Kind::Group { .. }) {
            if f.required {
                let verb = match f.kind {
                    Kind::Choice { .. } | Kind::YesNo => "Chọn",
                    _ => "Nhập",
                };
                errs.push((path, format!("{verb} {}.", lower_first(&f.label))));
            }
            continue;
        }
        let v = v.unwrap_or(&Value::Null);
        if let Some(clean) = validate_value(f, v, path, errs) {
            out.insert(f.name.clone(), clean);
        }
    }
    out
}

/// One answer checked against its field's kind: the value to store (trimmed, normalised), or
/// nothing, with the problems added to `errs`.
fn validate_value(f: &Field, v: &Value, path: String, errs: &mut Vec<FieldError>) -> Option<Value> {
    let label = &f.label;
    let checked = match &f.kind {
        Kind::Text {
            min_len, max_len, ..
        } => check_text(label, v, *min_len, *max_len),
        Kind::Number { integer, min, max } => check_number(label, v, *integer, *min, *max),
        Kind::Date => match v.as_str().map(parse_date) {
            Some(Some(d)) => Ok(Value::String(d.to_string())),
            _ => Err(format!(
                "{label}: nhập ngày theo dạng ngày/tháng/năm, ví dụ 15/03/2026."
            )),
        },
        Kind::Choice { options } => match v.as_str() {
            Some(s) if options.iter().any(|(c, _)| c == s) => Ok(Value::String(s.to_string())),
            _ => Err(format!("{label}: chọn một trong các mục đã cho.")),
        },
        Kind::YesNo => match v {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(format!("{label}: chọn Có hoặc Không.")),
        },
        Kind::PersonalId => match v.as_str().map(check_personal_id) {
            Some(Ok(id)) => Ok(Value::String(id)),
            Some(Err(m)) => Err(format!("{label}: {}", lower_first(m))),
            None => Err(format!("{label}: nhập số định danh cá nhân gồm 12 chữ số.")),
        },
        Kind::Address => return check_address(f, v, &path, errs),
        Kind::Group {
            fields,
            min_items,
            max_items,
        } => {
            let items = Items {
                fields,
                min: *min_items,
                max: *max_items,
            };
            return Some(check_group(f, items, v, &path, errs));
        }
    };
    checked.map_err(|m| errs.push((path, m))).ok()
}

/// Free text, trimmed: within its length limits and without control characters other than
/// line breaks and tabs (they would corrupt the printed form).
fn check_text(
    label: &str,
    v: &Value,
    min_len: Option<u64>,
    max_len: Option<u64>,
) -> Result<Value, String> {
    let Some(s) = v.as_str().map(str::trim) else {
        return Err(format!("{label}: nhập chữ."));
    };
    let n = s.chars().count() as u64;
    if let Some(max) = max_len
        && n > max
    {
        Err(format!("{label}: tối đa {max} ký tự (hiện có {n})."))
    } else if let Some(min) = min_len
        && n < min
    {
        Err(format!("{label}: cần ít nhất {min} ký tự."))
    } else if s
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        Err(format!("{label}: có ký tự không hợp lệ."))
    } else {
        Ok(Value::String(s.to_string()))
    }
}

/// A number, as JSON or as typed (a decimal comma accepted), finite, whole where the field
/// wants an integer, and within its bounds.
fn check_number(
    label: &str,
    v: &Value,
    integer: bool,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<Value, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() && (!integer || n.fract() == 0.0) => {
            if let Some(lo) = min
                && n < lo
            {
                Err(format!("{label}: nhỏ nhất là {lo}."))
            } else if let Some(hi) = max
                && n > hi
            {
                Err(format!("{label}: lớn nhất là {hi}."))
            } else if integer {
                Ok(json!(n as i64))
            } else {
                Ok(json!(n))
            }
        }
        _ => Err(format!(
            "{label}: nhập {}.",
            if integer {
                "một số nguyên"
            } else {
                "một số"
            }
        )),
    }
}

/// An address: every part given (at most 200 characters each), or, for an optional field, none
/// at all (nothing stored). Each missing part is reported on its own path.
fn check_address(f: &Field, v: &Value, path: &str, errs: &mut Vec<FieldError>) -> Option<Value> {
    let label = &f.label;
    let empty = Map::new();
    let a = v.as_object().unwrap_or(&empty);
    let all_blank = ADDRESS_PARTS.iter().all(|(k, _)| blank(a.get(*k)));
    if all_blank && !f.required {
        return None;
    }
    let mut addr = Map::new();
    for (k, t) in ADDRESS_PARTS {
        match a.get(k).and_then(Value::as_str).map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= 200 => {
                addr.insert(k.into(), Value::String(s.to_string()));
            }
            Some(s) if !s.is_empty() => errs.push((
                format!("{path}.{k}"),
                format!("{label} – {}: tối đa 200 ký tự.", lower_first(t)),
            )),
            _ => errs.push((
                format!("{path}.{k}"),
                format!("{label}: nhập {}.", lower_first(t)),
            )),
        }
    }
    Some(Value::Object(addr))
}

/// A repeated group's fields and how many items it takes.
struct Items<'a> {
    fields: &'a [Field],
    min: u64,
    max: u64,
}

/// A repeated group: how many items (at least one if required), each item's answers checked
/// with its problems reported on the item's path; items past the maximum are not read.
fn check_group(
    f: &Field,
    items: Items<'_>,
    v: &Value,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Value {
    let label = &f.label;
    let answers: &[Value] = v.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let n = answers.len() as u64;
    let min = if f.required {
        items.min.max(1)
    } else {
        items.min
    };
    if n < min {
        errs.push((path.to_string(), format!("{label}: cần ít nhất {min} mục.")));
    }
    if n > items.max {
        errs.push((
            path.to_string(),
            format!("{label}: tối đa {} mục.", items.max),
        ));
    }
    let mut outs = Vec::new();
    for (i, item) in answers.iter().enumerate().take(items.max as usize) {
        let empty = Map::new();
        let io = item.as_object().unwrap_or(&empty);
        let mut sub = Vec::new();
        let o = validate_fields(items.fields, io, &format!("{path}.{i}."), &mut sub);
        for (p, m) in sub {
            errs.push((p, format!("{label} – mục {}: {}", i + 1, lower_first(&m))));
        }
        outs.push(Value::Object(o));
    }
    Value::Array(outs)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Accepts `2026-03-15` (date inputs, JSON) and `15/03/2026` (typed by people).
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut p = s.split('/');
    let (d, m, y) = (
        p.next()?.parse::<i8>().ok()?,
        p.next()?.parse::<i8>().ok()?,
        p.next()?.parse::<i16>().ok()?,
    );
    if p.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    jiff::civil::Date::new(y, m, d).ok()
}

mod shown;
pub use shown::{NONE, Shown, ShownValue};

#[cfg(test)]
mod tests;
