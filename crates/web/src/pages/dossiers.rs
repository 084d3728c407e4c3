//! The citizen's dossier pages: submission in steps (form, files, review with the
//! declaration), "Hồ sơ của tôi", the dossier page, withdrawal and the postal cover sheet.
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, RawForm};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use motcua_app::dossiers::{DossierView, StagedUpload};
use motcua_app::{AppError, Session};
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::dossier::{DECLARATION, national_label};
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use super::delivery::ChoiceFields;
use crate::files::{Budget, Receiver, Refusal, Take, file_response, receive};
use crate::kit::{
    Chrome, FieldView, Page, field_views, kb, lower_first, refused_if, render, render_status,
};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/ho-so/moi", PublicAccount, start)
        .post("/ho-so/moi", PublicAccount, create)
        .get("/ho-so", PublicAccount, list)
        .get("/ho-so/{dossier}", Signed, page)
        .get("/ho-so/{dossier}/to-khai", PublicAccount, form)
        .post("/ho-so/{dossier}/to-khai", PublicAccount, form_save)
        .get("/ho-so/{dossier}/giay-to", PublicAccount, files)
        .upload("/ho-so/{dossier}/giay-to", PublicAccount, upload)
        .post(
            "/ho-so/{dossier}/giay-to/{file}/xoa",
            PublicAccount,
            remove_file,
        )
        .post(
            "/ho-so/{dossier}/giay-to/tu-kho",
            PublicAccount,
            from_wallet,
        )
        .get("/ho-so/{dossier}/nop", PublicAccount, review)
        .post("/ho-so/{dossier}/nop", PublicAccount, submit)
        .get("/ho-so/{dossier}/tep/{file}", Signed, download)
        .post("/ho-so/{dossier}/rut", PublicAccount, withdraw)
        .get("/ho-so/{dossier}/phieu-gui", Signed, cover)
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    dich_vu: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "dossiers/start.html")]
struct StartPage {
    c: Chrome,
    service: Uuid,
    procedure: String,
    agency: String,
    level: u8,
}

/// The start of a submission: what the person is about to do.
pub async fn start(p: Page, Query(q): Query<StartQuery>) -> PageResult {
    let id = q.dich_vu.ok_or(AppError::NotFound)?;
    let (sv, v) = p.s.app.service(id).await?;
    Ok(render(&StartPage {
        c: p.chrome("Nộp hồ sơ trực tuyến"),
        service: id,
        procedure: v.body.name,
        agency: sv.agency.name,
        level: sv.service.level,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    service: String,
}

pub async fn create(p: Page, Form(f): Form<StartForm>) -> PageResult {
    let Ok(id) = Uuid::parse_str(&f.service) else {
        return Err(AppError::NotFound.into());
    };
    let d =
        p.s.app
            .create_draft(&p.ctx(), p.session()?, id, serde_json::json!({}))
            .await?;
    Ok(Redirect::to(&format!("/ho-so/{}/to-khai", d.id)).into_response())
}

#[derive(Template)]
#[template(path = "dossiers/form.html")]
struct FormPage {
    c: Chrome,
    v: DossierView,
    fields: Vec<FieldView>,
    errors: Vec<(String, String)>,
    saved: bool,
}

pub async fn form(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let v = p.s.app.dossier(&p.ctx(), p.session()?, id).await?;
    if !v.can.may_edit {
        return Ok(Redirect::to(&format!("/ho-so/{id}")).into_response());
    }
    let fields = field_views(&v.form.fields, &v.row.form, &[], "");
    Ok(render(&FormPage {
        c: p.chrome(v.form.title.clone()),
        fields,
        v,
        errors: vec![],
        saved: false,
    }))
}

/// Saves the answers as a draft whatever their state; moves on only when they are valid.
pub async fn form_save(p: Page, Path(id): Path<Uuid>, RawForm(raw): RawForm) -> PageResult {
    let se = p.session()?;
    let v = p.s.app.dossier(&p.ctx(), se, id).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let answers = v.form.answers_from_pairs(&pairs);
    let next = pairs.iter().any(|(k, v)| k == "buoc" && v == "tiep");
    p.s.app.save_form(se, id, answers.clone()).await?;
    match v.form.validate(&answers) {
        Ok(_) if next => Ok(Redirect::to(&format!("/ho-so/{id}/giay-to")).into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{id}/to-khai?tb=da-luu")).into_response()),
        Err(errors) if next => {
            let v = p.s.app.dossier(&p.ctx(), se, id).await?;
            let fields = field_views(&v.form.fields, &answers, &errors, "");
            Ok(render_status(
                &FormPage {
                    c: p.chrome(v.form.title.clone()),
                    fields,
                    v,
                    errors,
                    saved: true,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(_) => Ok(Redirect::to(&format!("/ho-so/{id}/to-khai?tb=da-luu")).into_response()),
    }
}

#[derive(Template)]
#[template(path = "dossiers/files.html")]
struct FilesPage {
    c: Chrome,
    v: DossierView,
    error: Option<String>,
    max_mb: u64,
    /// The person's wallet, to attach from instead of uploading again.
    wallet: Vec<motcua_app::dossiers::WalletPaper>,
}

impl FilesPage {
    fn files_of(&self, component: &str) -> Vec<&motcua_domain::record::DossierFile> {
        self.v
            .files
            .iter()
            .filter(|f| f.component_id == component)
            .collect()
    }
    fn needed(&self, component: &str) -> bool {
        self.v.needed.iter().any(|c| c.id == component)
    }
    fn allowed(&self, component: &str) -> bool {
        self.v.is_draft() || self.v.requested().iter().any(|c| c == component)
    }
    fn kb(&self, n: &i64) -> String {
        kb(*n)
    }
}

async fn files_page(p: &Page, id: Uuid, error: Option<String>) -> PageResult {
    let se = p.session()?;
    let v = p.s.app.dossier(&p.ctx(), se, id).await?;
    let wallet = if v.can.may_edit {
        p.s.app.wallet_for(se, id).await?
    } else {
        vec![]
    };
    let status = refused_if(error.is_some());
    Ok(render_status(
        &FilesPage {
            c: p.chrome("Giấy tờ kèm theo"),
            v,
            error,
            max_mb: p.s.app.config.dossiers.max_file_mb,
            wallet,
        },
        status,
    ))
}

pub async fn files(p: Page, Path(id): Path<Uuid>) -> PageResult {
    files_page(&p, id, None).await
}

/// Uploads one or more files for a component (multipart; the CSRF token is in the query).
pub async fn upload(
    p: Page,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> PageResult {
    let se = p.session()?;
    let files = ComponentFiles {
        p: &p,
        se,
        id,
        component: String::new(),
        any: false,
    };
    let result = receive(&p.s, (se, Budget::PerFile(id)), (&headers, &mut mp), files).await;
    match result.map_err(Refusal::into_inner) {
        Ok(()) => Ok(Redirect::to(&format!("/ho-so/{id}/giay-to")).into_response()),
        Err(AppError::Validation(v)) => {
            files_page(&p, id, v.into_iter().next().map(|(_, m)| m)).await
        }
        Err(AppError::Conflict(m)) => files_page(&p, id, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

/// The files of one component, each attached as it arrives (a file part without a name is an
/// empty file input, left out).
struct ComponentFiles<'a> {
    p: &'a Page,
    se: &'a Session,
    id: Uuid,
    component: String,
    any: bool,
}

impl Receiver for ComponentFiles<'_> {
    type Done = ();

    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take {
        match (name, file_name.unwrap_or("")) {
            (Some("component"), _) => Take::Text,
            (Some("file"), "") => Take::Skip,
            (Some("file"), file_name) => Take::File(file_name.to_string()),
            _ => Take::Skip,
        }
    }

    fn text(&mut self, _: &str, value: String) {
        self.component = value;
    }

    async fn file(
        &mut self,
        _part: &str,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<()>, AppError> {
        let (ctx, app) = (self.p.ctx(), &self.p.s.app);
        app.attach(&ctx, self.se, self.id, &self.component, &name, staged)
            .await?;
        self.any = true;
        Ok(None)
    }

    async fn finish(self) -> Result<(), AppError> {
        if self.any {
            Ok(())
        } else {
            Err(AppError::field("file", "Chọn ít nhất một tệp."))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FromWalletForm {
    component: String,
    paper: String,
}

/// Attaches a paper of the person's wallet to a component, without uploading it again.
pub async fn from_wallet(
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<FromWalletForm>,
) -> PageResult {
    let Ok(paper) = Uuid::parse_str(&f.paper) else {
        return files_page(&p, id, Some("Chọn một giấy tờ trong kho.".into())).await;
    };
    let done =
        p.s.app
            .attach_from_wallet(&p.ctx(), p.session()?, id, &f.component, paper)
            .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{id}/giay-to")).into_response()),
        Err(AppError::Validation(v)) => {
            files_page(&p, id, v.into_iter().next().map(|(_, m)| m)).await
        }
        Err(AppError::Conflict(m)) => files_page(&p, id, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_file(p: Page, Path((id, file)): Path<(Uuid, Uuid)>) -> PageResult {
    p.s.app
        .remove_file(&p.ctx(), p.session()?, id, file)
        .await?;
    Ok(Redirect::to(&format!("/ho-so/{id}/giay-to")).into_response())
}

#[derive(Template)]
#[template(path = "dossiers/review.html")]
struct ReviewPage {
    c: Chrome,
    v: DossierView,
    rf: super::delivery::ResultForm,
    answers: Vec<Answer>,
    errors: Vec<String>,
    declaration: &'static str,
    key: String,
}

impl ReviewPage {
    fn has_file(&self, component: &str) -> bool {
        self.v.files.iter().any(|f| f.component_id == component)
    }
}

/// A question of the form and the person's answer, as the review and the dossier page list them.
struct Answer {
    label: String,
    value: String,
}

/// The declaration as its owner checks it before submitting: the same rule as the staff page's
/// (`FormSpec::shown`), whole, a repeated group's rows on one line each.
fn answer_rows(v: &DossierView) -> Vec<Answer> {
    v.declaration(true)
        .into_iter()
        .map(|a| Answer {
            value: match a.table() {
                Some((_, [])) => motcua_domain::form::NONE.into(),
                Some((_, rows)) => rows
                    .iter()
                    .map(|r| r.join(" – "))
                    .collect::<Vec<_>>()
                    .join("; "),
                None => a.text().unwrap_or_default().to_string(),
            },
            label: a.label,
        })
        .collect()
}

async fn review_page(
    p: &Page,
    id: Uuid,
    sent: Option<&ChoiceFields>,
    errors: Vec<String>,
) -> PageResult {
    let v = p.s.app.dossier(&p.ctx(), p.session()?, id).await?;
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &ReviewPage {
            c: p.chrome("Kiểm tra và nộp hồ sơ"),
            rf: super::delivery::ResultForm::of(&v, sent),
            answers: answer_rows(&v),
            v,
            errors,
            declaration: DECLARATION,
            key: Uuid::new_v4().to_string(),
        },
        status,
    ))
}

pub async fn review(p: Page, Path(id): Path<Uuid>) -> PageResult {
    review_page(&p, id, None, vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SubmitForm {
    cam_doan: String,
    /// At level 4, the unsigned papers go by post (R7.2a).
    buu_chinh: String,
    khoa: String,
    /// How the result is received (R8.2).
    #[serde(flatten)]
    result: ChoiceFields,
}

/// Submits; a double click carries the same key and lands on the same dossier.
pub async fn submit(p: Page, Path(id): Path<Uuid>, Form(f): Form<SubmitForm>) -> PageResult {
    let key = (!f.khoa.is_empty()).then_some(f.khoa.as_str());
    match p
        .s
        .app
        .submit(
            &p.ctx(),
            p.session()?,
            id,
            key,
            motcua_app::dossiers::Consent {
                declaration: f.cam_doan == "1",
                papers_by_post: f.buu_chinh == "1",
                result: f.result.choice(),
            },
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{id}?tb=da-nop")).into_response()),
        Err(AppError::Validation(v)) => {
            let msgs = v.into_iter().map(|(_, m)| m).collect();
            review_page(&p, id, Some(&f.result), msgs).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A line of "Hồ sơ của tôi".
struct Dossier {
    id: Uuid,
    code: String,
    procedure: String,
    status: String,
    submitted: String,
    appointment: String,
}

#[derive(Template)]
#[template(path = "dossiers/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Dossier>,
}

pub async fn list(p: Page) -> PageResult {
    let rows =
        p.s.app
            .my_dossiers(p.session()?)
            .await?
            .into_iter()
            .map(|d| {
                let (r, label) = (d.row, d.status_label);
                let status = match r.stage.national() {
                    Some(n) => format!("{label} (mã {n})"),
                    None => label.to_string(),
                };
                Dossier {
                    id: r.id,
                    code: r.code.unwrap_or_else(|| "—".into()),
                    procedure: d.procedure,
                    status,
                    submitted: r.submitted_at.map(format_vn_datetime).unwrap_or_default(),
                    appointment: r.appointment_at.map(format_vn_datetime).unwrap_or_default(),
                }
            })
            .collect();
    Ok(render(&ListPage {
        c: p.chrome("Hồ sơ của tôi"),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "dossiers/page.html")]
struct DossierPage {
    c: Chrome,
    v: DossierView,
    answers: Vec<Answer>,
    notice: Option<&'static str>,
    national: String,
    status: &'static str,
}

impl DossierPage {
    fn money(&self, m: &i64) -> String {
        super::catalogue::money(*m)
    }
    fn slip(&self, slip: &motcua_domain::event::Slip) -> String {
        lower_first(slip.name())
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        format_vn_datetime(*t)
    }
    fn component_name(&self, id: &str) -> String {
        self.v.component_name(id)
    }
    fn kb(&self, n: &i64) -> String {
        kb(*n)
    }
    fn note(&self) -> String {
        self.v
            .row
            .supplement
            .as_ref()
            .and_then(|s| s.note.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQ {
    tb: Option<String>,
}

pub async fn page(p: Page, Path(id): Path<Uuid>, Query(q): Query<NoticeQ>) -> PageResult {
    let v = p.s.app.dossier(&p.ctx(), p.session()?, id).await?;
    let notice = match q.tb.as_deref() {
        Some("da-nop") => Some(
            "Đã nộp hồ sơ. Bộ phận tiếp nhận sẽ kiểm tra và thông báo cho bạn; bạn có thể theo dõi tại trang này.",
        ),
        Some("da-rut") => Some("Đã rút hồ sơ."),
        Some("da-doi-cach-nhan") => Some("Đã lưu cách nhận kết quả."),
        Some("da-gan") => Some(
            "Đã gắn hồ sơ vào tài khoản của bạn: từ nay thông báo về hồ sơ gửi đến tài khoản này.",
        ),
        _ => None,
    };
    let status = v.status_label();
    let national = v
        .row
        .stage
        .national()
        .map(|n| format!("{n} – {}", national_label(n)))
        .unwrap_or_default();
    Ok(render(&DossierPage {
        c: p.chrome(v.row.code.clone().unwrap_or_else(|| "Hồ sơ nháp".into())),
        answers: answer_rows(&v),
        v,
        notice,
        national,
        status,
    }))
}

pub async fn download(p: Page, Path((id, file)): Path<(Uuid, Uuid)>) -> PageResult {
    let d = p.s.app.file_for(&p.ctx(), p.session()?, file).await?;
    if d.file.dossier_id != id {
        return Err(AppError::NotFound.into());
    }
    Ok(file_response(d))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    ly_do: String,
}

pub async fn withdraw(p: Page, Path(id): Path<Uuid>, Form(f): Form<WithdrawForm>) -> PageResult {
    p.s.app
        .withdraw(&p.ctx(), p.session()?, id, &f.ly_do)
        .await?;
    Ok(Redirect::to(&format!("/ho-so/{id}?tb=da-rut")).into_response())
}

#[derive(Template)]
#[template(path = "dossiers/cover_sheet.html")]
struct CoverPage {
    c: Chrome,
    v: DossierView,
    qr: String,
    lookup_url: String,
}

/// The cover sheet to send papers by post (R7.2a): the dossier code and a QR code to the look-up.
pub async fn cover(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let v = p.s.app.dossier(&p.ctx(), p.session()?, id).await?;
    let code = v.row.code.clone().ok_or(AppError::NotFound)?;
    let lookup_url = p.lookup_url(&code);
    Ok(render(&CoverPage {
        c: p.chrome(format!("Phiếu gửi hồ sơ {code}")),
        qr: crate::kit::qr_svg(&lookup_url),
        v,
        lookup_url,
    }))
}
