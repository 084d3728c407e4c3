//! The API's error contract (R14.1): every answer that is not a success is a problem document
//! (RFC 9457), and the OpenAPI document lists, for every operation, each status it can answer.
//! Handlers declare what is particular to them (409, 429); what follows from the operation's
//! shape (a token, a path, a body) and from the server itself (an outage) is added here, once.
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::error::problem;

/// A problem document: the status, a Vietnamese title a person can read, and for a refused
/// form, what is wrong with each field.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    pub status: u16,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// What is wrong with one field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// What each status means, in the words of the document.
fn meaning(status: &str) -> &'static str {
    match status {
        "400" => {
            "Malformed request: a path or query parameter of the wrong form, or a body that is not JSON"
        }
        "401" => "No valid bearer token",
        "403" => "The token's account may not do this",
        "404" => "No such resource, or not one this account may see",
        "408" => "The request was not received in time",
        "409" => "The resource is not in a state that allows this",
        "413" => "The body is larger than allowed",
        "415" => "The body is not of the documented content type",
        "422" => "The request is well formed but its values are refused (see `errors`)",
        "429" => "Too many requests or wrong guesses: wait for Retry-After seconds",
        "503" => {
            "Temporarily unavailable (database unreachable or at capacity): retry after Retry-After seconds"
        }
        _ => "Error",
    }
}

/// Adds the statuses every operation can answer, each with the problem schema, to the document.
pub struct Problems;

impl utoipa::Modify for Problems {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                complete(op);
            }
        }
    }
}

/// The statuses an operation can answer from its shape, and a problem body for every error.
fn complete(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    let has_body = op.request_body.is_some();
    let mut statuses = vec!["400", "408", "503"];
    if secured {
        statuses.extend(["401", "403"]);
    }
    if in_path {
        statuses.push("404");
    }
    if has_body {
        // 404 also when the body names something that does not exist (a service, a file).
        statuses.extend(["404", "413", "415", "422"]);
    } else if !params.is_empty() {
        statuses.push("422");
    }
    for s in statuses {
        op.responses
            .responses
            .entry(s.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
    }
    for (status, r) in op.responses.responses.iter_mut() {
        if status.starts_with(['4', '5'])
            && let RefOr::T(r) = r
        {
            if r.description.is_empty() {
                r.description = meaning(status).to_string();
            }
            r.content.insert(
                "application/problem+json".into(),
                RefOr::T(
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                ),
            );
            if status == "429" || status == "503" {
                let seconds = utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer);
                r.headers.insert(
                    "Retry-After".into(),
                    RefOr::T(
                        HeaderBuilder::new()
                            .schema(Some(seconds))
                            .description(Some("Seconds to wait before trying again"))
                            .build(),
                    ),
                );
            }
        }
    }
}

/// The largest error body of the framework's own that is turned into a problem document.
const PLAIN_ERROR_MAX: usize = 4096;

/// API answers that are errors but not yet problem documents (the framework's own refusals: a
/// path that does not parse, a body of the wrong type or size, a method not allowed) become
/// problem documents with the same status, so that programs read one shape of error.
pub async fn problem_documents(req: Request, next: Next) -> Response {
    if !crate::caller::is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, PLAIN_ERROR_MAX)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let title = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let mut out = problem(status, &title, None);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
