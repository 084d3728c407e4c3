//! "Dữ liệu cá nhân của tôi" (R10.5): the notice, consent per purpose with withdrawal, requests
//! to correct, delete or restrict, and everything held about the person, readable and as JSON.
use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::privacy::{self as pd, Purpose, RequestKind};
use motcua_domain::record::PrivacyRequest;
use serde::Deserialize;
use serde_json::Value;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/tai-khoan/du-lieu", Signed, page)
        .get("/tai-khoan/du-lieu.json", Signed, download)
        .post("/tai-khoan/dong-y", Signed, consent)
        .post("/tai-khoan/yeu-cau", Signed, request)
}

struct PurposeRow {
    code: &'static str,
    label: &'static str,
    legal_basis: Option<&'static str>,
    /// When the consent in force was given.
    given: Option<String>,
}

struct RequestRow {
    kind: &'static str,
    detail: String,
    status: &'static str,
    due: String,
    answer: String,
}

#[derive(Template)]
#[template(path = "my_account/data.html")]
struct DataPage {
    c: Chrome,
    notice_text: &'static str,
    notice_version: i32,
    purposes: Vec<PurposeRow>,
    requests: Vec<RequestRow>,
    kinds: Vec<(&'static str, &'static str)>,
    form: FormState,
    notice: Option<&'static str>,
    /// The export, for the readable summary.
    data: Value,
}

impl DataPage {
    fn s<'a>(&self, v: &'a Value, k: &str) -> &'a str {
        v.get(k).and_then(Value::as_str).unwrap_or("—")
    }

    fn items<'a>(&self, v: &'a Value, k: &str) -> Vec<&'a Value> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }
}

fn request_row(r: PrivacyRequest) -> RequestRow {
    RequestRow {
        kind: RequestKind::parse(&r.kind)
            .map(|k| k.label())
            .unwrap_or("—"),
        detail: r.detail,
        status: match r.status.as_str() {
            "done" => "Đã thực hiện",
            "refused" => "Từ chối",
            _ => "Đang xử lý",
        },
        due: format_vn_datetime(r.due_at),
        answer: r.answer.unwrap_or_default(),
    }
}

async fn render(p: &Page, form: FormState, code: Option<&str>) -> PageResult {
    let sess = p.session()?;
    let consents = p.s.app.my_consents(sess).await?;
    let purposes = Purpose::ALL
        .iter()
        .map(|x| PurposeRow {
            code: x.as_str(),
            label: x.label(),
            legal_basis: x.legal_basis(),
            given: consents
                .iter()
                .find(|c| c.purpose == x.as_str() && c.withdrawn_at.is_none())
                .map(|c| format_vn_datetime(c.accepted_at)),
        })
        .collect();
    let requests =
        p.s.app
            .my_requests(sess)
            .await?
            .into_iter()
            .map(request_row)
            .collect();
    let data = p.s.app.export_my_data(&p.ctx(), sess).await?;
    let n = pd::current_notice();
    let status = refused_if(!form.errors.is_empty());
    Ok(render_status(
        &DataPage {
            c: p.chrome("Dữ liệu cá nhân của tôi"),
            notice_text: n.text,
            notice_version: n.version,
            purposes,
            requests,
            kinds: RequestKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            form,
            notice: notice(code),
            data,
        },
        status,
    ))
}

pub async fn page(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    render(&p, FormState::default(), q.tb.as_deref()).await
}

/// Everything held about the person, as a JSON file.
pub async fn download(p: Page) -> PageResult {
    let sess = p.session()?;
    let data = p.s.app.export_my_data(&p.ctx(), sess).await?;
    let body = serde_json::to_vec_pretty(&data).expect("JSON serialises");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"du-lieu-ca-nhan.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsentForm {
    purpose: String,
    notice_version: i32,
    /// `give` or `withdraw`.
    op: String,
}

pub async fn consent(p: Page, Form(f): Form<ConsentForm>) -> PageResult {
    let sess = p.session()?;
    let done = if f.op == "withdraw" {
        p.s.app.withdraw_consent(&p.ctx(), sess, &f.purpose).await
    } else {
        p.s.app
            .give_consent(&p.ctx(), sess, &f.purpose, f.notice_version, "web")
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) => Ok(Redirect::to("/tai-khoan/du-lieu?tb=da-luu").into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            render(&p, fs, None).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RequestForm {
    kind: String,
    detail: String,
}

pub async fn request(p: Page, Form(f): Form<RequestForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .request_about_my_data(&p.ctx(), sess, &f.kind, &f.detail)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tai-khoan/du-lieu?tb=da-gui-yeu-cau").into_response()),
        Err(e) => {
            let mut fs =
                FormState::with(&[("kind", f.kind.as_str()), ("detail", f.detail.as_str())]);
            fs.absorb(e)?;
            render(&p, fs, None).await
        }
    }
}
