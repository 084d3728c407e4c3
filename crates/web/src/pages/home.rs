//! The home page and the site's style sheet.
use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_app::agencies::TreeNode;
use motcua_domain::clock::vn_date;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/", Public, home)
        .get("/static/app.css", Public, css)
        .get("/static/upload.js", Public, upload_js)
}

/// Upload progress per file on the files page (the page works without it).
pub async fn upload_js() -> Response {
    asset(
        include_str!("../../static/upload.js"),
        "text/javascript; charset=utf-8",
    )
}

pub async fn css() -> Response {
    asset(
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
    )
}

/// A file built into the binary, with its type, cached by browsers for an hour.
fn asset(body: &'static str, media_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    c: Chrome,
    agencies: Vec<TreeNode>,
}

pub async fn home(p: Page) -> PageResult {
    let today = vn_date(p.s.app.now());
    let agencies = p.s.app.agency_tree(Some(today)).await?;
    Ok(render(&HomePage {
        c: p.chrome("Trang chủ"),
        agencies,
    }))
}
