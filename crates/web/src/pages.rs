//! Server-rendered pages in Vietnamese (UI.md): the public site, the citizen area and the back
//! office. Handlers stay thin: parse, call a use case, render.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
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

use crate::error::PageError;
use crate::kit::{
    Chrome, FormState, MessagePage, NoticeQuery, Page, local_path, notice, refused_if, render,
    render_status,
};

type PageResult = Result<Response, PageError>;

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

pub async fn home(p: Page) -> PageResult {
    let today = vn_date(p.s.app.now());
    let agencies = p.s.app.agency_tree(Some(today)).await?;
    Ok(render(&HomePage {
        c: p.chrome("Trang chủ"),
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

pub async fn login_form(p: Page, Query(q): Query<LoginQuery>) -> Response {
    let next = local_path(q.tiep.as_deref().unwrap_or("/"));
    render(&LoginPage {
        c: p.chrome("Đăng nhập"),
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

pub async fn login(p: Page, Form(f): Form<LoginForm>) -> PageResult {
    let ctx = p.ctx();
    match p.s.app.login(&ctx, &f.login, &f.password).await {
        Ok(done) => {
            // The old session, if any, ends: the new one has a new id (no fixation).
            if let Some(prev) = p.auth.0.as_ref().and_then(|old| old.session_hash.clone()) {
                let _ = p.s.app.end_session(&prev).await;
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
                p.s.cookies.set(&p.s.cookies.session, &done.session_id),
            );
            Ok(r)
        }
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
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
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
#[template(path = "register.html")]
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
            let mut links = vec![("/dang-nhap".to_string(), "Đến trang đăng nhập".to_string())];
            if p.s.app.config.is_dev() {
                links.push((
                    "/dev/hop-thu".into(),
                    "Chế độ phát triển: xem hộp thư đã gửi".into(),
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
#[template(path = "confirm.html")]
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
#[template(path = "forgot.html")]
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
            links: vec![("/dang-nhap".into(), "Đến trang đăng nhập".into())],
        })),
        Err(e) => {
            let mut fs = FormState::with(&[("email", f.email.as_str())]);
            fs.absorb(e)?;
            Ok(render_status(&ForgotPage { c: p.chrome("Quên mật khẩu"), f: fs }, StatusCode::UNPROCESSABLE_ENTITY))
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
    p: &Page,
    contact: FormState,
    password: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = p.session()?;
    let sessions =
        p.s.app
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
    let user = p.s.app.find_user(&sess.user.login).await?;
    let channels = p.s.app.channels(sess).await?;
    let contact = if contact.errors.is_empty() {
        FormState::with(&[
            ("email", user.email.as_deref().unwrap_or("")),
            ("phone", user.phone.as_deref().unwrap_or("")),
        ])
    } else {
        contact
    };
    let status = refused_if(!(contact.errors.is_empty() && password.errors.is_empty()));
    Ok(render_status(
        &AccountPage {
            c: p.chrome("Tài khoản của tôi"),
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

pub async fn account(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    account_page(
        &p,
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

pub async fn account_contact(p: Page, Form(f): Form<ContactForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .change_contact(&p.ctx(), sess, &f.email, &f.phone, &f.current_password)
        .await
    {
        Ok(true) => Ok(Redirect::to("/tai-khoan?tb=email-moi").into_response()),
        Ok(false) => Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response()),
        Err(e) => {
            let mut fs =
                FormState::with(&[("email", f.email.as_str()), ("phone", f.phone.as_str())]);
            fs.absorb(e)?;
            account_page(&p, fs, FormState::default(), None).await
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

pub async fn account_password(p: Page, Form(f): Form<PasswordForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .change_password(
            &p.ctx(),
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
                p.s.cookies.set(&p.s.cookies.session, &new_sid),
            );
            Ok(r)
        }
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            account_page(&p, FormState::default(), fs, None).await
        }
    }
}

pub async fn account_logout_others(p: Page) -> PageResult {
    p.s.app.logout_others(p.session()?).await?;
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

async fn names(p: &Page) -> Result<(Vec<Agency>, Vec<Unit>), PageError> {
    Ok(p.s.app.agencies_and_units().await?)
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

pub async fn staff_home(p: Page) -> PageResult {
    let sess = p.session()?;
    let (agencies, units) = names(&p).await?;
    let rows = p.s.app.active_grants(sess.user.id).await?;
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
        c: p.chrome("Trang cán bộ"),
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

pub async fn agencies(p: Page, Query(q): Query<AgenciesQuery>) -> PageResult {
    let sess = p.session()?;
    let all = q.tat_ca.is_some();
    let day = (!all).then(|| vn_date(p.s.app.now()));
    let nodes = p.s.app.agency_tree_for(sess, day).await?;
    Ok(render(&AgenciesPage {
        c: p.chrome("Cơ quan, đơn vị"),
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

pub async fn agency(p: Page, Path(code): Path<String>) -> PageResult {
    let sess = p.session()?;
    let tree = p.s.app.agency_tree_for(sess, None).await?;
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
        c: p.chrome(node.agency.name.clone()),
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

pub async fn staff_list(p: Page) -> PageResult {
    let sess = p.session()?;
    let users = p.s.app.list_staff(sess, None).await?;
    let (agencies, _) = names(&p).await?;
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
        c: p.chrome("Cán bộ, công chức"),
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

async fn manageable_agencies(p: &Page, sess: &Session) -> Result<Vec<Agency>, PageError> {
    let today = vn_date(p.s.app.now());
    let (agencies, _) = names(p).await?;
    Ok(agencies
        .into_iter()
        .filter(|a| {
            a.is_active_on(today)
                && authorize(&sess.actor, Action::ManageStaff, &Target::Agency(a.id)).is_ok()
        })
        .collect())
}

pub async fn staff_new_form(p: Page) -> PageResult {
    let sess = p.session()?;
    let agencies = manageable_agencies(&p, sess).await?;
    if agencies.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    Ok(render(&StaffNewPage {
        c: p.chrome("Thêm cán bộ"),
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

pub async fn staff_new(p: Page, Form(f): Form<StaffForm>) -> PageResult {
    let sess = p.session()?;
    let n = NewStaff {
        login: f.login.clone(),
        full_name: f.full_name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        home_agency_id: Uuid::parse_str(&f.agency).ok(),
        password: String::new(),
    };
    match p.s.app.create_staff(&p.ctx(), By::Session(sess), &n).await {
        Ok((user, pw)) => Ok(render(&MessagePage {
            c: p.chrome("Đã tạo tài khoản cán bộ"),
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
            let agencies = manageable_agencies(&p, sess).await?;
            Ok(render_status(&StaffNewPage { c: p.chrome("Thêm cán bộ"), f: fs, agencies }, StatusCode::UNPROCESSABLE_ENTITY))
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
    p: &Page,
    id: Uuid,
    f: FormState,
    notice_code: Option<&str>,
) -> PageResult {
    let sess = p.session()?;
    let d = p.s.app.staff_detail(sess, id).await?;
    let (agencies, units) = names(p).await?;
    let today = vn_date(p.s.app.now());
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
    let status = refused_if(!f.errors.is_empty());
    Ok(render_status(
        &StaffDetailPage {
            c: p.chrome(d.user.full_name.clone()),
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
    p: Page,
    Path(id): Path<Uuid>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    staff_detail_page(&p, id, FormState::default(), q.tb.as_deref()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisableForm {
    disabled: String,
}

pub async fn staff_set_disabled(
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<DisableForm>,
) -> PageResult {
    let sess = p.session()?;
    p.s.app.staff_detail(sess, id).await?; // not visible → 404
    let disabled = f.disabled == "1";
    p.s.app
        .set_disabled(&p.ctx(), By::Session(sess), id, disabled)
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

pub async fn staff_grant(p: Page, Path(id): Path<Uuid>, Form(f): Form<GrantForm>) -> PageResult {
    let sess = p.session()?;
    p.s.app.staff_detail(sess, id).await?;
    let Some(role) = Role::parse(&f.role) else {
        let fs = FormState::refused("role", "Chọn vai trò.");
        return staff_detail_page(&p, id, fs, None).await;
    };
    let Ok(agency_id) = Uuid::parse_str(&f.agency) else {
        let fs = FormState::refused("agency", "Chọn cơ quan.");
        return staff_detail_page(&p, id, fs, None).await;
    };
    let unit_id = Uuid::parse_str(&f.unit).ok();
    match p
        .s
        .app
        .grant_role(
            &p.ctx(),
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
            staff_detail_page(&p, id, fs, None).await
        }
    }
}

pub async fn staff_revoke(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let sess = p.session()?;
    let row = p.s.app.grant(id).await?;
    p.s.app.staff_detail(sess, row.user_id).await?;
    p.s.app
        .revoke_grant(&p.ctx(), By::Session(sess), id)
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

async fn duty_page(p: &Page, unit_id: Uuid, f: FormState, notice_code: Option<&str>) -> PageResult {
    let sess = p.session()?;
    let roster = p.s.app.duty_roster(sess, unit_id).await?;
    let unit = p.s.app.unit(unit_id).await?;
    let agency = p.s.app.agency(unit.agency_id).await?;
    let can_edit = authorize(
        &sess.actor,
        Action::ManageDutyRoster,
        &Target::Agency(agency.id),
    )
    .is_ok();
    let candidates = if can_edit {
        p.s.app.reception_officers(agency.id).await?
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
    let status = refused_if(!f.errors.is_empty());
    Ok(render_status(
        &DutyPage {
            c: p.chrome(format!("Lịch trực – {}", unit.name)),
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

pub async fn duty(p: Page, Path(unit): Path<Uuid>, Query(q): Query<NoticeQuery>) -> PageResult {
    duty_page(&p, unit, FormState::default(), q.tb.as_deref()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DutyForm {
    user: String,
    starts_on: String,
    ends_on: String,
}

pub async fn duty_add(p: Page, Path(unit): Path<Uuid>, Form(f): Form<DutyForm>) -> PageResult {
    let sess = p.session()?;
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
        return duty_page(&p, unit, fs, None).await;
    };
    match p
        .s
        .app
        .add_duty(&p.ctx(), By::Session(sess), unit, user, starts, ends)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/lich-truc/{unit}?tb=da-them")).into_response()),
        Err(e) => {
            fs.absorb(e)?;
            duty_page(&p, unit, fs, None).await
        }
    }
}

pub async fn duty_remove(p: Page, Path((unit, id)): Path<(Uuid, Uuid)>) -> PageResult {
    let sess = p.session()?;
    let d = p.s.app.duty(id).await?;
    if d.unit_id != unit {
        return Err(AppError::NotFound.into());
    }
    p.s.app.remove_duty(&p.ctx(), By::Session(sess), id).await?;
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
pub async fn dev_mailbox(p: Page) -> PageResult {
    let mails =
        p.s.app
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
        c: p.chrome("Hộp thư (chế độ phát triển)"),
        mails,
    }))
}
