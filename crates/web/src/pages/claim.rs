//! "Gắn hồ sơ vào tài khoản": a person claims a dossier they submitted at the counter or by
//! post without an account, with its code and the phone they gave (R11.2).
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
}

#[derive(Template)]
#[template(path = "dossiers/claim.html")]
struct ClaimPage {
    c: Chrome,
    code: String,
    phone: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimForm {
    ma: String,
    dien_thoai: String,
}

fn claim_page(p: &Page, f: ClaimForm, errors: Vec<String>) -> PageResult {
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &ClaimPage {
            c: p.chrome("Gắn hồ sơ vào tài khoản"),
            code: f.ma,
            phone: f.dien_thoai,
            errors,
        },
        status,
    ))
}

pub async fn page(p: Page) -> PageResult {
    claim_page(&p, ClaimForm::default(), vec![])
}

pub async fn claim(p: Page, Form(f): Form<ClaimForm>) -> PageResult {
    match p
        .s
        .app
        .claim_dossier(&p.ctx(), p.session()?, &f.ma, &f.dien_thoai)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/ho-so/{}?tb=da-gan", d.id)).into_response()),
        Err(AppError::Validation(v)) => {
            let msgs = v.into_iter().map(|(_, m)| m).collect();
            claim_page(&p, f, msgs)
        }
        Err(AppError::NotFound) => claim_page(
            &p,
            f,
            vec!["Mã hồ sơ và số điện thoại không khớp với hồ sơ nào nộp tại bộ phận một cửa hoặc qua bưu chính chưa gắn với tài khoản. Kiểm tra mã trên giấy tiếp nhận và số điện thoại đã khai khi nộp.".into()],
        ),
        Err(e) => Err(e.into()),
    }
}
