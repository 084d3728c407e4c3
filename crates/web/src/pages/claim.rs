//! "Gắn hồ sơ vào tài khoản": a person claims a dossier they submitted at the counter or by
//! post without an account, with its code and the phone they gave, then the one-time code sent
//! to that phone (R6.2).
use askama::Template;
use axum::Form;
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use serde::Deserialize;

use super::PageResult;
use crate::kit::{Chrome, Page, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/ho-so/nhan-ho-so", Access::PublicAccount, page)
        .post("/ho-so/nhan-ho-so", Access::PublicAccount, claim)
        .post("/ho-so/nhan-ho-so/xac-nhan", Access::PublicAccount, confirm)
}

/// The code was sent: the second step's form.
struct Sent {
    ticket: String,
    /// Where the code went and until when it is good, as people read them: known when it was
    /// just sent (the second form's answer does not repeat what the browser sends back).
    sent: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "dossiers/claim.html")]
struct ClaimPage {
    c: Chrome,
    code: String,
    phone: String,
    sent: Option<Sent>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimForm {
    ma: String,
    dien_thoai: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    phieu: String,
    ma_xac_nhan: String,
}

fn claim_page(p: &Page, f: ClaimForm, sent: Option<Sent>, errors: Vec<String>) -> PageResult {
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &ClaimPage {
            c: p.chrome("Gắn hồ sơ vào tài khoản"),
            code: f.ma,
            phone: f.dien_thoai,
            sent,
            errors,
        },
        status,
    ))
}

fn messages(e: AppError) -> Result<Vec<String>, AppError> {
    match e {
        AppError::Validation(v) => Ok(v.into_iter().map(|(_, m)| m).collect()),
        AppError::NotFound => Ok(vec!["Mã hồ sơ và số điện thoại không khớp với hồ sơ nào nộp tại bộ phận một cửa hoặc qua bưu chính chưa gắn với tài khoản. Kiểm tra mã trên giấy tiếp nhận và số điện thoại đã khai khi nộp.".into()]),
        AppError::Conflict(m) => Ok(vec![m]),
        e => Err(e),
    }
}

pub async fn page(p: Page) -> PageResult {
    claim_page(&p, ClaimForm::default(), None, vec![])
}

pub async fn claim(p: Page, Form(f): Form<ClaimForm>) -> PageResult {
    match p
        .s
        .app
        .claim_dossier(&p.ctx(), p.session()?, &f.ma, &f.dien_thoai)
        .await
    {
        Ok(t) => {
            let until = motcua_domain::clock::format_vn_datetime(t.expires_at);
            let sent = Sent {
                ticket: t.ticket,
                sent: Some((t.sent_to, until)),
            };
            claim_page(&p, f, Some(sent), vec![])
        }
        Err(e) => claim_page(&p, f, None, messages(e)?),
    }
}

pub async fn confirm(p: Page, Form(f): Form<ConfirmForm>) -> PageResult {
    match p
        .s
        .app
        .confirm_claim(&p.ctx(), p.session()?, &f.phieu, &f.ma_xac_nhan)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/ho-so/{}?tb=da-gan", d.id)).into_response()),
        Err(e) => {
            let e = match e {
                AppError::NotFound => AppError::field(
                    "otp",
                    "Mã xác nhận không đúng hoặc đã hết hạn. Kiểm tra tin nhắn, hoặc gửi lại mã.",
                ),
                e => e,
            };
            let sent = Sent {
                ticket: f.phieu,
                sent: None,
            };
            claim_page(&p, ClaimForm::default(), Some(sent), messages(e)?)
        }
    }
}
