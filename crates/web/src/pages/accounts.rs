//! Getting and using an account: log-in and log-out, registration, confirming the e-mail
//! address, and resetting a forgotten password.
use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::accounts::{LoggedIn, LoginStep, Registration};
use motcua_domain::account::AccountKind;
use serde::Deserialize;

use super::{PageResult, factor};
use crate::kit::{
    Chrome, FormState, Link, MessagePage, Page, local_path, notice, render, render_status,
};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/dang-nhap", Public, login_form)
        .post("/dang-nhap", Public, login)
        .post("/dang-xuat", Signed, logout)
        .get("/dang-ky", Public, register_form)
        .post("/dang-ky", Public, register)
        .get("/xac-nhan-email", Public, confirm_form)
        .post("/xac-nhan-email", Public, confirm)
        .get("/quen-mat-khau", Public, forgot_form)
        .post("/quen-mat-khau", Public, forgot)
        .get("/dat-lai-mat-khau", Public, reset_form)
        .post("/dat-lai-mat-khau", Public, reset)
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    c: Chrome,
    f: FormState,
    next: String,
    notice: Option<&'static str>,
    /// The identity provider's name, when log-in through it is offered.
    provider: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    tiep: Option<String>,
    tb: Option<String>,
}

pub async fn login_form(p: Page, Query(q): Query<LoginQuery>) -> Response {
    let next = local_path(q.tiep.as_deref().unwrap_or("/"));
    render(&LoginPage {
        c: p.chrome("Đăng nhập"),
        f: FormState::default(),
        next,
        notice: notice(q.tb.as_deref()),
        provider: p.s.app.oidc_label().map(str::to_string),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

pub async fn login(p: Page, Form(f): Form<LoginForm>) -> PageResult {
    let ctx = p.ctx();
    match p.s.app.login(&ctx, &f.login, &f.password).await {
        Ok(LoginStep::Done(done)) => Ok(signed_in(&p, &done, &f.next).await),
        Ok(LoginStep::Code(pending)) => {
            Ok(factor::to_factor_page(&p, &pending, "ma-xac-thuc", &f.next))
        }
        Ok(LoginStep::Enrol(pending)) => Ok(factor::to_factor_page(
            &p,
            &pending,
            "xac-thuc-hai-lop",
            &f.next,
        )),
        Err(AppError::Throttled(secs)) => Err(AppError::Throttled(secs).into()),
        Err(e) => {
            let mut fs = FormState::with(&[("login", f.login.as_str())]);
            fs.absorb(e)?;
            Ok(render_status(
                &LoginPage {
                    c: p.chrome("Đăng nhập"),
                    f: fs,
                    next: local_path(&f.next),
                    notice: None,
                    provider: p.s.app.oidc_label().map(str::to_string),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// The answer to a finished log-in: the old session, if any, ends (the new one has a new id:
/// no fixation), the cookie names the new one, and the person goes where they were going.
pub(super) async fn signed_in(p: &Page, done: &LoggedIn, next: &str) -> Response {
    if let Some(prev) = p.auth.0.as_ref().and_then(|old| old.session_hash.clone()) {
        let _ = p.s.app.end_session(&prev).await;
    }
    let mut r = Redirect::to(&destination(done, next)).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        p.s.cookies.set(&p.s.cookies.session, &done.session_id),
    );
    r
}

/// Where a log-in leads: the page asked for, or the person's home.
pub(super) fn destination(done: &LoggedIn, next: &str) -> String {
    if next.is_empty() || next == "/" {
        if done.user.kind == AccountKind::Staff {
            "/can-bo".to_string()
        } else {
            "/tai-khoan".to_string()
        }
    } else {
        local_path(next)
    }
}

pub async fn logout(p: Page, headers: axum::http::HeaderMap) -> PageResult {
    if let Some(raw) = crate::caller::cookie_value(&headers, &p.s.cookies.session) {
        p.s.app.logout(raw).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, p.s.cookies.clear(&p.s.cookies.session));
    r.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    c: Chrome,
    f: FormState,
}

pub async fn register_form(p: Page) -> Response {
    render(&RegisterPage {
        c: p.chrome("Đăng ký tài khoản"),
        f: FormState::with(&[("kind", "citizen")]),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    kind: String,
    full_name: String,
    id_number: String,
    email: String,
    phone: String,
    password: String,
    password_again: String,
}

pub async fn register(p: Page, Form(f): Form<RegisterForm>) -> PageResult {
    let r = Registration {
        kind: AccountKind::parse(&f.kind),
        full_name: f.full_name.clone(),
        id_number: f.id_number.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        password: f.password.clone(),
        password_again: f.password_again.clone(),
    };
    match p.s.app.register(&p.ctx(), &r).await {
        Ok(()) => {
            let mut links = vec![Link::new("/dang-nhap", "Đến trang đăng nhập")];
            if p.s.app.config.is_dev() {
                links.push(Link::new(
                    "/dev/hop-thu",
                    "Chế độ phát triển: xem hộp thư đã gửi",
                ));
            }
            Ok(render(&MessagePage {
                c: p.chrome("Kiểm tra hộp thư của bạn"),
                heading: "Kiểm tra hộp thư của bạn".into(),
                paragraphs: vec![
                    "Chúng tôi đã gửi thư tới địa chỉ bạn nhập. Hãy mở liên kết trong thư trong vòng 24 giờ để xác nhận, rồi đăng nhập.".into(),
                    "Nếu không thấy thư, hãy xem cả mục thư rác.".into(),
                ],
                links,
            }))
        }
        Err(e) => {
            let mut fs = FormState::with(&[
                ("kind", f.kind.as_str()),
                ("full_name", f.full_name.as_str()),
                ("id_number", f.id_number.as_str()),
                ("email", f.email.as_str()),
                ("phone", f.phone.as_str()),
            ]);
            fs.absorb(e)?;
            Ok(render_status(
                &RegisterPage {
                    c: p.chrome("Đăng ký tài khoản"),
                    f: fs,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/confirm.html")]
struct ConfirmPage {
    c: Chrome,
    token: String,
    error: Option<String>,
}

/// GET never changes state: the link opens a page whose button confirms.
pub async fn confirm_form(p: Page, Query(q): Query<TokenQuery>) -> Response {
    render(&ConfirmPage {
        c: p.chrome("Xác nhận thư điện tử"),
        token: q.token.unwrap_or_default(),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    token: String,
}

pub async fn confirm(p: Page, Form(f): Form<TokenForm>) -> PageResult {
    match p.s.app.confirm_email(&p.ctx(), &f.token).await {
        Ok(()) => Ok(Redirect::to("/dang-nhap?tb=xac-nhan").into_response()),
        Err(AppError::Validation(v)) => Ok(render_status(
            &ConfirmPage {
                c: p.chrome("Xác nhận thư điện tử"),
                token: String::new(),
                error: v.into_iter().next().map(|(_, m)| m),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    c: Chrome,
    f: FormState,
}

pub async fn forgot_form(p: Page) -> Response {
    render(&ForgotPage {
        c: p.chrome("Quên mật khẩu"),
        f: FormState::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn forgot(p: Page, Form(f): Form<EmailForm>) -> PageResult {
    match p.s.app.request_password_reset(&p.ctx(), &f.email).await {
        Ok(()) => Ok(render(&MessagePage {
            c: p.chrome("Kiểm tra hộp thư của bạn"),
            heading: "Kiểm tra hộp thư của bạn".into(),
            paragraphs: vec!["Nếu địa chỉ này thuộc một tài khoản, chúng tôi đã gửi tới đó liên kết đặt lại mật khẩu. Liên kết dùng được một lần, trong 30 phút.".into()],
            links: vec![Link::new("/dang-nhap", "Đến trang đăng nhập")],
        })),
        Err(e) => {
            let mut fs = FormState::with(&[("email", f.email.as_str())]);
            fs.absorb(e)?;
            Ok(render_status(&ForgotPage { c: p.chrome("Quên mật khẩu"), f: fs }, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    c: Chrome,
    f: FormState,
    token: String,
}

pub async fn reset_form(p: Page, Query(q): Query<TokenQuery>) -> Response {
    render(&ResetPage {
        c: p.chrome("Đặt mật khẩu mới"),
        f: FormState::default(),
        token: q.token.unwrap_or_default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    token: String,
    password: String,
    password_again: String,
}

pub async fn reset(p: Page, Form(f): Form<ResetForm>) -> PageResult {
    match p
        .s
        .app
        .reset_password(&p.ctx(), &f.token, &f.password, &f.password_again)
        .await
    {
        Ok(()) => Ok(Redirect::to("/dang-nhap?tb=dat-lai").into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            let token = if fs.e("token").is_some() {
                String::new()
            } else {
                f.token
            };
            Ok(render_status(
                &ResetPage {
                    c: p.chrome("Đặt mật khẩu mới"),
                    f: fs,
                    token,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}
