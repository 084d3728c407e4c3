//! A whole online submission in one request (R6.2, R4.2): the service, the answers and the
//! papers arrive together, and the dossier is stored, its files attached and it is submitted in
//! one transaction. The papers' durable writes are the only other cost.
use super::files::{Paper, allowed, check_attachment};
use super::submit::{answers_complete, claim_key};
use super::*;
use crate::scanning::Sender;

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
    /// What the papers of a new dossier may hold: (each paper, all of them together), from the
    /// file and dossier limits and what the person has left (R4.4). A request whose key already
    /// made a dossier is measured against the limits alone: its retry must get the same answer
    /// even when that dossier used up the person's room.
    pub async fn new_dossier_room(&self, s: &Session, key: Option<&str>) -> Result<(u64, u64)> {
        let c = &self.config.dossiers;
        let conn = self.db.conn();
        let retry = match checked_key(key)? {
            Some(k) => ds::find_idempotency(conn, s.user.id, k).await?.is_some(),
            None => false,
        };
        let left = if retry {
            u64::MAX
        } else {
            let used = ds::owner_bytes(conn, s.user.id).await?.max(0) as u64;
            (c.max_person_mb * MB).saturating_sub(used)
        };
        let all = (c.max_dossier_mb * MB).min(left);
        Ok(((c.max_file_mb * MB).min(all), all))
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
            // The same key sent twice at once: the request that claimed it answers both, once
            // it is committed.
            Err(AppError::Conflict(c)) if c == "idempotency" => {
                self.db.settle().await?;
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
        let (d, service, version) = self.new_online(s, sub.service, sub.form).await?;
        // Everything that can refuse the submission cheaply is checked before any paper is made
        // durable: a refused request leaves no blob behind (R4.4).
        let mut kinds = Vec::with_capacity(sub.papers.len());
        for p in &sub.papers {
            kinds.push(check_attachment(
                &d,
                &version,
                false,
                &p.component,
                &p.name,
                &p.staged,
            )?);
        }
        let named: Vec<&str> = sub.papers.iter().map(|p| p.component.as_str()).collect();
        answers_complete(&service, &version, &d.form, &named)?;
        let bytes = sub.papers.iter().map(|p| p.staged.size).sum();
        self.room_for(self.db.conn(), s, bytes).await?;
        // Every paper is scanned and parsed before any is stored: a refused one leaves no blob
        // of the others behind (R4.4). The dossier is not stored yet: a detection names the
        // sender only.
        let by = Sender {
            source: "upload",
            user: Some(s.user.id),
            dossier: None,
        };
        let mut checked = Vec::with_capacity(sub.papers.len());
        for (p, kind) in sub.papers.iter().zip(&kinds) {
            let allow = allowed(&version, &p.component);
            checked.push(
                self.screen(ctx, by, &p.staged, &p.name, *kind, allow)
                    .await?,
            );
        }
        let mut files: Vec<DossierFile> = Vec::with_capacity(sub.papers.len());
        for ((p, kind), bytes) in sub.papers.into_iter().zip(kinds).zip(checked) {
            let paper = Paper {
                component: &p.component,
                name: &p.name,
                kind,
                public: true,
                allow: allowed(&version, &p.component),
            };
            let (f, completed) = self
                .store_checked(&files, d.id, paper, p.staged, bytes)
                .await?;
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
        self.room_for(&tx, s, bytes).await?;
        ds::insert_dossier(&tx, &d).await?;
        for f in &files {
            ds::insert_file(&tx, f).await?;
        }
        let code = self
            .submit_in(tx, ctx, s, (d.id, &files), sub.consent)
            .await?;
        Ok(Submitted { id: d.id, code })
    }

    /// Whether a new dossier of `bytes` fits the dossier limit and what the person has left:
    /// checked before the papers are stored, and again with the person locked (parallel
    /// submissions share the same free space).
    async fn room_for(&self, conn: &impl Conn, s: &Session, bytes: u64) -> Result<()> {
        let c = &self.config.dossiers;
        let used = ds::owner_bytes(conn, s.user.id).await?.max(0) as u64;
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
pub fn checked_key(key: Option<&str>) -> Result<Option<&str>> {
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > 200) {
        return Err(AppError::field(
            "idempotency_key",
            "Idempotency-Key quá dài.",
        ));
    }
    Ok(key)
}

/// What makes two submissions the same request: the service, the answers (whatever the order
/// of their keys), the consent and the papers (component, name, content; whatever the order of
/// the parts).
fn fingerprint(sub: &Submission) -> String {
    let mut papers: Vec<Value> = sub
        .papers
        .iter()
        .map(|p| json!([p.component, p.name, p.staged.sha256]))
        .collect();
    papers.sort_by_key(Value::to_string);
    let mut whole = json!({
        "service": sub.service,
        "form": sorted_keys(&sub.form),
        "declaration": sub.consent.declaration,
        "papers_by_post": sub.consent.papers_by_post,
        "papers": papers,
    });
    // Only when stated, so that a request without a choice keeps the fingerprint it had
    // before the choice was asked.
    if let Some(r) = &sub.consent.result {
        // The address only counts with the post (it is ignored otherwise).
        let post = (r.channel == "post")
            .then_some(r.post.as_ref())
            .flatten()
            .map(|p| [&p.recipient, &p.phone, &p.address]);
        whole["result"] = json!([r.channel, post]);
    }
    sha256_hex(&whole.to_string())
}

/// The same JSON with every object's keys in order (the answers keep the order they were sent
/// in, which does not make them another request).
fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_keys(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_keys_does_not_change_a_request() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [{"q": 1, "p": 2}], "x": 2}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a": {"x": 2, "y": [{"p": 2, "q": 1}]}, "b": 1}"#).unwrap();
        assert_ne!(a.to_string(), b.to_string(), "the order is kept as sent");
        assert_eq!(sorted_keys(&a).to_string(), sorted_keys(&b).to_string());
        let c: Value =
            serde_json::from_str(r#"{"a": {"x": 3, "y": [{"p": 2, "q": 1}]}, "b": 1}"#).unwrap();
        assert_ne!(sorted_keys(&a).to_string(), sorted_keys(&c).to_string());
    }
}
