//! The duty roster of a reception desk: who receives dossiers there, from when to when.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_app::staff::By;
use motcua_domain::account::User;
use motcua_domain::agency::{Agency, Unit};
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::clock::format_vn_date;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(
            "/can-bo/lich-truc/{unit}",
            Staff(Action::EnterBackOffice),
            duty,
        )
        .post(
            "/can-bo/lich-truc/{unit}",
            Staff(Action::EnterBackOffice),
            duty_add,
        )
        .post(
            "/can-bo/lich-truc/{unit}/xoa/{id}",
            Staff(Action::EnterBackOffice),
            duty_remove,
        )
}

struct DutyView {
    id: Uuid,
    name: String,
    login: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "duty/roster.html")]
struct DutyPage {
    c: Chrome,
    unit: Unit,
    agency: Agency,
    rows: Vec<DutyView>,
    candidates: Vec<User>,
    can_edit: bool,
    /// Working days ahead with nobody on duty (R10.6).
    unstaffed: Vec<String>,
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
    let unstaffed = match unit.kind.keeps_duty_roster() {
        true => p.s.app.unstaffed_days(unit.id).await?,
        false => vec![],
    }
    .into_iter()
    .map(format_vn_date)
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
            unstaffed,
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
