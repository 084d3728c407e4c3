//! The processing pages (issue 6): worklists for reception, leaders and specialists; the staff
//! dossier page with the steps the lifecycle table allows now; consultation answers; the six
//! statutory slips of Circular 01/2018 (A5, with a QR code to the look-up); the working calendar.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::dossiers::DossierView;
use motcua_app::dossiers::StagedUpload;
use motcua_app::processing::{
    self as p, ActionInput, ActionSpec, ConsultationInput, FieldSpec, RESULT_COMPONENT, StepView,
    WorklistPage,
};
use motcua_app::{AppError, Session};
use motcua_domain::account::Role;
use motcua_domain::clock::{format_vn_date, vn_date};
use motcua_domain::deadline::Timeliness;
use motcua_domain::dossier::{slip_name, slip_title};
use motcua_domain::lifecycle::Act;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::PageError;
use crate::files::{Budget, Receiver, Refusal, Take, receive};
use crate::kit::{Chrome, Page, qr_svg, refused_if, render, render_status, when};

type PageResult = Result<Response, PageError>;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkQ {
    vai_tro: Option<String>,
    co_quan: Option<Uuid>,
    /// `chuyen-vien`: a leader's view of what the specialists hold.
    pham_vi: Option<String>,
    sau: Option<String>,
}

#[derive(Template)]
#[template(path = "work_list.html")]
struct WorkListPage {
    c: Chrome,
    page: WorklistPage,
    /// (role, label, agency id, agency name) of each worklist the person has.
    lists: Vec<(String, String, Uuid, String)>,
    consultations: Vec<(String, String, String, String)>,
}

impl WorkListPage {
    fn role(&self) -> &str {
        self.page.role.as_str()
    }
    fn specialists_view(&self) -> bool {
        self.page.scope == p::Scope::Specialists
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
        Some("chuyen-vien") => p::Scope::Specialists,
        _ => p::Scope::Mine,
    };
    let page =
        p.s.app
            .worklist(se, role, q.co_quan, scope, q.sau.as_deref(), 50)
            .await?;
    let mut lists = vec![];
    for r in p::WORK_ROLES {
        for a in se.actor.agencies_with(&[r]) {
            let name = p.s.app.agency(a).await.map(|x| x.name).unwrap_or_default();
            lists.push((r.as_str().to_string(), r.label_vi().to_string(), a, name));
        }
    }
    let consultations =
        p.s.app
            .consultations_for_me(se)
            .await?
            .into_iter()
            .map(|(c, code, procedure)| (c.id.to_string(), code, procedure, when(c.due_at)))
            .collect();
    Ok(render(&WorkListPage {
        c: p.chrome("Hồ sơ cần xử lý"),
        page,
        lists,
        consultations,
    }))
}

#[derive(Template)]
#[template(path = "work_dossier.html")]
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
    /// The statutory slips that exist for the dossier: (number, title).
    slips: Vec<(String, &'static str)>,
    errors: Vec<(String, String)>,
    conflict: Option<String>,
    done: Option<String>,
    apology_due: bool,
}

impl WorkDossierPage {
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

#[allow(clippy::too_many_arguments)] // the page's three outcomes share one builder
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
    let v = p.s.app.dossier(se, id).await?;
    let now = p.s.app.now();
    let actions = p.s.app.action_specs(se, id).await?.actions;
    let steps = p::steps(&v.events, now);
    let mut ids: Vec<Uuid> = v.events.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(v.row.assignee_id);
    let names = p.s.app.user_names(&ids).await?;
    let units =
        p.s.app
            .agencies_and_units()
            .await?
            .1
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
    let apology_due = actions.iter().any(|a| a.act == Act::Apologise)
        && p.s.app.apology_due(&v.agency.code, &v.row, now);
    let slips = v
        .slips()
        .into_iter()
        .map(|f| (format!("{f:02}"), slip_name(f)))
        .collect();
    let title = v.row.code.clone().unwrap_or_else(|| "Hồ sơ".into());
    Ok(render_status(
        &WorkDossierPage {
            c: p.chrome(format!("Xử lý hồ sơ {title}")),
            timeliness: v.timeliness,
            may_attach_result: p.s.app.may_attach_result(se, &v.row),
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
async fn after_step(p: &Page, id: Uuid, done: Result<String, AppError>) -> PageResult {
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
    };
    let input = ActionInput {
        action: get("action"),
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
    };
    let done =
        p.s.app
            .perform(&p.ctx(), se, id, &input)
            .await
            .map(|_| format!("/can-bo/ho-so/{id}?tb={}", input.action.trim()));
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
        (se, id),
        Budget::AtStart,
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

    async fn file(&mut self, name: String, staged: StagedUpload) -> Result<Option<()>, AppError> {
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
#[template(path = "work_answer.html")]
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

/// One of the statutory slips (Circular 01/2018, forms 01–05), A5.
#[derive(Template)]
#[template(path = "slip.html")]
struct SlipPage {
    c: Chrome,
    form: u8,
    v: DossierView,
    qr: String,
    lookup_url: String,
    items: Vec<String>,
    new_date: String,
    officer: String,
    steps: Vec<StepView>,
    names: HashMap<Uuid, String>,
    units: HashMap<Uuid, String>,
    today: String,
}

impl SlipPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        when(*t)
    }
    fn opt(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_default()
    }
    fn name(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }
    fn unit(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.units.get(&i).cloned())
            .unwrap_or_default()
    }
    fn mark(&self, t: &Option<Timeliness>) -> &'static str {
        t.map(|x| x.label_vi()).unwrap_or("")
    }
    fn title(&self) -> &'static str {
        slip_title(self.form)
    }
    fn received(&self) -> Vec<(String, usize)> {
        self.v
            .version
            .body
            .components
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    self.v
                        .files
                        .iter()
                        .filter(|f| f.component_id == c.id)
                        .count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// The slip `so` (01–05) of a dossier, for whoever may see it; the control sheet (05) is for
/// staff. A slip whose event has not happened is not found.
pub async fn slip(p: Page, Path((id, so)): Path<(Uuid, String)>) -> PageResult {
    let se = p.session()?;
    let form: u8 = match so.as_str() {
        "01" => 1,
        "02" => 2,
        "03" => 3,
        "04" => 4,
        "05" => 5,
        _ => return Err(AppError::NotFound.into()),
    };
    let v = p.s.app.dossier(se, id).await?;
    let code = v.row.code.clone().ok_or(AppError::NotFound)?;
    let event = v.slip_event(form);
    let strings = |val: Option<&serde_json::Value>| -> Vec<String> {
        val.and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let data = event.and_then(|e| e.data.as_ref());
    let items = match form {
        2 => strings(v.row.supplement.as_ref().and_then(|x| x.get("items"))),
        3 | 4 => strings(data.and_then(|d| d.get("reasons"))),
        _ => vec![],
    };
    let new_date = match form {
        4 => data
            .and_then(|d| d.get("new_date"))
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<jiff::Timestamp>().ok())
            .map(when)
            .unwrap_or_default(),
        _ => String::new(),
    };
    let event = event.ok_or(AppError::NotFound)?;
    let mut ids: Vec<Uuid> = v.events.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(event.actor_id);
    let names = if se.actor.is_staff() || form != 5 {
        p.s.app.user_names(&ids).await?
    } else {
        HashMap::new()
    };
    let officer = event
        .actor_id
        .and_then(|a| names.get(&a).cloned())
        .unwrap_or_default();
    let units =
        p.s.app
            .agencies_and_units()
            .await?
            .1
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
    let lookup_url = format!(
        "{}/tra-cuu?ma={}",
        p.s.app.config.public_url.trim_end_matches('/'),
        code
    );
    let now = p.s.app.now();
    Ok(render(&SlipPage {
        c: p.chrome(format!("{} {code}", slip_title(form))),
        form,
        qr: qr_svg(&lookup_url),
        lookup_url,
        items,
        new_date,
        officer,
        steps: p::steps(&v.events, now),
        names,
        units,
        today: format_vn_date(vn_date(now)),
        v,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterQ {
    co_quan: Option<Uuid>,
    tu: Option<String>,
    den: Option<String>,
}

#[derive(Template)]
#[template(path = "register_book.html")]
struct RegisterPage {
    c: Chrome,
    agency: String,
    from: String,
    to: String,
    rows: Vec<motcua_app::processing::RegisterRow>,
}

impl RegisterPage {
    fn opt(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_default()
    }
}

/// Form 06, the dossier tracking register (A4): the desk's dossiers received in a date range.
pub async fn register(p: Page, Query(q): Query<RegisterQ>) -> PageResult {
    let se = p.session()?;
    let today = vn_date(p.s.app.now());
    let parse = |x: &Option<String>| {
        x.as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    };
    let from = parse(&q.tu).unwrap_or(today.first_of_month());
    let to = parse(&q.den).unwrap_or(today);
    let (agency, rows) = p.s.app.register_book(se, q.co_quan, from, to).await?;
    Ok(render(&RegisterPage {
        c: p.chrome("Sổ theo dõi hồ sơ"),
        agency,
        from: from.to_string(),
        to: to.to_string(),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "calendar_edit.html")]
struct CalendarPage {
    c: Chrome,
    data: String,
    changed: String,
    year: i16,
    holidays: Vec<(String, String)>,
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
                .map(|(d, n)| (format_vn_date(d), n))
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
