//! "Tài khoản của tôi": the person's details, contact, password, sessions on other devices,
//! and the channels notices reach them by.
use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use motcua_domain::account::User;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::text::mask;
use serde::Deserialize;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/tai-khoan", Signed, account)
        .post("/tai-khoan/lien-he", Signed, account_contact)
        .post("/tai-khoan/mat-khau", Signed, account_password)
        .post(
            "/tai-khoan/dang-xuat-noi-khac",
            Signed,
            account_logout_others,
        )
        .post("/tai-khoan/kenh-thong-bao", Signed, channels)
}

struct SessionView {
    current: bool,
    started: String,
    last_seen: String,
    device: String,
}

#[derive(Template)]
#[template(path = "my_account/account.html")]
struct AccountPage {
    c: Chrome,
    user: User,
    masked_id: String,
    kind_label: &'static str,
    sessions: Vec<SessionView>,
    contact: FormState,
    password: FormState,
    notice: Option<&'static str>,
    email_on: bool,
    sms_on: bool,
}

async fn account_page(
    p: &Page,
    contact: FormState,
    password: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = p.session()?;
    let sessions =
        p.s.app
            .my_sessions(sess)
            .await?
            .into_iter()
            .map(|r| SessionView {
                current: Some(&r.id_hash) == sess.session_hash.as_ref(),
                started: format_vn_datetime(r.created_at),
                last_seen: format_vn_datetime(r.last_seen_at),
                device: r.user_agent.unwrap_or_else(|| "Không rõ thiết bị".into()),
            })
            .collect();
    let user = p.s.app.find_user(&sess.user.login).await?;
    let channels = p.s.app.channels(sess).await?;
    let contact = if contact.errors.is_empty() {
        FormState::with(&[
            ("email", user.email.as_deref().unwrap_or("")),
            ("phone", user.phone.as_deref().unwrap_or("")),
        ])
    } else {
        contact
    };
    let status = refused_if(!(contact.errors.is_empty() && password.errors.is_empty()));
    Ok(render_status(
        &AccountPage {
            c: p.chrome("Tài khoản của tôi"),
            masked_id: user
                .id_number
                .as_deref()
                .map(|n| mask(n, 4))
                .unwrap_or_default(),
            kind_label: user.kind.label_vi(),
            user,
            sessions,
            contact,
            password,
            notice: notice(notice_code),
            email_on: channels.0,
            sms_on: channels.1,
        },
        status,
    ))
}

pub async fn account(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    account_page(
        &p,
        FormState::default(),
        FormState::default(),
        q.tb.as_deref(),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContactForm {
    email: String,
    phone: String,
    current_password: String,
}

pub async fn account_contact(p: Page, Form(f): Form<ContactForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .change_contact(&p.ctx(), sess, &f.email, &f.phone, &f.current_password)
        .await
    {
        Ok(true) => Ok(Redirect::to("/tai-khoan?tb=email-moi").into_response()),
        Ok(false) => Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response()),
        Err(e) => {
            let mut fs =
                FormState::with(&[("email", f.email.as_str()), ("phone", f.phone.as_str())]);
            fs.absorb(e)?;
            account_page(&p, fs, FormState::default(), None).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_again: String,
}

pub async fn account_password(p: Page, Form(f): Form<PasswordForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .change_password(
            &p.ctx(),
            sess,
            &f.current_password,
            &f.password,
            &f.password_again,
        )
        .await
    {
        Ok(new_sid) => {
            let mut r = Redirect::to("/tai-khoan?tb=doi-mat-khau").into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                p.s.cookies.set(&p.s.cookies.session, &new_sid),
            );
            Ok(r)
        }
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            account_page(&p, FormState::default(), fs, None).await
        }
    }
}

pub async fn account_logout_others(p: Page) -> PageResult {
    p.s.app.logout_others(p.session()?).await?;
    Ok(Redirect::to("/tai-khoan?tb=dang-xuat-khac").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChannelsForm {
    email: String,
    sms: String,
}

/// A person's channel choices (the inbox is always on).
pub async fn channels(p: Page, Form(f): Form<ChannelsForm>) -> PageResult {
    p.s.app
        .set_channels(p.session()?, f.email == "1", f.sms == "1")
        .await?;
    Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response())
}
