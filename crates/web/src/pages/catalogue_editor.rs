//! The back office's catalogue editor: procedures as drafts and published versions, the
//! services agencies offer for them, sectors and fields (R10.3, R10.4).
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use motcua_app::catalogue::{SectorView, ServiceRecord};
use motcua_app::catalogue_types::{Version, VersionStatus};
use motcua_app::{AppError, Session};
use motcua_domain::Action;
use motcua_domain::agency::Agency;
use motcua_domain::catalogue::{Channel, Classification};
use motcua_domain::fees::FeeDue;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::PageResult;
use super::catalogue::ProcedurePage;
use crate::error::PageError;
use crate::kit::{Choice, Chrome, FormState, Page, refused_if, render, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(
            "/can-bo/thu-tuc",
            Staff(Action::EnterBackOffice),
            bo_procedures,
        )
        .get(
            "/can-bo/thu-tuc/moi",
            Staff(Action::EnterBackOffice),
            bo_new_form,
        )
        .post(
            "/can-bo/thu-tuc/moi",
            Staff(Action::EnterBackOffice),
            bo_new,
        )
        .get(
            "/can-bo/thu-tuc/{code}",
            Staff(Action::EnterBackOffice),
            bo_edit,
        )
        .post(
            "/can-bo/thu-tuc/{code}",
            Staff(Action::EnterBackOffice),
            bo_save,
        )
        .get(
            "/can-bo/thu-tuc/{code}/xem-truoc",
            Staff(Action::EnterBackOffice),
            bo_preview,
        )
        .post(
            "/can-bo/thu-tuc/{code}/xuat-ban",
            Staff(Action::EnterBackOffice),
            bo_publish,
        )
        .get(
            "/can-bo/thu-tuc/{code}/dich-vu/{agency}",
            Staff(Action::EnterBackOffice),
            bo_service,
        )
        .post(
            "/can-bo/thu-tuc/{code}/dich-vu/{agency}",
            Staff(Action::EnterBackOffice),
            bo_service_save,
        )
        .get("/can-bo/nganh", Staff(Action::ManageSectors), bo_sectors)
        .post(
            "/can-bo/nganh",
            Staff(Action::ManageSectors),
            bo_sector_save,
        )
}

/// A version of a procedure: its number, whether it is published, from when it applies.
struct VersionRow {
    number: i32,
    status: &'static str,
    effective_from: String,
}

fn version_row(v: &Version) -> VersionRow {
    VersionRow {
        number: v.version,
        status: match v.status {
            VersionStatus::Draft => "Bản nháp",
            VersionStatus::Published => "Đã xuất bản",
        },
        effective_from: v
            .effective_from
            .map(motcua_domain::clock::format_vn_date)
            .unwrap_or_default(),
    }
}

/// A procedure the person may edit, with its newest version.
struct ProcedureRow {
    code: String,
    name: String,
    newest: VersionRow,
}

#[derive(Template)]
#[template(path = "catalogue_editor/procedures.html")]
struct BoProceduresPage {
    c: Chrome,
    rows: Vec<ProcedureRow>,
    can_create: bool,
    can_sectors: bool,
}

pub async fn bo_procedures(p: Page) -> PageResult {
    let sess = p.session()?;
    let list = p.s.app.editable_procedures(sess).await?;
    let (agencies, _) = p.s.app.agencies_and_units().await?;
    let can_create = !p.s.app.service_agencies(sess, &agencies).is_empty();
    let rows = list
        .into_iter()
        .map(|(procedure, v)| ProcedureRow {
            code: procedure.code,
            name: v.body.name.clone(),
            newest: version_row(&v),
        })
        .collect();
    let can_sectors = sess.actor.has_role(motcua_domain::Role::ProvinceAdmin);
    Ok(render(&BoProceduresPage {
        c: p.chrome("Thủ tục hành chính"),
        rows,
        can_create,
        can_sectors,
    }))
}

/// An agency offering the procedure online, and at which level.
struct ServiceRow {
    agency_code: String,
    agency: String,
    level: u8,
}

/// An agency the person may configure a service at.
struct AgencyLink {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "catalogue_editor/procedure_edit.html")]
struct BoProcedureEditPage {
    c: Chrome,
    code: String,
    body: String,
    versions: Vec<VersionRow>,
    has_draft: bool,
    services: Vec<ServiceRow>,
    /// Who may own a new procedure.
    owners: Vec<Choice>,
    service_agencies: Vec<AgencyLink>,
    is_new: bool,
    f: FormState,
    today: String,
}

const NEW_TEMPLATE: &str = r#"{
  "code": "1.000000",
  "name": "Tên thủ tục",
  "field": "TP.HT",
  "gov_level": "commune",
  "steps": ["Bước 1: Nộp hồ sơ", "Bước 2: Tiếp nhận, giải quyết", "Bước 3: Trả kết quả"],
  "methods": ["in_person", "online"],
  "components": [{"id": "don", "name": "Đơn đề nghị theo mẫu", "quantity": 1, "original": "original", "required": true}],
  "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 3}}, {"channel": "online", "duration": {"unit": "working_days", "value": 3}}],
  "subjects": ["Công dân Việt Nam"],
  "implementing_agency": "Ủy ban nhân dân cấp xã",
  "deciding_agency": "Ủy ban nhân dân cấp xã",
  "result": "Văn bản trả lời",
  "fees": [{"channel": "in_person", "kind": "charge", "amount": 0}],
  "exemptions": "",
  "forms": [],
  "requirements": "Không",
  "legal_basis": ["Căn cứ pháp lý"],
  "responsibilities": {"applicant": "", "agency": ""},
  "guide": ""
}"#;

/// The agencies whose services the person manages: as owners a new procedure may have (with
/// the province for a common procedure, for its administrator), and as links to their services.
fn editor_agencies(
    p: &Page,
    sess: &Session,
    agencies: &[Agency],
) -> (Vec<Choice>, Vec<AgencyLink>) {
    let mine = p.s.app.service_agencies(sess, agencies);
    let mut owners = Vec::new();
    if sess.actor.has_role(motcua_domain::Role::ProvinceAdmin) {
        owners.push(Choice::new("", "UBND tỉnh (thủ tục chung)"));
    }
    owners.extend(
        mine.iter()
            .map(|a| Choice::new(a.id.to_string(), a.name.clone())),
    );
    let links = mine
        .iter()
        .map(|a| AgencyLink {
            code: a.code.clone(),
            name: a.name.clone(),
        })
        .collect();
    (owners, links)
}

async fn edit_page(p: &Page, code: Option<&str>, body: Option<String>, f: FormState) -> PageResult {
    let sess = p.session()?;
    let (agencies, _) = p.s.app.agencies_and_units().await?;
    let (owners, service_agencies) = editor_agencies(p, sess, &agencies);
    let today = motcua_domain::clock::vn_date(p.s.app.now()).to_string();
    let status = refused_if(!f.errors.is_empty());
    let mut page = BoProcedureEditPage {
        c: p.chrome("Thêm thủ tục"),
        code: String::new(),
        body: String::new(),
        versions: vec![],
        has_draft: false,
        services: vec![],
        owners,
        service_agencies,
        is_new: true,
        f,
        today,
    };
    let Some(code) = code else {
        page.body = body.unwrap_or_else(|| NEW_TEMPLATE.into());
        return Ok(render_status(&page, status));
    };
    let (procedure, versions) = p.s.app.procedure_for_edit(sess, code).await?;
    let newest = versions.first().ok_or(AppError::NotFound)?;
    page.body =
        body.unwrap_or_else(|| serde_json::to_string_pretty(&newest.body).unwrap_or_default());
    page.services = services_of(p, procedure.id, &agencies).await?;
    page.c = p.chrome(format!("Sửa thủ tục {code}"));
    page.code = code.into();
    page.has_draft = versions.iter().any(|v| v.status == VersionStatus::Draft);
    page.versions = versions.iter().map(version_row).collect();
    page.is_new = false;
    Ok(render_status(&page, status))
}

/// The services offering a procedure, with their agencies.
async fn services_of(
    p: &Page,
    procedure_id: Uuid,
    agencies: &[Agency],
) -> Result<Vec<ServiceRow>, PageError> {
    Ok(p.s
        .app
        .services_of_procedure(procedure_id)
        .await?
        .into_iter()
        .filter_map(|sv| {
            let a = agencies.iter().find(|a| a.id == sv.agency_id)?;
            Some(ServiceRow {
                agency_code: a.code.clone(),
                agency: a.name.clone(),
                level: sv.level,
            })
        })
        .collect())
}

pub async fn bo_new_form(p: Page) -> PageResult {
    edit_page(&p, None, None, FormState::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DraftForm {
    body: String,
    owner: String,
}

pub async fn bo_new(p: Page, Form(f): Form<DraftForm>) -> PageResult {
    let sess = p.session()?;
    let owner = Uuid::parse_str(&f.owner).ok();
    match p.s.app.save_draft(&p.ctx(), sess, &f.body, owner).await {
        Ok(v) => {
            Ok(Redirect::to(&format!("/can-bo/thu-tuc/{}?tb=da-luu", v.body.code)).into_response())
        }
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            edit_page(&p, None, Some(f.body), fs).await
        }
    }
}

pub async fn bo_edit(p: Page, Path(code): Path<String>) -> PageResult {
    edit_page(&p, Some(&code), None, FormState::default()).await
}

pub async fn bo_save(p: Page, Path(code): Path<String>, Form(f): Form<DraftForm>) -> PageResult {
    let sess = p.session()?;
    p.s.app.procedure_for_edit(sess, &code).await?;
    let same_code = serde_json::from_str::<Value>(&f.body)
        .ok()
        .and_then(|v| v.get("code").and_then(Value::as_str).map(String::from));
    if same_code.as_deref().is_some_and(|c| c != code) {
        let fs = FormState::refused(
            "body",
            "Không đổi mã thủ tục khi sửa; hãy thêm thủ tục mới.",
        );
        return edit_page(&p, Some(&code), Some(f.body), fs).await;
    }
    match p.s.app.save_draft(&p.ctx(), sess, &f.body, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/thu-tuc/{code}?tb=da-luu")).into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            edit_page(&p, Some(&code), Some(f.body), fs).await
        }
    }
}

pub async fn bo_preview(p: Page, Path(code): Path<String>) -> PageResult {
    let sess = p.session()?;
    let v = p.s.app.procedure_preview(sess, &code).await?;
    Ok(render(&ProcedurePage {
        c: p.chrome(format!("Xem trước: {}", v.version.body.name)),
        v,
        preview: true,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    effective_from: String,
}

pub async fn bo_publish(
    p: Page,
    Path(code): Path<String>,
    Form(f): Form<PublishForm>,
) -> PageResult {
    let sess = p.session()?;
    let mut fs = FormState::default();
    let Ok(date) = f.effective_from.parse::<jiff::civil::Date>() else {
        fs.errors
            .push(("effective_from".into(), "Nhập ngày có hiệu lực.".into()));
        return edit_page(&p, Some(&code), None, fs).await;
    };
    match p.s.app.publish(&p.ctx(), sess, &code, date).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/can-bo/thu-tuc/{code}?tb=da-xuat-ban")).into_response())
        }
        Err(e) => {
            fs.absorb(e)?;
            edit_page(&p, Some(&code), None, fs).await
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue_editor/service_edit.html")]
struct BoServicePage {
    c: Chrome,
    code: String,
    procedure: String,
    agency_code: String,
    agency: String,
    level: u8,
    classification: String,
    online_time: String,
    form_schema: String,
    process: String,
    fee_due: String,
    fee_dues: Vec<Choice>,
    limit: String,
    f: FormState,
}

async fn service_page(
    p: &Page,
    code: &str,
    agency_code: &str,
    posted: Option<&ServiceForm>,
    f: FormState,
) -> PageResult {
    let sess = p.session()?;
    let agency = p.s.app.agency_by_code(agency_code).await?;
    // Another agency's service does not exist for the caller.
    if motcua_domain::authorize(
        &sess.actor,
        motcua_domain::Action::ManageService,
        &motcua_domain::Target::Agency(agency.id),
    )
    .is_err()
    {
        tracing::warn!(event = "authz_fail", user_id = %sess.user.id, "service outside the caller's agencies");
        return Err(AppError::NotFound.into());
    }
    let v = p.s.app.procedure_page(code, false).await?;
    let existing = v.services.iter().find(|x| x.agency.id == agency.id);
    let default_schema = serde_json::json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": format!("Tờ khai {}", v.version.body.name), "type": "object", "properties": {"ho_ten": {"type": "string", "title": "Họ và tên người yêu cầu", "maxLength": 100}}, "required": ["ho_ten"]});
    let pretty = |x: &Value| serde_json::to_string_pretty(x).unwrap_or_default();
    let limit = motcua_domain::catalogue::time_to_result(
        &v.version.body,
        existing.and_then(|e| e.service.online_time.as_ref()),
        Channel::Online,
    )
    .map(|d| d.label_vi())
    .unwrap_or_default();
    let page = BoServicePage {
        c: p.chrome(format!("Dịch vụ công {} – {}", code, agency.name)),
        code: code.into(),
        procedure: v.version.body.name.clone(),
        agency_code: agency.code.clone(),
        agency: agency.name.clone(),
        level: posted.and_then(|p| p.level.parse().ok()).or(existing.map(|e| e.service.level)).unwrap_or(3),
        classification: posted.map(|p| p.classification.clone()).or(existing.map(|e| e.service.classification.as_str().to_string())).unwrap_or_default(),
        online_time: posted.map(|p| p.online_time.clone()).unwrap_or_else(|| existing.and_then(|e| e.service.online_time.as_ref()).map(|t| serde_json::to_string(t).unwrap_or_default()).unwrap_or_default()),
        form_schema: posted.map(|p| p.form_schema.clone()).unwrap_or_else(|| pretty(existing.map(|e| &e.service.form_schema).unwrap_or(&default_schema))),
        process: posted.map(|p| p.process.clone()).unwrap_or_else(|| existing.map(|e| serde_json::to_string_pretty(&e.service.process).unwrap_or_default()).unwrap_or_else(|| "[\n  {\"name\": \"Tiếp nhận hồ sơ\", \"role\": \"reception\", \"unit\": \"MOTCUA\", \"budget\": {\"unit\": \"working_hours\", \"value\": 2}}\n]".into())),
        fee_due: posted.map(|p| p.fee_due.clone()).unwrap_or_else(|| existing.map(|e| e.service.fee_due).unwrap_or_default().as_str().into()),
        fee_dues: FeeDue::ALL.iter().map(|d| Choice::new(d.as_str(), d.label_vi())).collect(),
        limit,
        f,
    };
    let status = refused_if(!page.f.errors.is_empty());
    Ok(render_status(&page, status))
}

pub async fn bo_service(p: Page, Path((code, agency)): Path<(String, String)>) -> PageResult {
    service_page(&p, &code, &agency, None, FormState::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ServiceForm {
    level: String,
    classification: String,
    online_time: String,
    form_schema: String,
    process: String,
    fee_due: String,
}

pub async fn bo_service_save(
    p: Page,
    Path((code, agency)): Path<(String, String)>,
    Form(f): Form<ServiceForm>,
) -> PageResult {
    let sess = p.session()?;
    let mut fs = FormState::default();
    let parsed = (|| -> Result<ServiceRecord, (&'static str, String)> {
        let Ok(level) = f.level.parse::<u8>() else {
            return Err(("level", "Chọn mức độ.".to_string()));
        };
        let online_time = if f.online_time.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(&f.online_time).map_err(|e| {
                (
                    "online_time",
                    format!("Thời hạn trực tuyến chưa đúng cấu trúc: {e}"),
                )
            })?)
        };
        let form_schema: Value = serde_json::from_str(&f.form_schema).map_err(|e| {
            (
                "form_schema",
                format!("Biểu mẫu không phải JSON hợp lệ: {e}"),
            )
        })?;
        let process = serde_json::from_str(&f.process)
            .map_err(|e| ("process", format!("Quy trình chưa đúng cấu trúc: {e}")))?;
        Ok(ServiceRecord {
            procedure: code.clone(),
            agency: agency.clone(),
            level,
            classification: Classification::parse(&f.classification),
            online_time,
            form_schema,
            process,
            // Absent: the default (at acceptance); anything else must be one of the choices.
            fee_due: match f.fee_due.as_str() {
                "" => FeeDue::default(),
                v => FeeDue::parse(v)
                    .ok_or(("fee_due", "Chọn thời điểm nộp phí, lệ phí.".to_string()))?,
            },
        })
    })();
    let r = match parsed {
        Ok(r) => r,
        Err((field, msg)) => {
            fs.errors.push((field.into(), msg));
            return service_page(&p, &code, &agency, Some(&f), fs).await;
        }
    };
    match p.s.app.save_service(&p.ctx(), sess, &r).await {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/thu-tuc/{code}?tb=da-luu")).into_response()),
        Err(e) => {
            fs.absorb(e)?;
            service_page(&p, &code, &agency, Some(&f), fs).await
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue_editor/sectors.html")]
struct BoSectorsPage {
    c: Chrome,
    sectors: Vec<SectorView>,
    f: FormState,
}

pub async fn bo_sectors(p: Page) -> PageResult {
    let sess = p.session()?;
    motcua_domain::authorize(
        &sess.actor,
        motcua_domain::Action::ManageSectors,
        &motcua_domain::Target::None,
    )
    .map_err(AppError::from)?;
    Ok(render(&BoSectorsPage {
        c: p.chrome("Ngành, lĩnh vực"),
        sectors: p.s.app.sectors().await?,
        f: FormState::default(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SectorForm {
    code: String,
    name: String,
    sector: String,
}

pub async fn bo_sector_save(p: Page, Form(f): Form<SectorForm>) -> PageResult {
    let sess = p.session()?;
    let parent = (!f.sector.is_empty()).then_some(f.sector.as_str());
    match p
        .s
        .app
        .save_sector(&p.ctx(), sess, &f.code, &f.name, parent)
        .await
    {
        Ok(()) => Ok(Redirect::to("/can-bo/nganh").into_response()),
        Err(e) => {
            let mut fs = FormState::default();
            fs.absorb(e)?;
            Ok(render_status(
                &BoSectorsPage {
                    c: p.chrome("Ngành, lĩnh vực"),
                    sectors: p.s.app.sectors().await?,
                    f: fs,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}
