//! What the national portal has not yet acknowledged (R6.1, R9.2): each dossier's first unsent
//! message (the later ones wait behind it), with its tries and the portal's last answer.
use askama::Template;
use motcua_domain::authz::Action;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::dossier::national_label;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get(
        "/can-bo/dong-bo-quoc-gia",
        Staff(Action::ManageNotices),
        backlog,
    )
}

struct Row {
    dossier_id: uuid::Uuid,
    code: String,
    seq: i64,
    status: String,
    since: String,
    attempts: i32,
    next: String,
    error: String,
}

#[derive(Template)]
#[template(path = "national/backlog.html")]
struct BacklogPage {
    c: Chrome,
    connected: bool,
    rows: Vec<Row>,
}

async fn backlog(p: Page) -> PageResult {
    let rows =
        p.s.app
            .national_backlog(p.session()?)
            .await?
            .into_iter()
            .map(|m| Row {
                dossier_id: m.dossier_id,
                code: m.code,
                seq: m.seq,
                status: m.body["TrangThai"]
                    .as_u64()
                    .map(|c| national_label(c as u8).to_string())
                    .unwrap_or_default(),
                since: format_vn_datetime(m.created_at),
                attempts: m.attempts,
                next: format_vn_datetime(m.next_attempt_at),
                error: m.last_error.unwrap_or_default(),
            })
            .collect();
    Ok(render(&BacklogPage {
        c: p.chrome("Đồng bộ với Cổng Dịch vụ công quốc gia"),
        connected: p.s.app.national_connected(),
        rows,
    }))
}
