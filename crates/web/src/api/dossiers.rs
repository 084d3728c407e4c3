//! The applicant's dossiers: drafts, their answers and files, submission, withdrawal, and the
//! caller's dossiers.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::dossiers::StagedUpload;
use motcua_app::{AppError, Session};
use motcua_domain::record::DossierFile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dossier_out::{DossierOut, DossierSummary, FileOut, dossier_out, file_out, summary_out};
use super::kit::{Caller, dossier_id, json_body, tags};
use crate::error::ApiError;
use crate::files::{Budget, Receiver, Take, file_response, receive};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/dossiers", Signed, create)
        .get("/api/v1/dossiers", Signed, list)
        .get("/api/v1/dossiers/{dossier}", Signed, get)
        .put("/api/v1/dossiers/{dossier}/form", Signed, put_form)
        .upload("/api/v1/dossiers/{dossier}/attachments", Signed, attach)
        .get(
            "/api/v1/dossiers/{dossier}/attachments/{file}",
            Signed,
            download,
        )
        .delete(
            "/api/v1/dossiers/{dossier}/attachments/{file}",
            Signed,
            detach,
        )
        .post("/api/v1/dossiers/{dossier}/submit", Signed, submit)
        .post("/api/v1/dossiers/{dossier}/withdraw", Signed, withdraw)
        .put(
            "/api/v1/dossiers/{dossier}/result-delivery",
            Signed,
            put_result_delivery,
        )
        .post("/api/v1/dossiers/claim", Signed, claim)
        .post("/api/v1/dossiers/claim/confirm", Signed, confirm_claim)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The dossier code on the receipt (giấy tiếp nhận).
    #[schema(pattern = r"^[0-9A-Za-z._-]{8,64}$")]
    pub code: String,
    /// The phone given when the dossier was received.
    #[schema(pattern = r"^[ .-]*(\+84|84|0)([ .-]*[0-9]){9}[ .-]*$")]
    pub phone: String,
}

/// A one-time code was sent to the phone on record: confirm the claim with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimSent {
    /// Names this claim in `POST /api/v1/dossiers/claim/confirm`.
    pub ticket: String,
    /// The phone the code went to, masked but for its last three digits.
    pub sent_to: String,
    /// When the code stops being good (RFC 3339).
    pub expires_at: String,
}

/// Starts claiming into the caller's account a dossier received at the counter or by post
/// without an account (R6.2): the code and the phone given then name it, and a one-time code
/// goes to that phone by SMS, to prove the caller holds it. Any mismatch, or a dossier that
/// already has an owner or came from the national portal, answers the same 404; ten tries an
/// hour per account and per code, and three codes an hour per dossier, then 429.
#[utoipa::path(post, path = "/api/v1/dossiers/claim", tag = tags::DOSSIERS, request_body = ClaimRequest, security(("bearer" = [])),
    responses((status = 202, body = ClaimSent), (status = 401, description = "no valid token"), (status = 403, description = "a staff account (only citizens and businesses own dossiers)"), (status = 404, description = "the code and the phone do not match a dossier received at the counter or by post without an owner"), (status = 422, description = "a malformed phone"), (status = 429), (status = 503, description = "the one-time code cannot be sent (its SMS text is empty)")))]
pub async fn claim(
    c: Caller,
    body: Result<Json<ClaimRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let t =
        c.s.app
            .claim_dossier(&c.ctx(), sess, &req.code, &req.phone)
            .await?;
    let sent = ClaimSent {
        ticket: t.ticket,
        sent_to: t.sent_to,
        expires_at: t.expires_at.to_string(),
    };
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimConfirm {
    /// The ticket `POST /api/v1/dossiers/claim` answered.
    #[schema(pattern = r"^[A-Za-z0-9_-]{43}$")]
    pub ticket: String,
    /// The six digits the SMS carried.
    #[schema(pattern = r"^[0-9]{6}$")]
    pub otp: String,
}

/// Completes a claim with the one-time code sent to the phone on record: the caller becomes
/// the dossier's owner and its notices go to their account; the phone and e-mail on record are
/// told. A wrong, spent or expired code answers 404 (five tries spend it).
#[utoipa::path(post, path = "/api/v1/dossiers/claim/confirm", tag = tags::DOSSIERS, request_body = ClaimConfirm, security(("bearer" = [])),
    responses((status = 200, body = Created), (status = 403, description = "a staff account"), (status = 404, description = "no claim awaits this ticket with this code: wrong, spent after five tries, or expired"), (status = 409, description = "the dossier was claimed or changed meanwhile"), (status = 401, description = "no valid token"), (status = 422, description = "a body without a ticket or a code, or with other fields"), (status = 429)))]
pub async fn confirm_claim(
    c: Caller,
    body: Result<Json<ClaimConfirm>, JsonRejection>,
) -> Result<Json<Created>, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let d =
        c.s.app
            .confirm_claim(&c.ctx(), sess, &req.ticket, &req.otp)
            .await?;
    Ok(Json(Created {
        id: d.id.to_string(),
        status: d.stage.status().as_str().into(),
    }))
}

/// A new draft, for a service named by its id or by its procedure's and agency's codes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NewDossier {
    ByService(NewDossierByService),
    ByCodes(NewDossierByCodes),
}

/// A new draft for the service with this id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDossierByService {
    /// The service id (or «procedure code/agency code»).
    #[schema(
        pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]\.[0-9]{6}/[0-9A-Za-z.]{1,40})$"
    )]
    pub service: String,
    /// The form's answers so far.
    #[schema(value_type = Object)]
    #[serde(default = "empty_form")]
    pub form: serde_json::Value,
}

/// A new draft for the service an agency offers for a procedure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDossierByCodes {
    /// The procedure's national code, e.g. 1.001193.
    #[schema(pattern = r"^[0-9]\.[0-9]{6}$")]
    pub procedure: String,
    /// The agency's code, e.g. 000.01.01.H53.
    #[schema(pattern = r"^[0-9A-Za-z.]{1,40}$")]
    pub agency: String,
    /// The form's answers so far.
    #[schema(value_type = Object)]
    #[serde(default = "empty_form")]
    pub form: serde_json::Value,
}

fn empty_form() -> serde_json::Value {
    serde_json::json!({})
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// `draft` for a new draft; the dossier's status otherwise (see `DossierOut.status`).
    pub status: String,
}

/// The service a new draft is for, and its answers.
async fn resolve_service(
    s: &AppState,
    req: NewDossier,
) -> Result<(Uuid, serde_json::Value), ApiError> {
    match req {
        NewDossier::ByService(r) => Ok((service_ref(s, &r.service).await?, r.form)),
        NewDossier::ByCodes(r) => Ok((find_service(s, &r.procedure, &r.agency).await?, r.form)),
    }
}

/// The service named by its id or by «procedure code/agency code».
pub(super) async fn service_ref(s: &AppState, service: &str) -> Result<Uuid, AppError> {
    if let Ok(u) = Uuid::parse_str(service) {
        return Ok(u);
    }
    match service.split_once('/') {
        Some((p, a)) => find_service(s, p, a).await,
        None => Err(AppError::field(
            "service",
            "service phải là mã dịch vụ (UUID) hoặc «mã thủ tục/mã cơ quan».",
        )),
    }
}

async fn find_service(s: &AppState, procedure: &str, agency: &str) -> Result<Uuid, AppError> {
    s.app.service_by_codes(procedure, agency).await
}

/// Creates a draft dossier for a service (level 3 or 4).
#[utoipa::path(post, path = "/api/v1/dossiers", tag = tags::DOSSIERS, request_body = NewDossier, security(("bearer" = [])), responses((status = 201, body = Created), (status = 401), (status = 422)))]
pub async fn create(
    c: Caller,
    body: Result<Json<NewDossier>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let Json(req) = body.map_err(|e| match e {
        JsonRejection::JsonDataError(_) => AppError::field(
            "body",
            "Gửi service (mã dịch vụ), hoặc procedure và agency (mã thủ tục, mã cơ quan), cùng form.",
        ),
        e => AppError::field("body", e.body_text()),
    })?;
    let (service, form) = resolve_service(&c.s, req).await?;
    let d = c.s.app.create_draft(&c.ctx(), sess, service, form).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: d.id.to_string(),
            status: d.stage.status().as_str().into(),
        }),
    )
        .into_response())
}

/// Replaces the answers of a draft.
#[utoipa::path(put, path = "/api/v1/dossiers/{dossier}/form", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier id")), request_body = Object, security(("bearer" = [])), responses((status = 200, body = Created), (status = 404), (status = 409)))]
pub async fn put_form(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Created>, ApiError> {
    let sess = c.session()?;
    let form = json_body(body)?;
    if !form.is_object() {
        return Err(AppError::field("body", "Biểu mẫu phải là một đối tượng JSON.").into());
    }
    let id = dossier_id(&c.s, sess, &key).await?;
    let d = c.s.app.save_form(sess, id, form).await?;
    Ok(Json(Created {
        id: d.id.to_string(),
        status: d.stage.status().as_str().into(),
    }))
}

/// The parts of an upload, in any order: `component`, optionally `name`, and `file`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AttachForm {
    /// The component's id (see the procedure's `components`), or `_ket-qua` for a result.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    component: String,
    /// The original file name, when the part's header cannot carry it (at most 4 KiB).
    #[schema(max_length = 1000)]
    name: Option<String>,
    /// The file: PDF, JPEG, PNG, or a CMS signature (.p7s).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Adds a file to a component of a draft: multipart with `component` and `file`.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/attachments", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier code or id")), security(("bearer" = [])),
    request_body(content = AttachForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileOut), (status = 409, description = "the dossier no longer takes files, or its procedure has no such component"), (status = 413),
        (status = 422, description = "the file is refused, `errors` says why: not an allowed type, a name that lies about it, not parsing as the type it claims (a truncated or broken PDF or image, scripts or launch actions in a PDF, files embedded where the component allows none, more than 50 million pixels, a second file hidden after the first), or malware the scanner found (recorded with the file's hash, never the file)"),
        (status = 503, description = "the malware scanner or the storage does not answer: nothing is stored unscanned; retry after the time given")))]
pub async fn attach(
    c: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let attachment = Attachment {
        c: &c,
        sess,
        id,
        component: None,
        name: None,
        staged: None,
    };
    let to = (sess, Budget::AtStart(id));
    let f = receive(&c.s, to, (&headers, &mut mp), attachment).await?;
    Ok((StatusCode::CREATED, Json(file_out(&f))).into_response())
}

/// One file for a component. The parts may come in any order; the file streams to the staging
/// folder meanwhile (dropped, it leaves nothing behind) and is attached once the body ends.
struct Attachment<'a> {
    c: &'a Caller,
    sess: &'a Session,
    id: Uuid,
    component: Option<String>,
    /// The original file name as text (any characters), when a part header cannot carry it.
    name: Option<String>,
    staged: Option<(StagedUpload, String)>,
}

impl Receiver for Attachment<'_> {
    type Done = DossierFile;

    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take {
        match name {
            Some("component" | "name") => Take::Text,
            Some("file") if self.staged.is_some() => {
                Take::Refuse(AppError::field("file", "Gửi mỗi lần một tệp."))
            }
            Some("file") => Take::File(file_name.unwrap_or("tep").to_string()),
            _ => Take::Refuse(AppError::field(
                "body",
                "Chỉ nhận các phần component, name và file.",
            )),
        }
    }

    fn text(&mut self, name: &str, value: String) {
        match name {
            "component" => self.component = Some(value),
            _ => self.name = Some(value),
        }
    }

    async fn file(
        &mut self,
        _part: &str,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<DossierFile>, AppError> {
        self.staged = Some((staged, name));
        Ok(None)
    }

    async fn finish(self) -> Result<DossierFile, AppError> {
        let Some((file, part_name)) = self.staged else {
            return Err(AppError::field("file", "Thiếu tệp."));
        };
        let Some(component) = self.component else {
            return Err(AppError::field("component", "Thiếu trường component."));
        };
        let name = self.name.unwrap_or(part_name);
        let ctx = self.c.ctx();
        self.c
            .s
            .app
            .attach(&ctx, self.sess, self.id, &component, &name, file)
            .await
    }
}

/// Removes a file from a draft.
#[utoipa::path(delete, path = "/api/v1/dossiers/{dossier}/attachments/{file}", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier code or id"), ("file" = Uuid, Path, description = "file id")), security(("bearer" = [])), responses((status = 204), (status = 404)))]
pub async fn detach(
    c: Caller,
    Path((key, file)): Path<(String, Uuid)>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    c.s.app.remove_file(&c.ctx(), sess, id, file).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The declaration that the information is accurate (R13.2): must be `true`.
    #[schema(schema_with = only_true)]
    pub declaration_accepted: bool,
    /// At level 4, when components the procedure wants digitally signed are not (see the
    /// dossier's `unsigned_components`): the person will send their papers by post, marked
    /// with the dossier code (R7.2a). Without it such a submission is refused.
    #[serde(default)]
    pub papers_by_post: bool,
    /// How the person receives the result (R8.2), among the service's `result_ways`; at the
    /// office when absent. A resubmission keeps the earlier choice unless it states one.
    pub result_delivery: Option<ResultChoiceIn>,
}

/// How the person wants the result (R8.2): `channel` is one of the dossier's `result_ways`
/// (another answers 409). Other fields are ignored (`post` with another way, for one).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "channel", rename_all = "lowercase")]
pub enum ResultChoiceIn {
    /// At the office.
    Office,
    /// Online: the signed electronic result, downloaded (full-process services).
    Online,
    /// By registered post to `post`'s address; the dossier's `result_delivery.postage` then
    /// says what the post collects on delivery.
    Post { post: PostIn },
}

/// Where the post takes the result.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostIn {
    /// 2–200 characters, no control characters.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]{0,198}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    pub recipient: String,
    /// A Vietnamese phone: 10 digits starting with 0, or +84 and 9 digits.
    #[schema(pattern = r"^[ .-]*(\+84|84|0)([ .-]*[0-9]){9}[ .-]*$")]
    pub phone: String,
    /// 10–300 characters, no control characters.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]{8,298}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    pub address: String,
}

impl From<ResultChoiceIn> for motcua_app::dossiers::ResultChoice {
    fn from(r: ResultChoiceIn) -> Self {
        let (channel, post) = match r {
            ResultChoiceIn::Office => ("office", None),
            ResultChoiceIn::Online => ("online", None),
            ResultChoiceIn::Post { post: p } => (
                "post",
                Some(motcua_domain::delivery::PostTo {
                    recipient: p.recipient,
                    phone: p.phone,
                    address: p.address,
                }),
            ),
        };
        Self {
            channel: channel.into(),
            post,
        }
    }
}

/// Changes how the person receives the result, until it is returned (R8.2): the dossier's
/// owner, or reception of its agency at the person's request. Reception's return step then
/// follows the new way. Answers the choice as kept.
#[utoipa::path(put, path = "/api/v1/dossiers/{dossier}/result-delivery", tag = tags::DOSSIERS, params(("dossier" = String, Path)), request_body = ResultChoiceIn, security(("bearer" = [])),
    responses((status = 200, body = super::dossier_out::ResultDeliveryOut), (status = 403, description = "staff of the agency other than reception"), (status = 404), (status = 409, description = "a way the service does not allow (`errors` names `result_channel`), or the dossier has ended (result returned, withdrawn, declined) or changed meanwhile"), (status = 422, description = "a malformed body or address (`errors` names the field: post_recipient, post_phone, post_address)")))]
pub async fn put_result_delivery(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<ResultChoiceIn>, JsonRejection>,
) -> Result<Json<super::dossier_out::ResultDeliveryOut>, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let d =
        c.s.app
            .choose_result(&c.ctx(), sess, id, req.into())
            .await?;
    let chosen = d
        .result
        .as_ref()
        .ok_or_else(|| AppError::Unexpected("a chosen way that was not kept".into()))?;
    Ok(Json(super::dossier_out::result_out(chosen)))
}

/// A boolean that must be `true` (a declaration).
pub(super) fn only_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub code: String,
}

/// Submits a draft. Send `Idempotency-Key`: a retry with the same key answers the same code.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/submit", tag = tags::DOSSIERS, params(("dossier" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SubmitRequest, security(("bearer" = [])),
    responses((status = 200, body = Submitted), (status = 409, description = "the dossier cannot be submitted as it is (answers or files incomplete, or a `result_delivery` the service does not allow or without a whole address: `errors` says what, e.g. `result_channel`, `post_address`), or the key was used for another request"), (status = 422, description = "the declaration is not accepted")))]
pub async fn submit(
    c: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<SubmitRequest>, JsonRejection>,
) -> Result<Json<Submitted>, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let ikey = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let code =
        c.s.app
            .submit(
                &c.ctx(),
                sess,
                id,
                ikey,
                motcua_app::dossiers::Consent {
                    declaration: req.declaration_accepted,
                    papers_by_post: req.papers_by_post,
                    result: req.result_delivery.clone().map(Into::into),
                },
            )
            .await
            .map_err(|e| {
                // The request is well formed: what stops it is the state of the draft (its saved
                // answers and files) or of the key, a conflict, with each problem listed.
                let e = ApiError::from(e);
                if req.declaration_accepted {
                    e.refusal_as(StatusCode::CONFLICT)
                } else {
                    e
                }
            })?;
    Ok(Json(Submitted { code }))
}

/// The caller's dossiers, newest first (the 500 newest), one line each.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = tags::DOSSIERS, security(("bearer" = [])), responses((status = 200, body = Vec<DossierSummary>)))]
pub async fn list(c: Caller) -> Result<Json<Vec<DossierSummary>>, ApiError> {
    let mine = c.s.app.my_dossiers(c.session()?).await?;
    Ok(Json(mine.iter().map(summary_out).collect()))
}

/// One dossier, by code or id: the owner's, or for staff of an agency handling it.
#[utoipa::path(get, path = "/api/v1/dossiers/{dossier}", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier code or id")), security(("bearer" = [])), responses((status = 200, body = DossierOut), (status = 404)))]
pub async fn get(c: Caller, Path(key): Path<String>) -> Result<Json<DossierOut>, ApiError> {
    let sess = c.session()?;
    let v = match Uuid::parse_str(&key) {
        Ok(id) => c.s.app.dossier(&c.ctx(), sess, id).await,
        Err(_) => c.s.app.dossier_by_code(&c.ctx(), sess, &key).await,
    }?;
    Ok(Json(dossier_out(&v, c.s.app.now())))
}

/// Downloads a file of a dossier (attachment, never rendered).
#[utoipa::path(get, path = "/api/v1/dossiers/{dossier}/attachments/{file}", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier code or id"), ("file" = Uuid, Path, description = "file id")), security(("bearer" = [])), responses((status = 200, description = "the file, as an attachment", content_type = "application/octet-stream"), (status = 404), (status = 409, description = "the file is quarantined: a later malware scan found it (`detail` says what and when)")))]
pub async fn download(
    c: Caller,
    Path((key, file)): Path<(String, Uuid)>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let d = c.s.app.file_for(&c.ctx(), sess, file).await?;
    if d.file.dossier_id != id {
        return Err(AppError::NotFound.into());
    }
    Ok(file_response(d))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    #[serde(default)]
    pub reason: String,
}

/// Withdraws the caller's dossier before it is decided.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/withdraw", tag = tags::DOSSIERS, params(("dossier" = String, Path)), request_body = WithdrawRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw(
    c: Caller,
    Path(key): Path<String>,
    body: Option<Json<WithdrawRequest>>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let reason = body.map(|b| b.0.reason).unwrap_or_default();
    c.s.app.withdraw(&c.ctx(), sess, id, &reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
