//! Outside channels for notices (R6.2, R11.2, R11.3, R12.2): e-mail over SMTP (lettre; TLS for
//! `smtps://` or `?tls=required`) and SMS through a provider, each behind a trait with a real
//! adapter and a local stand-in.
use std::sync::{Arc, Mutex};

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (the server is down, busy, or answered a temporary failure).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Will never succeed as it is (bad address, refused content).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Sends e-mail.
pub trait Mailer: Send + Sync + 'static {
    fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
    ) -> impl std::future::Future<Output = Result<(), SendError>> + Send;
}

/// SMTP through lettre.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    /// `url`: `smtp://host:port` (plain, for a local relay), `smtps://user:pass@host` (TLS),
    /// `smtp://host:587?tls=required` (STARTTLS). `from`: the sender address.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|e| format!("sender address: {e}"))?;
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let to = to
            .parse()
            .map_err(|e| SendError::Permanent(format!("address: {e}")))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match self.transport.send(msg).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}

/// Development without SMTP: nothing leaves the machine; the log says a message was "sent"
/// (kind and id only: bodies carry single-use links). The content stays readable in the
/// development mailbox page.
#[derive(Clone, Default)]
pub struct LogMailer;

impl Mailer for LogMailer {
    async fn send(&self, _to: &str, _subject: &str, _body: &str) -> Result<(), SendError> {
        tracing::info!(
            event = "email_not_sent_dev",
            "development: e-mail kept in the outbox (no SMTP configured)"
        );
        Ok(())
    }
}

/// Sends SMS.
pub trait SmsProvider: Send + Sync + 'static {
    fn send(
        &self,
        to: &str,
        text: &str,
    ) -> impl std::future::Future<Output = Result<(), SendError>> + Send;
}

/// A provider with a JSON HTTP API: `POST {url}` with `{"to": "...", "text": "..."}` and a
/// bearer key; 2xx is sent, 4xx is permanent, anything else temporary.
#[derive(Clone)]
pub struct HttpSms {
    url: String,
    key: String,
    client: reqwest::Client,
}

impl HttpSms {
    pub fn new(url: &str, key: &str) -> Self {
        HttpSms {
            url: url.into(),
            key: key.into(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("http client"),
        }
    }
}

impl SmsProvider for HttpSms {
    async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        let r = self
            .client
            .post(&self.url)
            .bearer_auth(&self.key)
            .json(&serde_json::json!({"to": to, "text": text}))
            .send()
            .await
            .map_err(|e| SendError::Temporary(e.to_string()))?;
        match r.status().as_u16() {
            200..=299 => Ok(()),
            400..=499 => Err(SendError::Permanent(format!(
                "provider answered {}",
                r.status()
            ))),
            s => Err(SendError::Temporary(format!("provider answered {s}"))),
        }
    }
}

/// The local SMS simulator: records messages (tests, demos).
#[derive(Clone, Default)]
pub struct SimulatedSms {
    pub sent: Arc<Mutex<Vec<(String, String)>>>,
}

impl SmsProvider for SimulatedSms {
    async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        self.sent
            .lock()
            .expect("sms log")
            .push((to.into(), text.into()));
        Ok(())
    }
}
