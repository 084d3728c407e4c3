//! "Dịch vụ công trực tuyến": searching the catalogue, a procedure's page, its forms to
//! download or try online, and an agency's own section (R5.1a, R5.2, R6.1).
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use motcua_app::AppError;
use motcua_app::catalogue::{self as cat, ProcedureSummary, ProcedureView, SectorView, Usage};
use motcua_domain::catalogue::{Channel, Classification, Duration, level_label};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Choice, Chrome, FieldView, Page, field_views, refused_if, render, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/dich-vu-cong", Public, catalogue)
        .get("/dich-vu-cong/{code}", Public, procedure)
        .get("/dich-vu-cong/{code}/mau/{form}", Public, form_download)
        .get("/dich-vu-cong/{code}/bieu-mau/{service}", Public, form_try)
        .post(
            "/dich-vu-cong/{code}/bieu-mau/{service}",
            Public,
            form_check,
        )
        .get("/co-quan/{code}/dich-vu-cong", Public, agency_services)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    nganh: Option<String>,
    linh_vuc: Option<String>,
    co_quan: Option<String>,
    muc_do: Option<String>,
    doi_tuong: Option<String>,
}

impl SearchQuery {
    fn to_query(&self) -> cat::Query {
        let nz = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        cat::Query {
            text: self.q.chars().take(200).collect(),
            sector: nz(&self.nganh),
            field: nz(&self.linh_vuc),
            agency: nz(&self.co_quan),
            level: self
                .muc_do
                .as_deref()
                .and_then(|l| l.parse().ok())
                .filter(|l| (1..=4).contains(l)),
            subject: nz(&self.doi_tuong),
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue/search.html")]
struct CataloguePage {
    c: Chrome,
    q: SearchQuery,
    sectors: Vec<SectorView>,
    agencies: Vec<Choice>,
    results: Vec<ProcedureSummary>,
    searched: bool,
    filtered: bool,
}

pub async fn catalogue(p: Page, Query(q): Query<SearchQuery>) -> PageResult {
    let query = q.to_query();
    let filtered = query.sector.is_some()
        || query.field.is_some()
        || query.agency.is_some()
        || query.level.is_some()
        || query.subject.is_some();
    let searched = filtered
        || !query.text.trim().is_empty()
        || query.sector.is_some()
        || query.field.is_some()
        || query.agency.is_some()
        || query.level.is_some()
        || query.subject.is_some();
    let results = if searched {
        p.s.app.search_catalogue(&query, 100).await?
    } else {
        Vec::new()
    };
    let sectors = p.s.app.sectors().await?;
    let tree =
        p.s.app
            .agency_tree(Some(motcua_domain::clock::vn_date(p.s.app.now())))
            .await?;
    let agencies = tree
        .into_iter()
        .map(|n| Choice::new(n.agency.code, n.agency.name))
        .collect();
    Ok(render(&CataloguePage {
        c: p.chrome("Dịch vụ công trực tuyến"),
        q,
        sectors,
        agencies,
        results,
        searched,
        filtered,
    }))
}

#[derive(Template)]
#[template(path = "catalogue/procedure.html")]
pub(super) struct ProcedurePage {
    pub(super) c: Chrome,
    pub(super) v: ProcedureView,
    pub(super) preview: bool,
}

impl ProcedurePage {
    fn channel(&self, c: &Channel) -> &'static str {
        c.label_vi()
    }
    fn level(&self, l: &u8) -> &'static str {
        level_label(*l)
    }
    fn class_label(&self, c: &Classification) -> &'static str {
        c.label_vi()
    }
    fn dur(&self, d: &Duration) -> String {
        d.label_vi()
    }
    fn date(&self, d: &jiff::civil::Date) -> String {
        motcua_domain::clock::format_vn_date(*d)
    }
    fn money(&self, m: &i64) -> String {
        if *m == 0 {
            "Miễn phí".into()
        } else {
            money(*m)
        }
    }
    fn usage(&self) -> &Usage {
        &self.v.usage
    }
    /// The on-time share, or "—" while nothing has finished.
    fn on_time(&self, u: &Usage) -> String {
        u.on_time_percent()
            .map_or_else(|| "—".into(), |p| format!("{p}%"))
    }
    /// The average office time, or "—" while nothing has finished.
    fn average(&self, u: &Usage) -> String {
        u.average_days().map_or_else(
            || "—".into(),
            |d| format!("{} ngày làm việc", motcua_domain::text::decimal(d)),
        )
    }
    /// The usage figures are published for services that take dossiers online (R5.1b).
    fn shows_usage(&self) -> bool {
        motcua_domain::catalogue::takes_dossiers_online(self.max_level())
    }
    /// The forms are downloadable from level 2 (R5.2).
    fn offers_forms(&self) -> bool {
        motcua_domain::catalogue::offers_forms(self.max_level())
    }
    /// The fees and charges of one way of submitting.
    fn fees_of(&self, c: &Channel) -> Vec<&motcua_domain::catalogue::ChannelFee> {
        (self.v.version.body.fees.iter())
            .filter(|f| f.channel == *c)
            .collect()
    }
    fn max_level(&self) -> u8 {
        self.v
            .services
            .iter()
            .map(|s| s.service.level)
            .max()
            .unwrap_or(0)
    }
}

/// `1.250.000 đ`: dots between thousands, then the currency.
pub fn money(m: i64) -> String {
    motcua_domain::catalogue::money(m)
}

pub async fn procedure(p: Page, Path(code): Path<String>) -> PageResult {
    let v = p.s.app.procedure_page(&code, true).await?;
    Ok(render(&ProcedurePage {
        c: p.chrome(v.version.body.name.clone()),
        v,
        preview: false,
    }))
}

/// Downloads a form: always as an attachment, never rendered in the site's origin.
pub async fn form_download(p: Page, Path((code, form)): Path<(String, String)>) -> PageResult {
    let v = p.s.app.procedure_page(&code, false).await?;
    if v.services
        .iter()
        .map(|s| s.service.level)
        .max()
        .unwrap_or(0)
        < 2
    {
        return Err(AppError::NotFound.into());
    }
    let f = v
        .version
        .body
        .forms
        .iter()
        .find(|f| f.id == form)
        .ok_or(AppError::NotFound)?;
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{}<p><small>{} – {}</small></p></body></html>",
        askama::filters::escape(&f.name, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default(),
        f.content,
        v.version.body.code,
        askama::filters::escape(&v.version.body.name, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    let mut r = html.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let file = format!("{}-{}.html", v.version.body.code.replace('.', "-"), f.id);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"));
    Ok(r)
}

#[derive(Template)]
#[template(path = "catalogue/form_try.html")]
struct FormTryPage {
    c: Chrome,
    code: String,
    procedure: String,
    agency: String,
    service_id: Uuid,
    title: String,
    fields: Vec<FieldView>,
    errors: Vec<(String, String)>,
    ok: bool,
}

async fn form_page(
    p: &Page,
    (code, service): (&str, Uuid),
    answers: &Value,
    errors: Vec<(String, String)>,
    ok: bool,
) -> PageResult {
    let (sv, v) = p.s.app.service(service).await?;
    if v.body.code != code {
        return Err(AppError::NotFound.into());
    }
    let fields = field_views(&sv.form.fields, answers, &errors, "");
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &FormTryPage {
            c: p.chrome(sv.form.title.clone()),
            code: code.into(),
            procedure: v.body.name,
            agency: sv.agency.name,
            service_id: service,
            title: sv.form.title.clone(),
            fields,
            errors,
            ok,
        },
        status,
    ))
}

/// The citizen's form of a service, rendered from its schema, to fill and have checked without
/// submitting anything (the submission is the dossier pages' work).
pub async fn form_try(p: Page, Path((code, service)): Path<(String, Uuid)>) -> PageResult {
    form_page(&p, (&code, service), &Value::Null, vec![], false).await
}

pub async fn form_check(
    p: Page,
    Path((code, service)): Path<(String, Uuid)>,
    RawForm(raw): RawForm,
) -> PageResult {
    let (sv, _) = p.s.app.service(service).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let answers = sv.form.answers_from_pairs(&pairs);
    match sv.form.validate(&answers) {
        Ok(clean) => form_page(&p, (&code, service), &clean, vec![], true).await,
        Err(errors) => form_page(&p, (&code, service), &answers, errors, false).await,
    }
}

#[derive(Template)]
#[template(path = "catalogue/agency_services.html")]
struct AgencyServicesPage {
    c: Chrome,
    agency: motcua_domain::agency::Agency,
    list: Vec<ProcedureSummary>,
}

/// An agency's own section: the services it offers (R6.1), for its portal to link to.
pub async fn agency_services(p: Page, Path(code): Path<String>) -> PageResult {
    let (agency, list) = p.s.app.agency_services(&code).await?;
    Ok(render(&AgencyServicesPage {
        c: p.chrome(format!("Dịch vụ công – {}", agency.name)),
        agency,
        list,
    }))
}
