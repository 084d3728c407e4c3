//! The working calendar every deadline is counted on, for the provincial administrator.
use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_domain::Action;
use motcua_domain::clock::{format_vn_date, vn_date};
use serde::Deserialize;

use super::PageResult;
use crate::kit::{Chrome, Page, refused_if, render_status, when};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(
            "/can-bo/lich-lam-viec",
            Staff(Action::ManageCalendar),
            calendar,
        )
        .post(
            "/can-bo/lich-lam-viec",
            Staff(Action::ManageCalendar),
            calendar_save,
        )
}

/// A day off of the year, and why.
struct Holiday {
    date: String,
    name: String,
}

#[derive(Template)]
#[template(path = "calendar/edit.html")]
struct CalendarPage {
    c: Chrome,
    data: String,
    changed: String,
    year: i16,
    holidays: Vec<Holiday>,
    working_weekends: Vec<String>,
    error: Option<String>,
    saved: bool,
}

async fn calendar_page(
    p: &Page,
    data: Option<String>,
    error: Option<String>,
    saved: bool,
) -> PageResult {
    let se = p.session()?;
    let (current, changed) = p.s.app.calendar_data(se).await?;
    let cal = p.s.app.calendar();
    let year = vn_date(p.s.app.now()).year();
    let status = refused_if(error.is_some());
    Ok(render_status(
        &CalendarPage {
            c: p.chrome("Lịch làm việc"),
            data: data.unwrap_or(current),
            changed: changed
                .map(when)
                .unwrap_or_else(|| "dữ liệu cài sẵn".into()),
            year,
            holidays: cal
                .holidays(year)
                .into_iter()
                .map(|(d, name)| Holiday {
                    date: format_vn_date(d),
                    name,
                })
                .collect(),
            working_weekends: cal
                .working_weekend_days(year)
                .into_iter()
                .map(format_vn_date)
                .collect(),
            error,
            saved,
        },
        status,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQ {
    da_luu: Option<String>,
}

/// The working calendar for the provincial administrator: this year's days off and make-up
/// working days, and the data (statutory holidays, yearly decisions, office hours) to edit.
pub async fn calendar(p: Page, Query(q): Query<SavedQ>) -> PageResult {
    calendar_page(&p, None, None, q.da_luu.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarForm {
    data: String,
}

pub async fn calendar_save(p: Page, axum::Form(f): axum::Form<CalendarForm>) -> PageResult {
    match p.s.app.save_calendar(&p.ctx(), p.session()?, &f.data).await {
        Ok(()) => Ok(Redirect::to("/can-bo/lich-lam-viec?da_luu=1").into_response()),
        Err(AppError::Validation(v)) => {
            let m = v.into_iter().next().map(|(_, m)| m);
            calendar_page(&p, Some(f.data), m, false).await
        }
        Err(e) => Err(e.into()),
    }
}
