//! Dossiers: drafts, files, submission, tracking, withdrawal, the public look-up, and
//! registration at the counter or from the post (issue 4; R6.1, R6.2, R7.1a, R7.2a, R13.2, R4.3).
use std::time::Duration as StdDuration;

use jiff::SignedDuration;
pub use motcua_blobs::{BlobError, Staged};
use motcua_domain::account::{AccountKind, Role};
use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::catalogue::Component;
use motcua_domain::clock::vn_date;
use motcua_domain::dossier::{self as dom, FileKind, Intake, Status};
use motcua_domain::event::{self, Event, EventData, Resubmission, Slip};
use motcua_domain::form::FormSpec;
use motcua_domain::lifecycle::{self, Act, Stage, Who};
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, DossierRow, FileRow};
use motcua_store::{Conn, StoreError, agencies, users};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Audit;
use crate::crypto::sha256_hex;
use crate::error::StoreResult;
use crate::processing::persist::{RowWrite, StepNotice, StepWrite};
use crate::processing::{ActionInput, FORM_COMPONENT, RESULT_COMPONENT};
use crate::{App, AppError, Ctx, Result, Session};

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
    pub fn of(s: &Session, d: &DossierRow) -> Audience {
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
}

/// What the applicant may see of a file: their own papers, and the result document the leader
/// approved once it is returned to them; the department's drafts never (R10.5).
fn applicant_sees(f: &FileRow, d: &DossierRow) -> bool {
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
            });
        } else if out.last().map(|l| l.status) != Some(status) {
            out.push(TimelineEntry {
                at: e.at,
                act: None,
                label: status.label_vi().into(),
                stage: None,
                status,
                comment: None,
            });
        }
    }
    out
}

/// Everything a dossier page or answer shows, for one reader.
#[derive(Debug, Clone)]
pub struct DossierView {
    pub audience: Audience,
    pub row: DossierRow,
    pub version: Version,
    pub agency: Agency,
    pub service_level: u8,
    pub form: FormSpec,
    /// The files the reader may see (the applicant: their papers and the approved result).
    pub files: Vec<FileRow>,
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
        motcua_store::notices::NoticeRow,
        Vec<motcua_store::notices::DeliveryRow>,
    )>,
    /// Opinions asked of other agencies (R8.1b), with their answers (staff only).
    pub consultations: Vec<motcua_store::dossiers::ConsultationRow>,
    /// The owner may still change the form and the files.
    pub may_edit: bool,
    /// The owner may withdraw it now.
    pub may_withdraw: bool,
}

impl DossierView {
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
        self.may_edit && !self.is_draft()
    }

    /// A statutory slip as it stands for this reader (`None`: its event has not happened yet,
    /// or it is the control sheet and the reader is the applicant).
    pub fn slip(&self, slip: Slip) -> Option<event::SlipContent<'_>> {
        event::slip(slip, &self.events, self.audience == Audience::Staff)
    }

    /// The statutory slips that exist for this reader.
    pub fn slips(&self) -> Vec<Slip> {
        event::slips(&self.events, self.audience == Audience::Staff)
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

pub(crate) fn blob_err(e: BlobError) -> AppError {
    match e {
        BlobError::TooLarge(n) => AppError::field(
            "file",
            format!("Tệp quá lớn: tối đa {} MB mỗi tệp.", n / MB),
        ),
        e => AppError::Unexpected(e.to_string()),
    }
}

/// A stored file on its way out: its row, its size and its content as a checked stream.
pub struct Download {
    pub file: FileRow,
    pub size: u64,
    pub body: motcua_blobs::VerifiedStream,
}

impl App {
    pub(crate) async fn startup_sweep(&self) -> Result<()> {
        let referenced = ds::referenced_blobs(self.db.conn()).await?;
        // Temporary files of this machine's uploads are from before the restart: gone at once.
        // Orphans get an hour's grace, for another server copy between its commit and its row.
        let (tmp, orphans) = self
            .blobs
            .sweep(&referenced, StdDuration::from_secs(3600))
            .await
            .map_err(blob_err)?;
        let tmp2 = self.blobs.temp_files();
        if tmp2 > 0 {
            self.blobs.sweep(&referenced, StdDuration::ZERO).await.ok();
        }
        if tmp + orphans > 0 {
            tracing::info!(
                event = "blob_sweep",
                temporary = tmp,
                orphans,
                "swept blob store"
            );
        }
        Ok(())
    }

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

    fn actor_target(&self, d: &DossierRow) -> Target {
        Target::Dossier {
            owner: d.owner_id.unwrap_or(Uuid::nil()),
            agencies: vec![d.agency_id],
        }
    }

    /// Loads a dossier the caller may see; anything else does not exist for them.
    pub(crate) async fn visible(&self, s: &Session, id: Uuid) -> Result<DossierRow> {
        let d = ds::get_dossier(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        if authorize(&s.actor, Action::ViewDossier, &self.actor_target(&d)).is_err()
            && !self.consulted(s, &d).await?
        {
            tracing::warn!(event = "authz_fail", user_id = %s.user.id, "dossier outside the caller's reach");
            return Err(AppError::NotFound);
        }
        Ok(d)
    }

    /// Whether the caller's agency was asked for its opinion on the dossier (R8.1b): its
    /// specialists and leaders may read it.
    async fn consulted(&self, s: &Session, d: &DossierRow) -> Result<bool> {
        let mine = s.actor.agencies_with(&[Role::Specialist, Role::Leader]);
        if mine.is_empty() || d.stage == Stage::Draft {
            return Ok(false);
        }
        let asked = ds::consultations(self.db.conn(), d.id).await?;
        Ok(asked.iter().any(|c| mine.contains(&c.agency_id)))
    }

    /// Loads a dossier the caller may add a file to: their own, or one whose result document the
    /// caller (its assigned specialist) uploads; true in the second case.
    async fn uploader(&self, s: &Session, id: Uuid) -> Result<(DossierRow, bool)> {
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
    async fn own(&self, s: &Session, id: Uuid) -> Result<DossierRow> {
        let d = self.visible(s, id).await?;
        if d.owner_id != Some(s.user.id) {
            return Err(AppError::NotFound);
        }
        Ok(d)
    }

    async fn view(&self, s: &Session, d: DossierRow) -> Result<DossierView> {
        let conn = self.db.conn();
        let audience = Audience::of(s, &d);
        let applicant = audience == Audience::Applicant;
        let version = cat::get_version(conn, d.procedure_version_id).await?;
        let service = cat::get_service(conn, d.service_id).await?;
        let agency = agencies::get_agency(conn, d.agency_id).await?;
        let form = FormSpec::from_schema(&service.form_schema).map_err(AppError::Unexpected)?;
        let mut files = ds::files(conn, d.id).await?;
        let mut events = ds::events(conn, d.id).await?;
        let timeline = timeline(&events, audience);
        let timeliness = crate::processing::overall(&d, &events, self.now());
        if applicant {
            files.retain(|f| applicant_sees(f, &d));
            events.retain(|e| e.public);
        }
        let needed = dom::needed_components(&version.body.components, &d.form)
            .into_iter()
            .cloned()
            .collect();
        let notices = self.dossier_notices(d.id).await?;
        let consultations = match audience {
            Audience::Staff => ds::consultations(conn, d.id).await?,
            Audience::Applicant => vec![],
        };
        let owner = d.owner_id == Some(s.user.id);
        Ok(DossierView {
            audience,
            timeline,
            timeliness,
            may_edit: owner && d.stage.owner_edits(),
            may_withdraw: owner && lifecycle::next(d.stage, Act::Withdraw, Who::Owner).is_ok(),
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
    pub async fn dossier(&self, s: &Session, id: Uuid) -> Result<DossierView> {
        let d = self.visible(s, id).await?;
        self.view(s, d).await
    }

    /// A dossier by code for someone allowed to see it.
    pub async fn dossier_by_code(&self, s: &Session, code: &str) -> Result<DossierView> {
        let d = ds::find_by_code(self.db.conn(), code)
            .await?
            .ok_or(AppError::NotFound)?;
        let d = self.visible(s, d.id).await?;
        self.view(s, d).await
    }

    /// "Hồ sơ của tôi": the caller's dossiers, newest first.
    pub async fn my_dossiers(&self, s: &Session) -> Result<Vec<(DossierRow, String)>> {
        let conn = self.db.conn();
        let rows = ds::by_owner(conn, s.user.id, 500).await?;
        let mut out = Vec::new();
        for r in rows {
            let name = cat::get_version(conn, r.procedure_version_id)
                .await
                .map(|v| v.body.name)
                .unwrap_or_default();
            out.push((r, name));
        }
        Ok(out)
    }

    /// Starts a draft for an online service (level 3 or 4) with the answers so far.
    pub async fn create_draft(
        &self,
        ctx: &Ctx,
        s: &Session,
        service_id: Uuid,
        form: Value,
    ) -> Result<DossierRow> {
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
        let d = DossierRow {
            owner_id: Some(s.user.id),
            form: self.answers(form)?,
            applicant_name: s.user.full_name.clone(),
            phone_tail: s.user.phone.as_deref().map(phone_tail),
            expires_at: Some(
                now + SignedDuration::from_hours(24 * self.config.dossiers.draft_days),
            ),
            ..DossierRow::blank(
                service_id,
                version.id,
                service.agency_id,
                Intake::Online,
                Stage::Draft,
                now,
            )
        };
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

    /// Saves the answers of a draft (or of a dossier the agency asked to supplement).
    pub async fn save_form(&self, s: &Session, id: Uuid, form: Value) -> Result<DossierRow> {
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

    /// The byte budget an upload to a dossier may use: the smallest of the file, dossier and
    /// person limits still available.
    pub async fn upload_budget(&self, s: &Session, id: Uuid) -> Result<u64> {
        let (d, result) = self.uploader(s, id).await?;
        if !result && !d.stage.owner_edits() {
            return Err(AppError::Conflict(
                "Hồ sơ đã nộp, không thêm tệp được nữa.".into(),
            ));
        }
        self.storage_left(self.db.conn(), s.user.id, id).await
    }

    /// The answers of a form as stored: an object of at most `max_form_kb` as JSON (R12.3:
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

    /// What the file, dossier and person limits still allow (R12.3), refused when nothing.
    async fn storage_left(&self, conn: &impl Conn, person: Uuid, id: Uuid) -> Result<u64> {
        let c = &self.config.dossiers;
        let used_dossier = ds::dossier_bytes(conn, id).await?.max(0) as u64;
        let used_person = ds::owner_bytes(conn, person).await?.max(0) as u64;
        let left_dossier = (c.max_dossier_mb * MB).saturating_sub(used_dossier);
        let left_person = (c.max_person_mb * MB).saturating_sub(used_person);
        if left_dossier == 0 {
            return Err(AppError::field(
                "file",
                format!("Hồ sơ đã đủ dung lượng tối đa ({} MB).", c.max_dossier_mb),
            ));
        }
        if left_person == 0 {
            return Err(AppError::field(
                "file",
                format!(
                    "Bạn đã dùng hết dung lượng lưu trữ ({} MB). Hãy xóa bớt tệp ở các hồ sơ nháp.",
                    c.max_person_mb
                ),
            ));
        }
        Ok((c.max_file_mb * MB).min(left_dossier).min(left_person))
    }

    /// Starts an upload for a dossier (streaming; see [`motcua_blobs::Upload`]).
    pub async fn begin_upload(&self, limit: u64) -> Result<motcua_blobs::Upload> {
        self.blobs.begin(limit).await.map_err(blob_err)
    }

    /// Attaches a finished upload to a component: the content decides the kind; the file is
    /// made durable before the row that points to it is written.
    pub async fn attach(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        component: &str,
        name: &str,
        staged: Staged,
    ) -> Result<FileRow> {
        let (d, result) = match self.uploader(s, id).await {
            Ok(d) => d,
            Err(e) => {
                staged.discard();
                return Err(e);
            }
        };
        let version = cat::get_version(self.db.conn(), d.procedure_version_id).await?;
        let check = || -> Result<FileKind> {
            if result {
                if component != RESULT_COMPONENT {
                    return Err(AppError::field(
                        "component",
                        "Cán bộ chỉ tải lên văn bản kết quả của hồ sơ.",
                    ));
                }
                return match dom::check_file(name, &staged.head) {
                    Ok(k @ (FileKind::Pdf | FileKind::Cms)) => Ok(k),
                    _ => Err(AppError::field(
                        "file",
                        "Văn bản kết quả phải là tệp PDF (hoặc chữ ký số .p7s).",
                    )),
                };
            }
            if !d.stage.owner_edits() {
                return Err(AppError::Conflict(
                    "Hồ sơ đã nộp, không thêm tệp được nữa.".into(),
                ));
            }
            // The components are the dossier's procedure's: naming another is a conflict with
            // the dossier, not a malformed request.
            if !version.body.components.iter().any(|c| c.id == component) {
                return Err(AppError::Conflict(format!(
                    "Thủ tục của hồ sơ này không có thành phần «{component}». Chọn thành phần hồ sơ của tệp."
                )));
            }
            if d.stage == Stage::SupplementRequested {
                let asked = d
                    .supplement
                    .as_ref()
                    .map(|s| s.components.as_slice())
                    .unwrap_or_default();
                // A request that names no components (reasons only) lets any be supplemented.
                if !asked.is_empty() && !asked.iter().any(|c| c == component) {
                    return Err(AppError::field(
                        "component",
                        "Cơ quan không yêu cầu bổ sung thành phần này.",
                    ));
                }
            }
            if staged.size == 0 {
                return Err(AppError::field("file", "Tệp rỗng. Hãy chọn lại tệp."));
            }
            dom::check_file(name, &staged.head).map_err(|p| {
                tracing::warn!(event = "upload_validation", "upload refused: type");
                AppError::field("file", p.to_string())
            })
        };
        let kind = match check() {
            Ok(k) => k,
            Err(e) => {
                staged.discard();
                return Err(e);
            }
        };
        let size = staged.size as i64;
        let sha = self.blobs.commit(staged).await.map_err(blob_err)?;
        let f = FileRow {
            id: Uuid::now_v7(),
            dossier_id: id,
            component_id: component.into(),
            sha256: sha,
            size,
            kind,
            name: dom::safe_file_name(name),
            created_at: self.now(),
            // The department's result drafts are its own until the leader approves one.
            public: !result,
        };
        let tx = self.db.write().await?;
        // Checked again with the person locked: parallel uploads each passed the first check
        // against the same free space, and only one of them may use it.
        users::lock_user(&tx, s.user.id).await?;
        if self.storage_left(&tx, s.user.id, id).await? < size as u64 {
            return Err(AppError::field(
                "file",
                "Tệp vượt dung lượng còn lại của hồ sơ hoặc của bạn (một tệp khác vừa được tải lên). Hãy xóa bớt tệp rồi thử lại.",
            ));
        }
        ds::insert_file(&tx, &f).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_file_added",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"component": component, "sha256": f.sha256, "size": size}),
            },
        )
        .await?;
        Ok(f)
    }

    /// Removes a file from a draft.
    pub async fn remove_file(&self, ctx: &Ctx, s: &Session, id: Uuid, file_id: Uuid) -> Result<()> {
        let d = self.own(s, id).await?;
        if !d.stage.owner_edits() {
            return Err(AppError::Conflict(
                "Hồ sơ đã nộp, không xóa tệp được nữa.".into(),
            ));
        }
        let f = ds::get_file(self.db.conn(), file_id).await?;
        if f.dossier_id != id {
            return Err(AppError::NotFound);
        }
        let tx = self.db.write().await?;
        ds::delete_file(&tx, file_id).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_file_removed",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"file": file_id}),
            },
        )
        .await?;
        Ok(())
    }

    /// A file for someone allowed to see its dossier, streaming, checked against its hash as it
    /// goes (a damaged file ends in an error instead of arriving complete).
    pub async fn file_for(&self, s: &Session, file_id: Uuid) -> Result<Download> {
        let f = ds::get_file(self.db.conn(), file_id)
            .await
            .or_missing(AppError::NotFound)?;
        let d = self.visible(s, f.dossier_id).await?;
        if Audience::of(s, &d) == Audience::Applicant && !applicant_sees(&f, &d) {
            return Err(AppError::NotFound);
        }
        let (size, body) = self
            .blobs
            .get_verified(&f.sha256)
            .await
            .map_err(|e| match e {
                BlobError::NotFound => AppError::NotFound,
                e => AppError::Unexpected(e.to_string()),
            })?;
        let id = f.id;
        let body = futures_util::StreamExt::inspect(body, move |c| {
            if let Err(e) = c {
                tracing::error!(event = "blob_integrity", file = %id, error = %e, "stored file failed its hash check");
            }
        });
        tracing::info!(event = "sensitive_read", user_id = %s.user.id, file = %f.id, "dossier file downloaded");
        Ok(Download {
            file: f,
            size,
            body: Box::pin(body),
        })
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
        declaration_accepted: bool,
    ) -> Result<String> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        if key.is_some_and(|k| k.len() > 200) {
            return Err(AppError::field(
                "idempotency_key",
                "Idempotency-Key quá dài.",
            ));
        }
        let fingerprint = sha256_hex(&id.to_string());
        if let Some(k) = key
            && let Some((hash, did)) = ds::find_idempotency(self.db.conn(), s.user.id, k).await?
        {
            if hash != fingerprint {
                return Err(AppError::field(
                    "idempotency_key",
                    "Idempotency-Key này đã dùng cho một yêu cầu khác.",
                ));
            }
            return ds::get_dossier(self.db.conn(), did)
                .await?
                .code
                .ok_or(AppError::NotFound);
        }
        match self
            .submit_once(ctx, s, id, key, &fingerprint, declaration_accepted)
            .await
        {
            Err(AppError::Conflict(c))
                if c.contains("idempotency") || c.contains("changed meanwhile") =>
            {
                // A concurrent request with the same key (or a double click) won: answer its result.
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
        declaration_accepted: bool,
    ) -> Result<String> {
        let now = self.now();
        let tx = self.db.write().await?;
        if let Some(k) = key {
            ds::insert_idempotency(&tx, s.user.id, k, fingerprint, id, now)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => AppError::Conflict("idempotency".into()),
                    e => e.into(),
                })?;
        }
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
        if !declaration_accepted {
            return Err(AppError::field(
                "declaration",
                "Hãy đánh dấu cam đoan thông tin khai là đúng sự thật trước khi nộp.",
            ));
        }
        let service = cat::get_service(&tx, d.service_id).await?;
        let form = FormSpec::from_schema(&service.form_schema).map_err(AppError::Unexpected)?;
        let clean = form.validate(&d.form).map_err(|errs| {
            AppError::Validation(errs.into_iter().map(|(_, m)| ("form", m)).collect())
        })?;
        // A new submission pins the version in force now; a resubmission keeps its version.
        let version = if act == Act::Submit {
            cat::current_version(&tx, service.procedure_id, vn_date(now))
                .await?
                .ok_or(AppError::NotFound)?
        } else {
            cat::get_version(&tx, d.procedure_version_id).await?
        };
        let files = ds::files(&tx, id).await?;
        let missing: Vec<String> = dom::needed_components(&version.body.components, &clean)
            .into_iter()
            .filter(|c| !files.iter().any(|f| f.component_id == c.id))
            .map(|c| format!("Thiếu giấy tờ: {}.", c.name))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::Validation(
                missing.into_iter().map(|m| ("files", m)).collect(),
            ));
        }
        let from = d.stage;
        d.form = clean;
        d.procedure_version_id = version.id;
        d.declaration = Some(dom::DECLARATION.into());
        d.declared_at = Some(now);
        d.updated_at = now;
        d.expires_at = None;
        let agency = agencies::get_agency(&tx, d.agency_id).await?;
        let events = ds::events(&tx, id).await?;
        let mut data = EventData::None;
        if act == Act::Submit {
            let seq = ds::next_seq(&tx, d.agency_id, vn_date(now)).await?;
            d.code = Some(dom::format_code(
                &self.config.dossiers.code_format,
                &agency.code,
                vn_date(now),
                seq,
            ));
            d.submitted_at = Some(now);
            // The dossier keeps the time and process published when it was submitted (R10.4).
            let (total, process) = self
                .published_plan(&tx, d.service_id, version.id, d.intake)
                .await?;
            d.time_to_result = Some(total);
            d.process = process;
        } else {
            let changed = self.changed_since_request(&tx, &d, &events).await?;
            data = EventData::Resubmitted(Resubmission { changed });
        }
        self.ensure_plan(&tx, &mut d).await?;
        let entered = self.enter(&tx, &mut d, to, now, &events, None).await?;
        let notice = (act == Act::Submit).then(|| {
            StepNotice::Inside(crate::notices::NewNotice {
                kind: motcua_domain::notice::NoticeKind::Submitted,
                user_id: Some(s.user.id),
                dossier_id: Some(id),
                address: None,
                data: json!({"name": s.user.full_name, "code": d.code, "procedure": version.body.name,
                    "agency": agency.name, "link": self.dossier_link(id)}),
            })
        });
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
            publish: None,
            notice,
            audit: Audit {
                actor: Some(s.user.id),
                action: "dossier_submitted",
                object: "dossier",
                id: d.code.clone(),
                agency: Some(d.agency_id),
                detail: json!({"intake": "online", "version": version.version}),
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
    /// is (name, phone).
    pub async fn register_received(
        &self,
        ctx: &Ctx,
        s: &Session,
        service_id: Uuid,
        intake: Intake,
        form: Value,
        (applicant_name, phone): (&str, &str),
    ) -> Result<DossierRow> {
        let conn = self.db.conn();
        let service = cat::get_service(conn, service_id)
            .await
            .or_missing(AppError::NotFound)?;
        if !s.actor.has_role_in(Role::Reception, service.agency_id) {
            return Err(AppError::Forbidden);
        }
        let act = match intake {
            Intake::InPerson => Act::RegisterInPerson,
            Intake::Postal => Act::RegisterPostal,
            Intake::Online => {
                return Err(AppError::field(
                    "intake",
                    "Chọn trực tiếp hoặc qua bưu chính.",
                ));
            }
        };
        // The dossier is born at the desk: it enters the process as the table's registration.
        let to = lifecycle::next(Stage::Draft, act, Who::Staff(Role::Reception))
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let name = motcua_domain::identity::check_name(applicant_name)
            .map_err(|m| AppError::field("applicant_name", m))?;
        let phone =
            motcua_domain::identity::check_phone(phone).map_err(|m| AppError::field("phone", m))?;
        let form_spec =
            FormSpec::from_schema(&service.form_schema).map_err(AppError::Unexpected)?;
        let clean = form_spec.validate(&form).map_err(|errs| {
            AppError::Validation(errs.into_iter().map(|(_, m)| ("form", m)).collect())
        })?;
        let now = self.now();
        let version = cat::current_version(conn, service.procedure_id, vn_date(now))
            .await?
            .ok_or(AppError::NotFound)?;
        let tx = self.db.write().await?;
        let agency = agencies::get_agency(&tx, service.agency_id).await?;
        let seq = ds::next_seq(&tx, agency.id, vn_date(now)).await?;
        let (total, process) = self
            .published_plan(&tx, service_id, version.id, intake)
            .await?;
        let mut d = DossierRow {
            code: Some(dom::format_code(
                &self.config.dossiers.code_format,
                &agency.code,
                vn_date(now),
                seq,
            )),
            registered_by: Some(s.user.id),
            form: clean,
            applicant_name: name,
            phone_tail: Some(phone_tail(&phone)),
            submitted_at: Some(now),
            time_to_result: Some(total),
            process,
            ..DossierRow::blank(service_id, version.id, agency.id, intake, Stage::Draft, now)
        };
        let entered = self.enter(&tx, &mut d, to, now, &[], None).await?;
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
            publish: None,
            notice: None,
            audit: Audit {
                actor: Some(s.user.id),
                action: "dossier_registered",
                object: "dossier",
                id: d.code.clone(),
                agency: Some(d.agency_id),
                detail: json!({"intake": intake.as_str()}),
            },
        };
        self.write_step(tx, ctx, write).await?;
        Ok(d)
    }

    /// The public look-up by code (R6.1): status, procedure, agency, appointment; never personal
    /// data. With the last four digits of the applicant's phone, also the history. Rate-limited
    /// per client address; wrong second factors are limited per code.
    pub async fn lookup(
        &self,
        ctx: &Ctx,
        code: &str,
        phone_digits: Option<&str>,
    ) -> Result<LookupView> {
        let now = self.now();
        let t = &self.config.throttle;
        let secs = |end: jiff::Timestamp| (end - now).as_secs().max(1) as u64;
        // Counted in memory: a look-up, even a refused one, never writes (security.md row 60).
        if let Some(ip) = ctx.ip {
            let key = format!("lookup:{}", crate::limits::client_key(ip));
            let (n, end) = self.limiter.hit(&key, SignedDuration::from_mins(15), now);
            if n > t.lookups {
                tracing::warn!(event = "excess_rate_limit_exceeded", "look-up rate limit");
                return Err(AppError::Throttled(secs(end)));
            }
        }
        let code = code.trim();
        if !dom::plausible_code(code) {
            return Err(AppError::NotFound);
        }
        let conn = self.db.conn();
        let d = ds::find_by_code(conn, code)
            .await?
            .ok_or(AppError::NotFound)?;
        let version = cat::get_version(conn, d.procedure_version_id).await?;
        let agency = agencies::get_agency(conn, d.agency_id).await?;
        let mut history = None;
        if let Some(digits) = phone_digits.map(str::trim).filter(|p| !p.is_empty()) {
            // Each guess is counted before it is checked, so that guesses sent at once cannot
            // exceed the limit; a right one is given back.
            let key = format!("lookup-2f:{code}");
            let (n, end) = self.limiter.hit(&key, SignedDuration::from_hours(1), now);
            if n > t.lookup_guesses {
                tracing::warn!(
                    event = "excess_rate_limit_exceeded",
                    "look-up second factor"
                );
                return Err(AppError::Throttled(secs(end)));
            }
            if !d
                .phone_tail
                .as_deref()
                .is_some_and(|t| crate::crypto::ct_eq(t, digits))
            {
                return Err(AppError::field(
                    "phone",
                    "Bốn số cuối điện thoại không khớp với hồ sơ.",
                ));
            }
            self.limiter.undo(&key);
            let events = ds::events(conn, d.id).await?;
            history = Some(
                timeline(&events, Audience::Applicant)
                    .into_iter()
                    .map(|e| (motcua_domain::clock::format_vn_datetime(e.at), e.label))
                    .collect(),
            );
        }
        Ok(LookupView {
            code: code.into(),
            procedure: version.body.name,
            agency: agency.name,
            status: d.stage.applicant_label().into(),
            national_status: d.stage.national().unwrap_or(0),
            submitted_at: d.submitted_at.map(motcua_domain::clock::format_vn_datetime),
            appointment_at: d
                .appointment_at
                .map(motcua_domain::clock::format_vn_datetime),
            new_appointment_at: d
                .new_appointment_at
                .map(motcua_domain::clock::format_vn_datetime),
            history,
        })
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
pub use motcua_store::dossiers::{Event as EventRowView, FileRow as FileRowView};

impl App {
    /// What `motcua check` reports (issue 7): SQLite's integrity check, every file a row points
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

impl App {
    /// The link to a dossier's page, for notices.
    pub fn dossier_link(&self, id: Uuid) -> String {
        format!(
            "{}/ho-so/{id}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// The notice to the dossier's owner, when it has an account, rendered (outside the write
    /// transaction): the variables every dossier notice has (name, code, procedure, agency,
    /// link) plus `extra`.
    pub(crate) async fn owner_notice(
        &self,
        c: &impl motcua_store::Conn,
        d: &DossierRow,
        kind: motcua_domain::notice::NoticeKind,
        extra: Value,
    ) -> Result<Option<(crate::notices::NewNotice<'static>, crate::notices::Rendered)>> {
        let Some(owner) = d.owner_id else {
            return Ok(None);
        };
        let user = motcua_store::users::get_user(c, owner).await?;
        let version = cat::get_version(c, d.procedure_version_id).await?;
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let mut data = json!({"name": user.full_name, "code": d.code, "procedure": version.body.name,
            "agency": agency.name, "link": self.dossier_link(d.id)});
        if let (Some(m), Value::Object(e)) = (data.as_object_mut(), extra) {
            m.extend(e);
        }
        let rendered = self.render_notice(kind, &data)?;
        let n = crate::notices::NewNotice {
            kind,
            user_id: Some(owner),
            dossier_id: Some(d.id),
            address: None,
            data,
        };
        Ok(Some((n, rendered)))
    }
}
