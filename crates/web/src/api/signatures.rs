//! Signatures in the API: the public authenticity check of a result (R3.5), a result in the
//! register by its number, and reception recording the papers a level-4 dossier sent by post
//! (R7.2a).
use axum::Json;
use axum::extract::{Multipart, Path};
use axum::http::HeaderMap;
use motcua_app::signatures::results::Authenticity;
use serde::Serialize;
use utoipa::ToSchema;

use super::kit::dossier_id;
use super::kit::{Caller, tags};
use crate::error::ApiError;
use crate::files::read_file_part;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .upload("/api/v1/verify", Public, verify)
        .get("/api/v1/results/{number}", Public, result)
        .post("/api/v1/dossiers/{dossier}/papers", Signed, papers)
}

/// What the authenticity check found.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthenticityOut {
    /// A valid signature of an agency of this system over a result in its register.
    pub issued_here: bool,
    /// The file is the one issued, byte for byte.
    pub unchanged: bool,
    /// The agency that issued it.
    pub agency: Option<String>,
    /// The dossier's code.
    pub dossier_code: Option<String>,
    /// The result's number, `<dossier code>-KQ<n>`.
    pub number: Option<String>,
    /// When the agency signed it (RFC 3339).
    pub signed_at: Option<String>,
    /// What is wrong, when something is (in Vietnamese).
    pub reason: Option<String>,
}

impl From<Authenticity> for AuthenticityOut {
    fn from(a: Authenticity) -> Self {
        Self {
            issued_here: a.issued_here,
            unchanged: a.unchanged,
            agency: a.agency,
            dossier_code: a.dossier_code,
            number: a.number,
            signed_at: a.signed_at.map(motcua_domain::calendar::rfc3339_vn),
            reason: a.reason,
        }
    }
}

/// The file to check: the one part `file`.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VerifyForm {
    /// The result as received (PDF), at most the upload limit per file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Checks whether a file is a result an agency of this system issued, and unchanged. Anyone
/// may ask; nothing is stored.
#[utoipa::path(post, path = "/api/v1/verify", tag = tags::DOSSIERS,
    request_body(content = VerifyForm, content_type = "multipart/form-data"),
    responses((status = 200, body = AuthenticityOut), (status = 413, description = "the file is over the upload limit"), (status = 422, description = "no `file` part, or another part"), (status = 429)))]
pub async fn verify(
    c: Caller,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Json<AuthenticityOut>, ApiError> {
    let limit = c.s.app.config.dossiers.max_file_mb * 1024 * 1024;
    let bytes = read_file_part(&headers, &mut mp, limit).await?;
    Ok(Json(c.s.app.authenticate(&c.ctx(), bytes).await?.into()))
}

/// A result in the register by its number (what the QR code on it leads to).
#[utoipa::path(get, path = "/api/v1/results/{number}", tag = tags::DOSSIERS, params(("number" = String, Path, description = "`<dossier code>-KQ<n>`")),
    responses((status = 200, body = AuthenticityOut), (status = 404)))]
pub async fn result(
    c: Caller,
    Path(number): Path<String>,
) -> Result<Json<AuthenticityOut>, ApiError> {
    match c.s.app.issued_result(&number).await? {
        Some(a) => Ok(Json(a.into())),
        None => Err(motcua_app::AppError::NotFound.into()),
    }
}

/// The papers' state after recording them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PapersOut {
    /// `received`.
    pub papers: String,
    pub papers_received_at: Option<String>,
}

/// Reception records that the papers of a level-4 dossier sent by post arrived (R7.2a);
/// acceptance may then go ahead.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/papers", tag = tags::PROCESSING, params(("dossier" = String, Path, description = "dossier code or id")), security(("bearer" = [])),
    responses((status = 200, body = PapersOut), (status = 403, description = "not reception at the dossier's agency"), (status = 404), (status = 409, description = "the dossier does not wait for papers, or changed meanwhile")))]
pub async fn papers(c: Caller, Path(key): Path<String>) -> Result<Json<PapersOut>, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let d = c.s.app.receive_papers(&c.ctx(), sess, id).await?;
    Ok(Json(PapersOut {
        papers: d.papers.map(|p| p.as_str().to_string()).unwrap_or_default(),
        papers_received_at: d
            .papers_received_at
            .map(motcua_domain::calendar::rfc3339_vn),
    }))
}
