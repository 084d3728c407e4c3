//! "Phản ánh, kiến nghị" (R9.4): people send feedback about a service, an officer or their
//! dossier and read the answers; agencies answer what was routed to them; agencies' leaders
//! send proposals to the provincial department.
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use motcua_app::oversight::NewFeedback;
use motcua_domain::authz::Action;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::feedback::{About, Kind, State};
use motcua_domain::record::Feedback;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, FormState, NoticeQuery, Page, notice, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/phan-anh", Signed, mine)
        .post("/phan-anh", Signed, send)
        .post("/phan-anh/{id}/danh-gia", Signed, verdict)
        .get("/can-bo/phan-anh", Staff(Action::EnterBackOffice), agency)
        .post(
            "/can-bo/phan-anh/{id}",
            Staff(Action::EnterBackOffice),
            answer,
        )
}

/// One item as a list shows it.
struct Item {
    id: Uuid,
    kind: &'static str,
    about: &'static str,
    agency: String,
    subject: String,
    body: String,
    created: String,
    due: String,
    state: &'static str,
    open: bool,
    answer: String,
    /// The author may still give a verdict.
    may_rate: bool,
    verdict: &'static str,
}

fn item(f: Feedback, names: &[(Uuid, String)]) -> Item {
    Item {
        id: f.id,
        kind: f.kind.label_vi(),
        about: f.about.label_vi(),
        agency: names
            .iter()
            .find(|(id, _)| *id == f.agency_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        subject: f.subject,
        body: f.body,
        created: format_vn_datetime(f.created_at),
        due: format_vn_datetime(f.due_at),
        state: f.state.label_vi(),
        open: f.state == State::Open,
        answer: f.answer.unwrap_or_default(),
        may_rate: f.state != State::Open && f.satisfied.is_none(),
        verdict: match f.satisfied {
            Some(true) => "Hài lòng",
            Some(false) => "Không hài lòng",
            None => "",
        },
    }
}

async fn agency_names(p: &Page) -> Result<Vec<(Uuid, String)>, super::PageError> {
    Ok(p.s
        .app
        .agencies_and_units()
        .await?
        .0
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect())
}

#[derive(Template)]
#[template(path = "feedback/mine.html")]
struct MinePage {
    c: Chrome,
    items: Vec<Item>,
    agencies: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    abouts: Vec<(&'static str, &'static str)>,
    form: FormState,
    notice: Option<&'static str>,
}

async fn show_mine(p: &Page, form: FormState, n: Option<&'static str>) -> PageResult {
    let sess = p.session()?;
    let names = agency_names(p).await?;
    let items =
        p.s.app
            .my_feedback(sess)
            .await?
            .into_iter()
            .map(|f| item(f, &names))
            .collect();
    let agencies = super::agency_choices(p).await?;
    let people = sess.user.kind.is_public();
    Ok(render(&MinePage {
        c: p.chrome("Phản ánh, kiến nghị"),
        items,
        agencies,
        kinds: Kind::ALL
            .iter()
            .filter(|k| k.from_people() == people)
            .map(|k| (k.as_str(), k.label_vi()))
            .collect(),
        abouts: About::ALL
            .iter()
            .map(|a| (a.as_str(), a.label_vi()))
            .collect(),
        form,
        notice: n,
    }))
}

pub async fn mine(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    show_mine(&p, FormState::default(), notice(q.tb.as_deref())).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SendForm {
    kind: String,
    about: String,
    agency: String,
    dossier: String,
    subject: String,
    body: String,
}

pub async fn send(p: Page, Form(f): Form<SendForm>) -> PageResult {
    let sess = p.session()?;
    let n = NewFeedback {
        kind: f.kind.clone(),
        about: f.about.clone(),
        agency: Some(f.agency.clone()),
        service: None,
        dossier: Some(f.dossier.clone()),
        subject: f.subject.clone(),
        body: f.body.clone(),
    };
    match p.s.app.send_feedback(&p.ctx(), sess, &n).await {
        Ok(_) => Ok(Redirect::to("/phan-anh?tb=da-gui-phan-anh").into_response()),
        Err(e) => {
            let mut fs = FormState::with(&[
                ("kind", &f.kind),
                ("about", &f.about),
                ("agency", &f.agency),
                ("dossier", &f.dossier),
                ("subject", &f.subject),
                ("body", &f.body),
            ]);
            fs.absorb(e)?;
            show_mine(&p, fs, None).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerdictForm {
    satisfied: String,
}

pub async fn verdict(p: Page, Path(id): Path<Uuid>, Form(f): Form<VerdictForm>) -> PageResult {
    let sess = p.session()?;
    p.s.app
        .rate_feedback_answer(&p.ctx(), sess, id, f.satisfied == "1")
        .await?;
    Ok(Redirect::to("/phan-anh?tb=da-luu").into_response())
}

#[derive(Template)]
#[template(path = "feedback/agency.html")]
struct AgencyPage {
    c: Chrome,
    items: Vec<Item>,
    open: usize,
    late: usize,
    form: FormState,
    notice: Option<&'static str>,
}

async fn show_agency(p: &Page, form: FormState, n: Option<&'static str>) -> PageResult {
    let sess = p.session()?;
    let names = agency_names(p).await?;
    let now = p.s.app.now();
    let list = p.s.app.agency_feedback(sess).await?;
    let open = list.iter().filter(|f| f.state == State::Open).count();
    let late = list
        .iter()
        .filter(|f| f.state == State::Open && f.due_at < now)
        .count();
    Ok(render(&AgencyPage {
        c: p.chrome("Phản ánh, kiến nghị gửi cơ quan"),
        items: list.into_iter().map(|f| item(f, &names)).collect(),
        open,
        late,
        form,
        notice: n,
    }))
}

pub async fn agency(p: Page, Query(q): Query<NoticeQuery>) -> PageResult {
    show_agency(&p, FormState::default(), notice(q.tb.as_deref())).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    refuse: String,
}

pub async fn answer(p: Page, Path(id): Path<Uuid>, Form(f): Form<AnswerForm>) -> PageResult {
    let sess = p.session()?;
    match p
        .s
        .app
        .close_feedback(&p.ctx(), sess, id, f.refuse == "1", &f.answer)
        .await
    {
        Ok(_) => Ok(Redirect::to("/can-bo/phan-anh?tb=da-luu").into_response()),
        Err(e) => {
            let mut fs = FormState::with(&[("answer", &f.answer)]);
            fs.absorb(e)?;
            show_agency(&p, fs, None).await
        }
    }
}
