//! A program that knows only the API: `/api/openapi.json`, a procedure's description (its form
//! as JSON Schema and its components) and the actions description of each dossier. It fills a
//! form from its schema, attaches a file for every component the answers require, submits, and
//! then takes whatever step the actions description offers towards the result, filling each
//! field from its type and allowed values.
use motcua_testkit::{Client, pdf, result_pdf};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// A person or officer with an API token.
pub type Who = (Client, String);

/// The operations this program uses, each of which must be in the OpenAPI document.
pub const OPERATIONS: [(&str, &str); 6] = [
    ("get", "/api/v1/procedures/{code}"),
    ("post", "/api/v1/dossiers"),
    ("post", "/api/v1/dossiers/{dossier}/attachments"),
    ("post", "/api/v1/dossiers/{dossier}/submit"),
    ("get", "/api/v1/dossiers/{dossier}/actions"),
    ("post", "/api/v1/dossiers/{dossier}/actions"),
];

/// A value the schema of one field accepts.
fn value_for(p: &Value) -> Value {
    match p["type"].as_str() {
        Some("string") => {
            if let Some(one) = p["oneOf"].as_array() {
                return one[0]["const"].clone();
            }
            match p["format"].as_str() {
                Some("date") => json!("1990-05-17"),
                Some("vn-personal-id") => json!("051095001234"),
                _ => {
                    let max = p["maxLength"].as_u64().unwrap_or(200) as usize;
                    json!(
                        "Nội dung kê khai đầy đủ"
                            .chars()
                            .take(max)
                            .collect::<String>()
                    )
                }
            }
        }
        Some("integer") | Some("number") => {
            let lo = p["minimum"].as_f64().unwrap_or(1.0).max(1.0);
            let hi = p["maximum"].as_f64().unwrap_or(lo);
            json!(lo.min(hi) as i64)
        }
        Some("boolean") => json!(false),
        Some("object") => answers(p),
        Some("array") => {
            let n = p["minItems"].as_u64().unwrap_or(1).max(1);
            Value::Array((0..n).map(|_| answers(&p["items"])).collect())
        }
        t => panic!("a form field of type {t:?}"),
    }
}

/// Answers to every field of a form's JSON Schema.
pub fn answers(schema: &Value) -> Value {
    let mut out = Map::new();
    for (k, p) in schema["properties"].as_object().expect("properties") {
        out.insert(k.clone(), value_for(p));
    }
    Value::Object(out)
}

async fn call(who: &mut Who, method: Method, path: &str, body: Option<Value>) -> Value {
    let r = who.0.json(method.clone(), path, Some(&who.1), body).await;
    assert!(
        (200..300).contains(&r.status),
        "{method} {path}: {} {}",
        r.status,
        r.body
    );
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// Submits a dossier for `procedure` at `agency` as the citizen; answers its code.
pub async fn submit(citizen: &mut Who, procedure: &str, agency: &str) -> String {
    let p = call(
        citizen,
        Method::GET,
        &format!("/api/v1/procedures/{procedure}"),
        None,
    )
    .await;
    let svc = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agency"]["code"] == agency)
        .unwrap_or_else(|| panic!("{procedure} is not offered at {agency}"))
        .clone();
    let form = answers(&svc["form_schema"]);
    let d = call(
        citizen,
        Method::POST,
        "/api/v1/dossiers",
        Some(json!({"service": svc["id"], "form": form})),
    )
    .await;
    let id = d["id"].as_str().unwrap().to_string();
    for c in svc["components"].as_array().unwrap() {
        let cond = &c["condition"];
        let needed = c["required"] == true
            || cond.is_object()
                && form.get(cond["field"].as_str().unwrap()) == Some(&cond["equals"]);
        if needed {
            let r = citizen
                .0
                .upload(
                    &citizen.1,
                    &id,
                    c["id"].as_str().unwrap(),
                    "giay-to.pdf",
                    pdf(1500),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
    }
    let r = citizen
        .0
        .json_with(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&citizen.1),
            &[("idempotency-key", &id)],
            Some(json!({"declaration_accepted": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

/// The steps towards the result, most wanted first.
const TOWARDS_RESULT: [&str; 8] = [
    "accept",
    "forward",
    "assign",
    "propose_resolve",
    "approve",
    "return_at_office",
    "return_online",
    "return_by_post",
];

/// A value for one described field, uploading a file when the field asks for one and none is
/// there; `None` for an optional field.
async fn fill(who: &mut Who, f: &Value) -> Option<Value> {
    if f["required"] != true {
        return None;
    }
    let first = f["options"]
        .as_array()
        .and_then(|o| o.first())
        .map(|o| o["value"].clone());
    Some(match f["type"].as_str().unwrap() {
        "boolean" => json!(true),
        "choice" => first.expect("a value to choose"),
        "choices" => json!([first.expect("a value to choose")]),
        "file" => match first {
            Some(v) => v,
            None => {
                let up = &f["upload"];
                let path = up["path"].as_str().unwrap();
                let id = path.split('/').nth(4).unwrap().to_string();
                let r = who
                    .0
                    .upload(
                        &who.1,
                        &id,
                        up["component"].as_str().unwrap(),
                        "ket-qua.pdf",
                        result_pdf("ket qua", 2500),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.body);
                r.json()["id"].clone()
            }
        },
        "text" if f["multiple"] == true => json!(["Đủ điều kiện"]),
        "text" => json!("Đủ điều kiện"),
        t => panic!("cannot fill a required field of type {t}"),
    })
}

/// One step towards the result by whoever of `staff` may take one; false when none may.
async fn step(staff: &mut [Who], code: &str) -> bool {
    // A fee the dossier may pay now is taken by whoever is the agency's cashier (R7.1b).
    for who in staff.iter_mut() {
        let d = call(who, Method::GET, &format!("/api/v1/dossiers/{code}"), None).await;
        if d["fees"]["payable"].is_i64() {
            let r = who
                .0
                .json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{code}/receipts"),
                    Some(&who.1),
                    Some(json!({"method": "cash"})),
                )
                .await;
            if r.status == 201 {
                return true;
            }
        }
    }
    for who in staff.iter_mut() {
        let a = call(
            who,
            Method::GET,
            &format!("/api/v1/dossiers/{code}/actions"),
            None,
        )
        .await;
        let actions = a["actions"].as_array().unwrap();
        let Some(action) = TOWARDS_RESULT
            .iter()
            .find_map(|n| actions.iter().find(|x| x["name"] == *n))
        else {
            continue;
        };
        let mut body = Map::new();
        body.insert("action".into(), action["name"].clone());
        for f in action["fields"].as_array().unwrap() {
            if let Some(v) = fill(who, f).await {
                body.insert(f["name"].as_str().unwrap().into(), v);
            }
        }
        call(
            who,
            Method::POST,
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(Value::Object(body)),
        )
        .await;
        return true;
    }
    false
}

/// Takes a submitted dossier to "Đã trả kết quả" with the agency's staff; answers the
/// actions taken.
pub async fn to_returned(staff: &mut [Who], code: &str) -> usize {
    let mut n = 0;
    loop {
        let d = call(
            &mut staff[0],
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            None,
        )
        .await;
        if d["stage"] == "returned" {
            assert_eq!(d["national_status"], 10);
            return n;
        }
        assert!(
            step(staff, code).await,
            "{code}: nobody can act at {}",
            d["stage"]
        );
        n += 1;
        assert!(n < 20, "{code}: no end in sight");
    }
}
