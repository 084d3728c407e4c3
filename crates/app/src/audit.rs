//! The tamper-evident audit log (R3.5, R4.3): the reads of a person's full data recorded like
//! changes, checkpoints signed with the installation's Ed25519 key and kept outside the
//! database (optionally e-mailed), the full verification, and inclusion proofs for inspectors.
use std::path::{Path, PathBuf};

use motcua_domain::audit::{self as tree, Checkpoint, Finding, Verifier};
use motcua_domain::authz::role_label;
use motcua_store::audit::{self as log, AuditFilter};
use motcua_store::{Conn, users};
use openssl::pkey::{PKey, Private};
use openssl::sign::{Signer, Verifier as SigVerifier};
use serde::Serialize;
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

/// Records read per query when the whole log is read.
const PAGE: u64 = 10_000;

/// The role an account acted in, for its audit record.
pub(crate) async fn role_of(c: &impl Conn, actor: Uuid, agency: Option<Uuid>) -> Result<String> {
    let kind = users::account_kind(c, actor).await?;
    let grants: Vec<_> = users::active_grants(c, actor)
        .await?
        .into_iter()
        .map(|g| g.grant)
        .collect();
    Ok(kind
        .map(|k| role_label(k, &grants, agency))
        .unwrap_or_else(|| "unknown".into()))
}

/// Why the log does not verify.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A record does not match: the first one.
    #[error("{0}")]
    Record(Finding),
    /// A checkpoint file that is not one this installation signed.
    #[error("checkpoint {file}: {why}")]
    Checkpoint { file: String, why: String },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<motcua_store::StoreError> for AuditError {
    fn from(e: motcua_store::StoreError) -> Self {
        AuditError::App(e.into())
    }
}

/// What a full verification found right.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub size: u64,
    pub root: String,
    /// The checkpoints the log was checked against.
    pub checkpoints: usize,
}

/// A proof that one record is in the log a signed checkpoint covers (RFC 9162 §2.1.3).
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub path: Vec<String>,
    pub root: String,
    /// The signed note of the checkpoint with that root.
    pub checkpoint: String,
}

/// The installation's checkpoint key, created (mode 0600) the first time.
fn signing_key(path: &Path) -> Result<PKey<Private>> {
    let err = |e: String| AppError::Unexpected(format!("audit key {}: {e}", path.display()));
    match std::fs::read(path) {
        Ok(pem) => PKey::private_key_from_pem(&pem).map_err(|e| err(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PKey::generate_ed25519().map_err(|e| err(e.to_string()))?;
            let pem = key
                .private_key_to_pem_pkcs8()
                .map_err(|e| err(e.to_string()))?;
            crate::privacy::write_secret(path, &pem).map_err(|e| err(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

fn public_of(key: &PKey<Private>) -> Result<[u8; 32]> {
    key.raw_public_key()
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| AppError::Unexpected("the audit key is not Ed25519".into()))
}

impl App {
    /// Records a read of a person's full data (a dossier, a file, an identity number shown in
    /// full) in its own transaction, before the data goes out: no record, no data (R4.3).
    pub(crate) async fn audit_read(&self, ctx: &Ctx, s: &Session, a: Audit<'_>) -> Result<()> {
        debug_assert_eq!(a.actor, Some(s.user.id));
        let tx = self.db.write().await?;
        self.commit(tx, ctx, a).await
    }

    fn checkpoint_key(&self) -> Result<(String, PKey<Private>, [u8; 4])> {
        let name = self.config.audit_origin();
        let key = signing_key(&self.config.audit_key_file())?;
        let id = tree::key_id(&name, &public_of(&key)?);
        Ok((name, key, id))
    }

    /// The signed checkpoints in the checkpoint folder and in `extra`, each checked against the
    /// installation's key: a checkpoint it did not sign is an error, not ignored.
    fn load_checkpoints(
        &self,
        extra: &[PathBuf],
    ) -> std::result::Result<Vec<Checkpoint>, AuditError> {
        let (name, key, id) = self.checkpoint_key()?;
        let public = PKey::public_key_from_raw_bytes(&public_of(&key)?, openssl::pkey::Id::ED25519)
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let mut files: Vec<PathBuf> = match std::fs::read_dir(self.config.checkpoint_dir()) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("checkpoint-") && n.ends_with(".txt"))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
            Err(e) => return Err(AppError::Unexpected(format!("checkpoints: {e}")).into()),
        };
        files.extend_from_slice(extra);
        let mut out = Vec::new();
        for f in files {
            let bad = |why: String| AuditError::Checkpoint {
                file: f.display().to_string(),
                why,
            };
            let text = std::fs::read_to_string(&f).map_err(|e| bad(e.to_string()))?;
            let (cp, kid, sig) = Checkpoint::parse(&text, &name).map_err(|e| bad(e.to_string()))?;
            let ok = kid == id
                && SigVerifier::new_without_digest(&public)
                    .and_then(|mut v| v.verify_oneshot(&sig, cp.body().as_bytes()))
                    .unwrap_or(false);
            if !ok {
                return Err(bad("its signature is not this installation's".into()));
            }
            out.push(cp);
        }
        Ok(out)
    }

    /// Reads the whole log and checks it (R4.3): every record against its hash and the one
    /// before it, and the tree they form against every signed checkpoint, in the folder and
    /// in `extra`.
    pub async fn verify_audit(
        &self,
        extra: &[PathBuf],
    ) -> std::result::Result<Verified, AuditError> {
        let checkpoints = self.load_checkpoints(extra)?;
        let n = checkpoints.len();
        let mut v = Verifier::new(checkpoints);
        let mut after = 0;
        loop {
            let page = log::stored_after(self.db.conn(), after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.record.seq;
            for r in page {
                v.push(r).map_err(AuditError::Record)?;
            }
        }
        let (size, root) = v.finish().map_err(AuditError::Record)?;
        Ok(Verified {
            size,
            root: hex::encode(root),
            checkpoints: n,
        })
    }

    /// Signs a checkpoint of the log as it is now and writes it to the checkpoint folder (and
    /// e-mails it where configured), after checking that the log still matches every earlier
    /// checkpoint: a log never signs a head inconsistent with one it signed before. Answers
    /// the file written, or none when nothing was added since the last checkpoint.
    pub async fn checkpoint(&self) -> std::result::Result<Option<PathBuf>, AuditError> {
        let previous = self.load_checkpoints(&[])?;
        let done = self.verify_audit(&[]).await?;
        if done.size == 0 || previous.iter().any(|c| c.size == done.size) {
            return Ok(None);
        }
        let (name, key, id) = self.checkpoint_key()?;
        let root = hex::decode(&done.root).expect("hex we wrote");
        let cp = Checkpoint {
            origin: name.clone(),
            size: done.size,
            root: root.try_into().expect("32 bytes"),
            time: self.now(),
        };
        let body = cp.body();
        let sig: [u8; 64] = Signer::new_without_digest(&key)
            .and_then(|mut s| s.sign_oneshot_to_vec(body.as_bytes()))
            .map_err(|e| AppError::Unexpected(format!("signing a checkpoint: {e}")))?
            .try_into()
            .map_err(|v: Vec<u8>| {
                AppError::Unexpected(format!("an Ed25519 signature is 64 bytes, not {}", v.len()))
            })?;
        let note = format!("{body}\n{}", tree::signed_note_line(&name, id, &sig));
        let file = self.config.checkpoint_dir().join(format!(
            "checkpoint-{:012}-{}.txt",
            cp.size,
            cp.time.strftime("%Y%m%dT%H%M%SZ")
        ));
        crate::privacy::write_file(&file, note.as_bytes(), 0o644)
            .map_err(|e| AppError::Unexpected(format!("{}: {e}", file.display())))?;
        self.mail_checkpoint(&cp, &note).await;
        tracing::info!(
            event = "audit_checkpoint",
            size = cp.size,
            "audit checkpoint signed"
        );
        Ok(Some(file))
    }

    /// Sends a checkpoint to the addresses configured, so that a copy lives where whoever runs
    /// the database cannot rewrite it. A failure is logged; the file is the record.
    async fn mail_checkpoint(&self, cp: &Checkpoint, note: &str) {
        let (Some(url), false) = (&self.config.smtp_url, self.config.audit.mail_to.is_empty())
        else {
            return;
        };
        let from = self.config.mail_from.clone().unwrap_or_default();
        let mailer = match motcua_notify::SmtpMailer::new(url, &from) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(event = "audit_checkpoint_mail_fail", error = %e);
                return;
            }
        };
        let subject = format!("Điểm kiểm tra nhật ký kiểm toán: {} bản ghi", cp.size);
        for to in &self.config.audit.mail_to {
            if let Err(e) = motcua_notify::Mailer::send(&mailer, to, &subject, note).await {
                tracing::warn!(event = "audit_checkpoint_mail_fail", error = %e);
            }
        }
    }

    /// The proof that record `seq` is in the log, against the latest signed checkpoint (one is
    /// signed first if the record is newer than all of them).
    pub async fn inclusion_proof(
        &self,
        seq: i64,
    ) -> std::result::Result<InclusionProof, AuditError> {
        if seq < 1 || seq > log::size(self.db.conn()).await? {
            return Err(AppError::NotFound.into());
        }
        let latest = |cps: Vec<Checkpoint>| cps.into_iter().max_by_key(|c| c.size);
        let mut cp = latest(self.load_checkpoints(&[])?);
        if cp.as_ref().is_none_or(|c| (c.size as i64) < seq) {
            self.checkpoint().await?;
            cp = latest(self.load_checkpoints(&[])?);
        }
        let cp = cp.ok_or_else(|| AppError::Unexpected("no checkpoint".into()))?;
        let leaves = self.leaves(cp.size).await?;
        let m = (seq - 1) as usize;
        let path = tree::inclusion_proof(m, &leaves).ok_or(AppError::NotFound)?;
        let note = self.checkpoint_note(cp.size)?;
        Ok(InclusionProof {
            seq,
            leaf_index: m as u64,
            tree_size: cp.size,
            leaf_hash: hex::encode(leaves[m]),
            path: path.iter().map(hex::encode).collect(),
            root: hex::encode(cp.root),
            checkpoint: note,
        })
    }

    /// The recomputed leaf hashes of the first `n` records.
    async fn leaves(&self, n: u64) -> Result<Vec<tree::Hash>> {
        let mut out = Vec::with_capacity(n as usize);
        while (out.len() as u64) < n {
            let page = log::stored_after(self.db.conn(), out.len() as i64, PAGE).await?;
            if page.is_empty() {
                break;
            }
            out.extend(page.iter().map(|r| r.record.leaf()));
        }
        out.truncate(n as usize);
        Ok(out)
    }

    fn checkpoint_note(&self, size: u64) -> Result<String> {
        let dir = self.config.checkpoint_dir();
        let prefix = format!("checkpoint-{size:012}-");
        let rd = std::fs::read_dir(&dir).map_err(|e| AppError::Unexpected(e.to_string()))?;
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                return std::fs::read_to_string(e.path())
                    .map_err(|e| AppError::Unexpected(e.to_string()));
            }
        }
        Err(AppError::NotFound)
    }

    /// Writes a checkpoint when records were added and the configured time has passed since the
    /// newest one (maintenance).
    pub(crate) async fn periodic_checkpoint(&self) -> Result<bool> {
        let every = jiff::SignedDuration::from_mins(self.config.audit.checkpoint_mins as i64);
        let newest = match self.load_checkpoints(&[]) {
            Ok(cps) => cps.into_iter().map(|c| c.time).max(),
            Err(e) => return Err(AppError::Unexpected(e.to_string())),
        };
        if newest.is_some_and(|t| self.now() - every < t) {
            return Ok(false);
        }
        match self.checkpoint().await {
            Ok(f) => Ok(f.is_some()),
            Err(AuditError::App(e)) => Err(e),
            Err(e) => {
                tracing::error!(event = "audit_verify_fail", error = %e, "the audit log does not verify");
                // R10.7: the province hears of it at once, whatever else fails.
                let origin = motcua_domain::incident::Origin::Audit;
                if let Err(x) = self
                    .open_own_incident(origin, self.now(), &e.to_string())
                    .await
                {
                    tracing::error!(event = "incident_open_fail", error = %x);
                }
                Err(AppError::Unexpected(e.to_string()))
            }
        }
    }

    /// Whether the caller may ask for inclusion proofs (R9.6: inspectors; the province's
    /// administrators).
    pub fn may_prove(&self, s: &Session) -> bool {
        use motcua_domain::Role;
        s.actor.has_role(Role::Inspector) || s.actor.has_role(Role::ProvinceAdmin)
    }

    /// Whether the caller may read the audit log: inspectors and the province's administrators
    /// all of it, agency administrators their agencies'.
    pub fn may_read_audit(&self, s: &Session) -> Result<()> {
        let admin = !s
            .actor
            .agencies_with(&[motcua_domain::Role::AgencyAdmin])
            .is_empty();
        if self.may_prove(s) || admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The audit log for an inspector (province-wide) or an agency's administrator (their
    /// agencies): records by an account, about a person (their account and dossiers) or a
    /// dossier, in a time window, newest first.
    pub async fn audit_records(
        &self,
        s: &Session,
        q: &AuditQuery,
    ) -> Result<Vec<(i64, motcua_store::audit::AuditEntry)>> {
        use motcua_domain::Role;
        self.may_read_audit(s)?;
        let province = self.may_prove(s);
        let agencies = s.actor.agencies_with(&[Role::AgencyAdmin]);
        let conn = self.db.conn();
        let mut objects: Option<Vec<String>> = None;
        if let Some(person) = q.person {
            let mut o: Vec<String> = motcua_store::dossiers::ids_of_owner(conn, person)
                .await?
                .iter()
                .map(Uuid::to_string)
                .collect();
            o.push(person.to_string());
            objects = Some(o);
        }
        if let Some(d) = q.dossier {
            objects = Some(match objects {
                Some(o) => o.into_iter().filter(|x| *x == d.to_string()).collect(),
                None => vec![d.to_string()],
            });
        }
        let f = AuditFilter {
            actor: q.actor,
            objects,
            from: q.from,
            to: q.to,
            agencies: (!province).then_some(agencies),
        };
        Ok(log::search(conn, &f, q.limit.clamp(1, 1000)).await?)
    }
}

/// What the audit page filters by.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<Uuid>,
    /// The person whose data the records concern.
    pub person: Option<Uuid>,
    pub dossier: Option<Uuid>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    pub limit: u64,
}
