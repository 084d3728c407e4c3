//! "Tra cứu hồ sơ": the public look-up of a dossier by its code (R6.1), and the detailed one
//! with the last digits of the phone.
use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use motcua_app::AppError;
use motcua_app::dossiers::LookupView;
use serde::Deserialize;

use super::PageResult;
use crate::error::PageError;
use crate::kit::{Chrome, Page, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/tra-cuu", Public, lookup)
        .post("/tra-cuu", Public, lookup_detail)
}

#[derive(Deserialize, Default)]
pub struct LookupQ {
    ma: Option<String>,
}

#[derive(Template)]
#[template(path = "lookup/lookup.html")]
struct LookupPage {
    c: Chrome,
    code: String,
    result: Option<LookupView>,
    error: Option<String>,
}

fn lookup_error(e: AppError) -> Result<String, PageError> {
    match e {
        AppError::NotFound => {
            Ok("Không tìm thấy hồ sơ có mã này. Hãy kiểm tra lại mã trên giấy tiếp nhận.".into())
        }
        AppError::Validation(v) => Ok(v.into_iter().next().map(|(_, m)| m).unwrap_or_default()),
        e => Err(e.into()),
    }
}

/// "Tra cứu hồ sơ": the public look-up by code (R6.1).
pub async fn lookup(p: Page, Query(q): Query<LookupQ>) -> PageResult {
    let code = q.ma.unwrap_or_default().trim().to_string();
    let (result, error) = if code.is_empty() {
        (None, None)
    } else {
        match p.s.app.lookup(&p.ctx(), &code, None).await {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(lookup_error(e)?)),
        }
    };
    let status = if error.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        &LookupPage {
            c: p.chrome("Tra cứu hồ sơ"),
            code,
            result,
            error,
        },
        status,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupForm {
    ma: String,
    so_cuoi: String,
}

/// The detailed look-up, with the last four digits of the phone (posted, never in the URL).
pub async fn lookup_detail(p: Page, Form(f): Form<LookupForm>) -> PageResult {
    let (result, error) = match p.s.app.lookup(&p.ctx(), &f.ma, Some(&f.so_cuoi)).await {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(lookup_error(e)?)),
    };
    let status = refused_if(error.is_some());
    Ok(render_status(
        &LookupPage {
            c: p.chrome("Tra cứu hồ sơ"),
            code: f.ma.trim().to_string(),
            result,
            error,
        },
        status,
    ))
}
