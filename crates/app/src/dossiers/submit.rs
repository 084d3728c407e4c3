//! The owner's side of a dossier: drafts, the form, submission and resubmission through the
//! lifecycle, withdrawal (R6.2, R13.2).
use super::*;

/// What the person confirms and chooses when submitting.
#[derive(Debug, Clone, Default)]
pub struct Consent {
    /// The declaration that what they state is true (R13.2).
    pub declaration: bool,
    /// At level 4, the papers of the components not digitally signed go by post (R7.2a).
    pub papers_by_post: bool,
    /// How they receive the result (R8.2): at the office when a new submission states none;
    /// a resubmission keeps the choice unless it states one.
    pub result: Option<super::ResultChoice>,
}

impl App {
    /// Deletes drafts whose time is up (with their files; the blobs go at the next sweep).
    pub async fn expire_drafts(&self) -> Result<usize> {
        let ids = ds::expired_drafts(self.db.conn(), self.now()).await?;
        for id in &ids {
            let tx = self.db.write().await?;
            ds::delete_draft(&tx, *id).await?;
            tx.commit().await?;
        }
        Ok(ids.len())
    }

    /// Starts a draft for an online service (level 3 or 4) with the answers so far.
    pub async fn create_draft(
        &self,
        ctx: &Ctx,
        s: &Session,
        service_id: Uuid,
        form: Value,
    ) -> Result<Dossier> {
        let (d, ..) = self.new_online(s, service_id, form).await?;
        let tx = self.db.write().await?;
        users::lock_user(&tx, s.user.id).await?;
        if ds::count_drafts(&tx, s.user.id).await? >= self.config.dossiers.max_drafts {
            return Err(AppError::Conflict(format!(
                "Bạn đang có {} hồ sơ nháp, mức tối đa. Hãy nộp hoặc xóa bớt hồ sơ nháp.",
                self.config.dossiers.max_drafts
            )));
        }
        ds::insert_dossier(&tx, &d).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_draft_created",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"service": service_id}),
            },
        )
        .await?;
        Ok(d)
    }

    /// A new draft of the person's for an online service (level 3 or 4), not yet stored, with
    /// the service and the version in force it was made for.
    pub(super) async fn new_online(
        &self,
        s: &Session,
        service_id: Uuid,
        form: Value,
    ) -> Result<(Dossier, cat::Service, Version)> {
        if !s.user.kind.is_public() {
            return Err(AppError::Forbidden);
        }
        let conn = self.db.conn();
        let service = cat::get_service(conn, service_id)
            .await
            .or_missing(AppError::NotFound)?;
        if !motcua_domain::catalogue::takes_dossiers_online(service.level) || !service.active {
            return Err(AppError::field(
                "service",
                "Dịch vụ này không nhận hồ sơ trực tuyến (mức độ 3, 4).",
            ));
        }
        let now = self.now();
        let version = cat::current_version(conn, service.procedure_id, vn_date(now))
            .await?
            .ok_or(AppError::NotFound)?;
        let d = Dossier {
            owner_id: Some(s.user.id),
            form: self.answers(form)?,
            applicant_name: s.user.full_name.clone(),
            phone_tail: s.user.phone.as_deref().map(phone_tail),
            id_index: s.user.id_number.as_deref().map(motcua_store::seal::blind),
            phone_index: s.user.phone.as_deref().map(motcua_store::seal::blind),
            expires_at: Some(
                now + SignedDuration::from_hours(24 * self.config.dossiers.draft_days),
            ),
            ..Dossier::blank(
                service_id,
                version.id,
                service.agency_id,
                Intake::Online,
                Stage::Draft,
                now,
            )
        };
        Ok((d, service, version))
    }

    /// Saves the answers of a draft (or of a dossier the agency asked to supplement).
    pub async fn save_form(&self, s: &Session, id: Uuid, form: Value) -> Result<Dossier> {
        let mut d = self.own(s, id).await?;
        if !d.stage.owner_edits() {
            return Err(AppError::Conflict(
                "Hồ sơ đã nộp, không sửa được nữa.".into(),
            ));
        }
        let now = self.now();
        d.form = self.answers(form)?;
        d.updated_at = now;
        if d.stage == Stage::Draft {
            d.expires_at =
                Some(now + SignedDuration::from_hours(24 * self.config.dossiers.draft_days));
        }
        let tx = self.db.write().await?;
        ds::update_dossier(&tx, &d).await.map_err(conflict_msg)?;
        tx.commit().await?;
        d.version += 1;
        Ok(d)
    }

    /// The answers of a form as stored: an object of at most `max_form_kb` as JSON (R4.4:
    /// bounded inputs).
    fn answers(&self, form: Value) -> Result<Value> {
        let max = self.config.dossiers.max_form_kb * 1024;
        let size = serde_json::to_vec(&form).map_or(u64::MAX, |v| v.len() as u64);
        if size > max {
            return Err(AppError::field(
                "form",
                format!(
                    "Tờ khai quá dài: tối đa {} KB.",
                    self.config.dossiers.max_form_kb
                ),
            ));
        }
        if !form.is_object() {
            return Err(AppError::field(
                "form",
                "form phải là một đối tượng JSON (các câu trả lời theo tên trường).",
            ));
        }
        Ok(form)
    }

    /// Submits a dossier (or resubmits it after a supplement request). Idempotent: with the same
    /// `key` the same dossier code is answered; a key reused for another dossier is refused; an
    /// already submitted dossier answers its code.
    pub async fn submit(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        key: Option<&str>,
        consent: Consent,
    ) -> Result<String> {
        let key = super::submission::checked_key(key)?;
        let fingerprint = sha256_hex(&id.to_string());
        if let Some(k) = key
            && let Some(done) = self.done_by_key(s, k, &fingerprint).await?
        {
            return Ok(done.code);
        }
        match self
            .submit_once(ctx, s, id, key, &fingerprint, consent)
            .await
        {
            Err(AppError::Conflict(c))
                if c.contains("idempotency") || c.contains("changed meanwhile") =>
            {
                // A concurrent request with the same key (or a double click) won: answer its
                // result once it is committed.
                self.db.settle().await?;
                let d = ds::get_dossier(self.db.conn(), id).await?;
                d.code
                    .filter(|_| d.stage != Stage::Draft)
                    .ok_or(AppError::Conflict(
                        "Hồ sơ đang được nộp, hãy thử lại.".into(),
                    ))
            }
            other => other,
        }
    }

    async fn submit_once(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        key: Option<&str>,
        fingerprint: &str,
        consent: Consent,
    ) -> Result<String> {
        let tx = self.db.write().await?;
        claim_key(&tx, s, key, fingerprint, id, self.now()).await?;
        self.submit_in(tx, ctx, s, (id, &[]), consent).await
    }

    /// Submits the dossier `id` in `tx` and commits; `added` are the files this same request
    /// added (recorded with the submission).
    pub(super) async fn submit_in(
        &self,
        tx: motcua_store::Tx,
        ctx: &Ctx,
        s: &Session,
        (id, added): (Uuid, &[DossierFile]),
        consent: Consent,
    ) -> Result<String> {
        let now = self.now();
        let mut d = ds::get_dossier(&tx, id)
            .await
            .or_missing(AppError::NotFound)?;
        if d.owner_id != Some(s.user.id) {
            return Err(AppError::NotFound);
        }
        let act = match d.stage {
            Stage::Draft => Act::Submit,
            _ => Act::Resubmit,
        };
        let Ok(to) = lifecycle::next(d.stage, act, Who::Owner) else {
            // Already submitted (a double click): the same answer.
            tx.commit().await?;
            return d.code.ok_or(AppError::NotFound);
        };
        if !consent.declaration {
            return Err(AppError::field(
                "declaration",
                "Hãy đánh dấu cam đoan thông tin khai là đúng sự thật trước khi nộp.",
            ));
        }
        let (clean, version, ways) = self.complete(&tx, &d, act, now).await?;
        // A way chosen on the draft is checked again against the version pinned now.
        let kept = d.result.as_ref().map(|r| super::ResultChoice {
            channel: r.channel.as_str().into(),
            post: r.post.clone(),
        });
        match (consent.result, kept) {
            (Some(c), _) => d.result = Some(self.checked_choice(&ways, Some(c))?),
            (None, Some(k)) if act == Act::Submit => {
                d.result = Some(self.checked_choice(&ways, Some(k))?)
            }
            (None, None) if act == Act::Submit => {
                d.result = Some(self.checked_choice(&ways, None)?)
            }
            _ => {}
        }
        d.papers = self
            .papers_needed(&tx, &d, &version, consent.papers_by_post)
            .await?;
        let from = d.stage;
        d.form = clean;
        d.procedure_version_id = version.id;
        d.declaration = Some(dom::DECLARATION.into());
        d.declared_at = Some(now);
        d.updated_at = now;
        d.expires_at = None;
        let agency = agencies::get_agency(&tx, d.agency_id).await?;
        let events = ds::events(&tx, id).await?;
        let data = self
            .number_or_compare(&tx, &mut d, act, &agency.code, &events, now)
            .await?;
        self.ensure_plan(&tx, &mut d).await?;
        let entered = self.enter(&tx, &mut d, to, now, &events, None).await?;
        let mut notices: Vec<StepNotice> = (act == Act::Submit)
            .then(|| self.submitted_notice(s, &d, &version, &agency))
            .into_iter()
            .collect();
        notices.extend(
            self.fee_due_notice(&tx, &d, act)
                .await?
                .map(|(n, r)| StepNotice::Rendered(n, r)),
        );
        let write = StepWrite {
            dossier: &d,
            row: RowWrite::Update,
            at: now,
            actor: s.user.id,
            act,
            from: Some(from),
            entered: Some(entered),
            comment: None,
            unit: None,
            data,
            consultations: vec![],
            disclosures: vec![],
            issue: None,
            notices,
            staff: None,
            role: Some(s.role_at(Some(d.agency_id))),
            audit: Audit {
                actor: Some(s.user.id),
                action: "dossier_submitted",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: submitted_detail(&version, &d, added),
            },
        };
        self.write_step(tx, ctx, write).await?;
        let code = d.code.clone().unwrap_or_default();
        tracing::info!(event = "dossier_submitted", dossier = %id, "dossier submitted");
        Ok(code)
    }

    /// Withdraws a dossier before it is decided (the person's own), through the lifecycle.
    pub async fn withdraw(&self, ctx: &Ctx, s: &Session, id: Uuid, reason: &str) -> Result<()> {
        self.own(s, id).await?;
        let input = ActionInput {
            comment: reason.chars().take(1000).collect(),
            ..ActionInput::new(Act::Withdraw)
        };
        self.perform(ctx, s, id, &input).await.map(|_| ())
    }

    /// Deletes the caller's own draft.
    pub async fn delete_draft(&self, s: &Session, id: Uuid) -> Result<()> {
        let d = self.own(s, id).await?;
        if d.stage != Stage::Draft {
            return Err(AppError::Conflict("Chỉ xóa được hồ sơ nháp.".into()));
        }
        let tx = self.db.write().await?;
        ds::delete_draft(&tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a submission checks and pins (R6.2): the answers valid for the service's form, every
    /// required component attached, and the procedure version (the one in force now for a new
    /// submission; a resubmission keeps its own); with the ways its result may be received.
    async fn complete(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        act: Act,
        now: jiff::Timestamp,
    ) -> Result<(Value, Version, Vec<ReturnChannel>)> {
        let service = cat::get_service(tx, d.service_id).await?;
        // A new submission pins the version in force now; a resubmission keeps its version.
        let version = if act == Act::Submit {
            cat::current_version(tx, service.procedure_id, vn_date(now))
                .await?
                .ok_or(AppError::NotFound)?
        } else {
            cat::get_version(tx, d.procedure_version_id).await?
        };
        let files = ds::files(tx, d.id).await?;
        let attached: Vec<&str> = files.iter().map(|f| f.component_id.as_str()).collect();
        let clean = answers_complete(&service, &version, &d.form, &attached)?;
        let ways = super::delivery::ways_of(&service, &version);
        Ok((clean, version, ways))
    }

    /// A new submission gets its code and the time and process published now (R10.4); a
    /// resubmission records what it changed since the request (R3.4). What the event carries.
    async fn number_or_compare(
        &self,
        tx: &motcua_store::Tx,
        d: &mut Dossier,
        act: Act,
        agency: &str,
        events: &[Event],
        now: jiff::Timestamp,
    ) -> Result<EventData> {
        if act == Act::Resubmit {
            let changed = self.changed_since_request(tx, d, events).await?;
            return Ok(EventData::Resubmitted(Resubmission { changed }));
        }
        let seq = ds::next_seq(tx, d.agency_id, vn_date(now)).await?;
        d.code = Some(dom::format_code(
            &self.config.dossiers.code_format,
            agency,
            vn_date(now),
            seq,
        ));
        d.submitted_at = Some(now);
        // The dossier keeps the time and process published when it was submitted (R10.4).
        let (total, process) = self
            .published_plan(tx, d.service_id, d.procedure_version_id, d.intake)
            .await?;
        d.time_to_result = Some(total);
        d.process = process;
        Ok(EventData::None)
    }

    /// The submission's notice to its owner, with the code the transaction gave it (rendered
    /// inside the transaction for that reason).
    fn submitted_notice(
        &self,
        s: &Session,
        d: &Dossier,
        version: &Version,
        agency: &Agency,
    ) -> StepNotice {
        StepNotice::Inside(crate::notices::NewNotice {
            kind: motcua_domain::notice::NoticeKind::Submitted,
            user_id: Some(s.user.id),
            dossier_id: Some(d.id),
            address: None,
            outside: None,
            data: json!({"name": s.user.full_name, "code": d.code, "procedure": version.body.name,
                "agency": agency.name, "link": self.dossier_link(d.id)}),
        })
    }
}

/// Claims an idempotency key for the request of this fingerprint on dossier `id`, in the
/// transaction that does the work; a key already claimed is a conflict the caller resolves.
pub(super) async fn claim_key(
    tx: &motcua_store::Tx,
    s: &Session,
    key: Option<&str>,
    fingerprint: &str,
    id: Uuid,
    now: jiff::Timestamp,
) -> Result<()> {
    if let Some(k) = key {
        ds::insert_idempotency(tx, s.user.id, k, fingerprint, id, now)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict("idempotency".into()),
                e => e.into(),
            })?;
    }
    Ok(())
}

/// What the audit records of a submission: the intake, the version, the papers by post, and
/// the files the same request brought.
fn submitted_detail(version: &Version, d: &Dossier, added: &[DossierFile]) -> Value {
    let mut v = json!({"intake": "online", "version": version.version, "papers_by_post": d.papers.is_some()});
    if !added.is_empty() {
        v["files"] = added
            .iter()
            .map(|f| json!({"component": f.component_id, "sha256": f.sha256, "size": f.size}))
            .collect();
    }
    v
}

/// The answers, cleaned, when they are valid for the service's form and every component they
/// require is among `attached` (R6.2).
pub(super) fn answers_complete(
    service: &cat::Service,
    version: &Version,
    answers: &Value,
    attached: &[&str],
) -> Result<Value> {
    let form = FormSpec::from_schema(&service.form_schema).map_err(AppError::Unexpected)?;
    let clean = form.validate(answers).map_err(|errs| {
        AppError::Validation(errs.into_iter().map(|(_, m)| ("form", m)).collect())
    })?;
    require_papers(&version.body.components, &clean, attached, "files")?;
    Ok(clean)
}
