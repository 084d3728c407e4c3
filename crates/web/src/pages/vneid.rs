//! Log-in with the national identity (R6.2) on the pages: the button's address sends the
//! browser to the provider, the callback signs the person in, and the confirmation links the
//! identity to the account that has its identity number.
use askama::Template;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::accounts::oidc::{Callback, Outcome};

use super::PageResult;
use super::accounts::signed_in;
use crate::caller::cookie_value;
use crate::kit::{Chrome, Link, MessagePage, Page, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/dang-nhap/vneid", Public, start)
        .get(motcua_app::accounts::oidc::CALLBACK, Public, callback)
        .post("/dang-nhap/vneid/lien-ket", Public, link)
}

/// Sends the browser to the provider, with this log-in's random value in its cookie (nothing
/// is stored).
async fn start(p: Page) -> PageResult {
    if p.s.app.oidc_label().is_none() {
        return Ok(not_offered(&p));
    }
    let flow = motcua_app::crypto::random_token();
    let url = p.s.app.oidc_start(&flow).await?;
    let mut r = Redirect::to(&url).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        p.s.cookies.set(&p.s.cookies.oidc, &flow),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "accounts/link.html")]
struct LinkPage {
    c: Chrome,
    name: String,
    label: String,
}

async fn callback(p: Page, headers: HeaderMap, Query(cb): Query<Callback>) -> PageResult {
    if p.s.app.oidc_label().is_none() {
        return Ok(not_offered(&p));
    }
    let flow = cookie_value(&headers, &p.s.cookies.oidc).unwrap_or("");
    let outcome = p.s.app.oidc_finish(&p.ctx(), flow, &cb).await;
    // The log-in's value is spent whatever happened.
    let clear = p.s.cookies.clear(&p.s.cookies.oidc);
    let mut r = match outcome {
        Ok(Outcome::SignedIn(done)) => signed_in(&p, &done, "/ho-so").await,
        Ok(Outcome::ConfirmLink { pending, name }) => {
            let mut r = render_status(
                &LinkPage {
                    c: p.chrome("Liên kết tài khoản"),
                    name,
                    label: p.s.app.oidc_label().unwrap_or_default().to_string(),
                },
                StatusCode::OK,
            );
            r.headers_mut().append(
                header::SET_COOKIE,
                p.s.cookies.set(&p.s.cookies.pending, &pending),
            );
            r
        }
        Err(e) => refused(&p, e)?,
    };
    r.headers_mut().append(header::SET_COOKIE, clear);
    Ok(r)
}

/// The person confirms that the account with their identity number is theirs.
async fn link(p: Page, headers: HeaderMap) -> PageResult {
    let pending = cookie_value(&headers, &p.s.cookies.pending).unwrap_or("");
    match p.s.app.oidc_link(&p.ctx(), pending).await {
        Ok(done) => {
            let mut r = signed_in(&p, &done, "/ho-so").await;
            r.headers_mut()
                .append(header::SET_COOKIE, p.s.cookies.clear(&p.s.cookies.pending));
            Ok(r)
        }
        Err(e) => refused(&p, e),
    }
}

/// A refused log-in: what happened and how to try again (validation refusals only; other
/// errors keep their own page).
fn refused(p: &Page, e: AppError) -> PageResult {
    let AppError::Validation(v) = e else {
        return Err(e.into());
    };
    Ok(render_status(
        &MessagePage {
            c: p.chrome("Không đăng nhập được"),
            heading: "Không đăng nhập được".into(),
            paragraphs: v.into_iter().map(|(_, m)| m).collect(),
            links: vec![
                Link::new("/dang-nhap/vneid", "Thử lại"),
                Link::new("/dang-nhap", "Đăng nhập bằng tài khoản"),
            ],
        },
        StatusCode::BAD_REQUEST,
    ))
}

fn not_offered(p: &Page) -> Response {
    render_status(
        &MessagePage {
            c: p.chrome("Chưa hỗ trợ"),
            heading: "Chưa hỗ trợ đăng nhập qua nhà cung cấp định danh".into(),
            paragraphs: vec!["Hệ thống này chưa được kết nối với nhà cung cấp định danh. Hãy đăng nhập bằng tài khoản.".into()],
            links: vec![Link::new("/dang-nhap", "Đăng nhập")],
        },
        StatusCode::NOT_FOUND,
    )
}
