//! "Xác thực kết quả": the public page where anyone checks that a result is one an agency of
//! this system issued, unchanged (R3.5). The QR code on each result leads here with its number.
use askama::Template;
use axum::extract::{Multipart, Query};
use axum::http::{HeaderMap, StatusCode};
use motcua_app::AppError;
use motcua_app::signatures::results::Authenticity;
use serde::Deserialize;

use super::PageResult;
use crate::files::read_file_part;
use crate::kit::{Chrome, Page, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/xac-thuc", Public, page)
        .upload("/xac-thuc", Public, check)
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    /// The number the QR code carried, and what the register says of it.
    number: String,
    registered: Option<Authenticity>,
    /// What checking an uploaded file found.
    checked: Option<Authenticity>,
    error: Option<String>,
    max_mb: u64,
}

impl VerifyPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        motcua_domain::clock::format_vn_datetime(*t)
    }
}

#[derive(Deserialize, Default)]
pub struct VerifyQ {
    so: Option<String>,
}

fn view(p: &Page, number: String) -> VerifyPage {
    VerifyPage {
        c: p.chrome("Xác thực kết quả điện tử"),
        number,
        registered: None,
        checked: None,
        error: None,
        max_mb: p.s.app.config.dossiers.max_file_mb,
    }
}

/// The page; with `?so=<number>` (from the QR code), what the register holds for it.
pub async fn page(p: Page, Query(q): Query<VerifyQ>) -> PageResult {
    let number =
        q.so.unwrap_or_default()
            .trim()
            .chars()
            .take(80)
            .collect::<String>();
    let mut v = view(&p, number.clone());
    let mut status = StatusCode::OK;
    if !number.is_empty() {
        v.registered = p.s.app.issued_result(&number).await?;
        if v.registered.is_none() {
            v.error = Some("Không có kết quả nào mang số này trên hệ thống.".into());
            status = StatusCode::NOT_FOUND;
        }
    }
    Ok(render_status(&v, status))
}

/// Checks an uploaded file; nothing is stored.
pub async fn check(p: Page, headers: HeaderMap, mut mp: Multipart) -> PageResult {
    let mut v = view(&p, String::new());
    let limit = v.max_mb * 1024 * 1024;
    let found = match read_file_part(&headers, &mut mp, limit).await {
        Ok(bytes) => p.s.app.authenticate(&p.ctx(), bytes).await,
        Err(e) => Err(e),
    };
    let status = match found {
        Ok(a) => {
            v.checked = Some(a);
            StatusCode::OK
        }
        Err(AppError::Validation(e)) => {
            v.error = e.into_iter().next().map(|(_, m)| m);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(&v, status))
}
