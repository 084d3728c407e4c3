//! Processing at the reception desk (issue 6, R11.3): accepting a dossier computes the appointment
//! from the procedure's published time for the channel and the time of valid receipt, on the
//! working calendar, and tells the person the date, the originals to bring and the fee.
//! Transitions go through `lifecycle::next`, the one table of the process.
use motcua_domain::account::Role;
use motcua_domain::catalogue::{Channel, Original, money};
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::dossier::{Intake, State};
use motcua_domain::lifecycle::{self, Act, Stage, Who};
use motcua_domain::notice::NoticeKind;
use motcua_store::catalogue as cat;
use motcua_store::dossiers::{self as ds, EventRow};
use motcua_store::{agencies, audit};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AppError, Ctx, Result, Session};

fn channel(i: Intake) -> Channel {
    match i {
        Intake::InPerson => Channel::InPerson,
        Intake::Online => Channel::Online,
        Intake::Postal => Channel::Postal,
    }
}

/// The stage of a dossier whose stored state names it alone (the desk's stages).
fn desk_stage(s: State) -> Option<Stage> {
    Stage::ALL
        .into_iter()
        .find(|st| st.state() == s && s != State::InProcess)
}

/// Loads a dossier for a reception step: 404 unless the caller is reception of its agency, 409
/// with the reason unless the lifecycle table allows `act` now. Answers the row and the new stage.
async fn desk_step(
    tx: &motcua_store::Tx,
    s: &Session,
    id: Uuid,
    act: Act,
) -> Result<(ds::DossierRow, Stage)> {
    let d = ds::get_dossier(tx, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if !s.actor.has_role_in(Role::Reception, d.agency_id) {
        return Err(AppError::NotFound);
    }
    let stage = desk_stage(d.state)
        .ok_or_else(|| AppError::Conflict("Hồ sơ không ở bước tiếp nhận.".into()))?;
    let to = lifecycle::next(stage, act, Who::Staff(Role::Reception))
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    Ok((d, to))
}

impl App {
    /// Reception refuses to accept a dossier (R11.2), with each reason; the person gets the
    /// refusal notice listing them. State "Không được tiếp nhận" (national 3); one transaction.
    pub async fn refuse_at_intake(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        reasons: &[String],
    ) -> Result<()> {
        let reasons: Vec<String> = reasons
            .iter()
            .map(|r| r.trim().chars().take(1000).collect::<String>())
            .filter(|r| !r.is_empty())
            .collect();
        if reasons.is_empty() || reasons.len() > 50 {
            return Err(AppError::field(
                "reasons",
                "Nêu rõ lý do từ chối tiếp nhận.",
            ));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        let (mut d, to) = desk_step(&tx, s, id, Act::Refuse).await?;
        let from = d.state;
        d.state = to.state();
        d.updated_at = now;
        ds::update_dossier(&tx, &d)
            .await
            .map_err(|_| AppError::Conflict("Hồ sơ vừa được người khác cập nhật.".into()))?;
        ds::insert_event(
            &tx,
            &EventRow {
                dossier_id: id,
                at: now,
                actor_id: Some(s.user.id),
                kind: Act::Refuse.as_str().into(),
                from_state: Some(from),
                to_state: d.state,
                comment: Some(reasons.join("\n")),
            },
        )
        .await?;
        let version = cat::get_version(&tx, d.procedure_version_id).await?;
        let agency = agencies::get_agency(&tx, d.agency_id).await?;
        self.notify_owner(
            &tx,
            &d,
            &version.body.name,
            &agency.name,
            NoticeKind::Refusal,
            json!({"items": reasons, "note": ""}),
        )
        .await?;
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                "dossier_refused",
                "dossier",
                d.code.clone(),
                Some(d.agency_id),
                json!({"reasons": reasons.len()}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reception accepts a dossier waiting at the desk (R11.3): state "Được tiếp nhận", the
    /// appointment computed on the agency's working calendar, the event, the audit record and the
    /// acceptance notice in one transaction. Returns the appointment.
    pub async fn accept(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        comment: &str,
    ) -> Result<jiff::Timestamp> {
        let now = self.now();
        let tx = self.db.write().await?;
        let (mut d, to) = desk_step(&tx, s, id, Act::Accept).await?;
        let version = cat::get_version(&tx, d.procedure_version_id).await?;
        let agency = agencies::get_agency(&tx, d.agency_id).await?;
        let ch = channel(d.intake);
        let time = version
            .body
            .times
            .iter()
            .find(|t| t.channel == ch)
            .or(version.body.times.first())
            .ok_or_else(|| {
                AppError::Conflict("Thủ tục chưa công bố thời hạn giải quyết.".into())
            })?;
        // Valid receipt: the submission, or the resubmission after a supplement.
        let receipt = match d.state {
            State::Supplemented => d.updated_at,
            _ => d.submitted_at.unwrap_or(now),
        };
        let appointment = self
            .calendar
            .due(Some(&agency.code), receipt, &time.duration);
        let from = d.state;
        d.state = to.state();
        d.appointment_at = Some(appointment);
        d.updated_at = now;
        ds::update_dossier(&tx, &d)
            .await
            .map_err(|_| AppError::Conflict("Hồ sơ vừa được người khác cập nhật.".into()))?;
        let comment: String = comment.trim().chars().take(2000).collect();
        ds::insert_event(
            &tx,
            &EventRow {
                dossier_id: id,
                at: now,
                actor_id: Some(s.user.id),
                kind: Act::Accept.as_str().into(),
                from_state: Some(from),
                to_state: d.state,
                comment: (!comment.is_empty()).then_some(comment),
            },
        )
        .await?;
        let originals: Vec<String> = version
            .body
            .components
            .iter()
            .filter(|c| matches!(c.original, Original::Original | Original::CertifiedCopy))
            .map(|c| c.name.clone())
            .collect();
        let fee: i64 = version
            .body
            .fees
            .iter()
            .filter(|f| f.channel == ch)
            .map(|f| f.amount)
            .sum();
        let extra = json!({"date": format_vn_datetime(appointment), "items": originals,
            "amount": (fee > 0).then(|| money(fee))});
        self.notify_owner(
            &tx,
            &d,
            &version.body.name,
            &agency.name,
            NoticeKind::Acceptance,
            extra,
        )
        .await?;
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                "dossier_accepted",
                "dossier",
                d.code.clone(),
                Some(d.agency_id),
                json!({"appointment_at": motcua_domain::calendar::rfc3339_vn(appointment)}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(appointment)
    }
}
