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

#[derive(Template)]
#[template(path = "notices/inbox.html")]
struct InboxPage {
    c: Chrome,
    notices: Vec<(Uuid, String, String, bool)>,
    unread: u64,
}

/// "Thông báo": the person's notices, with the unread count.
pub async fn inbox(p: Page) -> PageResult {
    let se = p.session()?;
    let (list, unread) = p.s.app.inbox(se.user.id).await?;
    let notices = list
        .into_iter()
        .map(|n| {
            (
                n.id,
                n.subject,
                format_vn_datetime(n.created_at),
                n.read_at.is_none(),
            )
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

#[derive(Template)]
#[template(path = "notices/templates.html")]
struct TemplatesPage {
    c: Chrome,
    rows: Vec<(String, &'static str, String, String, String, bool)>,
    error: Option<(String, String)>,
}

async fn templates_page(
    p: &Page,
    error: Option<(String, String)>,
    posted: Option<(&str, &str, &str, &str)>,
) -> PageResult {
    let rows =
        p.s.app
            .templates(p.session()?)
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
    let status = refused_if(error.is_some());
    Ok(render_status(
        &TemplatesPage {
            c: p.chrome("Mẫu thông báo"),
            rows,
            error,
        },
        status,
    ))
}

pub async fn templates(p: Page) -> PageResult {
    templates_page(&p, None, None).await
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
            let msg = v.into_iter().next().map(|(_, m)| m).unwrap_or_default();
            templates_page(
                &p,
                Some((kind.clone(), msg)),
                Some((&kind, &f.subject, &f.body, &f.sms)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "notices/queue.html")]
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
pub async fn queue(p: Page) -> PageResult {
    let rows =
        p.s.app
            .delivery_queue(p.session()?)
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
        c: p.chrome("Hàng đợi gửi thông báo"),
        rows,
    }))
}

pub async fn retry(p: Page, Path(id): Path<Uuid>) -> PageResult {
    p.s.app.retry_delivery(&p.ctx(), p.session()?, id).await?;
    Ok(Redirect::to("/can-bo/thong-bao/hang-doi").into_response())
}
