//! The papers on the staff dossier page (R11.1): previews, rendered by the server to images
//! (never the person's file served inline), a pager for long files, reception's marks of what
//! it checked, and identity numbers shown whole on request.
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use motcua_domain::Action;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use super::work::{CHECKED, Said, dossier_page};
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    let staff = || Staff(Action::EnterBackOffice);
    Routes::new()
        .get("/can-bo/ho-so/{dossier}/tep/{file}/xem", staff(), viewer)
        .get(
            "/can-bo/ho-so/{dossier}/tep/{file}/trang/{page}",
            staff(),
            page_image,
        )
        .post("/can-bo/ho-so/{dossier}/kiem-tra", staff(), check)
        .post("/can-bo/ho-so/{dossier}/so-dinh-danh", staff(), reveal)
}

/// One page of a paper as a JPEG the server rendered, shown inline: an image this side made,
/// so no script or markup of the person's file reaches the browser.
pub async fn page_image(
    p: Page,
    Path((dossier, file, page)): Path<(Uuid, Uuid, u32)>,
) -> PageResult {
    let out =
        p.s.app
            .preview(&p.ctx(), p.session()?, dossier, file, page)
            .await?;
    let mut r = out.jpeg.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    let name = format!("inline; filename=\"trang-{page}.jpg\"");
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQ {
    trang: Option<u32>,
}

#[derive(Template)]
#[template(path = "work/preview.html")]
struct ViewerPage {
    c: Chrome,
    dossier: Uuid,
    file: Uuid,
    name: String,
    page: u32,
    pages: u32,
}

/// A long paper page by page: one rendered page with links to the others.
pub async fn viewer(
    p: Page,
    Path((dossier, file)): Path<(Uuid, Uuid)>,
    Query(q): Query<PageQ>,
) -> PageResult {
    let (name, pages) =
        p.s.app
            .preview_pages(&p.ctx(), p.session()?, dossier, file)
            .await?;
    let page = q.trang.unwrap_or(1);
    if page == 0 || page > pages {
        return Err(motcua_app::AppError::NotFound.into());
    }
    Ok(render(&ViewerPage {
        c: p.chrome(format!("{name} – trang {page}/{pages}")),
        dossier,
        file,
        name,
        page,
        pages,
    }))
}

/// Reception saves which papers it checked: of the papers the form showed (`shown`), the ticked
/// ones (`checked`) are marked and the others unmarked.
pub async fn check(p: Page, Path(id): Path<Uuid>, RawForm(raw): RawForm) -> PageResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let ids = |name: &str| -> Option<Vec<Uuid>> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| Uuid::parse_str(v).ok())
            .collect()
    };
    let (Some(shown), Some(checked)) = (ids("shown"), ids("checked")) else {
        let bad = motcua_app::AppError::field(
            "checked",
            "Danh sách giấy tờ gửi lên không hợp lệ: tải lại trang rồi đánh dấu lại.",
        );
        return super::work::after_step(&p, id, Err(bad)).await;
    };
    let done =
        p.s.app
            .check_papers(&p.ctx(), p.session()?, id, &shown, &checked)
            .await
            .map(|()| format!("/can-bo/ho-so/{id}?tb={CHECKED}#thanh-phan"));
    super::work::after_step(&p, id, done).await
}

/// The dossier page with identity numbers whole, the request recorded in the audit log.
pub async fn reveal(p: Page, Path(id): Path<Uuid>) -> PageResult {
    p.s.app
        .reveal_personal_ids(&p.ctx(), p.session()?, id)
        .await?;
    let said = Said {
        reveal: true,
        ..Default::default()
    };
    dossier_page(&p, id, said, StatusCode::OK).await
}
