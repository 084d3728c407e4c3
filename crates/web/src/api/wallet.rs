//! The person's wallet of papers (kho giấy tờ): what they submitted and the results returned
//! to them, attached to another dossier without sending the file again.
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dossier_out::{FileOut, file_out};
use super::kit::{Caller, dossier_id, json_body, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/api/v1/wallet", Access::Signed, list)
        .post(
            "/api/v1/dossiers/{dossier}/attachments/from-wallet",
            Access::Signed,
            attach,
        )
}

/// A paper of the wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletPaperOut {
    /// The file, as its dossier lists it; its `id` is what `from-wallet` takes.
    pub file: FileOut,
    /// The dossier it was submitted with, or returned as the result of.
    pub dossier_code: String,
    pub procedure: String,
    pub agency: String,
    /// A result an agency issued through motcua.
    pub issued_result: bool,
    /// Every digital signature on it was verified valid when it was stored.
    pub signed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Wallet {
    /// Newest first, each paper once.
    pub papers: Vec<WalletPaperOut>,
}

/// The caller's wallet: the papers of their submitted dossiers and the results returned to
/// them (detached signatures travel with the file they sign).
#[utoipa::path(get, path = "/api/v1/wallet", tag = tags::DOSSIERS, security(("bearer" = [])), responses((status = 200, body = Wallet)))]
pub async fn list(c: Caller) -> Result<Json<Wallet>, ApiError> {
    let sess = c.session()?;
    let papers = c.s.app.wallet(sess).await?;
    Ok(Json(Wallet {
        papers: papers
            .iter()
            .map(|p| WalletPaperOut {
                file: file_out(&p.file),
                dossier_code: p.code.clone(),
                procedure: p.procedure.clone(),
                agency: p.agency.clone(),
                issued_result: p.issued,
                signed: p.signed,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromWallet {
    /// The component of this dossier the paper is for.
    pub component: String,
    /// The wallet paper's file id.
    #[schema(format = Uuid)]
    pub paper: String,
}

/// Attaches a paper of the caller's wallet to a component of their dossier, as an upload
/// would be (the same checks and quotas), without sending it again.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/attachments/from-wallet", tag = tags::DOSSIERS, params(("dossier" = String, Path, description = "dossier code or id")), request_body = FromWallet, security(("bearer" = [])),
    responses((status = 201, body = FileOut), (status = 404), (status = 409, description = "the dossier no longer takes files, or its procedure has no such component"), (status = 422, description = "not a paper of the caller's wallet, a component the agency did not ask to supplement, or no space left")))]
pub async fn attach(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<FromWallet>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let Ok(paper) = Uuid::parse_str(&req.paper) else {
        return Err(motcua_app::AppError::field("paper", "paper phải là mã tệp (UUID).").into());
    };
    let id = dossier_id(&c.s, sess, &key).await?;
    let f =
        c.s.app
            .attach_from_wallet(&c.ctx(), sess, id, &req.component, paper)
            .await?;
    Ok((StatusCode::CREATED, Json(file_out(&f))).into_response())
}
