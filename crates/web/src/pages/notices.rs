//! Notices: a person's inbox, and for provincial administrators the templates they edit and
//! the delivery queue with failures and dead letters.
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_domain::Action;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::notice::NoticeKind;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, Page, refused_if, render, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(
            "/can-bo/thong-bao/mau",
            Staff(Action::ManageNotices),
            templates,
        )
        .post(
            "/can-bo/thong-bao/mau/{kind}",
            Staff(Action::ManageNotices),
            template_save,
        )
        .get(
            "/can-bo/thong-bao/hang-doi",
            Staff(Action::ManageNotices),
            queue,
        )
        .post(
            "/can-bo/thong-bao/hang-doi/{id}/gui-lai",
            Staff(Action::ManageNotices),
            retry,
        )
        .get("/thong-bao", Signed, inbox)
        .get("/thong-bao/{id}", Signed, notice)
}

/// A notice in the inbox.
struct NoticeRow {
    id: Uuid,
    subject: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices/inbox.html")]
struct InboxPage {
    c: Chrome,
    notices: Vec<NoticeRow>,
    unread: u64,
}

/// "Thông báo": the person's notices, with the unread count.
pub async fn inbox(p: Page) -> PageResult {
    let se = p.session()?;
    let (list, unread) = p.s.app.inbox(se.user.id).await?;
    let notices = list
        .into_iter()
        .map(|n| NoticeRow {
            id: n.id,
            subject: n.subject,
            at: format_vn_datetime(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(&InboxPage {
        c: p.chrome("Thông báo"),
        notices,
        unread,
    }))
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
struct NoticePage {
    c: Chrome,
    subject: String,
    body: String,
    at: String,
    dossier: Option<Uuid>,
}

pub async fn notice(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let se = p.session()?;
    let n = p.s.app.open_notice(se.user.id, id).await?;
    Ok(render(&NoticePage {
        c: p.chrome(n.subject.clone()),
        subject: n.subject,
        body: n.body,
        at: format_vn_datetime(n.created_at),
        dossier: n.dossier_id,
    }))
}

/// A notice template as the page shows it: as saved, or as posted when it was refused.
struct TemplateRow {
    kind: String,
    label: &'static str,
    subject: String,
    body: String,
    sms: String,
    saved: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "notices/templates.html")]
struct TemplatesPage {
    c: Chrome,
    rows: Vec<TemplateRow>,
}

/// What was posted for one kind of notice, and why it was refused.
struct Refused<'a> {
    kind: &'a str,
    form: &'a TemplateForm,
    message: String,
}

async fn templates_page(p: &Page, refused: Option<Refused<'_>>) -> PageResult {
    let rows =
        p.s.app
            .templates(p.session()?)
            .await?
            .into_iter()
            .map(|(k, subject, body, sms, saved)| {
                let mut row = TemplateRow {
                    kind: k.as_str().to_string(),
                    label: k.label_vi(),
                    subject,
                    body,
                    sms,
                    saved,
                    error: None,
                };
                if let Some(r) = refused.as_ref().filter(|r| r.kind == k.as_str()) {
                    row.subject = r.form.subject.clone();
                    row.body = r.form.body.clone();
                    row.sms = r.form.sms.clone();
                    row.error = Some(r.message.clone());
                }
                row
            })
            .collect();
    Ok(render_status(
        &TemplatesPage {
            c: p.chrome("Mẫu thông báo"),
            rows,
        },
        refused_if(refused.is_some()),
    ))
}

pub async fn templates(p: Page) -> PageResult {
    templates_page(&p, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemplateForm {
    subject: String,
    body: String,
    sms: String,
}

pub async fn template_save(
    p: Page,
    Path(kind): Path<String>,
    Form(f): Form<TemplateForm>,
) -> PageResult {
    let k = NoticeKind::parse(&kind).ok_or(AppError::NotFound)?;
    match p
        .s
        .app
        .save_template(&p.ctx(), p.session()?, k, &f.subject, &f.body, &f.sms)
        .await
    {
        Ok(()) => Ok(Redirect::to("/can-bo/thong-bao/mau").into_response()),
        Err(AppError::Validation(v)) => {
            let message = v.into_iter().next().map(|(_, m)| m).unwrap_or_default();
            let refused = Refused {
                kind: &kind,
                form: &f,
                message,
            };
            templates_page(&p, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "notices/queue.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<DeliveryRow>,
}

/// A delivery in the queue.
struct DeliveryRow {
    id: Uuid,
    channel: &'static str,
    state: &'static str,
    kind: String,
    attempts: i32,
    next_attempt: String,
    last_error: String,
    /// Failed after every attempt: retried only by hand.
    dead: bool,
}

/// The delivery queue: what is waiting, what failed and why, dead letters to retry.
pub async fn queue(p: Page) -> PageResult {
    let rows =
        p.s.app
            .delivery_queue(p.session()?)
            .await?
            .into_iter()
            .map(|(d, n)| DeliveryRow {
                id: d.id,
                channel: d.channel.label_vi(),
                state: d.state.label_vi(),
                kind: n.kind.label_vi().to_string(),
                attempts: d.attempts,
                next_attempt: format_vn_datetime(d.next_attempt_at),
                last_error: d.last_error.unwrap_or_default(),
                dead: d.state.as_str() == "dead",
            })
            .collect();
    Ok(render(&QueuePage {
        c: p.chrome("Hàng đợi gửi thông báo"),
        rows,
    }))
}

pub async fn retry(p: Page, Path(id): Path<Uuid>) -> PageResult {
    p.s.app.retry_delivery(&p.ctx(), p.session()?, id).await?;
    Ok(Redirect::to("/can-bo/thong-bao/hang-doi").into_response())
}
