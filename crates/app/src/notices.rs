//! Account notices (e-mail confirmation, password reset, account exists), written to the
//! outbox in the same transaction as the change that causes them. Delivery is the notices
//! issue's worker; in development the messages are readable at `/dev/hop-thu`.
use motcua_store::audit::{OutboxMessage, enqueue};
use uuid::Uuid;

use crate::{App, Result};

/// Kinds of account notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountNotice {
    ConfirmEmail,
    PasswordReset,
    AccountExists,
    EmailChanged,
}

impl AccountNotice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "email_confirmation",
            Self::PasswordReset => "password_reset",
            Self::AccountExists => "account_exists",
            Self::EmailChanged => "email_changed",
        }
    }
}

impl App {
    /// Queues an e-mail in the caller's transaction. Logs the kind only, never the address or link.
    pub(crate) async fn queue_email(
        &self,
        tx: &motcua_store::Tx,
        kind: AccountNotice,
        user_id: Option<Uuid>,
        to: &str,
        subject: &str,
        body: String,
    ) -> Result<()> {
        let id = Uuid::now_v7();
        enqueue(
            tx,
            &OutboxMessage {
                id,
                kind: kind.as_str().into(),
                user_id,
                channel: "email".into(),
                recipient: to.into(),
                subject: subject.into(),
                body,
                dedupe_key: id.to_string(),
                created_at: self.now(),
                sent_at: None,
            },
        )
        .await?;
        tracing::info!(event = "notice_queued", kind = kind.as_str(), message_id = %id, "notice queued");
        Ok(())
    }

    /// Newest outbox messages (development mailbox, tests).
    pub async fn recent_messages(&self, limit: u64) -> Result<Vec<OutboxMessage>> {
        Ok(motcua_store::audit::recent_messages(self.db.conn(), None, limit).await?)
    }
}
