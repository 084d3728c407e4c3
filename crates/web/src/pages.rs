//! Server-rendered pages in Vietnamese (UI.md): the public site, the citizen area and the back
//! office. Handlers stay thin: parse, call a use case, render.
use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_app::accounts::Registration;
use motcua_app::agencies::TreeNode;
use motcua_app::staff::{By, NewStaff};
use motcua_app::{AppError, Session};
use motcua_domain::account::{AccountKind, Role, User};
use motcua_domain::agency::{Agency, Unit, UnitKind};
use motcua_domain::authz::{Action, Grant, Target, authorize};
use motcua_domain::clock::{format_vn_date, format_vn_datetime, vn_date};
use motcua_domain::text::mask;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::WebError;
use crate::mw::{Auth, Binding, ReqInfo};

type PageResult = Result<Response, WebError>;

/// What every page shows around its content.
pub struct Chrome {
    pub title: String,
    pub user_name: Option<String>,
    pub staff: bool,
    pub csrf: String,
    pub dev: bool,
}

impl Chrome {
    pub(crate) fn new(
        state: &AppState,
        auth: &Auth,
        binding: &Binding,
        title: impl Into<String>,
    ) -> Self {
        Chrome {
            title: title.into(),
            user_name: auth.0.as_ref().map(|s| s.user.full_name.clone()),
            staff: auth.0.as_ref().is_some_and(|s| s.actor.is_staff()),
            csrf: state.app.csrf_token(&binding.0),
            dev: state.app.config.is_dev(),
        }
    }
    /// For error pages rendered outside a request's extensions.
    fn bare(title: &str) -> Self {
        Chrome {
            title: title.into(),
            user_name: None,
            staff: false,
            csrf: String::new(),
            dev: false,
        }
    }
}

/// Entered values and the messages about them.
#[derive(Default)]
pub struct FormState {
    values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
}

impl FormState {
    fn with(values: &[(&str, &str)]) -> Self {
        FormState {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            errors: Vec::new(),
        }
    }
    pub fn v(&self, k: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn e(&self, k: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, m)| m.as_str())
    }
    /// Takes validation messages from an error; other errors are passed back.
    pub(crate) fn absorb(&mut self, e: AppError) -> Result<(), AppError> {
        match e {
            AppError::Validation(v) => {
                self.errors = v.into_iter().map(|(f, m)| (f.to_string(), m)).collect();
                Ok(())
            }
            AppError::Conflict(m) => {
                self.errors = vec![("form".into(), m)];
                Ok(())
            }
            e => Err(e),
        }
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(event = "template_error", error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống").into_response()
        }
    }
}

pub(crate) fn render_status<T: Template>(t: &T, status: StatusCode) -> Response {
    let mut r = render(t);
    *r.status_mut() = status;
    r
}

/// The signed-in caller of a page (401 otherwise); every page module uses this one.
pub(crate) fn signed(auth: &Auth) -> Result<&Session, WebError> {
    auth.0
        .as_ref()
        .ok_or(WebError::from(AppError::Unauthenticated))
}

/// Where to go after logging in: only a path of this site, a same-origin relative reference
/// (security.md row 23). One leading slash and no second one or backslash after it (a host would
/// follow); no backslash, whitespace or control character anywhere (browsers drop a TAB or a
/// newline, and turn a backslash into a slash, making `/\t/evil.example` a host); and it must
/// parse as a path.
pub(crate) fn local_path(p: &str) -> String {
    let safe = p.starts_with('/')
        && !p[1..].starts_with(['/', '\\'])
        && !p
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && p.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if safe { p.to_string() } else { "/".into() }
}

/// Notices shown after a redirect, chosen by code (never text from the URL).
fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "da-luu" => "Đã lưu thay đổi.",
        "email-moi" => {
            "Đã lưu. Chúng tôi đã gửi thư xác nhận tới địa chỉ mới; địa chỉ chỉ được đổi sau khi bạn xác nhận."
        }
        "doi-mat-khau" => "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
        "dang-xuat-khac" => "Đã đăng xuất khỏi các thiết bị khác.",
        "da-cap-quyen" => "Đã giao quyền.",
        "da-thu-hoi" => "Đã thu hồi quyền.",
        "da-khoa" => "Đã khóa tài khoản; mọi phiên đăng nhập của tài khoản đã kết thúc.",
        "da-mo-khoa" => "Đã mở khóa tài khoản.",
        "da-them" => "Đã thêm vào lịch trực.",
        "da-xoa" => "Đã xóa khỏi lịch trực.",
        "dat-lai" => "Đã đặt mật khẩu mới. Hãy đăng nhập.",
        "xac-nhan" => "Đã xác nhận địa chỉ thư điện tử. Bạn có thể đăng nhập.",
        "da-xuat-ban" => "Đã xuất bản phiên bản mới của thủ tục.",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    tb: Option<String>,
}

// ---------------------------------------------------------------- error pages

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    c: Chrome,
    heading: String,
    message: String,
    next: Vec<(&'static str, &'static str)>,
}

impl ErrorPage {
    pub fn for_error(e: &AppError) -> Self {
        let (heading, message, next): (&str, String, Vec<(&'static str, &'static str)>) = match e {
            AppError::NotFound => ("Không tìm thấy trang", "Trang bạn tìm không có hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ.".into(), vec![("/", "Về trang chủ")]),
            AppError::Forbidden => ("Bạn không có quyền xem trang này", "Tài khoản của bạn chưa được giao quyền cho việc này. Nếu cần, hãy liên hệ quản trị viên của cơ quan.".into(), vec![("/", "Về trang chủ"), ("/tai-khoan", "Xem tài khoản")]),
            AppError::Unauthenticated => ("Cần đăng nhập", "Hãy đăng nhập để tiếp tục.".into(), vec![("/dang-nhap", "Đăng nhập")]),
            AppError::Throttled(s) => ("Tạm dừng vì có quá nhiều lần thử", format!("Đã có quá nhiều lần thử từ bạn hoặc cho tài khoản, hồ sơ này. Hãy thử lại sau khoảng {} phút (nếu quên mật khẩu, hãy đặt lại mật khẩu).", s.div_ceil(60)), vec![("/quen-mat-khau", "Đặt lại mật khẩu")]),
            AppError::Unavailable { .. } => ("Hệ thống tạm thời chưa phục vụ được", "Yêu cầu của bạn chưa được thực hiện và không có dữ liệu nào bị mất. Hệ thống đang quá tải hoặc đang bảo trì; hãy thử lại sau ít phút.".into(), vec![("/", "Về trang chủ")]),
            AppError::Validation(v) => ("Thông tin chưa hợp lệ", v.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" "), vec![("/", "Về trang chủ")]),
            AppError::Conflict(m) => ("Không thực hiện được", m.clone(), vec![("/", "Về trang chủ")]),
            AppError::Unexpected(_) => ("Hệ thống đang gặp sự cố", "Yêu cầu của bạn chưa được thực hiện và không có dữ liệu nào bị mất. Hãy thử lại sau ít phút; nếu vẫn lỗi, hãy báo bộ phận hỗ trợ kèm thời điểm xảy ra.".into(), vec![("/", "Về trang chủ")]),
        };
        ErrorPage {
            c: Chrome::bare(heading),
            heading: heading.into(),
            message,
            next,
        }
    }
    pub fn csrf() -> Self {
        ErrorPage {
            c: Chrome::bare("Phiên làm việc đã thay đổi"),
            heading: "Phiên làm việc đã thay đổi".into(),
            message: "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Hãy quay lại trang trước, tải lại và gửi lại.".into(),
            next: vec![("/", "Về trang chủ")],
        }
    }
    pub fn into_response_with(self, status: StatusCode) -> Response {
        render_status(&self, status)
    }
}

// ---------------------------------------------------------------- public pages

pub async fn css() -> Response {
    let mut r = include_str!("../static/app.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    agencies: Vec<TreeNode>,
}

pub async fn home(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let today = vn_date(s.app.now());
    let agencies = s.app.agency_tree(Some(today)).await?;
    Ok(render(&HomePage {
        c: Chrome::new(&s, &auth, &b, "Trang chủ"),
        agencies,
    }))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    f: FormState,
    next: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    tiep: Option<String>,
    tb: Option<String>,
}

pub async fn login_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = local_path(q.tiep.as_deref().unwrap_or("/"));
    render(&LoginPage {
        c: Chrome::new(&s, &auth, &b, "Đăng nhập"),
        f: FormState::default(),
        next,
        notice: notice(q.tb.as_deref()),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

pub async fn login(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let ctx = info.ctx();
    match s.app.login(&ctx, &f.login, &f.password).await {
        Ok(done) => {
            // The old session, if any, ends: the new one has a new id (no fixation).
            if let Some(prev) = auth.0.as_ref().and_then(|p| p.session_hash.clone()) {
                let _ = s.app.end_session(&prev).await;
            }
            let dest = if f.next.is_empty() || f.next == "/" {
                if done.user.kind == AccountKind::Staff {
                    "/can-bo".to_string()
                } else {
                    "/tai-khoan".to_string()
                }
            } else {
                local_path(&f.next)
            };
            let mut r = Redirect::to(&dest).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                s.cookies.set(&s.cookies.session, &done.session_id),
            );
            Ok(r)
        }
        Err(AppError::Throttled(secs)) => Err(AppError::Throttled(secs).into()),
        Err(e) => {
            let mut fs = FormState::with(&[("login", f.login.as_str())]);
            fs.absorb(e)?;
            Ok(render_status(
                &LoginPage {
                    c: Chrome::new(&s, &auth, &b, "Đăng nhập"),
                    f: fs,
                    next: local_path(&f.next),
                    notice: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

pub async fn logout(State(s): State<AppState>, headers: axum::http::HeaderMap) -> PageResult {
    if let Some(raw) = crate::mw::cookie_value(&headers, &s.cookies.session) {
        s.app.logout(raw).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, s.cookies.clear(&s.cookies.session));
    r.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    f: FormState,
}

pub async fn register_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> Response {
    render(&RegisterPage {
        c: Chrome::new(&s, &auth, &b, "Đăng ký tài khoản"),
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

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    c: Chrome,
    heading: String,
    paragraphs: Vec<String>,
    links: Vec<(String, String)>,
}

pub async fn register(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<RegisterForm>,
) -> PageResult {
    let r = Registration {
        kind: AccountKind::parse(&f.kind),
        full_name: f.full_name.clone(),
        id_number: f.id_number.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        password: f.password.clone(),
        password_again: f.password_again.clone(),
    };
    match s.app.register(&info.ctx(), &r).await {
        Ok(()) => {
            let mut links = vec![("/dang-nhap".to_string(), "Đến trang đăng nhập".to_string())];
            if s.app.config.is_dev() {
                links.push((
                    "/dev/hop-thu".into(),
                    "Chế độ phát triển: xem hộp thư đã gửi".into(),
                ));
            }
            Ok(render(&MessagePage {
                c: Chrome::new(&s, &auth, &b, "Kiểm tra hộp thư của bạn"),
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
                    c: Chrome::new(&s, &auth, &b, "Đăng ký tài khoản"),
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
#[template(path = "confirm.html")]
struct ConfirmPage {
    c: Chrome,
    token: String,
    error: Option<String>,
}

/// GET never changes state: the link opens a page whose button confirms.
pub async fn confirm_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Query(q): Query<TokenQuery>,
) -> Response {
    render(&ConfirmPage {
        c: Chrome::new(&s, &auth, &b, "Xác nhận thư điện tử"),
        token: q.token.unwrap_or_default(),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    token: String,
}

pub async fn confirm(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    match s.app.confirm_email(&info.ctx(), &f.token).await {
        Ok(()) => Ok(Redirect::to("/dang-nhap?tb=xac-nhan").into_response()),
        Err(AppError::Validation(v)) => Ok(render_status(
            &ConfirmPage {
                c: Chrome::new(&s, &auth, &b, "Xác nhận thư điện tử"),
                token: String::new(),
                error: v.into_iter().next().map(|(_, m)| m),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    c: Chrome,
    f: FormState,
}

pub async fn forgot_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> Response {
    render(&ForgotPage {
        c: Chrome::new(&s, &auth, &b, "Quên mật khẩu"),
        f: FormState::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn forgot(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<EmailForm>,
) -> PageResult {
    match s.app.request_password_reset(&info.ctx(), &f.email).await {
        Ok(()) => Ok(render(&MessagePage {
            c: Chrome::new(&s, &auth, &b, "Kiểm tra hộp thư của bạn"),
            heading: "Kiểm tra hộp thư của bạn".into(),
            paragraphs: vec!["Nếu địa chỉ này thuộc một tài khoản, chúng tôi đã gửi tới đó liên kết đặt lại mật khẩu. Liên kết dùng được một lần, trong 30 phút.".into()],
            links: vec![("/dang-nhap".into(), "Đến trang đăng nhập".into())],
        })),
        Err(e) => {
            let mut fs = FormState::with(&[("email", f.email.as_str())]);
            fs.absorb(e)?;
            Ok(render_status(&ForgotPage { c: Chrome::new(&s, &auth, &b, "Quên mật khẩu"), f: fs }, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    c: Chrome,
    f: FormState,
    token: String,
}

pub async fn reset_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Query(q): Query<TokenQuery>,
) -> Response {
    render(&ResetPage {
        c: Chrome::new(&s, &auth, &b, "Đặt mật khẩu mới"),
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

pub async fn reset(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<ResetForm>,
) -> PageResult {
    match s
        .app
        .reset_password(&info.ctx(), &f.token, &f.password, &f.password_again)
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
                    c: Chrome::new(&s, &auth, &b, "Đặt mật khẩu mới"),
                    f: fs,
                    token,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

// ---------------------------------------------------------------- account

struct SessionView {
    current: bool,
    started: String,
    last_seen: String,
    device: String,
}

#[derive(Template)]
#[template(path = "account.html")]
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
    s: &AppState,
    auth: &Auth,
    b: &Binding,
    contact: FormState,
    password: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = signed(auth)?;
    let sessions = s
        .app
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
    let user = s.app.find_user(&sess.user.login).await?;
    let channels = s.app.channels(sess).await?;
    let contact = if contact.errors.is_empty() {
        FormState::with(&[
            ("email", user.email.as_deref().unwrap_or("")),
            ("phone", user.phone.as_deref().unwrap_or("")),
        ])
    } else {
        contact
    };
    let status = if contact.errors.is_empty() && password.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        &AccountPage {
            c: Chrome::new(s, auth, b, "Tài khoản của tôi"),
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

pub async fn account(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    account_page(
        &s,
        &auth,
        &b,
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

pub async fn account_contact(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<ContactForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    match s
        .app
        .change_contact(&info.ctx(), sess, &f.email, &f.phone, &f.current_password)
        .await
    {
        Ok(true) => Ok(Redirect::to("/tai-khoan?tb=email-moi").into_response()),
        Ok(false) => Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response()),
        Err(e) => {
            let mut fs =
                FormState::with(&[("email", f.email.as_str()), ("phone", f.phone.as_str())]);
            fs.absorb(e)?;
            account_page(&s, &auth, &b, fs, FormState::default(), None).await
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

pub async fn account_password(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    match s
        .app
        .change_password(
            &info.ctx(),
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
                s.cookies.set(&s.cookies.session, &new_sid),
            );
            Ok(r)
        }
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            account_page(&s, &auth, &b, FormState::default(), fs, None).await
        }
    }
}

pub async fn account_logout_others(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> PageResult {
    s.app.logout_others(signed(&auth)?).await?;
    Ok(Redirect::to("/tai-khoan?tb=dang-xuat-khac").into_response())
}

// ---------------------------------------------------------------- back office

struct GrantView {
    id: Uuid,
    role: &'static str,
    agency: String,
    unit: String,
    revocable: bool,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHomePage {
    c: Chrome,
    user: User,
    grants: Vec<GrantView>,
    can_admin: bool,
    can_agencies: bool,
    desks: Vec<(Unit, String)>,
    is_reception: bool,
    can_notices: bool,
    /// Holds a processing role (issue 6): has a worklist.
    has_work: bool,
}

async fn names(s: &AppState) -> Result<(Vec<Agency>, Vec<Unit>), WebError> {
    Ok(s.app.agencies_and_units().await?)
}

fn grant_views(
    actor: &motcua_domain::Actor,
    rows: &[motcua_app::GrantRow],
    agencies: &[Agency],
    units: &[Unit],
) -> Vec<GrantView> {
    rows.iter()
        .map(|r| GrantView {
            id: r.id,
            role: r.grant.role.label_vi(),
            agency: agencies
                .iter()
                .find(|a| a.id == r.grant.agency_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            unit: r
                .grant
                .unit_id
                .and_then(|u| units.iter().find(|x| x.id == u))
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            revocable: authorize(
                actor,
                Action::GrantRole(r.grant.role),
                &Target::Agency(r.grant.agency_id),
            )
            .is_ok(),
        })
        .collect()
}

pub async fn staff_home(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let sess = signed(&auth)?;
    let (agencies, units) = names(&s).await?;
    let rows = s.app.active_grants(sess.user.id).await?;
    let grants = grant_views(&sess.actor, &rows, &agencies, &units);
    let can_admin = sess.actor.has_role(Role::AgencyAdmin)
        || sess.actor.has_role(Role::ProvinceAdmin)
        || sess.actor.has_role(Role::Inspector);
    let desks = units
        .iter()
        .filter(|u| {
            u.kind == UnitKind::ReceptionDesk
                && authorize(
                    &sess.actor,
                    Action::ManageDutyRoster,
                    &Target::Agency(u.agency_id),
                )
                .is_ok()
        })
        .filter_map(|u| {
            Some((
                u.clone(),
                agencies
                    .iter()
                    .find(|a| a.id == u.agency_id && a.valid_to.is_none())?
                    .name
                    .clone(),
            ))
        })
        .take(50)
        .collect();
    Ok(render(&StaffHomePage {
        c: Chrome::new(&s, &auth, &b, "Trang cán bộ"),
        user: sess.user.clone(),
        grants,
        can_admin,
        can_agencies: true,
        desks,
        is_reception: sess.actor.has_role(Role::Reception),
        can_notices: sess.actor.has_role(Role::ProvinceAdmin),
        has_work: motcua_app::processing::WORK_ROLES
            .iter()
            .any(|r| sess.actor.has_role(*r)),
    }))
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    c: Chrome,
    nodes: Vec<TreeNode>,
    all: bool,
}

impl AgenciesPage {
    fn date(&self, d: &jiff::civil::Date) -> String {
        format_vn_date(*d)
    }
}

#[derive(Deserialize, Default)]
pub struct AgenciesQuery {
    tat_ca: Option<String>,
}

pub async fn agencies(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Query(q): Query<AgenciesQuery>,
) -> PageResult {
    let sess = signed(&auth)?;
    let all = q.tat_ca.is_some();
    let day = (!all).then(|| vn_date(s.app.now()));
    let nodes = s.app.agency_tree_for(sess, day).await?;
    Ok(render(&AgenciesPage {
        c: Chrome::new(&s, &auth, &b, "Cơ quan, đơn vị"),
        nodes,
        all,
    }))
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    c: Chrome,
    node: TreeNode,
    parent: Option<Agency>,
    can_roster: bool,
}

impl AgencyPage {
    fn date(&self, d: &jiff::civil::Date) -> String {
        format_vn_date(*d)
    }
}

pub async fn agency(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Path(code): Path<String>,
) -> PageResult {
    let sess = signed(&auth)?;
    let tree = s.app.agency_tree_for(sess, None).await?;
    let node = tree
        .iter()
        .find(|n| n.agency.code == code)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let parent = node
        .agency
        .parent_id
        .and_then(|p| tree.iter().find(|n| n.agency.id == p))
        .map(|n| n.agency.clone());
    let can_roster = authorize(
        &sess.actor,
        Action::ManageDutyRoster,
        &Target::Agency(node.agency.id),
    )
    .is_ok();
    Ok(render(&AgencyPage {
        c: Chrome::new(&s, &auth, &b, node.agency.name.clone()),
        node,
        parent,
        can_roster,
    }))
}

struct StaffRow {
    id: Uuid,
    login: String,
    name: String,
    agency: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "staff_list.html")]
struct StaffListPage {
    c: Chrome,
    rows: Vec<StaffRow>,
    can_create: bool,
}

pub async fn staff_list(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let sess = signed(&auth)?;
    let users = s.app.list_staff(sess, None).await?;
    let (agencies, _) = names(&s).await?;
    let rows = users
        .into_iter()
        .map(|u| StaffRow {
            id: u.id,
            agency: u
                .home_agency_id
                .and_then(|h| agencies.iter().find(|a| a.id == h))
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            login: u.login,
            name: u.full_name,
            disabled: u.disabled,
        })
        .collect();
    let can_create =
        sess.actor.has_role(Role::AgencyAdmin) || sess.actor.has_role(Role::ProvinceAdmin);
    Ok(render(&StaffListPage {
        c: Chrome::new(&s, &auth, &b, "Cán bộ, công chức"),
        rows,
        can_create,
    }))
}

#[derive(Template)]
#[template(path = "staff_new.html")]
struct StaffNewPage {
    c: Chrome,
    f: FormState,
    agencies: Vec<Agency>,
}

async fn manageable_agencies(s: &AppState, sess: &Session) -> Result<Vec<Agency>, WebError> {
    let today = vn_date(s.app.now());
    let (agencies, _) = names(s).await?;
    Ok(agencies
        .into_iter()
        .filter(|a| {
            a.is_active_on(today)
                && authorize(&sess.actor, Action::ManageStaff, &Target::Agency(a.id)).is_ok()
        })
        .collect())
}

pub async fn staff_new_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let sess = signed(&auth)?;
    let agencies = manageable_agencies(&s, sess).await?;
    if agencies.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    Ok(render(&StaffNewPage {
        c: Chrome::new(&s, &auth, &b, "Thêm cán bộ"),
        f: FormState::default(),
        agencies,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffForm {
    login: String,
    full_name: String,
    email: String,
    phone: String,
    agency: String,
}

pub async fn staff_new(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Form(f): Form<StaffForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    let n = NewStaff {
        login: f.login.clone(),
        full_name: f.full_name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        home_agency_id: Uuid::parse_str(&f.agency).ok(),
        password: String::new(),
    };
    match s.app.create_staff(&info.ctx(), By::Session(sess), &n).await {
        Ok((user, pw)) => Ok(render(&MessagePage {
            c: Chrome::new(&s, &auth, &b, "Đã tạo tài khoản cán bộ"),
            heading: format!("Đã tạo tài khoản cho {}", user.full_name),
            paragraphs: vec![
                format!("Tên đăng nhập: {}", user.login),
                format!("Mật khẩu ban đầu: {}", pw.unwrap_or_default()),
                "Mật khẩu này chỉ hiện một lần. Hãy trao trực tiếp cho cán bộ và đề nghị đổi ngay sau lần đăng nhập đầu tiên.".into(),
            ],
            links: vec![(format!("/can-bo/nhan-su/{}", user.id), "Giao quyền cho cán bộ".into())],
        })),
        Err(e) => {
            let mut fs = FormState::with(&[("login", f.login.as_str()), ("full_name", f.full_name.as_str()), ("email", f.email.as_str()), ("phone", f.phone.as_str()), ("agency", f.agency.as_str())]);
            fs.absorb(e)?;
            let agencies = manageable_agencies(&s, sess).await?;
            Ok(render_status(&StaffNewPage { c: Chrome::new(&s, &auth, &b, "Thêm cán bộ"), f: fs, agencies }, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "staff_detail.html")]
struct StaffDetailPage {
    c: Chrome,
    user: User,
    home: String,
    grants: Vec<GrantView>,
    roles: Vec<(&'static str, &'static str)>,
    agencies: Vec<Agency>,
    units: Vec<(Unit, String)>,
    can_manage: bool,
    f: FormState,
    notice: Option<&'static str>,
}

async fn staff_detail_page(
    s: &AppState,
    auth: &Auth,
    b: &Binding,
    id: Uuid,
    f: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = signed(auth)?;
    let d = s.app.staff_detail(sess, id).await?;
    let (agencies, units) = names(s).await?;
    let today = vn_date(s.app.now());
    let home_id = d.user.home_agency_id.unwrap_or_default();
    let grantable: Vec<Agency> = agencies
        .iter()
        .filter(|a| {
            a.is_active_on(today)
                && Role::ALL.iter().any(|r| {
                    authorize(&sess.actor, Action::GrantRole(*r), &Target::Agency(a.id)).is_ok()
                })
        })
        .cloned()
        .collect();
    let roles = Role::ALL
        .iter()
        .filter(|r| {
            grantable.iter().any(|a| {
                authorize(&sess.actor, Action::GrantRole(**r), &Target::Agency(a.id)).is_ok()
            })
        })
        .map(|r| (r.as_str(), r.label_vi()))
        .collect();
    let unit_opts = units
        .iter()
        .filter(|u| grantable.iter().any(|a| a.id == u.agency_id))
        .map(|u| {
            (
                u.clone(),
                grantable
                    .iter()
                    .find(|a| a.id == u.agency_id)
                    .map(|a| a.short_name.clone().unwrap_or_else(|| a.name.clone()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        &StaffDetailPage {
            c: Chrome::new(s, auth, b, d.user.full_name.clone()),
            home: agencies
                .iter()
                .find(|a| a.id == home_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            grants: grant_views(&sess.actor, &d.grants, &agencies, &units),
            can_manage: authorize(&sess.actor, Action::ManageStaff, &Target::Agency(home_id))
                .is_ok()
                && sess.user.id != d.user.id,
            user: d.user,
            roles,
            agencies: grantable,
            units: unit_opts,
            f,
            notice: notice(notice_code),
        },
        status,
    ))
}

pub async fn staff_detail(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Path(id): Path<Uuid>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    staff_detail_page(&s, &auth, &b, id, FormState::default(), q.tb.as_deref()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisableForm {
    disabled: String,
}

pub async fn staff_set_disabled(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(id): Path<Uuid>,
    Form(f): Form<DisableForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    s.app.staff_detail(sess, id).await?; // not visible → 404
    let disabled = f.disabled == "1";
    s.app
        .set_disabled(&info.ctx(), By::Session(sess), id, disabled)
        .await?;
    Ok(Redirect::to(&format!(
        "/can-bo/nhan-su/{id}?tb={}",
        if disabled { "da-khoa" } else { "da-mo-khoa" }
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GrantForm {
    role: String,
    agency: String,
    unit: String,
}

pub async fn staff_grant(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Path(id): Path<Uuid>,
    Form(f): Form<GrantForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    s.app.staff_detail(sess, id).await?;
    let Some(role) = Role::parse(&f.role) else {
        let mut fs = FormState::default();
        fs.errors.push(("role".into(), "Chọn vai trò.".into()));
        return staff_detail_page(&s, &auth, &b, id, fs, None).await;
    };
    let Ok(agency_id) = Uuid::parse_str(&f.agency) else {
        let mut fs = FormState::default();
        fs.errors.push(("agency".into(), "Chọn cơ quan.".into()));
        return staff_detail_page(&s, &auth, &b, id, fs, None).await;
    };
    let unit_id = Uuid::parse_str(&f.unit).ok();
    match s
        .app
        .grant_role(
            &info.ctx(),
            By::Session(sess),
            id,
            &Grant {
                role,
                agency_id,
                unit_id,
            },
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/nhan-su/{id}?tb=da-cap-quyen")).into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            staff_detail_page(&s, &auth, &b, id, fs, None).await
        }
    }
}

pub async fn staff_revoke(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(id): Path<Uuid>,
) -> PageResult {
    let sess = signed(&auth)?;
    let row = s.app.grant(id).await?;
    s.app.staff_detail(sess, row.user_id).await?;
    s.app
        .revoke_grant(&info.ctx(), By::Session(sess), id)
        .await?;
    Ok(Redirect::to(&format!("/can-bo/nhan-su/{}?tb=da-thu-hoi", row.user_id)).into_response())
}

struct DutyView {
    id: Uuid,
    name: String,
    login: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    c: Chrome,
    unit: Unit,
    agency: Agency,
    rows: Vec<DutyView>,
    candidates: Vec<User>,
    can_edit: bool,
    f: FormState,
    notice: Option<&'static str>,
}

async fn duty_page(
    s: &AppState,
    auth: &Auth,
    b: &Binding,
    unit_id: Uuid,
    f: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = signed(auth)?;
    let roster = s.app.duty_roster(sess, unit_id).await?;
    let unit = s.app.unit(unit_id).await?;
    let agency = s.app.agency(unit.agency_id).await?;
    let can_edit = authorize(
        &sess.actor,
        Action::ManageDutyRoster,
        &Target::Agency(agency.id),
    )
    .is_ok();
    let candidates = if can_edit {
        s.app.reception_officers(agency.id).await?
    } else {
        Vec::new()
    };
    let rows = roster
        .into_iter()
        .map(|(d, u)| DutyView {
            id: d.id,
            name: u.full_name,
            login: u.login,
            from: format_vn_date(d.starts_on),
            to: d.ends_on.map(format_vn_date).unwrap_or_else(|| "—".into()),
        })
        .collect();
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        &DutyPage {
            c: Chrome::new(s, auth, b, format!("Lịch trực – {}", unit.name)),
            unit,
            agency,
            rows,
            candidates,
            can_edit,
            f,
            notice: notice(notice_code),
        },
        status,
    ))
}

pub async fn duty(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Path(unit): Path<Uuid>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    duty_page(&s, &auth, &b, unit, FormState::default(), q.tb.as_deref()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DutyForm {
    user: String,
    starts_on: String,
    ends_on: String,
}

pub async fn duty_add(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
    Extension(info): Extension<ReqInfo>,
    Path(unit): Path<Uuid>,
    Form(f): Form<DutyForm>,
) -> PageResult {
    let sess = signed(&auth)?;
    let mut fs = FormState::with(&[
        ("starts_on", f.starts_on.as_str()),
        ("ends_on", f.ends_on.as_str()),
    ]);
    let starts: Option<jiff::civil::Date> = f.starts_on.parse().ok();
    let ends: Result<Option<jiff::civil::Date>, _> = if f.ends_on.is_empty() {
        Ok(None)
    } else {
        f.ends_on.parse().map(Some)
    };
    let (Some(starts), Ok(ends), Ok(user)) = (starts, ends, Uuid::parse_str(&f.user)) else {
        fs.errors.push((
            "starts_on".into(),
            "Chọn cán bộ và nhập ngày bắt đầu (và ngày kết thúc nếu có).".into(),
        ));
        return duty_page(&s, &auth, &b, unit, fs, None).await;
    };
    match s
        .app
        .add_duty(&info.ctx(), By::Session(sess), unit, user, starts, ends)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/lich-truc/{unit}?tb=da-them")).into_response()),
        Err(e) => {
            fs.absorb(e)?;
            duty_page(&s, &auth, &b, unit, fs, None).await
        }
    }
}

pub async fn duty_remove(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path((unit, id)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let sess = signed(&auth)?;
    let d = s.app.duty(id).await?;
    if d.unit_id != unit {
        return Err(AppError::NotFound.into());
    }
    s.app
        .remove_duty(&info.ctx(), By::Session(sess), id)
        .await?;
    Ok(Redirect::to(&format!("/can-bo/lich-truc/{unit}?tb=da-xoa")).into_response())
}

// ---------------------------------------------------------------- development

struct MailView {
    to: String,
    subject: String,
    body: String,
    at: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage {
    c: Chrome,
    mails: Vec<MailView>,
}

/// Development only: the e-mails waiting in the outbox, so that a person trying the system on
/// one machine can follow confirmation and reset links without a mail server.
pub async fn dev_mailbox(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(b): Extension<Binding>,
) -> PageResult {
    let mails = s
        .app
        .recent_emails(30)
        .await?
        .into_iter()
        .map(|(to, subject, body, kind, at)| MailView {
            to,
            subject,
            body,
            at: format_vn_datetime(at),
            kind: kind.as_str().to_string(),
        })
        .collect();
    Ok(render(&MailboxPage {
        c: Chrome::new(&s, &auth, &b, "Hộp thư (chế độ phát triển)"),
        mails,
    }))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site() {
        for ok in [
            "/",
            "/ho-so",
            "/ho-so/1?tb=da-nop",
            "/tra-cuu?ma=000.01.01.H53-260302-0001",
        ] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "https://evil.example/",
            "evil.example",
            "/ /evil.example",
            "/a\\b",
            "",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
