//! The back office's home, and the administration of staff: accounts, their roles by agency
//! and unit, locking and unlocking.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use motcua_app::staff::{By, NewStaff};
use motcua_app::{AppError, Session};
use motcua_domain::account::{Role, User};
use motcua_domain::agency::{Agency, Unit, UnitKind};
use motcua_domain::authz::{Action, Grant, Target, authorize};
use motcua_domain::clock::vn_date;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::error::PageError;
use crate::kit::{
    Choice, Chrome, FormState, Link, MessagePage, NoticeQuery, Page, notice, refused_if, render,
    render_status,
};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo", Staff(Action::EnterBackOffice), staff_home)
        .get(
            "/can-bo/nhan-su",
            Staff(Action::EnterBackOffice),
            staff_list,
        )
        .get(
            "/can-bo/nhan-su/moi",
            Staff(Action::EnterBackOffice),
            staff_new_form,
        )
        .post(
            "/can-bo/nhan-su/moi",
            Staff(Action::EnterBackOffice),
            staff_new,
        )
        .get(
            "/can-bo/nhan-su/{id}",
            Staff(Action::EnterBackOffice),
            staff_detail,
        )
        .post(
            "/can-bo/nhan-su/{id}/trang-thai",
            Staff(Action::EnterBackOffice),
            staff_set_disabled,
        )
        .post(
            "/can-bo/nhan-su/{id}/quyen",
            Staff(Action::EnterBackOffice),
            staff_grant,
        )
        .post(
            "/can-bo/quyen/{id}/thu-hoi",
            Staff(Action::EnterBackOffice),
            staff_revoke,
        )
}

/// A unit with the name of its agency.
struct UnitView {
    unit: Unit,
    agency: String,
}

struct GrantView {
    id: Uuid,
    role: &'static str,
    agency: String,
    unit: String,
    revocable: bool,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct StaffHomePage {
    c: Chrome,
    user: User,
    grants: Vec<GrantView>,
    can_admin: bool,
    can_agencies: bool,
    desks: Vec<UnitView>,
    is_reception: bool,
    can_notices: bool,
    /// Holds a processing role: has a worklist.
    has_work: bool,
    /// May read the statistics and the scorecard (R9.6).
    can_report: bool,
    /// May report and follow incidents (R10.7).
    can_incidents: bool,
}

async fn names(p: &Page) -> Result<(Vec<Agency>, Vec<Unit>), PageError> {
    Ok(p.s.app.agencies_and_units().await?)
}

fn grant_views(
    actor: &motcua_domain::Actor,
    rows: &[motcua_app::StaffGrant],
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
            Some(UnitView {
                unit: u.clone(),
                agency: agencies
                    .iter()
                    .find(|a| a.id == u.agency_id && a.valid_to.is_none())?
                    .name
                    .clone(),
            })
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
        can_report: p.s.app.may_read_reports(sess),
        can_incidents: p.s.app.may_report_incidents(sess).is_ok(),
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
#[template(path = "staff/list.html")]
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
#[template(path = "staff/new.html")]
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
            links: vec![Link::new(format!("/can-bo/nhan-su/{}", user.id), "Giao quyền cho cán bộ")],
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
#[template(path = "staff/detail.html")]
struct StaffDetailPage {
    c: Chrome,
    user: User,
    home: String,
    grants: Vec<GrantView>,
    roles: Vec<Choice>,
    agencies: Vec<Agency>,
    units: Vec<UnitView>,
    can_manage: bool,
    second_factor: bool,
    f: FormState,
    notice: Option<&'static str>,
}

/// What the caller may grant: the agencies (active today) where they may grant some role, the
/// roles they may grant at one of them at least, and the units of those agencies.
fn grantable(
    actor: &motcua_domain::Actor,
    (agencies, units): (&[Agency], &[Unit]),
    today: jiff::civil::Date,
) -> (Vec<Agency>, Vec<Choice>, Vec<UnitView>) {
    let may_grant =
        |r: Role, a: &Agency| authorize(actor, Action::GrantRole(r), &Target::Agency(a.id)).is_ok();
    let grantable: Vec<Agency> = agencies
        .iter()
        .filter(|a| a.is_active_on(today) && Role::ALL.iter().any(|r| may_grant(*r, a)))
        .cloned()
        .collect();
    let roles = Role::ALL
        .iter()
        .filter(|r| grantable.iter().any(|a| may_grant(**r, a)))
        .map(|r| Choice::new(r.as_str(), r.label_vi()))
        .collect();
    let units = units
        .iter()
        .filter_map(|u| {
            let a = grantable.iter().find(|a| a.id == u.agency_id)?;
            Some(UnitView {
                unit: u.clone(),
                agency: a.short_name.clone().unwrap_or_else(|| a.name.clone()),
            })
        })
        .collect();
    (grantable, roles, units)
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
    let (grantable, roles, unit_opts) = grantable(&sess.actor, (&agencies, &units), today);
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
            second_factor: d.second_factor,
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
