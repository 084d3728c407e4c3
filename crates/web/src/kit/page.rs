//! The extractor every page handler starts with.
use std::collections::HashMap;

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::extract::rejection::ExtensionRejection;
use axum::http::request::Parts;
use motcua_app::{AppError, Ctx, Session};
use uuid::Uuid;

use super::Chrome;
use crate::caller::{Auth, Binding, ReqInfo};
use crate::state::AppState;

/// What a page handler needs of its request: the shared state, the caller (if signed in), the
/// binding its form tokens are made for, and where the request came from (for the audit).
pub struct Page {
    pub s: AppState,
    pub auth: Auth,
    binding: Binding,
    info: ReqInfo,
}

impl FromRequestParts<AppState> for Page {
    /// The middleware puts the extensions on every page request; without them the request
    /// did not go through it, and is refused as a missing extension would be.
    type Rejection = ExtensionRejection;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let Extension(auth) = Extension::<Auth>::from_request_parts(parts, s).await?;
        let Extension(binding) = Extension::<Binding>::from_request_parts(parts, s).await?;
        let Extension(info) = Extension::<ReqInfo>::from_request_parts(parts, s).await?;
        Ok(Page {
            s: s.clone(),
            auth,
            binding,
            info,
        })
    }
}

impl Page {
    /// The chrome of a page titled `title`, with a form token bound to this caller.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        let session = self.auth.0.as_ref();
        let staff = session.is_some_and(|s| s.actor.is_staff());
        Chrome {
            title: title.into(),
            user_name: session.map(|s| s.user.full_name.clone()),
            staff,
            unscanned: staff && self.s.app.scanning_off(),
            csrf: self.s.app.csrf_token(&self.binding.0),
            dev: self.s.app.config.is_dev(),
            disruptions: self.s.app.disruptions(),
        }
    }

    /// The signed-in caller (401 otherwise).
    pub fn session(&self) -> Result<&Session, AppError> {
        self.auth.0.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The request's origin, for the use cases' audit and throttling.
    pub fn ctx(&self) -> Ctx {
        self.info.ctx()
    }

    /// The public look-up of a dossier, as printed on its slips and cover sheet.
    pub fn lookup_url(&self, code: &str) -> String {
        self.s.app.lookup_link(code)
    }

    /// The name of every unit, by id.
    pub async fn unit_names(&self) -> Result<HashMap<Uuid, String>, AppError> {
        let (_, units) = self.s.app.agencies_and_units().await?;
        Ok(units.into_iter().map(|u| (u.id, u.name)).collect())
    }
}
