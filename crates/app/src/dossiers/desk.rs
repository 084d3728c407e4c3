//! The reception desk: dossiers handed in at the counter or received by post, and supplement
//! requests (R6.1, R11.2).
use super::*;

impl App {
    /// Reception asks the person to supplement named components, once, in one notice (R11.2),
    /// through the lifecycle.
    pub async fn request_supplement(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        components: &[String],
        note: &str,
    ) -> Result<()> {
        let input = ActionInput {
            components: components.to_vec(),
            comment: note.into(),
            ..ActionInput::new(Act::RequestSupplement)
        };
        self.perform(ctx, s, id, &input).await.map(|_| ())
    }

    /// Registers a dossier received at the counter (in person) or by post, for a person who may
    /// have no account (reception officers of the agency offering the service). The applicant
    /// is (name, phone, e-mail if given): their notices go by SMS and e-mail, with the public
    /// look-up as their link, until they claim the dossier into an account (R11.2).
    pub async fn register_received(
        &self,
        ctx: &Ctx,
        s: &Session,
        service_id: Uuid,
        intake: Intake,
        form: Value,
        (applicant_name, phone, email): (&str, &str, Option<&str>),
    ) -> Result<Dossier> {
        let conn = self.db.conn();
        let service = cat::get_service(conn, service_id)
            .await
            .or_missing(AppError::NotFound)?;
        if !s.actor.has_role_in(Role::Reception, service.agency_id) {
            return Err(AppError::Forbidden);
        }
        let act = registration(intake)?;
        // The dossier is born at the desk: it enters the process as the table's registration.
        let to = lifecycle::next(Stage::Draft, act, Who::Staff(Role::Reception))
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let (name, phone, clean, ids) =
            checked_declaration(&service.form_schema, &form, applicant_name, phone)?;
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                motcua_domain::identity::check_email(e).map_err(|m| AppError::field("email", m))
            })
            .transpose()?;
        let now = self.now();
        let version = cat::current_version(conn, service.procedure_id, vn_date(now))
            .await?
            .ok_or(AppError::NotFound)?;
        // Everything is read and decided before the write transaction, which numbers the
        // dossier and writes it: the day's number is held only while it writes (R4.2).
        let agency = agencies::get_agency(conn, service.agency_id).await?;
        let (total, process) = self
            .published_plan(conn, service_id, version.id, intake)
            .await?;
        let mut d = Dossier {
            registered_by: Some(s.user.id),
            form: clean,
            applicant_name: name,
            phone_tail: Some(phone_tail(&phone)),
            id_index: ids.first().map(|i| motcua_store::seal::blind(i)),
            phone_index: Some(motcua_store::seal::blind(&phone)),
            contact: Some(motcua_domain::record::Contact {
                phone: Some(phone),
                email,
            }),
            submitted_at: Some(now),
            time_to_result: Some(total),
            process,
            // The person at the counter takes the result there unless they ask reception for
            // another way (R8.2); a dossier from the post waits for reception to record the way
            // its letter asks for.
            result: match intake {
                Intake::InPerson => Some(self.checked_choice(&ways_of(&service, &version), None)?),
                _ => None,
            },
            ..Dossier::blank(service_id, version.id, agency.id, intake, Stage::Draft, now)
        };
        let entered = self.enter(conn, &mut d, to, now, &[], None).await?;
        let tx = self.db.write().await?;
        let seq = ds::next_seq(&tx, agency.id, vn_date(now)).await?;
        d.code = Some(dom::format_code(
            &self.config.dossiers.code_format,
            &agency.code,
            vn_date(now),
            seq,
        ));
        // The notices name the code, so they are made in the transaction (the officer who
        // registers has the dossier in hand: no staff notice; the fee's to the person's phone).
        let notices = self
            .fee_due_notice(&tx, &d, act)
            .await?
            .into_iter()
            .map(|(n, r)| StepNotice::Rendered(n, r))
            .collect();
        let write = StepWrite {
            dossier: &d,
            row: RowWrite::Insert,
            at: now,
            actor: s.user.id,
            act,
            from: None,
            entered: Some(entered),
            comment: None,
            unit: None,
            data: EventData::None,
            consultations: vec![],
            disclosures: vec![],
            issue: None,
            notices,
            staff: None,
            role: Some(s.role_at(Some(d.agency_id))),
            audit: Audit {
                actor: Some(s.user.id),
                action: "dossier_registered",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"intake": intake.as_str()}),
            },
        };
        self.write_step(tx, ctx, write).await?;
        Ok(d)
    }

    /// The services whose dossiers a reception officer may register (their agencies' services).
    pub async fn desk_services(&self, s: &Session) -> Result<Vec<(Uuid, String, String)>> {
        let conn = self.db.conn();
        let mut out = Vec::new();
        for agency_id in s.actor.agencies_with(&[Role::Reception]) {
            let agency = agencies::get_agency(conn, agency_id).await?;
            for svc in cat::services_of_agency(conn, agency_id).await? {
                if let Some(v) =
                    cat::current_version(conn, svc.procedure_id, vn_date(self.now())).await?
                {
                    out.push((svc.id, v.body.name, agency.name.clone()));
                }
            }
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }
}

/// The act that registers a dossier received by `intake` at the desk (R6.1).
fn registration(intake: Intake) -> Result<Act> {
    match intake {
        Intake::InPerson => Ok(Act::RegisterInPerson),
        Intake::Postal => Ok(Act::RegisterPostal),
        Intake::Online => Err(AppError::field(
            "intake",
            "Chọn trực tiếp hoặc qua bưu chính.",
        )),
    }
}

/// The applicant's name and phone and the declaration's answers as the desk typed them, checked
/// against the service's form (R6.1, R13.2).
pub(crate) fn checked_declaration(
    schema: &Value,
    form: &Value,
    applicant_name: &str,
    phone: &str,
) -> Result<(String, String, Value, Vec<String>)> {
    let name = motcua_domain::identity::check_name(applicant_name)
        .map_err(|m| AppError::field("applicant_name", m))?;
    let phone =
        motcua_domain::identity::check_phone(phone).map_err(|m| AppError::field("phone", m))?;
    let form_spec = FormSpec::from_schema(schema).map_err(AppError::Unexpected)?;
    let clean = form_spec.validate(form).map_err(|errs| {
        AppError::Validation(errs.into_iter().map(|(_, m)| ("form", m)).collect())
    })?;
    let ids = form_spec.personal_ids(&clean);
    Ok((name, phone, clean, ids))
}
