//! The person's rights over their data (R10.5; Decree 13/2023 Art. 9, 11–16): everything held
//! about them, consent per purpose with the notice they read, and requests to correct, delete
//! or restrict, answered within 72 hours.
use motcua_domain::Role;
use motcua_domain::privacy::{self as pd, Purpose, RequestKind};
use motcua_domain::record::{Consent, PrivacyRequest};
use motcua_store::consents as cs;
use motcua_store::dossiers as ds;
use motcua_store::{audit, auth, users};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

fn ts(t: jiff::Timestamp) -> String {
    motcua_domain::calendar::rfc3339_vn(t)
}

fn consent_json(c: &Consent) -> Value {
    json!({
        "purpose": c.purpose,
        "notice_version": c.notice_version,
        "notice_sha256": c.notice_sha256,
        "channel": c.channel,
        "accepted_at": ts(c.accepted_at),
        "withdrawn_at": c.withdrawn_at.map(ts),
    })
}

fn request_json(r: &PrivacyRequest) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind,
        "detail": r.detail,
        "status": r.status,
        "created_at": ts(r.created_at),
        "due_at": ts(r.due_at),
        "answered_at": r.answered_at.map(ts),
        "answer": r.answer,
    })
}

impl App {
    /// Everything held about the caller, as JSON (Decree 13 Art. 14): the account, each dossier
    /// they own with its declaration, papers (names and hashes), history and disclosures, their
    /// notices, consents, requests, and who read their dossiers. Nothing of anyone else.
    pub async fn export_my_data(&self, ctx: &Ctx, s: &Session) -> Result<Value> {
        let conn = self.db.conn();
        let u = users::get_user(conn, s.user.id).await?;
        let mut dossiers = vec![];
        let owned = ds::by_owner(conn, u.id, 10_000).await?;
        let ids: Vec<Uuid> = owned.iter().map(|d| d.id).collect();
        let disclosures = cs::disclosures_of(conn, &ids).await?;
        for d in &owned {
            let files: Vec<Value> = ds::files(conn, d.id)
                .await?
                .iter()
                .map(|f| json!({"component": f.component_id, "name": f.name, "size": f.size, "sha256": f.sha256, "added_at": ts(f.created_at)}))
                .collect();
            let history: Vec<Value> = ds::events(conn, d.id)
                .await?
                .iter()
                .filter(|e| e.public)
                .map(|e| json!({"stage": e.to_stage.as_str(), "label": e.to_stage.label_vi(), "at": ts(e.at)}))
                .collect();
            dossiers.push(json!({
                "id": d.id,
                "code": d.code,
                "stage": d.stage.as_str(),
                "applicant_name": d.applicant_name,
                "submitted_at": d.submitted_at.map(ts),
                "form": d.form,
                "files": files,
                "history": history,
                "disclosures": disclosures.iter().filter(|x| x.dossier_id == d.id)
                    .map(|x| json!({"agency_id": x.agency_id, "purpose": x.purpose, "basis": x.basis, "at": ts(x.at)}))
                    .collect::<Vec<_>>(),
            }));
        }
        let mut objects: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        objects.push(u.id.to_string());
        let reads: Vec<Value> = audit::search(
            conn,
            &audit::AuditFilter {
                objects: Some(objects),
                ..Default::default()
            },
            1000,
        )
        .await?
        .into_iter()
        .filter(|(_, e)| e.action == "read" && e.actor_id != Some(u.id))
        .map(|(seq, e)| json!({"record": seq, "role": e.role, "object": e.object_type, "at": ts(e.at)}))
        .collect();
        let notices: Vec<Value> = motcua_store::notices::inbox(conn, u.id, 10_000)
            .await?
            .iter()
            .map(|n| json!({"subject": n.subject, "body": n.body, "at": ts(n.created_at)}))
            .collect();
        let out = json!({
            "exported_at": ts(self.now()),
            "account": {
                "id": u.id, "kind": u.kind.as_str(), "full_name": u.full_name,
                "id_number": u.id_number, "email": u.email, "phone": u.phone,
                "created_at": ts(u.created_at),
            },
            "dossiers": dossiers,
            "notices": notices,
            "consents": cs::consents_of(conn, u.id).await?.iter().map(consent_json).collect::<Vec<_>>(),
            "requests": cs::requests(conn, Some(u.id)).await?.iter().map(request_json).collect::<Vec<_>>(),
            "reads_by_staff": reads,
        });
        let tx = self.db.write().await?;
        self.commit(
            tx,
            ctx,
            self_audit(s, "data_export", json!({"dossiers": ids.len()})),
        )
        .await?;
        Ok(out)
    }

    /// The caller's consents, withdrawn ones included.
    pub async fn my_consents(&self, s: &Session) -> Result<Vec<Consent>> {
        Ok(cs::consents_of(self.db.conn(), s.user.id).await?)
    }

    /// Records the caller's consent to a purpose that needs one, to the notice version they
    /// read (which must be the one in force): an explicit act, never presumed (Decree 13
    /// Art. 11).
    pub async fn give_consent(
        &self,
        ctx: &Ctx,
        s: &Session,
        purpose: &str,
        notice_version: i32,
        channel: &str,
    ) -> Result<Consent> {
        let p = Purpose::parse(purpose)
            .filter(|p| p.legal_basis().is_none())
            .ok_or_else(|| {
                AppError::field(
                    "purpose",
                    "Mục đích này không cần hoặc không nhận sự đồng ý.",
                )
            })?;
        let notice = pd::current_notice();
        if notice_version != notice.version {
            return Err(AppError::field(
                "notice_version",
                format!(
                    "Hãy đọc thông báo phiên bản {} trước khi đồng ý.",
                    notice.version
                ),
            ));
        }
        let tx = self.db.write().await?;
        if let Some(c) = cs::active_consent(&tx, s.user.id, p.as_str()).await? {
            return Ok(c);
        }
        let c = Consent {
            id: Uuid::now_v7(),
            user_id: s.user.id,
            purpose: p.as_str().into(),
            notice_version: notice.version,
            notice_sha256: pd::notice_sha256(notice),
            channel: channel.into(),
            accepted_at: self.now(),
            withdrawn_at: None,
        };
        cs::insert_consent(&tx, &c).await?;
        let detail =
            json!({"purpose": c.purpose, "op": "give", "notice_version": c.notice_version});
        self.commit(tx, ctx, self_audit(s, "consent_change", detail))
            .await?;
        Ok(c)
    }

    /// Withdraws the caller's consent to a purpose: what depended on it stops now (a
    /// consultation on the basis of consent is refused from this moment); the history stays.
    pub async fn withdraw_consent(&self, ctx: &Ctx, s: &Session, purpose: &str) -> Result<()> {
        let p = Purpose::parse(purpose).ok_or(AppError::NotFound)?;
        let tx = self.db.write().await?;
        if cs::withdraw(&tx, s.user.id, p.as_str(), self.now()).await? == 0 {
            return Err(AppError::NotFound);
        }
        let detail = json!({"purpose": p.as_str(), "op": "withdraw"});
        self.commit(tx, ctx, self_audit(s, "consent_change", detail))
            .await
    }

    /// A request about the caller's data, due in 72 hours.
    pub async fn request_about_my_data(
        &self,
        ctx: &Ctx,
        s: &Session,
        kind: &str,
        detail: &str,
    ) -> Result<PrivacyRequest> {
        let k = RequestKind::parse(kind).ok_or_else(|| {
            AppError::field("kind", "Chọn: correction, deletion hoặc restriction.")
        })?;
        let detail: String = detail.trim().chars().take(4000).collect();
        if detail.is_empty() {
            return Err(AppError::field(
                "detail",
                "Nêu thông tin cần sửa, cần xóa hoặc hạn chế, và lý do.",
            ));
        }
        let now = self.now();
        let r = PrivacyRequest {
            id: Uuid::now_v7(),
            user_id: s.user.id,
            kind: k.as_str().into(),
            detail,
            status: "open".into(),
            created_at: now,
            due_at: pd::due_after(now),
            answered_at: None,
            answered_by: None,
            answer: None,
        };
        let tx = self.db.write().await?;
        cs::insert_request(&tx, &r).await?;
        self.commit(
            tx,
            ctx,
            self_audit(
                s,
                "privacy_request",
                json!({"request": r.id, "kind": r.kind}),
            ),
        )
        .await?;
        Ok(r)
    }

    pub async fn my_requests(&self, s: &Session) -> Result<Vec<PrivacyRequest>> {
        Ok(cs::requests(self.db.conn(), Some(s.user.id)).await?)
    }

    /// The open requests, soonest due first, for the province's administrators (who answer
    /// for the installation as data controller).
    pub async fn open_privacy_requests(&self, s: &Session) -> Result<Vec<PrivacyRequest>> {
        if !s.actor.has_role(Role::ProvinceAdmin) {
            return Err(AppError::Forbidden);
        }
        Ok(cs::requests(self.db.conn(), None).await?)
    }

    /// Answers a request. Carried out (`done`): a restriction marks the account restricted and
    /// withdraws its consents; a deletion also erases what the law does not require kept
    /// (phone, drafts, sessions, notices' addresses) and closes the account, while the dossiers
    /// submitted stay, as the archives law requires, marked by the account's restriction. A
    /// correction is made by the administrator beforehand; the answer says what changed.
    pub async fn answer_privacy_request(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        done: bool,
        answer: &str,
    ) -> Result<PrivacyRequest> {
        if !s.actor.has_role(Role::ProvinceAdmin) {
            return Err(AppError::Forbidden);
        }
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(AppError::field("answer", "Nêu kết quả xử lý yêu cầu."));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        let r = cs::get_request(&tx, id).await?;
        let status = if done { "done" } else { "refused" };
        if !cs::answer_request(&tx, id, status, answer, s.user.id, now).await? {
            return Err(AppError::Conflict("Yêu cầu đã được trả lời.".into()));
        }
        let kind = RequestKind::parse(&r.kind);
        if done && matches!(kind, Some(RequestKind::Restriction | RequestKind::Deletion)) {
            users::restrict(&tx, r.user_id, now).await?;
            for p in Purpose::ALL {
                cs::withdraw(&tx, r.user_id, p.as_str(), now).await?;
            }
        }
        if done && kind == Some(RequestKind::Deletion) {
            users::erase_contact(&tx, r.user_id, now).await?;
            for d in ds::by_owner(&tx, r.user_id, 10_000).await? {
                if d.stage == motcua_domain::lifecycle::Stage::Draft {
                    ds::delete_draft(&tx, d.id).await?;
                }
            }
            auth::delete_user_sessions(&tx, r.user_id, None).await?;
            auth::revoke_user_api_tokens(&tx, r.user_id, now).await?;
        }
        let audit = Audit {
            actor: Some(s.user.id),
            action: "privacy_request_answer",
            object: "user",
            id: Some(r.user_id.to_string()),
            agency: None,
            detail: json!({"request": id, "kind": r.kind, "status": status}),
        };
        self.commit(tx, ctx, audit).await?;
        cs::get_request(self.db.conn(), id)
            .await
            .map_err(Into::into)
    }
}

/// The audit record of a person acting on their own data.
fn self_audit(s: &Session, action: &'static str, detail: Value) -> Audit<'static> {
    Audit {
        actor: Some(s.user.id),
        action,
        object: "user",
        id: Some(s.user.id.to_string()),
        agency: None,
        detail,
    }
}
