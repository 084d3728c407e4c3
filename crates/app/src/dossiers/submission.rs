//! A whole online submission in one request (R6.2, R4.2): the service, the answers and the
//! papers arrive together, and the dossier is stored, its files attached and it is submitted in
//! one transaction. The papers' durable writes are the only other cost.
use super::files::{Paper, check_attachment};
use super::submit::claim_key;
use super::*;

/// What one request submits.
pub struct Submission {
    pub service: Uuid,
    pub form: Value,
    /// In the order sent: a detached signature may come before or after the file it signs.
    pub papers: Vec<NewPaper>,
    pub consent: Consent,
}

/// One paper of a submission, staged.
pub struct NewPaper {
    pub component: String,
    pub name: String,
    pub staged: Staged,
}

/// The dossier a submission made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: Uuid,
    pub code: String,
}

impl App {
    /// The bytes the papers of a new dossier may hold: the smallest of the file and dossier
    /// limits and what the person has left (R4.4).
    pub async fn new_dossier_budget(&self, s: &Session) -> Result<u64> {
        // A dossier not yet stored holds nothing: the nil id has no files.
        self.storage_left(self.db.conn(), s.user.id, Uuid::nil())
            .await
    }

    /// Submits a new dossier with its papers in one transaction. Idempotent like
    /// [`App::submit`]: the same `key` with the same request answers the same dossier; with
    /// another request it is refused. Staged papers not stored are removed.
    pub async fn submit_new(
        &self,
        ctx: &Ctx,
        s: &Session,
        sub: Submission,
        key: Option<&str>,
    ) -> Result<Submitted> {
        let key = checked_key(key)?;
        let fingerprint = fingerprint(&sub);
        if let Some(k) = key
            && let Some(done) = self.done_by_key(s, k, &fingerprint).await?
        {
            return Ok(done);
        }
        match self.submit_new_once(ctx, s, sub, key, &fingerprint).await {
            // The same key sent twice at once: the request that claimed it answers both.
            Err(AppError::Conflict(c)) if c == "idempotency" => {
                let k = key.unwrap_or_default();
                self.done_by_key(s, k, &fingerprint)
                    .await?
                    .ok_or(AppError::Conflict(
                        "Hồ sơ đang được nộp, hãy thử lại.".into(),
                    ))
            }
            other => other,
        }
    }

    async fn submit_new_once(
        &self,
        ctx: &Ctx,
        s: &Session,
        sub: Submission,
        key: Option<&str>,
        fingerprint: &str,
    ) -> Result<Submitted> {
        let d = self.new_online(s, sub.service, sub.form).await?;
        let version = self.version(d.procedure_version_id).await?;
        let mut files: Vec<DossierFile> = Vec::with_capacity(sub.papers.len());
        for p in sub.papers {
            let kind = check_attachment(&d, &version, false, &p.component, &p.name, &p.staged)?;
            let paper = Paper {
                component: &p.component,
                name: &p.name,
                kind,
                public: true,
            };
            let (f, completed) = self.store_paper(&files, d.id, paper, p.staged).await?;
            for (id, sigs) in completed {
                if let Some(signed) = files.iter_mut().find(|x| x.id == id) {
                    signed.signatures = sigs;
                }
            }
            files.push(f);
        }
        let tx = self.db.write().await?;
        claim_key(&tx, s, key, fingerprint, d.id, self.now()).await?;
        users::lock_user(&tx, s.user.id).await?;
        self.room_for(&tx, s, files.iter().map(|f| f.size.max(0) as u64).sum())
            .await?;
        ds::insert_dossier(&tx, &d).await?;
        for f in &files {
            ds::insert_file(&tx, f).await?;
        }
        let code = self
            .submit_in(tx, ctx, s, (d.id, &files), sub.consent)
            .await?;
        Ok(Submitted { id: d.id, code })
    }

    /// Whether a new dossier of `bytes` fits the dossier limit and what the person has left,
    /// checked with the person locked (parallel submissions share the same free space).
    async fn room_for(&self, tx: &motcua_store::Tx, s: &Session, bytes: u64) -> Result<()> {
        let c = &self.config.dossiers;
        let used = ds::owner_bytes(tx, s.user.id).await?.max(0) as u64;
        if bytes > c.max_dossier_mb * MB {
            return Err(AppError::field(
                "file",
                format!("Hồ sơ vượt dung lượng tối đa ({} MB).", c.max_dossier_mb),
            ));
        }
        if used + bytes > c.max_person_mb * MB {
            return Err(AppError::field(
                "file",
                format!(
                    "Các tệp vượt dung lượng lưu trữ còn lại của bạn ({} MB). Hãy xóa bớt tệp ở các hồ sơ nháp.",
                    (c.max_person_mb * MB).saturating_sub(used) / MB
                ),
            ));
        }
        Ok(())
    }

    /// The dossier an idempotency key already made, when the request is the same one; a key
    /// used for another request is refused.
    pub(super) async fn done_by_key(
        &self,
        s: &Session,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<Submitted>> {
        let conn = self.db.conn();
        let Some((hash, id)) = ds::find_idempotency(conn, s.user.id, key).await? else {
            return Ok(None);
        };
        if hash != fingerprint {
            return Err(AppError::field(
                "idempotency_key",
                "Idempotency-Key này đã dùng cho một yêu cầu khác.",
            ));
        }
        let code = ds::get_dossier(conn, id)
            .await?
            .code
            .ok_or(AppError::NotFound)?;
        Ok(Some(Submitted { id, code }))
    }
}

/// An idempotency key as sent: blank is none; over 200 characters is refused.
pub(super) fn checked_key(key: Option<&str>) -> Result<Option<&str>> {
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > 200) {
        return Err(AppError::field(
            "idempotency_key",
            "Idempotency-Key quá dài.",
        ));
    }
    Ok(key)
}

/// What makes two submissions the same request: the service, the answers, the consent and
/// each paper (component, name, content) in order.
fn fingerprint(sub: &Submission) -> String {
    let papers: Vec<Value> = sub
        .papers
        .iter()
        .map(|p| json!([p.component, p.name, p.staged.sha256]))
        .collect();
    let whole = json!({
        "service": sub.service,
        "form": sub.form,
        "declaration": sub.consent.declaration,
        "papers_by_post": sub.consent.papers_by_post,
        "papers": papers,
    });
    sha256_hex(&whole.to_string())
}
