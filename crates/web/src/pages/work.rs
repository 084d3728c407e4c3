//! The processing pages: worklists for reception, leaders and specialists; the staff dossier
//! page with the steps the lifecycle table allows now; the result document; consultation
//! answers.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use motcua_app::dossiers::{DossierView, StagedUpload};
use motcua_app::processing::{
    self, ActionInput, ActionSpec, ConsultationInput, FieldSpec, RESULT_COMPONENT, StepView,
    WorklistPage,
};
use motcua_app::{AppError, Session};
use motcua_domain::Action;
use motcua_domain::account::Role;
use motcua_domain::deadline::Timeliness;
use motcua_domain::lifecycle::Act;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::files::{Budget, Receiver, Refusal, Take, receive};
use crate::kit::{Chrome, Page, refused_if, render, render_status, when};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/viec", Staff(Action::EnterBackOffice), worklist)
        .get(
            "/can-bo/ho-so/{dossier}",
            Staff(Action::EnterBackOffice),
            dossier,
        )
        .post(
            "/can-bo/ho-so/{dossier}/thao-tac",
            Staff(Action::EnterBackOffice),
            perform,
        )
        .post(
            "/can-bo/ho-so/{dossier}/ban-giay",
            Staff(Action::EnterBackOffice),
            papers_received,
        )
        .upload(
            "/can-bo/ho-so/{dossier}/ket-qua",
            Staff(Action::EnterBackOffice),
            upload_result,
        )
        .get(
            "/can-bo/y-kien/{id}",
            Staff(Action::EnterBackOffice),
            answer_form,
        )
        .post(
            "/can-bo/y-kien/{id}",
            Staff(Action::EnterBackOffice),
            answer,
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkQ {
    vai_tro: Option<String>,
    co_quan: Option<Uuid>,
    /// `chuyen-vien`: a leader's view of what the specialists hold.
    pham_vi: Option<String>,
    sau: Option<String>,
}

/// A worklist the person has: a role they hold in an agency.
struct Worklist {
    role: String,
    label: String,
    agency_id: Uuid,
    agency: String,
}

/// An opinion another agency asked for, waiting for an answer.
struct Consultation {
    id: String,
    code: String,
    procedure: String,
    due: String,
}

/// A statutory slip a dossier has: its number (`01`–`05`) and title.
struct SlipLink {
    number: String,
    title: &'static str,
}

#[derive(Template)]
#[template(path = "work/list.html")]
struct WorkListPage {
    c: Chrome,
    page: WorklistPage,
    /// (role, label, agency id, agency name) of each worklist the person has.
    lists: Vec<Worklist>,
    consultations: Vec<Consultation>,
}

impl WorkListPage {
    fn role(&self) -> &str {
        self.page.role.as_str()
    }
    fn specialists_view(&self) -> bool {
        self.page.scope == processing::Scope::Specialists
    }
    fn leader(&self) -> bool {
        self.page.role == Role::Leader
    }
    fn due(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_default()
    }
}

/// "Hồ sơ cần xử lý": the person's worklist, soonest due first, overdue in red.
pub async fn worklist(p: Page, Query(q): Query<WorkQ>) -> PageResult {
    let se = p.session()?;
    let role = q.vai_tro.as_deref().and_then(Role::parse);
    let scope = match q.pham_vi.as_deref() {
        Some("chuyen-vien") => processing::Scope::Specialists,
        _ => processing::Scope::Mine,
    };
    let page =
        p.s.app
            .worklist(se, role, q.co_quan, scope, q.sau.as_deref(), 50)
            .await?;
    let mut lists = vec![];
    for r in processing::WORK_ROLES {
        for a in se.actor.agencies_with(&[r]) {
            let name = p.s.app.agency(a).await.map(|x| x.name).unwrap_or_default();
            lists.push(Worklist {
                role: r.as_str().to_string(),
                label: r.label_vi().to_string(),
                agency_id: a,
                agency: name,
            });
        }
    }
    let consultations =
        p.s.app
            .consultations_for_me(se)
            .await?
            .into_iter()
            .map(|(c, code, procedure)| Consultation {
                id: c.id.to_string(),
                code,
                procedure,
                due: when(c.due_at),
            })
            .collect();
    Ok(render(&WorkListPage {
        c: p.chrome("Hồ sơ cần xử lý"),
        page,
        lists,
        consultations,
    }))
}

#[derive(Template)]
#[template(path = "work/dossier.html")]
struct WorkDossierPage {
    c: Chrome,
    v: DossierView,
    timeliness: Option<Timeliness>,
    steps: Vec<StepView>,
    names: HashMap<Uuid, String>,
    units: HashMap<Uuid, String>,
    /// The steps the person may take now, each with its fields (rendered from the same
    /// description the API gives).
    actions: Vec<ActionSpec>,
    may_attach_result: bool,
    /// The statutory slips that exist for the dossier.
    slips: Vec<SlipLink>,
    errors: Vec<(String, String)>,
    conflict: Option<String>,
    done: Option<String>,
    apology_due: bool,
}

impl WorkDossierPage {
    fn money(&self, m: &i64) -> String {
        super::catalogue::money(*m)
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        when(*t)
    }
    fn opt(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_else(|| "—".into())
    }
    fn name(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_else(|| "—".into())
    }
    fn unit(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.units.get(&i).cloned())
            .unwrap_or_default()
    }
    fn component_name(&self, id: &str) -> String {
        self.v.component_name(id)
    }
    fn mark(&self, t: &Option<Timeliness>) -> &'static str {
        t.map(|x| x.label_vi()).unwrap_or("—")
    }
    fn mark_class(&self, t: &Option<Timeliness>) -> &'static str {
        match t {
            Some(Timeliness::Late) => "late",
            Some(Timeliness::Early) | Some(Timeliness::OnTime) => "ok",
            _ => "",
        }
    }
    fn kind(&self, f: &FieldSpec) -> &'static str {
        f.kind.as_str()
    }
    fn field_id(&self, a: &ActionSpec, f: &FieldSpec) -> String {
        format!("{}-{}", a.act.as_str(), f.name)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQ {
    tb: Option<String>,
}

async fn dossier_page(
    p: &Page,
    id: Uuid,
    errors: Vec<(String, String)>,
    conflict: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> PageResult {
    let se = p.session()?;
    if !se.actor.is_staff() {
        return Err(AppError::NotFound.into());
    }
    let v = p.s.app.dossier(&p.ctx(), se, id).await?;
    let now = p.s.app.now();
    let actions = p.s.app.describe_view_actions(se, &v).await?.actions;
    let steps = processing::steps(&v.events, now);
    let mut ids: Vec<Uuid> = v.events.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(v.row.assignee_id);
    let names = p.s.app.user_names(&ids).await?;
    let units = p.unit_names().await?;
    let apology_due = v.can.apology_due;
    let slips = v
        .can
        .slips
        .iter()
        .map(|f| SlipLink {
            number: f.code(),
            title: f.name(),
        })
        .collect();
    let title = v.row.code.clone().unwrap_or_else(|| "Hồ sơ".into());
    Ok(render_status(
        &WorkDossierPage {
            c: p.chrome(format!("Xử lý hồ sơ {title}")),
            timeliness: v.timeliness,
            may_attach_result: v.can.may_attach_result,
            steps,
            names,
            units,
            actions,
            slips,
            errors,
            conflict,
            done,
            apology_due,
            v,
        },
        status,
    ))
}

/// The staff dossier page: facts, the control sheet, consultations, files and the steps allowed
/// now.
pub async fn dossier(p: Page, Path(id): Path<Uuid>, Query(q): Query<DoneQ>) -> PageResult {
    let done =
        q.tb.as_deref()
            .and_then(Act::parse)
            .map(|a| format!("Đã thực hiện: {}.", a.label_vi()));
    dossier_page(&p, id, vec![], None, done, StatusCode::OK).await
}

/// After a step or an upload: on to `done`, or the dossier page again saying what went wrong
/// (422 with the fields, 409 with the reason).
pub(crate) async fn after_step(p: &Page, id: Uuid, done: Result<String, AppError>) -> PageResult {
    let (errors, conflict, status) = match done {
        Ok(to) => return Ok(Redirect::to(&to).into_response()),
        Err(AppError::Validation(v)) => (
            v.into_iter().map(|(f, m)| (f.to_string(), m)).collect(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::Conflict(m)) => (vec![], Some(m), StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    dossier_page(p, id, errors, conflict, None, status).await
}

/// Performs the step a form on the staff dossier page posts.
pub async fn perform(p: Page, Path(id): Path<Uuid>, RawForm(raw): RawForm) -> PageResult {
    let se = p.session()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let some = |v: String| (!v.is_empty()).then_some(v);
    let consultation = ConsultationInput {
        agency: get("consultations.agency"),
        question: get("consultations.question"),
        due: get("consultations.due"),
        files: all("consultations.files")
            .iter()
            .filter_map(|f| Uuid::parse_str(f).ok())
            .collect(),
        basis: get("consultations.basis"),
    };
    let act = match processing::parse_act(&get("action")) {
        Ok(act) => act,
        Err(e) => return after_step(&p, id, Err(e)).await,
    };
    let input = ActionInput {
        act,
        comment: get("comment"),
        reasons: get("reasons").lines().map(String::from).collect(),
        components: all("components"),
        assignee: Uuid::parse_str(&get("assignee")).ok(),
        consultations: if consultation.agency.is_empty() {
            vec![]
        } else {
            vec![consultation]
        },
        new_date: some(get("new_date")),
        tracking_number: some(get("tracking_number")),
        originals_compared: get("originals_compared") == "1",
        result_document: Uuid::parse_str(&get("result_document")).ok(),
        reported: false,
    };
    let done =
        p.s.app
            .perform(&p.ctx(), se, id, &input)
            .await
            .map(|_| format!("/can-bo/ho-so/{id}?tb={}", act.as_str()));
    after_step(&p, id, done).await
}

/// The specialist uploads the result document (multipart; the CSRF token is in the query).
pub async fn upload_result(
    p: Page,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> PageResult {
    let se = p.session()?;
    let document = ResultDocument { p: &p, se, id };
    let result = receive(
        &p.s,
        (se, Budget::AtStart(id)),
        (&headers, &mut mp),
        document,
    )
    .await;
    let done = result
        .map(|()| format!("/can-bo/ho-so/{id}"))
        .map_err(Refusal::into_inner);
    after_step(&p, id, done).await
}

/// The result document: the first file part, attached under the result component.
struct ResultDocument<'a> {
    p: &'a Page,
    se: &'a Session,
    id: Uuid,
}

impl Receiver for ResultDocument<'_> {
    type Done = ();

    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take {
        match name {
            Some("file") => Take::File(file_name.unwrap_or("ket-qua.pdf").to_string()),
            _ => Take::Skip,
        }
    }

    fn text(&mut self, _: &str, _: String) {}

    async fn file(
        &mut self,
        _part: &str,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<()>, AppError> {
        let (ctx, app) = (self.p.ctx(), &self.p.s.app);
        app.attach(&ctx, self.se, self.id, RESULT_COMPONENT, &name, staged)
            .await?;
        Ok(Some(()))
    }

    async fn finish(self) -> Result<(), AppError> {
        Err(AppError::field("file", "Chọn tệp văn bản kết quả."))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    y_kien: String,
}

#[derive(Template)]
#[template(path = "work/answer.html")]
struct AnswerPage {
    c: Chrome,
    id: Uuid,
    code: String,
    procedure: String,
    question: String,
    due: String,
    error: Option<String>,
}

async fn answer_page(p: &Page, id: Uuid, error: Option<String>) -> PageResult {
    let se = p.session()?;
    let (c, code, procedure) =
        p.s.app
            .consultations_for_me(se)
            .await?
            .into_iter()
            .find(|(c, _, _)| c.id == id)
            .ok_or(AppError::NotFound)?;
    let status = refused_if(error.is_some());
    Ok(render_status(
        &AnswerPage {
            c: p.chrome(format!("Cho ý kiến hồ sơ {code}")),
            id,
            code,
            procedure,
            question: c.question,
            due: when(c.due_at),
            error,
        },
        status,
    ))
}

/// A consulted agency's answer form.
pub async fn answer_form(p: Page, Path(id): Path<Uuid>) -> PageResult {
    answer_page(&p, id, None).await
}

pub async fn answer(
    p: Page,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<AnswerForm>,
) -> PageResult {
    match p
        .s
        .app
        .answer_consultation(&p.ctx(), p.session()?, id, &f.y_kien)
        .await
    {
        Ok(()) => Ok(Redirect::to("/can-bo/viec").into_response()),
        Err(AppError::Validation(v)) => {
            answer_page(&p, id, v.into_iter().next().map(|(_, m)| m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Reception records that the papers sent by post arrived (R7.2a).
pub async fn papers_received(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let done =
        p.s.app
            .receive_papers(&p.ctx(), p.session()?, id)
            .await
            .map(|_| format!("/can-bo/ho-so/{id}"));
    after_step(&p, id, done).await
}
