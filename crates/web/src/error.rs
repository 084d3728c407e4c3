//! Errors as people and programs should see them: Vietnamese pages that say what to do next,
//! or `application/problem+json` for the API. Internal details go to the log, never the answer.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;

use crate::kit::ErrorPage;

/// A page handler's error: the error page, with the status of the error.
#[derive(Debug)]
pub struct PageError(AppError);

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        PageError(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        respond(self.0, None, false)
    }
}

/// An API operation's error: a problem document, with the status of the error unless the
/// operation says otherwise.
#[derive(Debug)]
pub struct ApiError {
    err: AppError,
    status: Option<StatusCode>,
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError { err, status: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        respond(self.err, self.status, true)
    }
}

impl ApiError {
    /// Refused values answer `status` instead of 422 (the operation knows what they mean).
    pub fn refusal_as(mut self, status: StatusCode) -> Self {
        if matches!(self.err, AppError::Validation(_)) {
            self.status = Some(status);
        }
        self
    }

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

/// The answer to an error outside a handler (middleware, fallback): a problem document on the
/// API, the error page elsewhere.
pub fn error_response(err: AppError, api: bool) -> Response {
    respond(err, None, api)
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

/// The answer to an error: what failed inside goes to the log; a refusal the caller may retry
/// says when (Retry-After).
fn respond(err: AppError, status: Option<StatusCode>, api: bool) -> Response {
    let status = status.unwrap_or_else(|| status_of(&err));
    let retry = match &err {
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
    let mut r = if api {
        problem_of(&err, status)
    } else {
        ErrorPage::for_error(&err).into_response_with(status)
    };
    if let Some(s) = retry
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The problem document of an error: its title, and for refused values each field's message.
fn problem_of(err: &AppError, status: StatusCode) -> Response {
    let detail = match err {
        AppError::Validation(v) => Some(serde_json::json!(
            v.iter()
                .map(|(f, m)| serde_json::json!({"field": f, "message": m}))
                .collect::<Vec<_>>()
        )),
        _ => None,
    };
    let title = match err {
        AppError::Conflict(m) => m.clone(),
        AppError::Unexpected(_) => "Lỗi hệ thống".to_string(),
        AppError::Unavailable { .. } => "Tạm thời chưa phục vụ được, hãy thử lại sau".to_string(),
        e => e.to_string(),
    };
    problem(status, &title, detail)
}
