//! The processing pages: worklists for reception, leaders and specialists; the staff dossier
//! page with the steps the lifecycle table allows now; the result document; consultation
//! answers.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use motcua_app::dossiers::{DossierView, StagedUpload, TimelineEntry, previewable};
use motcua_app::processing::{
    self, ActionInput, ActionSpec, ConsultationInput, FieldSpec, OptionSpec, RESULT_COMPONENT,
    Seen, StepView, WorkFilter, WorkItem, WorkPanel, WorklistPage,
};
use motcua_app::{AppError, Session};
use motcua_domain::Action;
use motcua_domain::account::Role;
use motcua_domain::deadline::Timeliness;
use motcua_domain::form::Shown;
use motcua_domain::lifecycle::{Act, Stage};
use motcua_domain::record::DossierFile;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::files::{Budget, Receiver, Refusal, Take, receive};
use crate::kit::{Chrome, Page, refused_if, render_status, when};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/viec", Staff(Action::EnterBackOffice), worklist)
        .post(
            "/can-bo/phe-duyet",
            Staff(Action::EnterBackOffice),
            approve_batch,
        )
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
    /// One service's dossiers (its id; empty: all), one stage's (its name).
    thu_tuc: Option<String>,
    buoc: Option<String>,
    /// The step just taken from the list (a proposal returned).
    tb: Option<String>,
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
    panel: WorkPanel,
    filter: WorkFilter,
    /// What a batch of approvals did, dossier by dossier.
    batch: Vec<BatchLine>,
    /// The step just taken from the list, as people name it.
    done: Option<String>,
}

/// One dossier of a batch of approvals: its code and what happened.
struct BatchLine {
    code: String,
    done: bool,
    said: String,
}

impl WorkListPage {
    fn service_selected(&self, id: &Uuid) -> bool {
        self.filter.service == Some(*id)
    }
    fn stage_selected(&self, st: &Stage) -> bool {
        self.filter.stage == Some(*st)
    }
    /// The list's own address with its role, agency and scope, for the filters' links.
    fn base(&self) -> String {
        let mut s = format!(
            "/can-bo/viec?vai_tro={}&co_quan={}",
            self.page.role.as_str(),
            self.page.agency_id
        );
        if self.specialists_view() {
            s.push_str("&pham_vi=chuyen-vien");
        }
        if let Some(sv) = self.filter.service {
            s.push_str(&format!("&thu_tuc={sv}"));
        }
        s
    }
    fn any_to_approve(&self) -> bool {
        self.page.items.iter().any(|i| i.may_approve)
    }
    fn seen(&self, i: &WorkItem) -> String {
        format!("{}:{}", i.row.id, i.row.version)
    }
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

/// "Hồ sơ cần xử lý": the person's worklist, soonest due first (overdue first), narrowed to a
/// service or a stage, with the counts per stage.
pub async fn worklist(p: Page, Query(q): Query<WorkQ>) -> PageResult {
    list_page(&p, q, vec![], StatusCode::OK).await
}

async fn list_page(p: &Page, q: WorkQ, batch: Vec<BatchLine>, status: StatusCode) -> PageResult {
    let se = p.session()?;
    let role = q.vai_tro.as_deref().and_then(Role::parse);
    let scope = match q.pham_vi.as_deref() {
        Some("chuyen-vien") => processing::Scope::Specialists,
        _ => processing::Scope::Mine,
    };
    let filter = WorkFilter {
        service: q.thu_tuc.as_deref().and_then(|x| Uuid::parse_str(x).ok()),
        stage: q.buoc.as_deref().and_then(Stage::parse),
    };
    let app = &p.s.app;
    let page = app
        .worklist(se, role, q.co_quan, scope, filter, q.sau.as_deref(), 50)
        .await?;
    let panel = app
        .worklist_panel(
            se,
            Some(page.role),
            Some(page.agency_id),
            scope,
            filter.service,
        )
        .await?;
    let mut lists = vec![];
    for r in processing::WORK_ROLES {
        for a in se.actor.agencies_with(&[r]) {
            let name = app.agency(a).await.map(|x| x.name).unwrap_or_default();
            lists.push(Worklist {
                role: r.as_str().to_string(),
                label: r.label_vi().to_string(),
                agency_id: a,
                agency: name,
            });
        }
    }
    let consultations = app
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
    Ok(render_status(
        &WorkListPage {
            c: p.chrome("Hồ sơ cần xử lý"),
            page,
            lists,
            consultations,
            panel,
            filter,
            batch,
            done: q
                .tb
                .as_deref()
                .and_then(Act::parse)
                .map(|a| format!("Đã thực hiện: {}.", a.label_vi())),
        },
        status,
    ))
}

/// A leader approves the proposals ticked on their worklist, each as its own step; the list
/// again, saying for each dossier what happened (200 when any went through, else 409).
pub async fn approve_batch(p: Page, RawForm(raw): RawForm) -> PageResult {
    let se = p.session()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let seen: Vec<Seen> = pairs
        .iter()
        .filter(|(k, _)| k == "ho_so")
        .filter_map(|(_, v)| Seen::parse(v))
        .collect();
    let comment = get("comment").unwrap_or_default();
    // The leader's list again (another's, when the caller leads nowhere: their steps were refused).
    let leads = !se.actor.agencies_with(&[Role::Leader]).is_empty();
    let q = WorkQ {
        vai_tro: leads.then(|| Role::Leader.as_str().into()),
        co_quan: get("co_quan").and_then(|a| Uuid::parse_str(&a).ok()),
        ..Default::default()
    };
    let outcomes = match p.s.app.approve_many(&p.ctx(), se, &seen, &comment).await {
        Ok(o) => o,
        Err(AppError::Validation(v)) => {
            let line = BatchLine {
                code: String::new(),
                done: false,
                said: v.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" "),
            };
            return list_page(&p, q, vec![line], StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut lines = vec![];
    for d in outcomes {
        let code = d.code.unwrap_or_else(|| "—".into());
        lines.push(match d.result {
            Ok(_) => BatchLine {
                code,
                done: true,
                said: "Đã phê duyệt.".into(),
            },
            Err(AppError::Conflict(m)) => BatchLine {
                code,
                done: false,
                said: m,
            },
            Err(AppError::NotFound | AppError::Forbidden) => BatchLine {
                code,
                done: false,
                said: "Không có quyền phê duyệt hồ sơ này.".into(),
            },
            // Whatever else went wrong stays this dossier's: the others' steps are done.
            Err(e) => {
                tracing::error!(event = "batch_approval_failed", dossier = %d.id, error = %e, "an approval of a batch failed");
                BatchLine {
                    code,
                    done: false,
                    said: "Không phê duyệt được do lỗi hệ thống; mở hồ sơ để thử lại.".into(),
                }
            }
        });
    }
    let status = match lines.iter().any(|l| l.done) {
        true => StatusCode::OK,
        false => StatusCode::CONFLICT,
    };
    list_page(&p, q, lines, status).await
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
    /// The declaration as shown: identity numbers masked unless asked for.
    declaration: Vec<Shown>,
    masked: bool,
}

impl WorkDossierPage {
    fn file_name(&self, id: &Uuid) -> String {
        self.v
            .files
            .iter()
            .find(|f| f.id == *id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    }
    /// Who checked a paper, and when.
    fn checked_by(&self, id: &Uuid) -> Option<String> {
        let (by, at) = self.v.checked.get(id)?;
        Some(format!("{}, {}", self.name(&Some(*by)), when(*at)))
    }
    /// A supplement request's components start from what reception left (R11.2).
    fn preselected(&self, a: &ActionSpec, o: &OptionSpec) -> bool {
        a.act == Act::RequestSupplement && self.v.to_supplement.contains(&o.value)
    }
    /// Who took a step: the person and the role the lifecycle names.
    fn who(&self, e: &TimelineEntry) -> String {
        let name = e.actor_id.and_then(|i| self.names.get(&i).cloned());
        match (name, e.role) {
            (Some(n), Some(r)) => format!("{n}, {r}"),
            (Some(n), None) => n,
            (None, Some(r)) => r.to_string(),
            (None, None) => String::new(),
        }
    }
    /// A paper shown in the page (an image this side renders), unless it is quarantined.
    fn previewable(&self, f: &DossierFile) -> bool {
        previewable(f.kind) && self.v.quarantined_of(&f.id).is_none()
    }
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

/// The dossier page's `tb` after reception saved its checks.
pub(crate) const CHECKED: &str = "da-kiem-tra";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQ {
    tb: Option<String>,
}

/// What the dossier page says besides the dossier: a step's errors or refusal, what was done,
/// and whether identity numbers were asked for.
#[derive(Default)]
pub(crate) struct Said {
    pub errors: Vec<(String, String)>,
    pub conflict: Option<String>,
    pub done: Option<String>,
    pub reveal: bool,
}

pub(crate) async fn dossier_page(p: &Page, id: Uuid, said: Said, status: StatusCode) -> PageResult {
    let Said {
        errors,
        conflict,
        done,
        reveal,
    } = said;
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
    ids.extend(v.checked.values().map(|(by, _)| *by));
    let names = p.s.app.user_names(&ids).await?;
    let declaration = v.declaration(reveal);
    let masked = declaration.iter().any(|a| a.masked);
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
            declaration,
            masked,
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
    let done = done.or_else(|| {
        (q.tb.as_deref() == Some(CHECKED)).then(|| "Đã lưu giấy tờ đã kiểm tra.".into())
    });
    let said = Said {
        done,
        ..Default::default()
    };
    dossier_page(&p, id, said, StatusCode::OK).await
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
    let said = Said {
        errors,
        conflict,
        ..Default::default()
    };
    dossier_page(p, id, said, status).await
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
        expected_version: None,
    };
    // A step taken from a leader's worklist returns there.
    let back = match get("ve").as_str() {
        "viec" => format!("/can-bo/viec?vai_tro=leader&tb={}", act.as_str()),
        _ => format!("/can-bo/ho-so/{id}?tb={}", act.as_str()),
    };
    let done =
        p.s.app
            .perform(&p.ctx(), se, id, &input)
            .await
            .map(|_| back);
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
