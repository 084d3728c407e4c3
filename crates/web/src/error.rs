//! Errors as people and programs should see them: Vietnamese pages that say what to do next,
//! or `application/problem+json` for the API. Internal details go to the log, never the answer.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;

use crate::kit::ErrorPage;

/// An error from a handler; `api` chooses JSON.
#[derive(Debug)]
pub struct WebError {
    pub err: AppError,
    pub api: bool,
    pub status: Option<StatusCode>,
}

impl WebError {
    /// Upload refusals answer 413 (payload too large) rather than 422.
    pub fn too_large(mut self) -> Self {
        if let AppError::Validation(v) = &self.err
            && v.iter().any(|(f, m)| *f == "file" && m.contains("quá lớn"))
        {
            self.status = Some(StatusCode::PAYLOAD_TOO_LARGE);
        }
        self
    }
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        WebError {
            err,
            api: false,
            status: None,
        }
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A problem+json answer.
pub fn problem(status: StatusCode, title: &str, detail: Option<serde_json::Value>) -> Response {
    let mut body = serde_json::json!({"status": status.as_u16(), "title": title});
    if let Some(d) = detail {
        body["errors"] = d;
    }
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| status_of(&self.err));
        let retry = match &self.err {
            AppError::Unexpected(msg) => {
                tracing::error!(event = "unexpected_error", error = %msg, "request failed");
                None
            }
            AppError::Unavailable { cause, retry } => {
                tracing::error!(event = "unavailable", error = %cause, "request refused: unavailable");
                Some(*retry)
            }
            AppError::Throttled(s) => Some(*s),
            _ => None,
        };
        let mut r = if self.api {
            let detail = match &self.err {
                AppError::Validation(v) => Some(serde_json::json!(
                    v.iter()
                        .map(|(f, m)| serde_json::json!({"field": f, "message": m}))
                        .collect::<Vec<_>>()
                )),
                _ => None,
            };
            let title = match &self.err {
                AppError::Conflict(m) => m.clone(),
                AppError::Unexpected(_) => "Lỗi hệ thống".to_string(),
                AppError::Unavailable { .. } => {
                    "Tạm thời chưa phục vụ được, hãy thử lại sau".to_string()
                }
                e => e.to_string(),
            };
            problem(status, &title, detail)
        } else {
            ErrorPage::for_error(&self.err).into_response_with(status)
        };
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}
