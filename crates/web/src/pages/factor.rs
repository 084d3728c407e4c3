//! The second factor on the pages (R4.6): the code page after a staff member's password,
//! enrolment with a QR code (at log-in where the factor is required, or from the account page),
//! recovery codes, and an administrator's reset of a lost factor.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::accounts::{Enrolment, FactorStatus};
use motcua_app::staff::By;
use motcua_domain::authz::Action;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use super::accounts::{destination, signed_in};
use crate::caller::cookie_value;
use crate::kit::{
    Chrome, FormState, Link, MessagePage, Page, local_path, qr_svg, render, render_status,
};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/dang-nhap/ma-xac-thuc", Public, code_form)
        .post("/dang-nhap/ma-xac-thuc", Public, code)
        .get("/dang-nhap/xac-thuc-hai-lop", Public, enrol_form)
        .post("/dang-nhap/xac-thuc-hai-lop", Public, code)
        .get("/tai-khoan/xac-thuc-hai-lop", Signed, account_factor)
        .post("/tai-khoan/xac-thuc-hai-lop/bat-dau", Signed, account_start)
        .post(
            "/tai-khoan/xac-thuc-hai-lop/xac-nhan",
            Signed,
            account_confirm,
        )
        .post(
            "/tai-khoan/xac-thuc-hai-lop/ma-du-phong",
            Signed,
            account_renew,
        )
        .post(
            "/can-bo/nhan-su/{id}/xac-thuc-hai-lop",
            Staff(Action::EnterBackOffice),
            reset,
        )
}

/// Sends the browser from a right password to the code or enrolment page, with the pending
/// log-in in its own cookie.
pub(super) fn to_factor_page(p: &Page, pending: &str, page: &str, next: &str) -> Response {
    let next = local_path(next);
    let q = serde_urlencoded::to_string([("tiep", next)]).unwrap_or_default();
    let mut r = Redirect::to(&format!("/dang-nhap/{page}?{q}")).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        p.s.cookies.set(&p.s.cookies.pending, pending),
    );
    r
}

#[derive(Template)]
#[template(path = "accounts/code.html")]
struct CodePage {
    c: Chrome,
    f: FormState,
    next: String,
    /// The enrolment, when the code confirms a new factor.
    enrol: Option<EnrolView>,
    action: &'static str,
}

struct EnrolView {
    secret: String,
    qr: String,
}

impl From<Enrolment> for EnrolView {
    fn from(e: Enrolment) -> Self {
        EnrolView {
            qr: qr_svg(&e.uri),
            secret: e.secret,
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/recovery.html")]
struct RecoveryPage {
    c: Chrome,
    codes: Vec<String>,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    tiep: String,
}

fn pending<'a>(p: &Page, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie_value(headers, &p.s.cookies.pending).filter(|v| !v.is_empty())
}

/// The page a code page becomes when its pending log-in is missing or expired.
fn back_to_login(p: &Page) -> Response {
    render(&MessagePage {
        c: p.chrome("Phiên đăng nhập đã hết hạn"),
        heading: "Phiên đăng nhập đã hết hạn".into(),
        paragraphs: vec![
            "Mã xác thực phải được nhập trong 5 phút sau mật khẩu. Hãy đăng nhập lại.".into(),
        ],
        links: vec![Link::new("/dang-nhap", "Đăng nhập lại")],
    })
}

async fn code_form(p: Page, headers: HeaderMap, Query(q): Query<NextQuery>) -> PageResult {
    let Some(raw) = pending(&p, &headers) else {
        return Ok(back_to_login(&p));
    };
    match p.s.app.pending_login(raw).await? {
        Some((_, false)) => Ok(render(&CodePage {
            c: p.chrome("Nhập mã xác thực"),
            f: FormState::default(),
            next: local_path(&q.tiep),
            enrol: None,
            action: "/dang-nhap/ma-xac-thuc",
        })),
        _ => Ok(back_to_login(&p)),
    }
}

async fn enrol_form(p: Page, headers: HeaderMap, Query(q): Query<NextQuery>) -> PageResult {
    let Some(raw) = pending(&p, &headers) else {
        return Ok(back_to_login(&p));
    };
    let Some((user, true)) = p.s.app.pending_login(raw).await? else {
        return Ok(back_to_login(&p));
    };
    let Some(e) = p.s.app.enrolment(&user).await? else {
        return Ok(back_to_login(&p));
    };
    Ok(render(&CodePage {
        c: p.chrome("Đăng ký xác thực hai lớp"),
        f: FormState::default(),
        next: local_path(&q.tiep),
        enrol: Some(e.into()),
        action: "/dang-nhap/xac-thuc-hai-lop",
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

/// The code after the password (or the first code of a new factor): the session, and the
/// recovery codes once when the factor is new.
async fn code(p: Page, headers: HeaderMap, Form(f): Form<CodeForm>) -> PageResult {
    let Some(raw) = pending(&p, &headers) else {
        return Ok(back_to_login(&p));
    };
    let enrolling = p.s.app.pending_login(raw).await?;
    match p.s.app.finish_login(&p.ctx(), raw, &f.code).await {
        Ok((done, codes)) => {
            let mut r = if codes.is_empty() {
                signed_in(&p, &done, &f.next).await
            } else {
                let mut r = render(&RecoveryPage {
                    c: p.chrome("Mã dự phòng"),
                    codes,
                    next: destination(&done, &f.next),
                });
                r.headers_mut().append(
                    header::SET_COOKIE,
                    p.s.cookies.set(&p.s.cookies.session, &done.session_id),
                );
                r
            };
            r.headers_mut()
                .append(header::SET_COOKIE, p.s.cookies.clear(&p.s.cookies.pending));
            Ok(r)
        }
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            let enrol = match enrolling {
                Some((u, true)) => p.s.app.enrolment(&u).await?.map(EnrolView::from),
                _ => None,
            };
            let action = if enrol.is_some() {
                "/dang-nhap/xac-thuc-hai-lop"
            } else {
                "/dang-nhap/ma-xac-thuc"
            };
            Ok(render_status(
                &CodePage {
                    c: p.chrome("Nhập mã xác thực"),
                    f: fs,
                    next: local_path(&f.next),
                    enrol,
                    action,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "my_account/factor.html")]
struct AccountFactorPage {
    c: Chrome,
    st: FactorStatus,
    enrol: Option<EnrolView>,
    f: FormState,
}

async fn account_factor_page(p: &Page, f: FormState, status: StatusCode) -> PageResult {
    let sess = p.session()?;
    let st = p.s.app.factor_status(sess).await?;
    Ok(render_status(
        &AccountFactorPage {
            c: p.chrome("Xác thực hai lớp"),
            enrol: st.enrolling.clone().map(EnrolView::from),
            st,
            f,
        },
        status,
    ))
}

async fn account_factor(p: Page) -> PageResult {
    account_factor_page(&p, FormState::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    current_password: String,
}

async fn account_start(p: Page, Form(f): Form<StartForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .start_enrolment(&p.ctx(), sess, &f.current_password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/tai-khoan/xac-thuc-hai-lop").into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            account_factor_page(&p, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountCodeForm {
    code: String,
}

async fn account_confirm(p: Page, Form(f): Form<AccountCodeForm>) -> PageResult {
    let sess = p.session()?;
    let done = p.s.app.confirm_enrolment(&p.ctx(), sess, &f.code).await;
    recovery_or_form(&p, done).await
}

async fn account_renew(p: Page, Form(f): Form<AccountCodeForm>) -> PageResult {
    let sess = p.session()?;
    let done = p.s.app.renew_recovery(&p.ctx(), sess, &f.code).await;
    recovery_or_form(&p, done).await
}

async fn recovery_or_form(p: &Page, done: motcua_app::Result<Vec<String>>) -> PageResult {
    match done {
        Ok(codes) => Ok(render(&RecoveryPage {
            c: p.chrome("Mã dự phòng"),
            codes,
            next: "/tai-khoan/xac-thuc-hai-lop".into(),
        })),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            account_factor_page(p, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// An administrator removes a staff member's lost factor.
async fn reset(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let sess = p.session()?;
    p.s.app.staff_detail(sess, id).await?; // not visible → 404
    p.s.app
        .reset_second_factor(&p.ctx(), By::Session(sess), id)
        .await?;
    Ok(Redirect::to(&format!("/can-bo/nhan-su/{id}?tb=dat-lai-xac-thuc")).into_response())
}
