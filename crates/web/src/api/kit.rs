//! What every API operation is made of: the [`Caller`] extractor, the JSON body, and a dossier
//! named by its code or id.
use axum::extract::FromRequestParts;
use axum::extract::rejection::{ExtensionRejection, JsonRejection};
use axum::http::request::Parts;
use axum::{Extension, Json};
use motcua_app::{AppError, Ctx, Session};
use uuid::Uuid;

use crate::caller::{Auth, ReqInfo};
use crate::error::ApiError;
use crate::state::AppState;

/// The tags operations are published under in the OpenAPI document. Client generators name
/// their classes after them, so they keep the values first published (which named the modules
/// the operations were written in then); an operation without one has no tag.
pub mod tags {
    pub const DOSSIERS: &str = "crate::api_dossiers";
    pub const PROCESSING: &str = "crate::api_processing";
    pub const PAYMENTS: &str = "crate::api_payments";
}

/// What an operation needs of its request: the shared state, the caller (if a token was sent)
/// and where the request came from (for the audit).
pub struct Caller {
    pub s: AppState,
    auth: Auth,
    info: ReqInfo,
}

impl FromRequestParts<AppState> for Caller {
    /// The middleware puts the extensions on every API request; without them the request did
    /// not go through it, and is refused as a missing extension would be.
    type Rejection = ExtensionRejection;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let Extension(auth) = Extension::<Auth>::from_request_parts(parts, s).await?;
        let Extension(info) = Extension::<ReqInfo>::from_request_parts(parts, s).await?;
        Ok(Caller {
            s: s.clone(),
            auth,
            info,
        })
    }
}

impl Caller {
    /// The account of the token (401 otherwise).
    pub fn session(&self) -> Result<&Session, ApiError> {
        Ok(self.auth.0.as_ref().ok_or(AppError::Unauthenticated)?)
    }

    /// The request's origin, for the use cases' audit and throttling.
    pub fn ctx(&self) -> Ctx {
        self.info.ctx()
    }
}

/// The JSON body of a request; a body that is not JSON of the documented shape is refused (422)
/// with what the parser said.
pub fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| AppError::field("body", e.body_text()).into())
}

pub async fn dossier_id(s: &AppState, sess: &Session, key: &str) -> Result<Uuid, ApiError> {
    match Uuid::parse_str(key) {
        Ok(u) => Ok(u),
        Err(_) => Ok(s.app.dossier_id_by_code(sess, key).await?),
    }
}

/// A string schema that takes only these values (an action's or a filter's choices).
pub fn enum_of(values: Vec<&'static str>) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

/// A whole number however JSON writes it (JSON Schema's integers include `2.0`); a fraction, or
/// a number out of the field's range, is refused with the body's other errors (422).
pub fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
    T::Error: std::fmt::Display,
{
    use serde::Deserialize;
    use serde::de::Error;
    let v = f64::deserialize(d)?;
    if !v.is_finite() || v.fract() != 0.0 || v.abs() > 9.0e15 {
        return Err(D::Error::custom("expected a whole number"));
    }
    T::try_from(v as i64).map_err(|e| D::Error::custom(format!("{v}: {e}")))
}
