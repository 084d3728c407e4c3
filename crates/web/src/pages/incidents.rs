//! "Sự cố" (R9.2, R10.7, R14.3): agencies report incidents, the provincial department follows
//! each on its timeline to resolution; personal-data incidents carry their 72-hour clock.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use motcua_app::oversight::Tracked;
use motcua_app::privacy::incidents::NewIncident;
use motcua_domain::authz::Action;
use motcua_domain::clock::format_vn_datetime;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/su-co", Staff(Action::EnterBackOffice), list)
        .post("/can-bo/su-co", Staff(Action::EnterBackOffice), report)
        .get("/can-bo/su-co/{id}", Staff(Action::EnterBackOffice), one)
        .post("/can-bo/su-co/{id}", Staff(Action::EnterBackOffice), update)
}

struct Entry {
    at: String,
    note: String,
    resolves: bool,
}

struct Row {
    id: Uuid,
    agency: String,
    origin: &'static str,
    summary: String,
    impact: String,
    started: String,
    resolved: String,
    public_notice: bool,
    personal_data: bool,
    entries: Vec<Entry>,
}

fn row(t: Tracked) -> Row {
    let i = t.incident;
    Row {
        id: i.id,
        agency: t.agency.unwrap_or_else(|| "Toàn hệ thống".into()),
        origin: i.origin.label_vi(),
        summary: i.summary,
        impact: i.impact,
        started: format_vn_datetime(i.started_at),
        resolved: i.resolved_at.map(format_vn_datetime).unwrap_or_default(),
        public_notice: i.public_notice,
        personal_data: i.personal_data,
        entries: t
            .updates
            .into_iter()
            .map(|u| Entry {
                at: format_vn_datetime(u.at),
                note: u.note,
                resolves: u.resolves,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    agencies: Vec<(String, String)>,
    form: FormState,
    notice: Option<&'static str>,
    /// Only one incident shown (its page).
    single: bool,
    /// Files refused for malware (the provincial department only, R4.4).
    malware: Vec<Malware>,
}

struct Malware {
    at: String,
    source: &'static str,
    who: String,
    dossier: String,
    signature: String,
    scanner: String,
    sha256: String,
}

async fn show(
    p: &Page,
    only: Option<Uuid>,
    form: FormState,
    n: Option<&'static str>,
) -> PageResult {
    let sess = p.session()?;
    let mut all = p.s.app.incidents(sess).await?;
    if let Some(id) = only {
        all.retain(|t| t.incident.id == id);
        if all.is_empty() {
            return Err(motcua_app::AppError::NotFound.into());
        }
    }
    let agencies = super::agency_choices(p).await?;
    let malware = match only {
        Some(_) => vec![],
        None => p.s.app.detections(sess, 50).await?,
    };
    let malware = malware
        .into_iter()
        .map(|d| Malware {
            at: format_vn_datetime(d.at),
            source: d.source,
            who: d.who,
            dossier: d.dossier.unwrap_or_default(),
            signature: d.signature,
            scanner: d.scanner,
            sha256: d.sha256,
        })
        .collect();
    Ok(render(&ListPage {
        malware,
        c: p.chrome("Sự cố"),
        rows: all.into_iter().map(row).collect(),
        agencies,
        form,
        notice: n,
        single: only.is_some(),
    }))
}

pub async fn list(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    show(&p, None, FormState::default(), notice(q.tb.as_deref())).await
}

pub async fn one(p: Page, Path(id): Path<Uuid>, Query(q): Query<NoticeQuery>) -> PageResult {
    show(&p, Some(id), FormState::default(), notice(q.tb.as_deref())).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    agency: String,
    summary: String,
    impact: String,
    /// `YYYY-MM-DDTHH:MM`, Vietnam's time.
    since: String,
    personal_data: String,
    public_notice: String,
}

pub async fn report(p: Page, Form(f): Form<ReportForm>) -> PageResult {
    let sess = p.session()?;
    let now = p.s.app.now();
    let since = f
        .since
        .parse::<jiff::civil::DateTime>()
        .ok()
        .map(motcua_domain::calendar::from_local)
        .unwrap_or(now);
    let n = NewIncident {
        agency: Some(f.agency.clone()).filter(|a| !a.trim().is_empty()),
        personal_data: f.personal_data == "1",
        summary: f.summary.clone(),
        started_at: since.min(now),
        discovered_at: now,
        impact: f.impact.clone(),
        public_notice: f.public_notice == "1",
    };
    match p.s.app.report_incident(&p.ctx(), sess, n).await {
        Ok(i) => Ok(Redirect::to(&format!("/can-bo/su-co/{}?tb=da-luu", i.id)).into_response()),
        Err(e) => {
            let mut fs = FormState::with(&[
                ("agency", &f.agency),
                ("summary", &f.summary),
                ("impact", &f.impact),
                ("since", &f.since),
            ]);
            fs.absorb(e)?;
            show(&p, None, fs, None).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UpdateForm {
    note: String,
    resolves: String,
}

pub async fn update(p: Page, Path(id): Path<Uuid>, Form(f): Form<UpdateForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .update_incident(&p.ctx(), sess, id, &f.note, f.resolves == "1")
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/can-bo/su-co/{id}?tb=da-luu")).into_response()),
        Err(e) => {
            let mut fs = FormState::with(&[("note", &f.note)]);
            fs.absorb(e)?;
            show(&p, Some(id), fs, None).await
        }
    }
}
