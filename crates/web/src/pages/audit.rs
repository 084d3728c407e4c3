//! "Nhật ký kiểm toán" (R4.3, R9.6): the audit log for inspectors and administrators, filtered
//! by person (identity number), staff member, dossier and dates, each record with its
//! inclusion proof.
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use motcua_app::AppError;
use motcua_app::audit::AuditQuery;
use motcua_domain::authz::Action;
use motcua_domain::clock::{format_vn_datetime, vn_offset};
use serde::Deserialize;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/nhat-ky", Staff(Action::EnterBackOffice), page)
        .get(
            "/can-bo/nhat-ky/{seq}",
            Staff(Action::EnterBackOffice),
            proof,
        )
}

/// The filters, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    /// The person's identity number (or tax code).
    nguoi: String,
    /// A staff member's log-in name.
    can_bo: String,
    /// A dossier's code.
    ho_so: String,
    /// `YYYY-MM-DD`, inclusive.
    tu: String,
    /// `YYYY-MM-DD`, inclusive.
    den: String,
}

struct Row {
    seq: i64,
    at: String,
    role: String,
    action: String,
    object: String,
    client: String,
    request: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    c: Chrome,
    f: Filters,
    rows: Vec<Row>,
    /// What could not be found among the filters.
    missing: Vec<&'static str>,
}

fn day(s: &str, plus: i64) -> Option<jiff::Timestamp> {
    let d: jiff::civil::Date = s.trim().parse().ok()?;
    let d = d.checked_add(jiff::Span::new().days(plus)).ok()?;
    vn_offset()
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

pub async fn page(p: Page, Query(f): Query<Filters>) -> PageResult {
    let sess = p.session()?;
    let app = &p.s.app;
    let mut missing = vec![];
    let mut q = AuditQuery {
        from: day(&f.tu, 0),
        to: day(&f.den, 1),
        limit: 500,
        ..Default::default()
    };
    if !f.nguoi.trim().is_empty() {
        match app.find_user(f.nguoi.trim()).await {
            Ok(u) => q.person = Some(u.id),
            Err(AppError::NotFound) => missing.push("Không có người với số định danh này."),
            Err(e) => return Err(e.into()),
        }
    }
    if !f.can_bo.trim().is_empty() {
        match app.find_user(f.can_bo.trim()).await {
            Ok(u) => q.actor = Some(u.id),
            Err(AppError::NotFound) => missing.push("Không có cán bộ với tên đăng nhập này."),
            Err(e) => return Err(e.into()),
        }
    }
    if !f.ho_so.trim().is_empty() {
        match app.dossier_id_by_code(sess, f.ho_so.trim()).await {
            Ok(id) => q.dossier = Some(id),
            Err(AppError::NotFound) => missing.push("Không có hồ sơ với mã này."),
            Err(e) => return Err(e.into()),
        }
    }
    let rows = if missing.is_empty() {
        app.audit_records(sess, &q)
            .await?
            .into_iter()
            .map(|(seq, e)| Row {
                seq,
                at: format_vn_datetime(e.at),
                role: e.role.unwrap_or_default(),
                action: e.action,
                object: format!("{} {}", e.object_type, e.object_id.unwrap_or_default()),
                client: e.client.unwrap_or_default(),
                request: e.request_id.unwrap_or_default(),
            })
            .collect()
    } else {
        vec![]
    };
    Ok(render(&AuditPage {
        c: p.chrome("Nhật ký kiểm toán"),
        f,
        rows,
        missing,
    }))
}

/// A record's inclusion proof against the latest signed checkpoint, as a JSON file.
pub async fn proof(p: Page, Path(seq): Path<i64>) -> PageResult {
    let sess = p.session()?;
    if !p.s.app.may_prove(sess) {
        return Err(AppError::Forbidden.into());
    }
    let proof = p.s.app.inclusion_proof(seq).await.map_err(|e| match e {
        motcua_app::audit::AuditError::App(e) => e,
        e => AppError::Conflict(e.to_string()),
    })?;
    let body = serde_json::to_vec_pretty(&proof).expect("JSON serialises");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bang-chung-nhat-ky.json\"",
            ),
        ],
        body,
    )
        .into_response())
}
