//! The national public service portal (R6.1, R9.2, R10.2; domain.md §0, §2.6–2.7), behind the
//! [`Portal`] trait: dossiers submitted there arrive in the reception worklist with their code,
//! applicant, declaration and papers (each paper fetched from the portal and checked against its
//! hash); every change of a dossier's national status goes back through the outbox written with
//! the step ([`App::tell_portal`]), in order per dossier, retried until acknowledged, numbered so
//! that a repeat is recognised.
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use jiff::SignedDuration;
use motcua_domain::account::{AccountKind, User};
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::clock::vn_date;
use motcua_domain::dossier::{self as dom, Intake};
use motcua_domain::event::EventData;
use motcua_domain::fees::{Method, Payment};
use motcua_domain::lifecycle::{self, Act, Stage, Who};
use motcua_domain::national::{self, Incoming, PaidOnPortal, ResultReceived};
use motcua_store::catalogue as cat;
use motcua_store::dossiers::{self as ds, Dossier, DossierFile};
use motcua_store::national::{self as outbox, Message};
use motcua_store::results::IssuedResult;
use motcua_store::users;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::Config;
use crate::crypto;
use crate::processing::persist::{RowWrite, StepWrite};
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What the app needs of the portal.
pub trait Portal: Send + Sync {
    /// Delivers one message; `Ok` once the portal acknowledged it.
    fn push<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, std::result::Result<(), String>>;
    /// Fetches a paper the portal holds into an upload.
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        into: &'a mut motcua_blobs::Upload,
    ) -> BoxFuture<'a, std::result::Result<(), String>>;
}

/// The portal over HTTP: `POST {national.url}/api/capnhat` with the key as a bearer token and
/// an `Idempotency-Key` of the dossier's code and the message's number; papers only from under
/// `national.url` (a dossier cannot make the server fetch anything else).
pub struct HttpPortal {
    url: String,
    key: String,
    http: reqwest::Client,
}

impl HttpPortal {
    pub fn from_config(c: &Config) -> Option<HttpPortal> {
        Some(HttpPortal {
            url: c.national.url.clone()?.trim_end_matches('/').to_string(),
            key: c.national.key.clone()?,
            // The portal answers within seconds or the message is tried again later.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("the HTTP client builds with its bundled TLS roots"),
        })
    }

    async fn post(&self, body: &Value) -> std::result::Result<(), String> {
        let key = format!(
            "{}:{}",
            body["MaHoSo"].as_str().unwrap_or(""),
            body["SoThuTu"]
        );
        let r = self
            .http
            .post(format!("{}/api/capnhat", self.url))
            .bearer_auth(&self.key)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("cổng quốc gia không trả lời: {e}"))?;
        let status = r.status();
        if status.is_success() {
            return Ok(());
        }
        let text = r.text().await.unwrap_or_else(|e| e.to_string());
        Err(format!(
            "cổng quốc gia trả lời {status}: {}",
            text.chars().take(200).collect::<String>()
        ))
    }

    async fn get_into(
        &self,
        url: &str,
        into: &mut motcua_blobs::Upload,
    ) -> std::result::Result<(), String> {
        if !url.starts_with(&format!("{}/", self.url)) {
            return Err(format!("giấy tờ ở ngoài cổng quốc gia: {url}"));
        }
        let mut r = self
            .http
            .get(url)
            .bearer_auth(&self.key)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("không tải được giấy tờ {url}: {e}"))?;
        // Streamed into the upload, which refuses past the size limit.
        while let Some(chunk) = r
            .chunk()
            .await
            .map_err(|e| format!("giấy tờ {url} bị ngắt: {e}"))?
        {
            into.write(&chunk).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Portal for HttpPortal {
    fn push<'a>(&'a self, body: &'a Value) -> BoxFuture<'a, std::result::Result<(), String>> {
        Box::pin(self.post(body))
    }
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        into: &'a mut motcua_blobs::Upload,
    ) -> BoxFuture<'a, std::result::Result<(), String>> {
        Box::pin(self.get_into(url, into))
    }
}

/// The portal's own account: the actor of the steps it takes (a submission). It cannot log in.
const PORTAL_LOGIN: &str = "dvcqg";
const PORTAL_NAME: &str = "Cổng Dịch vụ công quốc gia";
/// How long a sender holds a message.
const LEASE_SECS: i64 = 120;
/// Rounds of one sender's pass.
const ROUNDS: usize = 20;

/// What one pass of the sender did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    pub sent: usize,
    pub failed: usize,
}

/// A dossier received from the portal: its code, and whether this delivery made it (a
/// repeated delivery finds it made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub code: String,
    pub created: bool,
}

/// A staged paper waiting for the dossier's transaction.
struct Fetched {
    component: String,
    name: String,
    kind: dom::FileKind,
    staged: motcua_blobs::Staged,
}

impl App {
    /// Queues the portal's message for a step, in the step's transaction, when the step changes
    /// the dossier's national status (the one rule, `national::status_change`).
    /// A resolved dossier's update carries its signed result (where anyone can check it).
    pub(crate) async fn tell_portal(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        from: Option<Stage>,
        act: Act,
        at: jiff::Timestamp,
        result: Option<&IssuedResult>,
    ) -> Result<()> {
        let (Some(_), Some(code)) = (&self.portal, &d.code) else {
            return Ok(());
        };
        let Some(status) = national::status_change(from, d.stage) else {
            return Ok(());
        };
        let mut body = national::status_update(code, 0, status, at, act.label_vi());
        if let Some(r) = result {
            let site = self.config.public_url.trim_end_matches('/');
            let r = national::ResultRef {
                number: &r.number,
                sha256: &r.sha256,
                url: format!("{site}/api/v1/results/{}", r.number),
            };
            body = national::with_result(body, &r);
        }
        outbox::enqueue(tx, d.id, code, body, at).await?;
        Ok(())
    }

    /// Queues a payment for the portal, in the transaction that records it (not one the
    /// portal itself reported).
    pub(crate) async fn tell_portal_paid(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        p: &Payment,
    ) -> Result<()> {
        let (Some(_), Some(code)) = (&self.portal, &d.code) else {
            return Ok(());
        };
        let at = p.confirmed_at.unwrap_or(p.created_at);
        let body = national::payment_update(
            code,
            p.amount,
            p.method.as_str(),
            p.reference.as_deref().or(p.gateway_txn.as_deref()),
            p.method == Method::Vnpay,
            at,
        );
        outbox::enqueue(tx, d.id, code, body, at).await?;
        Ok(())
    }

    /// Records a payment made on the portal (its key as the bearer token), once per reference:
    /// the amount must be what the dossier owes now. Answers whether this report recorded it.
    pub async fn receive_payment_from_portal(
        &self,
        ctx: &Ctx,
        key: &str,
        paid: PaidOnPortal,
    ) -> Result<bool> {
        self.portal_key(key)?;
        let d = ds::find_by_code(self.db.conn(), &paid.code)
            .await?
            .ok_or(AppError::NotFound)?;
        let reference = crate::processing::clean(&paid.reference, 100);
        let known = motcua_store::payments::payments_of(self.db.conn(), d.id).await?;
        let repeat = known.iter().any(|p| {
            p.method == Method::NationalPortal && p.reference.as_deref() == Some(reference.as_str())
        });
        if repeat {
            return Ok(false);
        }
        let portal = self.portal_account().await?;
        let by = crate::payments::Taker::Portal(portal.id, paid.amount);
        let (p, _) = self
            .take_payment(ctx, by, d, Method::NationalPortal, Some(reference))
            .await?;
        tracing::info!(event = "payment_from_portal", payment = %p.id, "payment reported by the national portal");
        Ok(true)
    }

    /// Records that the person received the electronic result on the portal: the dossier's
    /// return step ("Trả kết quả trực tuyến"), taken by the portal as the agency's electronic
    /// desk for this one step, with every check a desk's return has (the fee paid, the result
    /// signed). Once: a repeat finds the dossier returned and answers `false`.
    pub async fn receive_return_from_portal(
        &self,
        ctx: &Ctx,
        key: &str,
        got: ResultReceived,
    ) -> Result<bool> {
        self.portal_key(key)?;
        let d = ds::find_by_code(self.db.conn(), &got.code)
            .await?
            .ok_or(AppError::NotFound)?;
        if d.stage == Stage::Returned {
            return Ok(false);
        }
        let issued = motcua_store::results::result_by_number(self.db.conn(), &got.result).await?;
        if issued.is_none_or(|r| r.dossier_id != d.id) {
            return Err(AppError::field(
                "MaKetQua",
                format!("Hồ sơ không có kết quả số «{}».", got.result),
            ));
        }
        let portal = self.portal_account().await?;
        let desk = Session {
            actor: motcua_domain::Actor {
                user_id: portal.id,
                kind: AccountKind::Staff,
                grants: vec![motcua_domain::Grant {
                    role: motcua_domain::Role::Reception,
                    agency_id: d.agency_id,
                    unit_id: None,
                }],
            },
            user: portal,
            session_hash: None,
        };
        let input = crate::processing::ActionInput {
            comment: format!(
                "Công dân đã nhận kết quả điện tử trên Cổng Dịch vụ công quốc gia lúc {}.",
                got.received_at
            )
            .chars()
            .take(300)
            .collect(),
            reported: true,
            ..crate::processing::ActionInput::new(Act::ReturnOnline)
        };
        self.perform(ctx, &desk, d.id, &input).await?;
        Ok(true)
    }

    /// The portal's key, checked (401 otherwise; 404 when the portal is not connected).
    fn portal_key(&self, key: &str) -> Result<()> {
        if self.portal.is_none() {
            return Err(AppError::NotFound);
        }
        let expected = self.config.national.key.as_deref().unwrap_or("");
        if expected.is_empty() || !crypto::ct_eq(key, expected) {
            tracing::warn!(
                event = "national_key_refused",
                "a delivery without the portal's key"
            );
            return Err(AppError::Unauthenticated);
        }
        Ok(())
    }

    /// One pass of the sender: each dossier's earliest unsent message, delivered or put back
    /// with a longer wait.
    pub async fn sync_national(&self) -> Result<Synced> {
        let Some(portal) = self.portal.clone() else {
            return Ok(Synced::default());
        };
        let owner = format!("national-{}", std::process::id());
        let mut done = Synced::default();
        // A dossier's next message becomes due when the one before it is acknowledged: a
        // pass goes round until nothing is due (bounded, so that a pass ends).
        for _ in 0..ROUNDS {
            let round = self.sync_round(portal.as_ref(), &owner).await?;
            done.sent += round.sent;
            done.failed += round.failed;
            if round.sent == 0 {
                break;
            }
        }
        Ok(done)
    }

    async fn sync_round(&self, portal: &dyn Portal, owner: &str) -> Result<Synced> {
        let now = self.now();
        let tx = self.db.write().await?;
        let lease = SignedDuration::from_secs(LEASE_SECS);
        let batch = outbox::claim_due(&tx, owner, now, lease, 50).await?;
        tx.commit().await?;
        let mut done = Synced::default();
        for m in batch {
            let outcome = portal.push(&m.body).await;
            let now = self.now();
            let tx = self.db.write().await?;
            match outcome {
                Ok(()) => {
                    outbox::mark_sent(&tx, m.id, owner, now).await?;
                    done.sent += 1;
                }
                Err(e) => {
                    tracing::warn!(event = "national_push_failed", dossier = %m.dossier_id, seq = m.seq, error = %e, "the national portal did not take a message");
                    let next = now + national::backoff(m.attempts);
                    outbox::mark_failed(&tx, m.id, owner, next, &e).await?;
                    done.failed += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(done)
    }

    /// What the portal has not yet acknowledged, oldest first (the province's administrators,
    /// who look after the delivery queues).
    pub async fn national_backlog(&self, s: &Session) -> Result<Vec<Message>> {
        authorize(&s.actor, Action::ManageNotices, &Target::None)?;
        Ok(outbox::unsent(self.db.conn(), 500).await?)
    }

    /// Whether the portal is connected.
    pub fn national_connected(&self) -> bool {
        self.portal.is_some()
    }

    /// A dossier's national status history as motcua holds it (the rule the messages follow).
    pub async fn national_history(&self, id: Uuid) -> Result<Vec<(u8, jiff::Timestamp)>> {
        Ok(national::history(&ds::events(self.db.conn(), id).await?))
    }

    /// A dossier's messages to the portal, in order.
    pub async fn national_messages(&self, id: Uuid) -> Result<Vec<Message>> {
        Ok(outbox::of_dossier(self.db.conn(), id).await?)
    }

    /// Receives a dossier submitted on the portal (its key as the bearer token). A repeated
    /// delivery answers the dossier already made; nothing is made unless every paper arrived
    /// with the hash the portal gave.
    pub async fn receive_from_portal(
        &self,
        ctx: &Ctx,
        key: &str,
        inc: Incoming,
    ) -> Result<Received> {
        self.portal_key(key)?;
        let portal = self.portal.clone().ok_or(AppError::NotFound)?;
        inc.check().map_err(|m| AppError::field("MaHoSo", m))?;
        if let Some(d) = ds::find_by_code(self.db.conn(), &inc.code).await? {
            return Ok(Received {
                code: d.code.unwrap_or_default(),
                created: false,
            });
        }
        let service_id = self.service_by_codes(&inc.procedure, &inc.agency).await?;
        let papers = self.fetch_papers(portal.as_ref(), &inc).await?;
        match self
            .make_portal_dossier(ctx, service_id, &inc, papers)
            .await
        {
            // The same dossier, delivered twice at once: the other delivery made it (read once
            // its commit is done).
            Err(AppError::Conflict(_))
                if self.db.settle().await.is_ok()
                    && ds::find_by_code(self.db.conn(), &inc.code).await?.is_some() =>
            {
                Ok(Received {
                    code: inc.code.clone(),
                    created: false,
                })
            }
            other => other,
        }
    }

    /// Fetches and stages every paper, checking each against its hash and its kind; the first
    /// that fails refuses the dossier (the staged ones are dropped).
    async fn fetch_papers(&self, portal: &dyn Portal, inc: &Incoming) -> Result<Vec<Fetched>> {
        let limit = self.config.dossiers.max_file_mb * 1024 * 1024;
        let mut out = vec![];
        for c in &inc.components {
            for p in &c.papers {
                let mut up = self.begin_upload(limit).await?;
                if let Err(e) = portal.fetch(&p.url, &mut up).await {
                    // Past the size limit: the dossier's fault, not the portal's.
                    if up.size() > limit {
                        let big = motcua_blobs::BlobError::TooLarge(limit);
                        return Err(crate::dossiers::blob_err(big));
                    }
                    return Err(AppError::Unavailable {
                        cause: e,
                        retry: 60,
                    });
                }
                let staged = up.finish().await.map_err(crate::dossiers::blob_err)?;
                if !staged.sha256.eq_ignore_ascii_case(&p.sha256) {
                    return Err(AppError::field(
                        "HashTepTin",
                        format!(
                            "Giấy tờ «{}» không khớp mã băm: cổng gửi {}, tệp nhận được có {}.",
                            p.name, p.sha256, staged.sha256
                        ),
                    ));
                }
                let kind = dom::check_file(&p.name, &staged.head)
                    .map_err(|e| AppError::field("GiayToDinhKem", e.to_string()))?;
                out.push(Fetched {
                    component: c.id.clone(),
                    name: p.name.clone(),
                    kind,
                    staged,
                });
            }
        }
        Ok(out)
    }

    /// Makes the dossier, its papers and its submission step in one transaction.
    async fn make_portal_dossier(
        &self,
        ctx: &Ctx,
        service_id: Uuid,
        inc: &Incoming,
        papers: Vec<Fetched>,
    ) -> Result<Received> {
        let conn = self.db.conn();
        let service = cat::get_service(conn, service_id).await?;
        let now = self.now();
        let version = cat::current_version(conn, service.procedure_id, vn_date(now))
            .await?
            .ok_or(AppError::NotFound)?;
        let (name, phone, clean, ids) = crate::dossiers::checked_declaration(
            &service.form_schema,
            &inc.form,
            &inc.submitter.name,
            &inc.submitter.phone,
        )?;
        for p in &papers {
            if !version.body.components.iter().any(|c| c.id == p.component) {
                return Err(AppError::field(
                    "MaThanhPhanHoSo",
                    format!("Thủ tục không có thành phần «{}».", p.component),
                ));
            }
        }
        let attached: Vec<&str> = papers.iter().map(|p| p.component.as_str()).collect();
        crate::dossiers::require_papers(
            &version.body.components,
            &clean,
            &attached,
            "ThanhPhanHoSo",
        )?;
        let owner = users::find_for_login(conn, &inc.submitter.id_number)
            .await?
            .map(|(u, _)| u)
            .filter(|u| u.kind == AccountKind::Citizen && !u.disabled);
        let portal_user = self.portal_account().await?;
        let to = lifecycle::next(Stage::Draft, Act::Submit, Who::Owner)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        // Every paper is scanned and parsed like any upload before any is stored (R4.4): a
        // refused one leaves no blob of the others behind.
        let by = crate::scanning::Sender {
            source: "national",
            user: Some(portal_user.id),
            dossier: None,
        };
        for p in &papers {
            let allow = crate::dossiers::allowed(&version, &p.component);
            self.screen(ctx, by, &p.staged, &p.name, p.kind, allow)
                .await
                .map_err(|e| match e {
                    AppError::Validation(v) => AppError::Validation(
                        v.into_iter().map(|(_, m)| ("GiayToDinhKem", m)).collect(),
                    ),
                    e => e,
                })?;
        }
        let mut files = vec![];
        for p in papers {
            let size = p.staged.size as i64;
            let sha = self
                .blobs
                .commit(p.staged)
                .await
                .map_err(crate::dossiers::blob_err)?;
            files.push((p.component, p.name, p.kind, sha, size));
        }
        let tx = self.db.write().await?;
        let (total, process) = self
            .published_plan(&tx, service_id, version.id, Intake::Online)
            .await?;
        let mut d = Dossier {
            code: Some(inc.code.clone()),
            owner_id: owner.map(|u| u.id),
            form: clean,
            applicant_name: name,
            phone_tail: Some(crate::dossiers::phone_tail(&phone)),
            id_index: ids.first().map(|i| motcua_store::seal::blind(i)),
            phone_index: Some(motcua_store::seal::blind(&phone)),
            submitted_at: Some(now),
            declaration: Some(dom::DECLARATION.into()),
            declared_at: Some(now),
            time_to_result: Some(total),
            process,
            ..Dossier::blank(
                service_id,
                version.id,
                service.agency_id,
                Intake::Online,
                Stage::Draft,
                now,
            )
        };
        let entered = self.enter(&tx, &mut d, to, now, &[], None).await?;
        ds::insert_dossier(&tx, &d).await?;
        for (component, name, kind, sha256, size) in files {
            ds::insert_file(
                &tx,
                &DossierFile {
                    id: Uuid::now_v7(),
                    dossier_id: d.id,
                    component_id: component,
                    sha256,
                    size,
                    kind,
                    name: dom::safe_file_name(&name),
                    created_at: now,
                    public: true,
                    signatures: vec![],
                },
            )
            .await?;
        }
        let write = StepWrite {
            dossier: &d,
            row: RowWrite::Keep,
            at: now,
            actor: portal_user.id,
            act: Act::Submit,
            from: Some(Stage::Draft),
            entered: Some(entered),
            comment: None,
            unit: None,
            data: EventData::None,
            consultations: vec![],
            disclosures: vec![],
            issue: None,
            notices: vec![],
            staff: None,
            role: None,
            audit: Audit {
                actor: Some(portal_user.id),
                action: "dossier_received_from_portal",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"intake": "online", "portal": true, "submitted_on_portal": inc.submitted_at}),
            },
        };
        self.write_step(tx, ctx, write).await?;
        tracing::info!(event = "dossier_received_from_portal", dossier = %d.id, "dossier received from the national portal");
        Ok(Received {
            code: inc.code.clone(),
            created: true,
        })
    }

    /// The portal's account, made on first use (disabled: nobody logs in as the portal).
    async fn portal_account(&self) -> Result<User> {
        if let Some((u, _)) = users::find_for_login(self.db.conn(), PORTAL_LOGIN).await? {
            return Ok(u);
        }
        let now = self.now();
        let u = User {
            id: Uuid::now_v7(),
            kind: AccountKind::Staff,
            login: PORTAL_LOGIN.into(),
            email: None,
            email_verified: false,
            phone: None,
            full_name: PORTAL_NAME.into(),
            id_number: None,
            home_agency_id: None,
            disabled: true,
            created_at: now,
        };
        let tx = self.db.write().await?;
        users::insert_user(&tx, &u, &crypto::DUMMY_HASH, now).await?;
        tx.commit().await?;
        Ok(u)
    }
}

/// The portal the settings name, if any.
pub fn portal_from_config(c: &Config) -> Option<Arc<dyn Portal>> {
    HttpPortal::from_config(c).map(|p| Arc::new(p) as Arc<dyn Portal>)
}
