//! Back-office pages for notices (issue 5): templates provincial administrators edit, the delivery
//! queue with failures and dead letters, and a person's channel choices.
use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::notice::NoticeKind;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::WebError;
use crate::mw::{Auth, Binding, ReqInfo};
use crate::pages::{Chrome, render, render_status, signed as sess};

type PageResult = Result<Response, WebError>;

#[derive(Template)]
#[template(path = "bo_templates.html")]
struct TemplatesPage {
    c: Chrome,
    rows: Vec<(String, &'static str, String, String, String, bool)>,
    error: Option<(String, String)>,
}

async fn templates_page(
    s: &AppState,
    auth: &Auth,
    b: &Binding,
    error: Option<(String, String)>,
    posted: Option<(&str, &str, &str, &str)>,
) -> PageResult {
    let rows = s
        .app
        .templates(sess(auth)?)
        .await?
        .into_iter()
        .map(|(k, sub, body, sms, saved)| match posted {
            Some((pk, ps, pb, pm)) if pk == k.as_str() => (
                k.as_str().to_string(),
                k.label_vi(),
                ps.to_string(),
                pb.to_string(),
                pm.to_string(),
                saved,
            ),
            _ => (k.as_str().to_string(), k.label_vi(), sub, body, sms, saved),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        &TemplatesPage {
            c: Chrome::new(s, auth, b, "Mẫu thông báo"),
            rows,
            error,
        },
        status,
    ))
}

pub async fn templates(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    templates_page(&s, &auth, &b, None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemplateForm {
    subject: String,
    body: String,
    sms: String,
}

pub async fn template_save(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Path(kind): Path<String>,
    Form(f): Form<TemplateForm>,
) -> PageResult {
    let k = NoticeKind::parse(&kind).ok_or(AppError::NotFound)?;
    match s
        .app
        .save_template(&info.ctx(), sess(&auth)?, k, &f.subject, &f.body, &f.sms)
        .await
    {
        Ok(()) => Ok(Redirect::to("/can-bo/thong-bao/mau").into_response()),
        Err(AppError::Validation(v)) => {
            let msg = v.into_iter().next().map(|(_, m)| m).unwrap_or_default();
            templates_page(
                &s,
                &auth,
                &b,
                Some((kind.clone(), msg)),
                Some((&kind, &f.subject, &f.body, &f.sms)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bo_queue.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
}

/// (delivery id, channel, state, kind, attempts, next attempt, last error, dead letter)
type QueueRow = (
    Uuid,
    &'static str,
    &'static str,
    String,
    i32,
    String,
    String,
    bool,
);

/// The delivery queue: what is waiting, what failed and why, dead letters to retry.
pub async fn queue(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let rows = s
        .app
        .delivery_queue(sess(&auth)?)
        .await?
        .into_iter()
        .map(|(d, n)| {
            (
                d.id,
                d.channel.label_vi(),
                d.state.label_vi(),
                n.kind.label_vi().to_string(),
                d.attempts,
                format_vn_datetime(d.next_attempt_at),
                d.last_error.unwrap_or_default(),
                d.state.as_str() == "dead",
            )
        })
        .collect();
    Ok(render(&QueuePage {
        c: Chrome::new(&s, &auth, &b, "Hàng đợi gửi thông báo"),
        rows,
    }))
}

pub async fn retry(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(id): Path<Uuid>,
) -> PageResult {
    s.app.retry_delivery(&info.ctx(), sess(&auth)?, id).await?;
    Ok(Redirect::to("/can-bo/thong-bao/hang-doi").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChannelsForm {
    email: String,
    sms: String,
}

/// A person's channel choices (the inbox is always on).
pub async fn channels(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Form(f): Form<ChannelsForm>,
) -> PageResult {
    s.app
        .set_channels(sess(&auth)?, f.email == "1", f.sms == "1")
        .await?;
    Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response())
}
