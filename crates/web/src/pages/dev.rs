//! Development only: what a person trying the system on one machine needs without the
//! outside services (the e-mails that would have been sent).
use askama::Template;
use motcua_domain::clock::format_vn_datetime;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get("/dev/hop-thu", DevOnly, dev_mailbox)
}

struct MailView {
    to: String,
    subject: String,
    body: String,
    at: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "dev/mailbox.html")]
struct MailboxPage {
    c: Chrome,
    mails: Vec<MailView>,
}

/// Development only: the e-mails waiting in the outbox, so that a person trying the system on
/// one machine can follow confirmation and reset links without a mail server.
pub async fn dev_mailbox(p: Page) -> PageResult {
    let mails =
        p.s.app
            .recent_emails(30)
            .await?
            .into_iter()
            .map(|(to, subject, body, kind, at)| MailView {
                to,
                subject,
                body,
                at: format_vn_datetime(at),
                kind: kind.as_str().to_string(),
            })
            .collect();
    Ok(render(&MailboxPage {
        c: p.chrome("Hộp thư (chế độ phát triển)"),
        mails,
    }))
}
