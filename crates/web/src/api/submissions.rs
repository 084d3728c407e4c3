//! A whole submission in one request: the dossier's answers and its papers together, stored and
//! submitted at once (for programs and forms that have everything ready; the draft operations
//! remain for those that fill a dossier over time).
use axum::Json;
use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::dossiers::{Consent, NewPaper, StagedUpload, Submission};
use motcua_app::{AppError, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dossiers::{only_true, service_ref};
use super::kit::{Caller, tags};
use crate::error::ApiError;
use crate::files::{Budget, Receiver, Take, receive};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().upload("/api/v1/submissions", Signed, submit_new)
}

/// The most papers one submission may carry (R4.4: bounded inputs).
const MAX_PAPERS: usize = 50;

/// The parts of a submission, in any order: `dossier` (a `NewSubmission`, as JSON) and one part
/// per paper, named by its component's id (a component named again holds several files).
pub struct SubmissionForm;

impl utoipa::PartialSchema for SubmissionForm {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
        use utoipa::openapi::{ObjectBuilder, Ref};
        // An object part of a multipart body travels as JSON (OpenAPI's default encoding).
        let dossier = Ref::from_schema_name("NewSubmission");
        let paper = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some(format!(
                "A paper for the component this part is named after (PDF, JPEG, PNG, or a CMS signature .p7s); at most {MAX_PAPERS} papers."
            )));
        let component = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[a-z0-9_-]{1,64}$"));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("dossier", dossier)
            .required("dossier")
            .property_names(Some(component))
            .additional_properties(Some(paper))
            .into()
    }
}

impl utoipa::ToSchema for SubmissionForm {}

/// What a submission declares.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// The service id, or «procedure code/agency code» (e.g. `1.001193/000.01.01.H53`).
    #[schema(
        pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]\.[0-9]{6}/[0-9A-Za-z.]{1,40})$"
    )]
    pub service: String,
    /// The form's answers, by field name.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The declaration that the information is accurate (R13.2): must be `true`.
    #[schema(schema_with = only_true)]
    pub declaration_accepted: bool,
    /// At level 4, the papers of components not digitally signed go by post (R7.2a).
    #[serde(default)]
    pub papers_by_post: bool,
    /// How the person receives the result (R8.2), among the service's ways; at the office
    /// when absent.
    pub result_delivery: Option<super::dossiers::ResultChoiceIn>,
}

/// The dossier a submission made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionMade {
    pub id: String,
    /// The dossier code, for the look-up and the receipt.
    pub code: String,
}

/// Submits a new dossier with its answers and papers in one request (multipart): stored and
/// submitted in one transaction, or nothing is kept. Send `Idempotency-Key`: a retry with the
/// same key and the same content answers the same dossier.
#[utoipa::path(post, path = "/api/v1/submissions", tag = tags::DOSSIERS, params(("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses((status = 201, body = SubmissionMade), (status = 401), (status = 403, description = "staff accounts do not submit online"), (status = 404, description = "no such service"),
        (status = 409, description = "the dossier cannot be submitted as sent (answers or papers incomplete, a component the procedure does not have, more than the dossier or the person may still store, a `result_delivery` the service does not allow or without a whole address, a paper that does not parse as the type it claims or that carries malware; `errors` says what), or the key was used for another request"),
        (status = 413, description = "the body or a paper is over what the dossier or the person may still store"), (status = 422, description = "a part or the Idempotency-Key is malformed, or the declaration is not accepted"),
        (status = 429), (status = 503, description = "storage is full or unavailable, or the malware scanner does not answer; retry after the time given")))]
pub async fn submit_new(
    c: Caller,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    // Refused before a byte of the body is read: staff do not submit online, and a key that
    // cannot be one.
    if !sess.user.kind.is_public() {
        return Err(AppError::Forbidden.into());
    }
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        Some(Err(_)) => {
            return Err(AppError::field(
                "idempotency_key",
                "Idempotency-Key phải là văn bản ASCII.",
            )
            .into());
        }
        Some(Ok(k)) => motcua_app::dossiers::checked_key(Some(k))?.map(String::from),
        None => None,
    };
    let whole = Whole {
        c: &c,
        sess,
        key: key.clone(),
        // The answers' own bound is checked on their value; the part may carry them escaped
        // (`\uXXXX` takes six bytes for a letter).
        form_max: (c.s.app.config.dossiers.max_form_kb as usize * 6 + 4) * 1024,
        dossier: None,
        papers: Vec::new(),
    };
    let budget = Budget::NewDossier(key);
    let made = receive(&c.s, (sess, budget), (&headers, &mut mp), whole)
        .await?
        // The parts were well formed: what stops the submission is its content as a dossier
        // (answers or papers incomplete, storage left), a conflict with each problem listed.
        .map_err(|e| ApiError::from(e).refusal_as(StatusCode::CONFLICT))?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// The parts of one submission as they arrive; the work is done once the body ends.
struct Whole<'a> {
    c: &'a Caller,
    sess: &'a Session,
    key: Option<String>,
    form_max: usize,
    dossier: Option<String>,
    papers: Vec<NewPaper>,
}

/// A component id as the catalogue writes them.
fn component_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Receiver for Whole<'_> {
    /// The submission's own outcome, once its parts were read.
    type Done = Result<SubmissionMade, AppError>;

    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take {
        match name {
            Some("dossier") if self.dossier.is_some() => {
                Take::Refuse(AppError::field("dossier", "Gửi phần dossier một lần."))
            }
            Some("dossier") => Take::TextUpTo(self.form_max),
            Some(_) if self.papers.len() >= MAX_PAPERS => Take::Refuse(AppError::field(
                "file",
                format!("Một lần nộp có tối đa {MAX_PAPERS} tệp."),
            )),
            Some(c) if component_name(c) => Take::File(file_name.unwrap_or("tep").to_string()),
            _ => Take::Refuse(AppError::field(
                "body",
                "Chỉ nhận phần dossier (JSON) và các tệp, mỗi tệp là một phần mang tên mã thành phần hồ sơ.",
            )),
        }
    }

    fn text(&mut self, _name: &str, value: String) {
        self.dossier = Some(value);
    }

    async fn file(
        &mut self,
        part: &str,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<Self::Done>, AppError> {
        self.papers.push(NewPaper {
            component: part.to_string(),
            name,
            staged,
        });
        Ok(None)
    }

    async fn finish(self) -> Result<Self::Done, AppError> {
        let Some(text) = self.dossier else {
            return Err(AppError::field("dossier", "Thiếu phần dossier (JSON)."));
        };
        let req: NewSubmission = serde_json::from_str(&text).map_err(|e| {
            AppError::field(
                "dossier",
                format!("Phần dossier không phải JSON đúng mẫu NewSubmission: {e}"),
            )
        })?;
        if !req.declaration_accepted {
            return Err(AppError::field(
                "declaration",
                "Hãy đánh dấu cam đoan thông tin khai là đúng sự thật trước khi nộp.",
            ));
        }
        let service = service_ref(&self.c.s, &req.service).await?;
        let sub = Submission {
            service,
            form: req.form,
            papers: self.papers,
            consent: Consent {
                declaration: true,
                papers_by_post: req.papers_by_post,
                result: req.result_delivery.map(Into::into),
            },
        };
        let made = self
            .c
            .s
            .app
            .submit_new(&self.c.ctx(), self.sess, sub, self.key.as_deref())
            .await;
        Ok(made.map(|m| SubmissionMade {
            id: m.id.to_string(),
            code: m.code,
        }))
    }
}
