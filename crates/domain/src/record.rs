//! The records motcua keeps of each dossier, as the app reads and writes them: the dossier, its
//! files, the opinions asked of other agencies, and the notices with their deliveries. The store
//! maps them to and from its tables; pages and the API read them through the app's views.
use uuid::Uuid;

use crate::authz::Grant;
use crate::catalogue::{Duration, ProcessStep};
use crate::deadline::Timeliness;
use crate::dossier::{FileKind, Intake};
use crate::event::SupplementRequest;
use crate::lifecycle::Stage;
use crate::notice::{DeliveryState, NoticeChannel, NoticeKind};

/// A dossier: where it stands, what it holds, and the dates it is measured by.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    pub id: Uuid,
    pub code: Option<String>,
    pub service_id: Uuid,
    pub procedure_version_id: Uuid,
    pub agency_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub registered_by: Option<Uuid>,
    pub intake: Intake,
    /// Where it stands: the one stored fact (the status people see derives from it).
    pub stage: Stage,
    pub form: serde_json::Value,
    pub applicant_name: String,
    /// The last four digits of the applicant's phone (the look-up's second factor).
    pub phone_tail: Option<String>,
    pub declaration: Option<String>,
    pub declared_at: Option<jiff::Timestamp>,
    pub submitted_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    /// What the agency asked to supplement, as sent to the person.
    pub supplement: Option<SupplementRequest>,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub expires_at: Option<jiff::Timestamp>,
    pub version: i32,
    /// The specialist the department assigned.
    pub assignee_id: Option<Uuid>,
    /// When the current step is due (the worklists' order).
    pub step_due_at: Option<jiff::Timestamp>,
    /// The unit responsible for the current step (its staff see it on their worklist).
    pub unit_id: Option<Uuid>,
    /// The valid receipt the appointment is counted from.
    pub received_at: Option<jiff::Timestamp>,
    /// The time to result that applies, as published when the dossier was submitted.
    pub time_to_result: Option<Duration>,
    /// The service's internal process as published when the dossier was submitted.
    pub process: Vec<ProcessStep>,
    /// When the national count ended, and how (see `deadline::outcome`).
    pub finished_at: Option<jiff::Timestamp>,
    pub outcome: Option<Timeliness>,
    /// Supplement requests the desk made again after a resubmission (guide once, R3.4).
    pub repeat_requests: i32,
    /// The new date the agency apologised with (form 04); the appointment stays what the
    /// national count measures against.
    pub new_appointment_at: Option<jiff::Timestamp>,
    /// The paper copies a level-4 dossier sent without a valid digital signature comes with by
    /// post (R7.2a), and when reception recorded them.
    pub papers: Option<crate::signature::Papers>,
    pub papers_received_at: Option<jiff::Timestamp>,
    /// The oversight marks (`oversight::desk_marks`, `deadline::late_by_count`), and the office
    /// time it took once its count ended (`oversight::office_secs`).
    pub marks: Marks,
    /// Blind indexes of the applicant's identity number and phone, for staff search (R10.5:
    /// searchable without holding them in clear).
    pub id_index: Option<String>,
    pub phone_index: Option<String>,
    /// How the person receives the result (R8.2); none before they chose.
    pub result: Option<crate::delivery::ResultDelivery>,
    /// How to reach a person without an account (R11.2): the phone and e-mail given at the
    /// counter or in the letter; none once the dossier has an owner to notify.
    pub contact: Option<Contact>,
}

/// Where the notices of a dossier go when its person has no account (R11.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// What oversight counts of a dossier, decided at each step (R9.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub intake_late: bool,
    pub handover_late: bool,
    pub late_by_count: bool,
    pub office_secs: Option<i64>,
}

impl Dossier {
    /// A dossier of a service with nothing else known yet, to complete with struct update.
    pub fn blank(
        service_id: Uuid,
        procedure_version_id: Uuid,
        agency_id: Uuid,
        intake: Intake,
        stage: Stage,
        now: jiff::Timestamp,
    ) -> Dossier {
        Dossier {
            id: Uuid::now_v7(),
            code: None,
            service_id,
            procedure_version_id,
            agency_id,
            owner_id: None,
            registered_by: None,
            intake,
            stage,
            form: serde_json::json!({}),
            applicant_name: String::new(),
            phone_tail: None,
            declaration: None,
            declared_at: None,
            submitted_at: None,
            appointment_at: None,
            supplement: None,
            created_at: now,
            updated_at: now,
            expires_at: None,
            version: 0,
            assignee_id: None,
            step_due_at: None,
            unit_id: None,
            received_at: None,
            time_to_result: None,
            process: vec![],
            finished_at: None,
            outcome: None,
            repeat_requests: 0,
            new_appointment_at: None,
            papers: None,
            papers_received_at: None,
            marks: Marks::default(),
            id_index: None,
            phone_index: None,
            result: None,
            contact: None,
        }
    }
}

/// A file of a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFile {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub component_id: String,
    pub sha256: String,
    pub size: i64,
    pub kind: FileKind,
    pub name: String,
    pub created_at: jiff::Timestamp,
    /// The applicant sees it: their own papers, and the result document the leader approved.
    pub public: bool,
    /// What verifying its digital signatures found when it was attached (empty: unsigned).
    pub signatures: Vec<crate::signature::Signature>,
}

/// A request for another agency's opinion (R8.1b, R3.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Consultation {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub question: String,
    pub requested_by: Uuid,
    pub requested_at: jiff::Timestamp,
    pub due_at: jiff::Timestamp,
    pub answered_at: Option<jiff::Timestamp>,
    pub answered_by: Option<Uuid>,
    pub answer: Option<String>,
    /// The documents (file ids) the consulted agency may read, and only while the consultation
    /// is open (R10.5).
    pub files: Vec<Uuid>,
}

/// A dossier disclosed to another agency, on what basis (R10.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    /// Why: `consultation` (R8.1b).
    pub purpose: String,
    /// The legal document cited, or `consent`.
    pub basis: String,
    pub consent_id: Option<Uuid>,
    pub consultation_id: Option<Uuid>,
    pub by_user: Option<Uuid>,
    pub at: jiff::Timestamp,
}

/// A person's consent to one purpose, to the notice version they read (R10.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: String,
    pub notice_version: i32,
    pub notice_sha256: String,
    /// `web`, `api` or `counter`.
    pub channel: String,
    pub accepted_at: jiff::Timestamp,
    pub withdrawn_at: Option<jiff::Timestamp>,
}

/// A person's request about their data (correction, deletion, restriction), with its 72-hour
/// deadline (R10.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyRequest {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    /// What the person asks, in their words (sealed at rest).
    pub detail: String,
    /// `open`, `done` or `refused`.
    pub status: String,
    pub created_at: jiff::Timestamp,
    pub due_at: jiff::Timestamp,
    pub answered_at: Option<jiff::Timestamp>,
    pub answered_by: Option<Uuid>,
    pub answer: Option<String>,
}

/// A reported incident; a personal-data one carries its 72-hour notification deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: Uuid,
    pub agency_id: Option<Uuid>,
    pub personal_data: bool,
    pub summary: String,
    /// Since when (the reporter's estimate).
    pub started_at: jiff::Timestamp,
    /// When it was found: the 72-hour clock starts here.
    pub discovered_at: jiff::Timestamp,
    pub notify_by: jiff::Timestamp,
    pub notified_at: Option<jiff::Timestamp>,
    /// Who reported it (the nil id: motcua itself).
    pub reported_by: Uuid,
    pub created_at: jiff::Timestamp,
    /// What it affects (services, people, data).
    pub impact: String,
    pub origin: crate::incident::Origin,
    /// Announced on the public site while it lasts.
    pub public_notice: bool,
    pub resolved_at: Option<jiff::Timestamp>,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentUpdate {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub at: jiff::Timestamp,
    /// Who wrote it (none: motcua).
    pub by: Option<Uuid>,
    pub note: String,
    /// This entry resolved it.
    pub resolves: bool,
}

/// A satisfaction rating of a finished dossier (R9.4), by its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub service_id: Uuid,
    pub user_id: Uuid,
    pub at: jiff::Timestamp,
    /// Each criterion's key with its level (`rating::CRITERIA`).
    pub answers: Vec<(String, u8)>,
    pub dissatisfied: bool,
    pub comment: Option<String>,
}

/// Feedback, a complaint or an agency's proposal (R9.4), routed to one agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub id: Uuid,
    pub kind: crate::feedback::Kind,
    pub about: crate::feedback::About,
    /// The agency that answers it (the provincial department for proposals).
    pub agency_id: Uuid,
    pub service_id: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    pub author_id: Uuid,
    /// For a proposal: the agency that makes it.
    pub from_agency_id: Option<Uuid>,
    pub subject: String,
    pub body: String,
    pub created_at: jiff::Timestamp,
    pub due_at: jiff::Timestamp,
    pub state: crate::feedback::State,
    pub closed_at: Option<jiff::Timestamp>,
    pub closed_by: Option<Uuid>,
    pub answer: Option<String>,
    /// The author's verdict on the answer (indicator 5.3).
    pub satisfied: Option<bool>,
}

/// A notice as rendered when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: Uuid,
    pub kind: NoticeKind,
    pub user_id: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    /// For account notices: the address it goes to (not kept in an inbox).
    pub recipient: Option<String>,
    pub subject: String,
    pub body: String,
    pub sms: String,
    pub created_at: jiff::Timestamp,
    pub read_at: Option<jiff::Timestamp>,
}

/// One channel's delivery of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub notice_id: Uuid,
    pub channel: NoticeChannel,
    pub recipient: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: jiff::Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<jiff::Timestamp>,
}

/// A grant with its row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffGrant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub grant: Grant,
    pub granted_at: jiff::Timestamp,
}

/// A turn on the duty roster of a desk (R10.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub user_id: Uuid,
    pub starts_on: jiff::civil::Date,
    pub ends_on: Option<jiff::civil::Date>,
}
