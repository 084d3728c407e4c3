//! "Báo cáo năm" (R14): the reports of a year; a report drafted from the figures, edited,
//! with its roadmap of online services, approved and sent by a leader; printable, and as PDF,
//! XLSX and CSV.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::oversight::yearly::{Edit, NewReport, ReportView};
use motcua_domain::authz::Action;
use motcua_domain::catalogue::Classification;
use motcua_domain::clock::{format_vn_date, format_vn_datetime, vn_date};
use motcua_domain::report::{ReportKind, SECTIONS};
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, refused_if, render, render_status};
use crate::report_files::{self, Cell};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    let staff = || Staff(Action::EnterBackOffice);
    Routes::new()
        .get("/can-bo/bao-cao-nam", staff(), list)
        .post("/can-bo/bao-cao-nam", staff(), start)
        .get("/can-bo/bao-cao-nam/{id}", staff(), one)
        .post("/can-bo/bao-cao-nam/{id}", staff(), edit)
        .get("/can-bo/bao-cao-nam/{id}/in", staff(), print)
        .get("/can-bo/bao-cao-nam/{id}/tep/{file}", staff(), file)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    nam: String,
    tb: String,
}

struct Line {
    id: Uuid,
    title: String,
    agency: String,
    kind: &'static str,
    state: &'static str,
    submitted: String,
}

#[derive(Template)]
#[template(path = "yearly/list.html")]
struct ListPage {
    c: Chrome,
    year: i16,
    lines: Vec<Line>,
    /// (code, name) of the agencies the caller writes for; the province's reports when `province`.
    agencies: Vec<(String, String)>,
    province: bool,
    f: FormState,
    notice: Option<&'static str>,
}

async fn list_page(p: &Page, year: i16, f: FormState, n: Option<&'static str>) -> PageResult {
    let sess = p.session()?;
    let l = p.s.app.report_list(sess, year).await?;
    let lines = l
        .reports
        .into_iter()
        .map(|(r, agency)| Line {
            id: r.id,
            title: r.title,
            agency,
            kind: r.kind.label_vi(),
            state: r.state.label_vi(),
            submitted: r.submitted_at.map(format_vn_datetime).unwrap_or_default(),
        })
        .collect();
    let province = l.writes_for.iter().any(|(_, _, root)| *root);
    let agencies = l
        .writes_for
        .into_iter()
        .filter(|(_, _, root)| !root)
        .map(|(code, name, _)| (code, name))
        .collect();
    let status = refused_if(!f.errors.is_empty());
    Ok(render_status(
        &ListPage {
            c: p.chrome(format!("Báo cáo năm {year}")),
            year,
            lines,
            agencies,
            province,
            f,
            notice: n,
        },
        status,
    ))
}

fn year_of(p: &Page, y: &str) -> i16 {
    y.trim()
        .parse()
        .unwrap_or_else(|_| vn_date(p.s.app.now()).year())
}

pub async fn list(p: Page, Query(q): Query<YearQuery>) -> PageResult {
    let year = year_of(&p, &q.nam);
    list_page(&p, year, FormState::default(), notice(Some(&q.tb))).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    kind: String,
    agency: String,
    year: String,
    from: String,
    to: String,
    title: String,
}

pub async fn start(p: Page, Form(f): Form<StartForm>) -> PageResult {
    let sess = p.session()?;
    let year = year_of(&p, &f.year);
    let fs = || {
        FormState::with(&[
            ("kind", &f.kind),
            ("agency", &f.agency),
            ("from", &f.from),
            ("to", &f.to),
            ("title", &f.title),
        ])
    };
    let Some(kind) = ReportKind::parse(&f.kind) else {
        let fs = FormState::refused("kind", "Chọn loại báo cáo.");
        return list_page(&p, year, fs, None).await;
    };
    let day = |s: &str| s.trim().parse::<jiff::civil::Date>().ok();
    let period = match (day(&f.from), day(&f.to)) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    let n = NewReport {
        kind,
        agency: Some(f.agency.clone()).filter(|a| !a.trim().is_empty()),
        year,
        period,
        title: Some(f.title.clone()),
    };
    match p.s.app.start_report(&p.ctx(), sess, &n).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/can-bo/bao-cao-nam/{}?tb=da-lap-bao-cao", r.id))
                .into_response(),
        ),
        Err(e) => {
            let mut s = fs();
            s.absorb(e)?;
            list_page(&p, year, s, None).await
        }
    }
}

/// One part of the report, as a table on the page.
struct Part {
    title: &'static str,
    /// The roadmap, which its writers change beside it.
    roadmap: bool,
    head: Vec<&'static str>,
    rows: Vec<Vec<(String, bool)>>,
}

struct SectionView {
    key: &'static str,
    title: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "yearly/report.html")]
struct ReportPage {
    c: Chrome,
    id: Uuid,
    title: String,
    lead: String,
    version: i32,
    facts: Vec<(&'static str, String)>,
    sections: Vec<SectionView>,
    parts: Vec<Part>,
    /// The roadmap's lines, for their remove buttons.
    roadmap_lines: Vec<(usize, String)>,
    services: Vec<(Uuid, String)>,
    may_write: bool,
    may_submit: bool,
    print: bool,
    f: FormState,
    notice: Option<&'static str>,
}

fn page_of(
    p: &Page,
    v: &ReportView,
    print: bool,
    f: FormState,
    n: Option<&'static str>,
) -> ReportPage {
    let r = &v.report;
    let parts = report_files::sheets(v)
        .into_iter()
        .filter(|s| s.name != report_files::INFO && s.name != report_files::TEXT)
        .map(|s| Part {
            roadmap: s.name == report_files::ROADMAP,
            title: s.title,
            head: s.head,
            rows: s
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|c| match c {
                            Cell::T(t) => (t.clone(), false),
                            Cell::N(x) => (motcua_domain::text::decimal(*x), true),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let edit = v.may_write && !print;
    ReportPage {
        c: p.chrome(r.title.clone()),
        id: r.id,
        title: r.title.clone(),
        lead: format!(
            "{} · {} · kỳ báo cáo {} – {}",
            r.kind.label_vi(),
            v.agency.name,
            format_vn_date(r.from),
            format_vn_date(r.to)
        ),
        version: r.version,
        facts: report_files::facts(v),
        sections: SECTIONS
            .iter()
            .map(|(key, title)| SectionView {
                key,
                title,
                text: match f.v(key) {
                    "" => r.body.section(key).to_string(),
                    typed => typed.to_string(),
                },
            })
            .collect(),
        parts,
        roadmap_lines: r
            .body
            .roadmap
            .iter()
            .enumerate()
            .map(|(i, x)| (i, format!("{} {}", x.code, x.name)))
            .collect(),
        services: v
            .services
            .iter()
            .map(|(id, n, _)| (*id, n.clone()))
            .collect(),
        may_write: edit,
        may_submit: v.may_submit && !print,
        print,
        f,
        notice: n,
    }
}

async fn show(
    p: &Page,
    id: Uuid,
    print: bool,
    f: FormState,
    n: Option<&'static str>,
) -> PageResult {
    let sess = p.session()?;
    let v = p.s.app.report(sess, id).await?;
    let status = refused_if(!f.errors.is_empty());
    Ok(render_status(&page_of(p, &v, print, f, n), status))
}

pub async fn one(p: Page, Path(id): Path<Uuid>, Query(q): Query<NoticeQuery>) -> PageResult {
    show(&p, id, false, FormState::default(), notice(q.tb.as_deref())).await
}

pub async fn print(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let sess = p.session()?;
    let v = p.s.app.report(sess, id).await?;
    Ok(render(&page_of(&p, &v, true, FormState::default(), None)))
}

/// Every change to a report comes through one form field, `do`: `save` (title and sections),
/// `refresh` (figures), `add` and `remove` (roadmap lines), `submit` (approve and send).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    #[serde(rename = "do")]
    action: String,
    version: String,
    title: String,
    results: String,
    problems: String,
    incidents: String,
    proposals: String,
    service: String,
    target: String,
    by: String,
    line: String,
}

pub async fn edit(p: Page, Path(id): Path<Uuid>, Form(f): Form<EditForm>) -> PageResult {
    let sess = p.session()?;
    let version: i32 = f.version.trim().parse().unwrap_or(0);
    let app = &p.s.app;
    let ctx = p.ctx();
    let result = match f.action.as_str() {
        "save" => {
            let sections = [
                ("results", &f.results),
                ("problems", &f.problems),
                ("incidents", &f.incidents),
                ("proposals", &f.proposals),
            ]
            .iter()
            .map(|(k, t)| (k.to_string(), t.to_string()))
            .collect();
            let e = Edit::Text {
                title: f.title.clone(),
                sections,
            };
            app.edit_report(&ctx, sess, id, version, e)
                .await
                .map(|_| "da-luu")
        }
        "refresh" => app
            .edit_report(&ctx, sess, id, version, Edit::Refresh)
            .await
            .map(|_| "da-luu"),
        "add" => match roadmap_line(&f) {
            Ok(e) => app
                .edit_report(&ctx, sess, id, version, e)
                .await
                .map(|_| "da-luu"),
            Err(e) => Err(e),
        },
        "remove" => match f.line.trim().parse::<usize>() {
            Ok(i) => app
                .edit_report(&ctx, sess, id, version, Edit::RemoveRoadmap(i))
                .await
                .map(|_| "da-luu"),
            Err(_) => Err(AppError::NotFound),
        },
        "submit" => app
            .submit_report(&ctx, sess, id, version)
            .await
            .map(|_| "da-gui-bao-cao"),
        _ => Err(AppError::field("do", "Không rõ thao tác.")),
    };
    match result {
        Ok(code) => {
            Ok(Redirect::to(&format!("/can-bo/bao-cao-nam/{id}?tb={code}")).into_response())
        }
        Err(e) => {
            let mut fs = FormState::with(&[
                ("title", &f.title),
                ("results", &f.results),
                ("problems", &f.problems),
                ("incidents", &f.incidents),
                ("proposals", &f.proposals),
                ("by", &f.by),
            ]);
            fs.absorb(e)?;
            show(&p, id, false, fs, None).await
        }
    }
}

fn roadmap_line(f: &EditForm) -> Result<Edit, AppError> {
    let service = f
        .service
        .trim()
        .parse::<Uuid>()
        .map_err(|e| AppError::field("service", format!("Chọn dịch vụ ({e}).")))?;
    let target = Classification::parse(f.target.trim())
        .ok_or_else(|| AppError::field("target", "Chọn mức dự kiến."))?;
    let by =
        f.by.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|e| AppError::field("by", format!("Nhập thời điểm dự kiến (ngày): {e}.")))?;
    Ok(Edit::AddRoadmap {
        service,
        target,
        by,
    })
}

pub async fn file(
    p: Page,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, super::PageError> {
    let sess = p.session()?;
    let v = p.s.app.report(sess, id).await?;
    let format = file.rsplit_once('.').map_or("", |(_, ext)| ext);
    Ok(report_files::respond(&v, format)?)
}
