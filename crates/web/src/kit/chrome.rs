//! The chrome every page shows around its content, and rendering.
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What every page shows around its content.
pub struct Chrome {
    pub title: String,
    pub user_name: Option<String>,
    pub staff: bool,
    pub csrf: String,
    pub dev: bool,
    /// Incidents disrupting the public service, announced on every page (R10.7).
    pub disruptions: Vec<String>,
    /// Staff pages say when uploads are stored unscanned (development without a scanner, R4.4).
    pub unscanned: bool,
}

impl Chrome {
    /// For error pages rendered outside a request's extensions.
    pub(super) fn bare(title: &str) -> Self {
        Chrome {
            title: title.into(),
            user_name: None,
            staff: false,
            csrf: String::new(),
            dev: false,
            disruptions: vec![],
            unscanned: false,
        }
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(event = "template_error", error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống").into_response()
        }
    }
}

pub fn render_status<T: Template>(t: &T, status: StatusCode) -> Response {
    let mut r = render(t);
    *r.status_mut() = status;
    r
}

/// The status of a page shown again after a submission: 422 when something was refused.
pub fn refused_if(refused: bool) -> StatusCode {
    if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}
