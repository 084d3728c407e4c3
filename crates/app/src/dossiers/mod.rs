//! Dossiers: drafts, files, submission, tracking, withdrawal, the public look-up, and
//! registration at the counter or from the post (R6.1, R6.2, R7.1a, R7.2a, R13.2, R4.3).
use std::time::Duration as StdDuration;

use jiff::SignedDuration;
pub use motcua_blobs::{BlobError, Staged};
use motcua_domain::account::{AccountKind, Role};
use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::catalogue::Component;
use motcua_domain::clock::vn_date;
use motcua_domain::dossier::{self as dom, FileKind, Intake, Status};
use motcua_domain::event::{self, Event, EventData, Resubmission, ReturnChannel, Slip};
use motcua_domain::form::FormSpec;
use motcua_domain::lifecycle::{self, Act, Stage, Who};
use motcua_domain::signature::Signature;
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, Dossier, DossierFile};
use motcua_store::{Conn, StoreError, agencies, users};
pub use preview::{PreviewPage, previewable};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Audit;
use crate::crypto::sha256_hex;
use crate::error::StoreResult;
use crate::processing::persist::{RowWrite, StepNotice, StepWrite};
use crate::processing::{ActionInput, Capabilities, FORM_COMPONENT, RESULT_COMPONENT};
use crate::{App, AppError, Ctx, Result, Session};

mod checking;
mod claim;
pub use claim::ClaimTicket;
mod delivery;
pub use delivery::ResultChoice;
pub(crate) use delivery::{delivery_hold, may_choose, ways_of};
mod desk;
pub(crate) use desk::checked_declaration;
mod files;
pub(crate) use files::allowed;
mod lookup;
mod originals;
mod preview;
mod submission;
mod submit;
mod wallet;
pub use submission::{NewPaper, Submission, Submitted, checked_key};
pub use submit::Consent;
pub use wallet::WalletPaper;

const MB: u64 = 1024 * 1024;

/// Who reads a dossier: its applicant sees their own papers, the steps that concern them and the
/// result the leader approved; staff see the whole record (R10.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Applicant,
    Staff,
}

impl Audience {
    /// The reader of a dossier: its owner (a citizen or organisation) reads it as the applicant.
    pub fn of(s: &Session, d: &Dossier) -> Audience {
        if d.owner_id == Some(s.user.id) && s.user.kind.is_public() {
            Audience::Applicant
        } else {
            Audience::Staff
        }
    }

    /// The stage as this reader may name it (none while the departments work on it, for the
    /// applicant).
    pub fn stage(self, st: Stage) -> Option<Stage> {
        (self == Audience::Staff || !st.is_internal()).then_some(st)
    }

    /// The stage's label for this reader.
    pub fn label(self, st: Stage) -> &'static str {
        match self {
            Audience::Staff => st.label_vi(),
            Audience::Applicant => st.applicant_label(),
        }
    }
}

/// One line of a dossier's history as its reader sees it.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: jiff::Timestamp,
    /// The act (none for the departments' work as the applicant sees it: a change of status).
    pub act: Option<Act>,
    pub label: String,
    /// The stage entered (none for the departments' work as the applicant sees it).
    pub stage: Option<Stage>,
    pub status: Status,
    pub comment: Option<String>,
    /// Who acted (staff see the person; the applicant the role only).
    pub actor_id: Option<Uuid>,
    /// In which role, as the lifecycle table names who takes the step.
    pub role: Option<&'static str>,
}

/// What the applicant may see of a file: their own papers, and the result document the leader
/// approved once it is returned to them; the department's drafts never (R10.5).
fn applicant_sees(f: &DossierFile, d: &Dossier) -> bool {
    f.public && (f.component_id != RESULT_COMPONENT || d.stage == Stage::Returned)
}

/// A dossier's history for its reader: staff see every event; the applicant sees the public
/// ones as they happened and the departments' work only as changes of status, without comments.
pub fn timeline(events: &[Event], audience: Audience) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = vec![];
    for e in events {
        let status = e.to_stage.status();
        if audience == Audience::Staff || e.public {
            out.push(TimelineEntry {
                at: e.at,
                act: Some(e.act),
                label: match audience {
                    Audience::Staff if e.is_repeat_request() => "Yêu cầu bổ sung lần hai".into(),
                    Audience::Staff => e.act.label_vi().to_string(),
                    Audience::Applicant => e.to_stage.applicant_label().to_string(),
                },
                stage: audience.stage(e.to_stage),
                status,
                comment: e.comment.clone(),
                actor_id: e.actor_id.filter(|_| audience == Audience::Staff),
                role: lifecycle::performer(e.from_stage, e.act).map(Who::label_vi),
            });
        } else if out.last().map(|l| l.status) != Some(status) {
            out.push(TimelineEntry {
                at: e.at,
                act: None,
                label: status.label_vi().into(),
                stage: None,
                status,
                comment: None,
                actor_id: None,
                role: None,
            });
        }
    }
    out
}

/// Everything a dossier page or answer shows, for one reader.
#[derive(Debug, Clone)]
pub struct DossierView {
    pub audience: Audience,
    pub row: Dossier,
    pub version: Version,
    pub agency: Agency,
    pub service_level: u8,
    pub form: FormSpec,
    /// The files the reader may see (the applicant: their papers and the approved result).
    pub files: Vec<DossierFile>,
    /// The events the reader may see in full (the applicant: the public ones).
    pub events: Vec<Event>,
    /// The history as the reader sees it.
    pub timeline: Vec<TimelineEntry>,
    /// The dossier's count as the national monitoring makes it now (from its whole history).
    pub timeliness: Option<motcua_domain::deadline::Timeliness>,
    /// The components the current answers require.
    pub needed: Vec<Component>,
    /// Notices about the dossier, each with its deliveries per channel.
    pub notices: Vec<(
        motcua_domain::record::Notice,
        Vec<motcua_domain::record::Delivery>,
    )>,
    /// Opinions asked of other agencies (R8.1b), with their answers (staff only).
    pub consultations: Vec<motcua_domain::record::Consultation>,
    /// To which agencies the dossier was disclosed, on what basis (R10.5): shown to its
    /// applicant and its agency, not to a consulted agency.
    pub disclosures: Vec<DisclosureView>,
    /// What the reader may do with it now.
    pub can: Capabilities,
    /// What it owes and paid: payments, receipts, refunds (R7.1b, R7.2b, R8.2c).
    pub fee: crate::payments::FeeView,
    /// The ways its result may be received (R8.2); the choice is `row.result`.
    pub result_ways: Vec<ReturnChannel>,
    /// The postage the post collects on delivering the result, when it charges the person.
    pub postage: Option<i64>,
    /// The files that are results an agency signed and issued here, unchanged: electronic
    /// originals, each with its result number (Decree 45/2020 Art. 14).
    pub issued: std::collections::HashMap<Uuid, String>,
    /// The components whose originals the person shows when the result is handed over at the
    /// office (R7.1a); none once the dossier has ended.
    pub to_compare: Vec<Component>,
    /// The files withheld because a later malware scan found them infected (R4.4), each with
    /// why, as people read it.
    pub quarantined: std::collections::HashMap<Uuid, String>,
    /// Each component of the procedure with its papers and what is missing (R11.1); staff only.
    pub checks: Vec<motcua_domain::reception::ComponentCheck>,
    /// The papers reception marked as checked: who and when.
    pub checked: std::collections::HashMap<Uuid, (Uuid, jiff::Timestamp)>,
    /// The components a supplement request starts from (R11.2).
    pub to_supplement: Vec<String>,
    /// Read by an agency asked for its opinion: the documents named to it, not the declaration.
    pub consulted: bool,
}

/// A disclosure as people read it: the agency by its code and name.
#[derive(Debug, Clone)]
pub struct DisclosureView {
    pub agency_code: String,
    pub agency_name: String,
    pub purpose: String,
    pub basis: String,
    pub at: jiff::Timestamp,
}

impl App {
    async fn disclosure_views(&self, d: Uuid) -> Result<Vec<DisclosureView>> {
        let conn = self.db.conn();
        let mut out = vec![];
        for x in motcua_store::consents::disclosures_of(conn, &[d]).await? {
            let a = agencies::get_agency(conn, x.agency_id).await?;
            out.push(DisclosureView {
                agency_code: a.code,
                agency_name: a.name,
                purpose: x.purpose,
                basis: x.basis,
                at: x.at,
            });
        }
        Ok(out)
    }
}

impl DossierView {
    /// The result number of a file that is an electronic original issued here.
    pub fn issued_of(&self, id: &Uuid) -> Option<&String> {
        self.issued.get(id)
    }

    /// The declaration as the page shows it; identity numbers whole only when `reveal`.
    /// None for a consulted agency, which does not read it.
    pub fn declaration(&self, reveal: bool) -> Vec<motcua_domain::form::Shown> {
        match self.consulted {
            true => vec![],
            false => self.form.shown(&self.row.form, reveal),
        }
    }

    /// Why a file is quarantined, if it is.
    pub fn quarantined_of(&self, id: &Uuid) -> Option<&String> {
        self.quarantined.get(id)
    }

    /// The names of the components whose originals are compared at the office, as a list.
    pub fn to_compare_names(&self) -> String {
        let names: Vec<&str> = self.to_compare.iter().map(|c| c.name.as_str()).collect();
        names.join(", ")
    }

    /// The name of a component of the dossier's procedure (the result document has its own).
    pub fn component_name(&self, id: &str) -> String {
        if id == RESULT_COMPONENT {
            return "Văn bản kết quả".into();
        }
        if id == FORM_COMPONENT {
            return "Tờ khai (thông tin đã khai)".into();
        }
        self.version
            .body
            .components
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether the service takes digitally signed papers (level 4, R7.2a).
    /// How the result is received, as slips and pages print it (R8.2).
    pub fn result_label(&self) -> String {
        delivery::result_label(&self.row)
    }

    pub fn signs_online(&self) -> bool {
        motcua_domain::catalogue::signed_online(self.service_level)
    }

    /// The components a level-4 dossier must sign and whose files carry no valid signature
    /// (R7.2a): what goes by post unless the person signs them.
    pub fn unsigned(&self) -> Vec<String> {
        crate::signatures::unsigned_names(self.service_level, &self.version, &self.files)
    }

    /// Required components that have no file yet.
    pub fn missing(&self) -> Vec<&Component> {
        self.needed
            .iter()
            .filter(|c| !self.files.iter().any(|f| f.component_id == c.id))
            .collect()
    }
    /// The status as the reader names it: the stage for staff; for the applicant, the
    /// departments' internal steps only as "Đang xử lý".
    pub fn status_label(&self) -> &'static str {
        self.audience.label(self.row.stage)
    }

    pub fn is_draft(&self) -> bool {
        self.row.stage == Stage::Draft
    }

    /// The stage, for readers who may see it (none while the departments work on it, for the
    /// applicant).
    pub fn visible_stage(&self) -> Option<Stage> {
        self.audience.stage(self.row.stage)
    }

    /// The agency asked the owner to supplement: the request waits for them.
    pub fn supplement_pending(&self) -> bool {
        self.can.may_edit && !self.is_draft()
    }

    /// A statutory slip as it stands for this reader (`None`: its event has not happened yet,
    /// or it is the control sheet and the reader is the applicant).
    pub fn slip(&self, slip: Slip) -> Option<event::SlipContent<'_>> {
        event::slip(slip, &self.events, self.audience == Audience::Staff)
    }

    /// When the agency asked for more: the components it named.
    pub fn requested(&self) -> Vec<String> {
        self.row
            .supplement
            .as_ref()
            .map(|s| s.components.clone())
            .unwrap_or_default()
    }
}

/// What the public look-up shows: never personal data.
#[derive(Debug, Clone, Serialize)]
pub struct LookupView {
    pub code: String,
    pub procedure: String,
    pub agency: String,
    pub status: String,
    pub national_status: u8,
    pub submitted_at: Option<String>,
    pub appointment_at: Option<String>,
    /// The new date given with an apology (form 04), when one was.
    pub new_appointment_at: Option<String>,
    /// With the second factor (last digits of the phone): the history of states.
    pub history: Option<Vec<(String, String)>>,
}

/// The audit record of a read of a person's full data by someone other than the person.
pub(crate) fn read_of<'a>(
    s: &Session,
    object: &'a str,
    id: Uuid,
    agency: Uuid,
    consulted: bool,
) -> Audit<'a> {
    Audit {
        actor: Some(s.user.id),
        action: "read",
        object,
        id: Some(id.to_string()),
        agency: Some(agency),
        detail: serde_json::json!({ "as": if consulted { "consulted" } else { "role" } }),
    }
}

/// What a failure of the attachment store means to the caller.
pub fn blob_err(e: BlobError) -> AppError {
    match e {
        BlobError::TooLarge(n) => AppError::field(
            "file",
            format!("Tệp quá lớn: tối đa {} MB mỗi tệp.", n / MB),
        ),
        // Nothing was stored: a refusal to retry later, not a fault (security.md row 56).
        BlobError::Full(cause) => AppError::Unavailable {
            cause: format!("storage full: {cause}"),
            retry: 60,
        },
        e => AppError::Unexpected(e.to_string()),
    }
}

/// A stored file on its way out: its row, its size and its content as a checked stream.
pub struct Download {
    pub file: DossierFile,
    pub size: u64,
    pub body: motcua_blobs::VerifiedStream,
}

impl App {
    fn actor_target(&self, d: &Dossier) -> Target {
        Target::Dossier {
            owner: d.owner_id.unwrap_or(Uuid::nil()),
            agencies: vec![d.agency_id],
        }
    }

    /// Loads a dossier the caller may see; anything else does not exist for them.
    pub(crate) async fn visible(&self, s: &Session, id: Uuid) -> Result<Dossier> {
        Ok(self.reach(s, id).await?.0)
    }

    /// A dossier the caller may see, with what a consulted agency may read of it (see
    /// [`App::consulted_only`]); anything else does not exist for them.
    pub(crate) async fn reach(
        &self,
        s: &Session,
        id: Uuid,
    ) -> Result<(Dossier, Option<Vec<Uuid>>)> {
        let d = ds::get_dossier(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        let named = self.consulted_only(s, &d).await?;
        Ok((d, named))
    }

    /// How the caller reaches a dossier: by their role (none), or only because their agency was
    /// asked for its opinion (R8.1b): then its specialists and leaders read the documents the
    /// open consultations name, and nothing once their answer is in (R10.5). Anyone else does
    /// not see it.
    pub(crate) async fn consulted_only(
        &self,
        s: &Session,
        d: &Dossier,
    ) -> Result<Option<Vec<Uuid>>> {
        if authorize(&s.actor, Action::ViewDossier, &self.actor_target(d)).is_ok() {
            return Ok(None);
        }
        let mine = s.actor.agencies_with(&[Role::Specialist, Role::Leader]);
        let open: Vec<_> = if mine.is_empty() || d.stage == Stage::Draft {
            vec![]
        } else {
            ds::consultations(self.db.conn(), d.id)
                .await?
                .into_iter()
                .filter(|c| c.answered_at.is_none() && mine.contains(&c.agency_id))
                .collect()
        };
        if open.is_empty() {
            tracing::warn!(event = "authz_fail", user_id = %s.user.id, "dossier outside the caller's reach");
            return Err(AppError::NotFound);
        }
        Ok(Some(open.into_iter().flat_map(|c| c.files).collect()))
    }

    /// Loads a dossier the caller may add a file to: their own, or one whose result document the
    /// caller (its assigned specialist) uploads; true in the second case.
    async fn uploader(&self, s: &Session, id: Uuid) -> Result<(Dossier, bool)> {
        let d = self.visible(s, id).await?;
        if d.owner_id == Some(s.user.id) {
            return Ok((d, false));
        }
        if self.may_attach_result(s, &d) {
            return Ok((d, true));
        }
        Err(AppError::NotFound)
    }

    /// Loads the caller's own dossier (citizen actions).
    pub(crate) async fn own(&self, s: &Session, id: Uuid) -> Result<Dossier> {
        let d = self.visible(s, id).await?;
        if d.owner_id != Some(s.user.id) {
            return Err(AppError::NotFound);
        }
        Ok(d)
    }

    async fn view(
        &self,
        ctx: &Ctx,
        s: &Session,
        (mut d, consulted): (Dossier, Option<Vec<Uuid>>),
    ) -> Result<DossierView> {
        let conn = self.db.conn();
        let audience = Audience::of(s, &d);
        let applicant = audience == Audience::Applicant;
        if !applicant {
            self.audit_read(
                ctx,
                s,
                read_of(s, "dossier", d.id, d.agency_id, consulted.is_some()),
            )
            .await?;
        }
        let version = cat::get_version(conn, d.procedure_version_id).await?;
        let service = cat::get_service(conn, d.service_id).await?;
        let agency = agencies::get_agency(conn, d.agency_id).await?;
        let form = FormSpec::from_schema(&service.form_schema).map_err(AppError::Unexpected)?;
        let mut files = ds::files(conn, d.id).await?;
        let issued = originals::issued_originals(conn, &d, &files).await?;
        let to_compare = originals::to_compare(&d, &version, &files, &issued);
        let shas: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
        let held = self.quarantined(&shas).await?;
        let quarantined: std::collections::HashMap<Uuid, String> = files
            .iter()
            .filter_map(|f| {
                held.get(&f.sha256)
                    .map(|q| (f.id, crate::scanning::quarantine_reason(q)))
            })
            .collect();
        let mut events = ds::events(conn, d.id).await?;
        let is_consulted = consulted.is_some();
        let mut timeline = timeline(&events, audience);
        let timeliness = crate::processing::overall(&d, &events, self.now());
        if applicant {
            files.retain(|f| applicant_sees(f, &d));
            events.retain(|e| e.public);
        }
        if let Some(named) = &consulted {
            // A consulted agency reads the documents named, not the declaration or the record.
            files.retain(|f| named.contains(&f.id));
            events.retain(|e| e.public);
            d.form = serde_json::json!({});
            d.result = None;
            // Nor who did what here: the public steps, as the applicant reads them.
            timeline = self::timeline(&events, Audience::Applicant);
        }
        let needed = dom::needed_components(&version.body.components, &d.form)
            .into_iter()
            .cloned()
            .collect();
        let checked: std::collections::HashMap<Uuid, (Uuid, jiff::Timestamp)> = match audience {
            Audience::Staff => ds::paper_checks(conn, d.id)
                .await?
                .into_iter()
                .map(|(f, by, at)| (f, (by, at)))
                .collect(),
            Audience::Applicant => Default::default(),
        };
        let papers: Vec<motcua_domain::reception::Paper> = files
            .iter()
            .filter(|f| f.component_id != RESULT_COMPONENT)
            .map(|f| motcua_domain::reception::Paper {
                id: f.id,
                component: f.component_id.clone(),
                checked: checked.contains_key(&f.id),
                withheld: quarantined.contains_key(&f.id),
            })
            .collect();
        let checks = match (audience, &consulted) {
            (Audience::Staff, None) => motcua_domain::reception::component_checks(
                &version.body.components,
                &form,
                &d.form,
                &papers,
            ),
            _ => vec![],
        };
        let to_supplement = motcua_domain::reception::to_supplement(&checks, &papers);
        let notices = self.dossier_notices(d.id).await?;
        let consultations = match audience {
            Audience::Staff => {
                let mine = s.actor.agencies_with(&[Role::Specialist, Role::Leader]);
                let mut all = ds::consultations(conn, d.id).await?;
                if consulted.is_some() {
                    all.retain(|c| mine.contains(&c.agency_id));
                }
                all
            }
            Audience::Applicant => vec![],
        };
        let fee = self.fee_view(conn, &d).await?;
        let disclosures = match consulted {
            Some(_) => vec![],
            None => self.disclosure_views(d.id).await?,
        };
        let mut can = self.capabilities(s, &d, &agency.code, &events, !applicant, &fee);
        can.may_rate = self.may_rate(s, &d).await?;
        can.may_check_papers = !applicant && self.may_check_papers(s, &d);
        let result_ways = ways_of(&service, &version);
        can.may_choose_result = consulted.is_none()
            && may_choose(s, &d)
            && motcua_domain::delivery::may_change(d.stage)
            && result_ways.len() > 1;
        Ok(DossierView {
            consulted: is_consulted,
            checks,
            checked,
            to_supplement,
            quarantined,
            issued,
            to_compare,
            result_ways,
            postage: self.result_postage(),
            disclosures,
            fee,
            audience,
            timeline,
            timeliness,
            can,
            consultations,
            row: d,
            version,
            agency,
            service_level: service.level,
            form,
            files,
            events,
            needed,
            notices,
        })
    }

    /// A dossier by id for someone allowed to see it.
    pub async fn dossier(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<DossierView> {
        let reach = self.reach(s, id).await?;
        self.view(ctx, s, reach).await
    }

    /// A dossier by code for someone allowed to see it.
    pub async fn dossier_by_code(&self, ctx: &Ctx, s: &Session, code: &str) -> Result<DossierView> {
        let id = ds::id_by_code(self.db.conn(), code)
            .await?
            .ok_or(AppError::NotFound)?;
        let reach = self.reach(s, id).await?;
        self.view(ctx, s, reach).await
    }

    /// The id of a dossier the caller may see, by its code (nothing of it is read).
    pub async fn dossier_id_by_code(&self, s: &Session, code: &str) -> Result<Uuid> {
        let id = ds::id_by_code(self.db.conn(), code)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.visible(s, id).await?.id)
    }

    /// "Hồ sơ của tôi": the caller's dossiers, newest first (the 500 newest), in one query; the
    /// procedures' and agencies' names come from memory (see `caches`).
    pub async fn my_dossiers(&self, s: &Session) -> Result<Vec<MyDossier>> {
        let rows = ds::by_owner(self.db.conn(), s.user.id, 500).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let version = self.version(row.procedure_version_id).await?;
            let agency = self.agency(row.agency_id).await?;
            out.push(MyDossier {
                procedure: version.body.name.clone(),
                procedure_code: version.body.code.clone(),
                agency: agency.name,
                agency_code: agency.code,
                status_label: Audience::Applicant.label(row.stage),
                row,
            });
        }
        Ok(out)
    }
}

/// One line of "Hồ sơ của tôi".
#[derive(Debug, Clone)]
pub struct MyDossier {
    pub row: Dossier,
    pub procedure: String,
    pub procedure_code: String,
    pub agency: String,
    pub agency_code: String,
    /// The stage as the applicant reads it.
    pub status_label: &'static str,
}

/// Refuses a dossier without every component its answers require, naming each missing one
/// (R6.2), under `field`.
pub(crate) fn require_papers(
    components: &[Component],
    answers: &Value,
    attached: &[&str],
    field: &'static str,
) -> Result<()> {
    let missing: Vec<(&'static str, String)> = dom::needed_components(components, answers)
        .into_iter()
        .filter(|c| !attached.contains(&c.id.as_str()))
        .map(|c| (field, format!("Thiếu giấy tờ: {}.", c.name)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(missing))
    }
}

/// The last four digits of a phone number.
pub fn phone_tail(phone: &str) -> String {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    d[d.len().saturating_sub(4)..].to_string()
}

fn conflict_msg(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict(
            "Hồ sơ vừa được thay đổi ở nơi khác. Hãy tải lại trang rồi thử lại.".into(),
        ),
        e => e.into(),
    }
}

/// Whether an account may own dossiers (citizens and organisations).
pub fn may_own(kind: AccountKind) -> bool {
    kind.is_public()
}
pub use motcua_blobs::{Staged as StagedUpload, Upload};

impl App {
    /// What `motcua check` reports (R3.5, R4.3): SQLite's integrity check, every file a row points
    /// to read back against its hash, and the dossier invariants. Empty when all is well.
    pub async fn check(&self) -> Result<Vec<String>> {
        let conn = self.db.conn();
        let mut out = vec![];
        let integrity = self.db.integrity_check().await?;
        if integrity != "ok" {
            out.push(format!("integrity check: {integrity}"));
        }
        for sha in ds::referenced_blobs(conn).await? {
            if let Err(e) = self.blobs.read_verified(&sha).await {
                out.push(format!("file {sha}: {e}"));
            }
        }
        out.extend(ds::consistency_problems(conn).await?);
        Ok(out)
    }
}
pub use motcua_blobs::Blobs as BlobsHandle;

impl App {
    /// The link to a dossier's page, for notices.
    pub fn dossier_link(&self, id: Uuid) -> String {
        format!(
            "{}/ho-so/{id}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// The public look-up of a dossier's code, for notices to a person without an account.
    pub fn lookup_link(&self, code: &str) -> String {
        format!(
            "{}/tra-cuu?ma={code}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// The notice to the dossier's person, rendered (outside the write transaction): to its
    /// owner's account, or, when it has none, by SMS and e-mail to the contact given at the
    /// counter, with the public look-up as its link (R11.2). The variables every dossier notice
    /// has (name, code, procedure, agency, link) plus `extra`. None when nobody can be reached.
    pub(crate) async fn owner_notice(
        &self,
        c: &impl motcua_store::Conn,
        d: &Dossier,
        kind: motcua_domain::notice::NoticeKind,
        extra: Value,
    ) -> Result<Option<(crate::notices::NewNotice<'static>, crate::notices::Rendered)>> {
        let (name, link, outside) = match (d.owner_id, &d.contact) {
            (Some(owner), _) => {
                let user = motcua_store::users::get_user(c, owner).await?;
                (user.full_name, self.dossier_link(d.id), None)
            }
            (None, Some(contact)) => {
                let code = d.code.as_deref().unwrap_or_default();
                (
                    d.applicant_name.clone(),
                    self.lookup_link(code),
                    Some(contact.clone()),
                )
            }
            (None, None) => return Ok(None),
        };
        let version = cat::get_version(c, d.procedure_version_id).await?;
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let mut data = json!({"name": name, "code": d.code, "procedure": version.body.name,
            "agency": agency.name, "link": link});
        if let (Some(m), Value::Object(e)) = (data.as_object_mut(), extra) {
            m.extend(e);
        }
        let rendered = self.render_notice(kind, &data)?;
        let n = crate::notices::NewNotice {
            kind,
            user_id: d.owner_id,
            dossier_id: Some(d.id),
            address: None,
            outside,
            data,
        };
        Ok(Some((n, rendered)))
    }
}
