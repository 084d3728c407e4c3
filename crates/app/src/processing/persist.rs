//! The one tail of every step on a dossier (R3.5, R10.5): in the step's transaction, the dossier
//! as it now stands, the event, the consultations the step opens, the result it publishes, the
//! notices to the person (into the outbox), the refunds an ending owes, and the audit record;
//! then the commit. Signatures and the national portal's messages join a step here.
use motcua_domain::event::{Event, EventData};
use motcua_domain::lifecycle::{Act, Stage};
use motcua_store::dossiers::{self as ds, Consultation, Dossier};
use uuid::Uuid;

use super::Entered;
use crate::error::StoreResult;
use crate::notices::{Addressed, NewNotice, Rendered};
use crate::{App, Audit, Ctx, Result};

/// How a step writes the dossier's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowWrite {
    /// A dossier born at this step (registered at the desk).
    Insert,
    /// A changed dossier: refused with a conflict when someone changed it meanwhile.
    Update,
    /// The row stays as it is (a consulted agency's answer that does not end the wait).
    Keep,
}

/// The notice a step sends the person: rendered and addressed before the transaction,
/// rendered before it, or rendered inside it when it needs what the transaction numbers (the
/// code a submission receives).
pub(crate) enum StepNotice {
    Addressed(Addressed),
    Rendered(NewNotice<'static>, Rendered),
    Inside(NewNotice<'static>),
}

/// Everything one step writes.
pub(crate) struct StepWrite<'a> {
    pub dossier: &'a Dossier,
    pub row: RowWrite,
    pub at: jiff::Timestamp,
    pub actor: Uuid,
    pub act: Act,
    pub from: Option<Stage>,
    /// Where the step took the dossier (`None`: a stage kept without a step of the process).
    pub entered: Option<Entered>,
    pub comment: Option<String>,
    /// The unit the actor acted from.
    pub unit: Option<Uuid>,
    pub data: EventData,
    pub consultations: Vec<Consultation>,
    pub disclosures: Vec<motcua_domain::record::Disclosure>,
    /// The signed result the step issues: its file and its entry in the register.
    pub issue: Option<crate::signatures::results::IssuedWrite>,
    /// The notices to the person: the step's own, and the fee's when it falls due at the step.
    pub notices: Vec<StepNotice>,
    /// The staff notices of the step's new work (`tell_staff`), when made before the
    /// transaction; `None` makes them inside it.
    pub staff: Option<Vec<Addressed>>,
    /// The role the actor acts in, from the session that authorised the step (`None`: read
    /// in the transaction).
    pub role: Option<String>,
    pub audit: Audit<'a>,
}

impl App {
    /// Writes a step (see the module) and commits.
    pub(crate) async fn write_step(
        &self,
        tx: motcua_store::Tx,
        ctx: &Ctx,
        w: StepWrite<'_>,
    ) -> Result<()> {
        let d = w.dossier;
        match w.row {
            RowWrite::Insert => ds::insert_dossier(&tx, d).await?,
            RowWrite::Update => ds::update_dossier(&tx, d)
                .await
                .or_changed("Hồ sơ vừa được người khác cập nhật.")?,
            RowWrite::Keep => {}
        }
        for c in &w.consultations {
            ds::insert_consultation(&tx, c).await?;
        }
        for x in &w.disclosures {
            motcua_store::consents::insert_disclosure(&tx, x).await?;
        }
        if let Some(i) = &w.issue {
            ds::insert_file(&tx, &i.file).await?;
            motcua_store::results::insert_result(&tx, &i.result).await?;
        }
        let (to_unit_id, step, due_at) = match w.entered {
            Some(e) => (e.unit_id, e.step, d.step_due_at),
            None => (None, None, None),
        };
        let event = Event {
            dossier_id: d.id,
            at: w.at,
            actor_id: Some(w.actor),
            act: w.act,
            from_stage: w.from,
            to_stage: d.stage,
            comment: w.comment.filter(|c| !c.is_empty()),
            unit_id: w.unit,
            to_unit_id,
            step,
            due_at,
            data: w.data,
            public: w.act.is_public(),
        };
        ds::insert_event(&tx, &event).await?;
        let result = w.issue.as_ref().map(|i| &i.result);
        self.tell_portal(&tx, d, w.from, w.act, w.at, result)
            .await?;
        match w.staff {
            Some(notices) => {
                for n in notices {
                    self.store_addressed(&tx, n).await?;
                }
            }
            None => {
                self.tell_staff(&tx, d, w.from, w.act, w.actor, &w.consultations)
                    .await?
            }
        }
        // A step that ends the dossier before its service was provided owes back what was paid
        // (R8.2c); the dossier's row is already held by this transaction.
        if w.row == RowWrite::Update && motcua_domain::fees::not_provided(d.stage) {
            self.open_refunds(&tx, d, w.at).await?;
        }
        for notice in w.notices {
            match notice {
                StepNotice::Addressed(a) => {
                    self.store_addressed(&tx, a).await?;
                }
                StepNotice::Rendered(n, r) => {
                    self.notify_rendered(&tx, &n, r).await?;
                }
                StepNotice::Inside(n) => {
                    self.notify(&tx, n).await?;
                }
            }
        }
        self.commit_as(tx, ctx, w.audit, w.role).await
    }
}
