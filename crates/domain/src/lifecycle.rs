//! The dossier lifecycle (R11, R12, R8.1b, R8.2), declared once as a table of
//! stage × action → stage with who may act. The same table enforces transitions, lists the actions
//! a person may take now (`available`), and documents the process (`table_markdown`).
//!
//! The stage is the one stored fact about where a dossier stands: the status people and the
//! national portal see ([`Status`], the ten national codes) is derived from it, never stored. The
//! specialist department's work is several stages of [`Status::InProcess`], which the applicant
//! sees only as "Đang xử lý" (R10.5: internal steps are not theirs to see).
use crate::account::Role;
use crate::dossier::Status;

mod fields;

pub use fields::{CONSULTATION_ITEM, Field, FieldType};

/// Where a dossier stands in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Hồ sơ nháp: being filled in by its owner, not yet submitted.
    Draft,
    /// Mới đăng ký: waiting for the reception desk.
    Submitted,
    /// Đã bổ sung: back at the reception desk after a supplement.
    Supplemented,
    /// Yêu cầu bổ sung: with the citizen; the clock stops.
    SupplementRequested,
    /// Không được tiếp nhận (at intake).
    Refused,
    /// Được tiếp nhận: to be handed to the department within half a working day (R11.4).
    Accepted,
    /// Chờ phân công: at the department, waiting for its head to assign a specialist.
    AwaitingAssignment,
    /// Đang thẩm định: a specialist examines it.
    Examining,
    /// Chờ ý kiến liên thông: consultation requests sent to other agencies (R8.1b).
    Consulting,
    /// Chờ duyệt kết quả: a drafted result awaits the leader (R12.1).
    ProposedResolve,
    /// Chờ duyệt yêu cầu bổ sung (R12.2).
    ProposedSupplement,
    /// Chờ duyệt từ chối giải quyết (R12.2).
    ProposedDecline,
    /// Đã duyệt yêu cầu bổ sung: reception sends it to the citizen.
    SupplementApproved,
    /// Đã duyệt từ chối: reception sends the refusal to the citizen.
    DeclineApproved,
    /// Đã xử lý xong: result ready at reception.
    Resolved,
    /// Dừng xử lý: refused for failing the conditions, after acceptance.
    Declined,
    /// Đã trả kết quả.
    Returned,
    /// Công dân rút hồ sơ.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 18] = [
        Self::Draft,
        Self::Submitted,
        Self::Supplemented,
        Self::SupplementRequested,
        Self::Refused,
        Self::Accepted,
        Self::AwaitingAssignment,
        Self::Examining,
        Self::Consulting,
        Self::ProposedResolve,
        Self::ProposedSupplement,
        Self::ProposedDecline,
        Self::SupplementApproved,
        Self::DeclineApproved,
        Self::Resolved,
        Self::Declined,
        Self::Returned,
        Self::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Supplemented => "supplemented",
            Self::SupplementRequested => "supplement_requested",
            Self::Refused => "refused",
            Self::Accepted => "accepted",
            Self::AwaitingAssignment => "awaiting_assignment",
            Self::Examining => "examining",
            Self::Consulting => "consulting",
            Self::ProposedResolve => "proposed_resolve",
            Self::ProposedSupplement => "proposed_supplement",
            Self::ProposedDecline => "proposed_decline",
            Self::SupplementApproved => "supplement_approved",
            Self::DeclineApproved => "decline_approved",
            Self::Resolved => "resolved",
            Self::Declined => "declined",
            Self::Returned => "returned",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Draft => "Hồ sơ nháp",
            Self::Submitted => "Mới đăng ký, chờ tiếp nhận",
            Self::Supplemented => "Đã bổ sung, chờ tiếp nhận",
            Self::SupplementRequested => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            Self::Refused => "Không được tiếp nhận",
            Self::Accepted => "Đã tiếp nhận, chờ chuyển phòng chuyên môn",
            Self::AwaitingAssignment => "Chờ phân công xử lý",
            Self::Examining => "Đang thẩm định",
            Self::Consulting => "Chờ ý kiến cơ quan phối hợp",
            Self::ProposedResolve => "Chờ lãnh đạo duyệt kết quả",
            Self::ProposedSupplement => "Chờ lãnh đạo duyệt yêu cầu bổ sung",
            Self::ProposedDecline => "Chờ lãnh đạo duyệt từ chối giải quyết",
            Self::SupplementApproved => "Chờ gửi yêu cầu bổ sung",
            Self::DeclineApproved => "Chờ gửi văn bản từ chối",
            Self::Resolved => "Đã xử lý xong, chờ trả kết quả",
            Self::Declined => "Dừng xử lý",
            Self::Returned => "Đã trả kết quả",
            Self::Withdrawn => "Đã rút hồ sơ",
        }
    }

    /// The status people and the national portal see (R6.1): the one mapping.
    pub fn status(self) -> Status {
        match self {
            Self::Draft => Status::Draft,
            Self::Submitted | Self::Supplemented => Status::Submitted,
            Self::SupplementRequested => Status::SupplementRequested,
            Self::Refused => Status::Refused,
            Self::Accepted => Status::Accepted,
            Self::AwaitingAssignment
            | Self::Examining
            | Self::Consulting
            | Self::ProposedResolve
            | Self::ProposedSupplement
            | Self::ProposedDecline
            | Self::SupplementApproved
            | Self::DeclineApproved => Status::InProcess,
            Self::Resolved => Status::Resolved,
            Self::Declined => Status::Declined,
            Self::Returned => Status::Returned,
            Self::Withdrawn => Status::Withdrawn,
        }
    }

    /// The national status code (1–10); drafts have none.
    pub fn national(self) -> Option<u8> {
        self.status().code()
    }

    /// The departments' internal steps: the applicant sees them only as their status
    /// ("Đang xử lý"), never the stage (a proposed refusal is not theirs to see before the
    /// leader decides, R10.5).
    pub fn is_internal(self) -> bool {
        self.status() == Status::InProcess
    }

    /// What the applicant reads for this stage.
    pub fn applicant_label(self) -> &'static str {
        if self.is_internal() {
            self.status().label_vi()
        } else {
            self.label_vi()
        }
    }

    /// The owner may change the form and the files: while the next step is theirs to submit.
    pub fn owner_edits(self) -> bool {
        available(self, Who::Owner)
            .iter()
            .any(|a| matches!(a, Act::Submit | Act::Resubmit))
    }

    /// Whose worklist holds a dossier in this stage: the role of the staff who act next through
    /// the actions, per the table (the role of the stage's first such row with staff: its usual
    /// actor comes first); `None`: the person has it, or it is final. Steps with forms of their
    /// own take nothing from a worklist (the desk's registration creates the dossier).
    pub fn queue(self) -> Option<Role> {
        TABLE
            .iter()
            .filter(|t| t.from == self && !t.act.has_own_form())
            .flat_map(|t| t.who.iter())
            .find_map(|w| w.role())
    }

    /// No action leads out of this stage.
    pub fn is_final(self) -> bool {
        TABLE.iter().all(|t| t.from != self)
    }
}

/// Who acts: the citizen or business that owns the dossier, staff in a role of the agency that
/// handles it (the agency check is `authz`'s; the table only knows roles), the specialist the
/// dossier is assigned to, an agency asked for its opinion, or motcua itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Owner,
    Staff(Role),
    /// The specialist the leader assigned: the examining steps are theirs alone (R12).
    Assignee,
    /// A specialist or leader of an agency asked for its opinion on the dossier (R8.1b).
    Consulted,
    /// motcua, on what someone else did (the last consultation answer ends the wait).
    System,
}

impl Who {
    /// Every kind of person, each staff role once.
    pub fn all() -> Vec<Who> {
        let mut v = vec![Who::Owner];
        v.extend(Role::ALL.into_iter().map(Who::Staff));
        v.extend([Who::Assignee, Who::Consulted, Who::System]);
        v
    }

    /// The role whose worklist holds this person's steps (the assignee is a specialist).
    pub fn role(self) -> Option<Role> {
        match self {
            Who::Staff(r) => Some(r),
            Who::Assignee => Some(Role::Specialist),
            Who::Owner | Who::Consulted | Who::System => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Who::Owner => "Công dân, tổ chức",
            Who::Staff(r) => r.label_vi(),
            Who::Assignee => "Chuyên viên được phân công",
            Who::Consulted => "Cơ quan được lấy ý kiến",
            Who::System => "Hệ thống",
        }
    }
}

/// Something a person does to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Act {
    Submit,
    Accept,
    RequestSupplement,
    Refuse,
    Resubmit,
    Forward,
    Assign,
    Reassign,
    TakeBack,
    ProposeResolve,
    ProposeSupplement,
    ProposeDecline,
    Consult,
    ConsultationAnswered,
    Approve,
    ReturnForRevision,
    SendSupplementRequest,
    SendDecline,
    Apologise,
    ReturnAtOffice,
    ReturnOnline,
    ReturnByPost,
    Withdraw,
    /// Reception registers a dossier handed in at the counter (R6.1).
    RegisterInPerson,
    /// Reception registers a dossier received by post (R6.1).
    RegisterPostal,
    /// A consulted agency answers; the dossier stays where it is.
    AnswerConsultation,
}

impl Act {
    pub const ALL: [Act; 26] = [
        Self::Submit,
        Self::Accept,
        Self::RequestSupplement,
        Self::Refuse,
        Self::Resubmit,
        Self::Forward,
        Self::Assign,
        Self::Reassign,
        Self::TakeBack,
        Self::ProposeResolve,
        Self::ProposeSupplement,
        Self::ProposeDecline,
        Self::Consult,
        Self::ConsultationAnswered,
        Self::Approve,
        Self::ReturnForRevision,
        Self::SendSupplementRequest,
        Self::SendDecline,
        Self::Apologise,
        Self::ReturnAtOffice,
        Self::ReturnOnline,
        Self::ReturnByPost,
        Self::Withdraw,
        Self::RegisterInPerson,
        Self::RegisterPostal,
        Self::AnswerConsultation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Accept => "accept",
            Self::RequestSupplement => "request_supplement",
            Self::Refuse => "refuse",
            Self::Resubmit => "resubmit",
            Self::Forward => "forward",
            Self::Assign => "assign",
            Self::Reassign => "reassign",
            Self::TakeBack => "take_back",
            Self::ProposeResolve => "propose_resolve",
            Self::ProposeSupplement => "propose_supplement",
            Self::ProposeDecline => "propose_decline",
            Self::Consult => "consult",
            Self::ConsultationAnswered => "consultation_answered",
            Self::Approve => "approve",
            Self::ReturnForRevision => "return_for_revision",
            Self::SendSupplementRequest => "send_supplement_request",
            Self::SendDecline => "send_decline",
            Self::Apologise => "apologise",
            Self::ReturnAtOffice => "return_at_office",
            Self::ReturnOnline => "return_online",
            Self::ReturnByPost => "return_by_post",
            Self::Withdraw => "withdraw",
            Self::RegisterInPerson => "registered_in_person",
            Self::RegisterPostal => "registered_postal",
            Self::AnswerConsultation => "consultation_answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Submit => "Nộp hồ sơ",
            Self::Accept => "Tiếp nhận hồ sơ",
            Self::RequestSupplement => "Yêu cầu bổ sung, hoàn thiện",
            Self::Refuse => "Từ chối tiếp nhận",
            Self::Resubmit => "Nộp bổ sung",
            Self::Forward => "Chuyển phòng chuyên môn",
            Self::Assign => "Phân công xử lý",
            Self::Reassign => "Phân công lại",
            Self::TakeBack => "Thu hồi hồ sơ về lãnh đạo",
            Self::ProposeResolve => "Trình kết quả giải quyết",
            Self::ProposeSupplement => "Đề xuất yêu cầu bổ sung",
            Self::ProposeDecline => "Đề xuất từ chối giải quyết",
            Self::Consult => "Gửi lấy ý kiến phối hợp",
            Self::ConsultationAnswered => "Ghi nhận ý kiến phối hợp",
            Self::Approve => "Phê duyệt",
            Self::ReturnForRevision => "Trả lại để xử lý lại",
            Self::SendSupplementRequest => "Gửi yêu cầu bổ sung cho công dân",
            Self::SendDecline => "Gửi văn bản từ chối cho công dân",
            Self::Apologise => "Xin lỗi và hẹn lại ngày trả kết quả",
            Self::ReturnAtOffice => "Trả kết quả tại bộ phận một cửa",
            Self::ReturnOnline => "Trả kết quả trực tuyến",
            Self::ReturnByPost => "Trả kết quả qua bưu chính",
            Self::Withdraw => "Rút hồ sơ",
            Self::RegisterInPerson => "Tiếp nhận trực tiếp tại bộ phận một cửa",
            Self::RegisterPostal => "Tiếp nhận hồ sơ gửi qua bưu chính",
            Self::AnswerConsultation => "Cơ quan phối hợp trả lời",
        }
    }

    /// The fields this action takes, each with whether it must be given (the comment last).
    /// A supplement request needs components or reasons, at least one (`one_of`).
    pub fn fields(self) -> &'static [(Field, bool)] {
        use Field as F;
        match self {
            Self::RequestSupplement | Self::ProposeSupplement => &[
                (F::Components, false),
                (F::Reasons, false),
                (F::Comment, false),
            ],
            Self::Refuse | Self::ProposeDecline | Self::ReturnForRevision | Self::TakeBack => {
                &[(F::Reasons, true), (F::Comment, false)]
            }
            Self::Assign => &[(F::Assignee, true), (F::Comment, false)],
            Self::Reassign => &[(F::Assignee, true), (F::Reasons, true), (F::Comment, false)],
            Self::Consult => &[(F::Consultations, true), (F::Comment, false)],
            Self::ProposeResolve => &[(F::ResultDocument, true), (F::Comment, false)],
            Self::Apologise => &[(F::Reasons, true), (F::NewDate, true), (F::Comment, false)],
            Self::ReturnAtOffice => &[(F::OriginalsCompared, true), (F::Comment, false)],
            Self::ReturnByPost => &[(F::TrackingNumber, true), (F::Comment, false)],
            Self::ConsultationAnswered => &[(F::Comment, true)],
            Self::AnswerConsultation => &[(F::Answer, true)],
            _ => &[(F::Comment, false)],
        }
    }

    /// Fields of which at least one must be given.
    pub fn one_of(self) -> &'static [Field] {
        match self {
            Self::RequestSupplement | Self::ProposeSupplement => {
                &[Field::Components, Field::Reasons]
            }
            _ => &[],
        }
    }

    /// Whether the applicant sees this step as it happened (with its comment and what it
    /// carried). The others are the agencies' internal work: the applicant sees them only as a
    /// change of status (R10.5).
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::Submit
                | Self::Resubmit
                | Self::Accept
                | Self::RequestSupplement
                | Self::Refuse
                | Self::SendSupplementRequest
                | Self::SendDecline
                | Self::Apologise
                | Self::ReturnAtOffice
                | Self::ReturnOnline
                | Self::ReturnByPost
                | Self::Withdraw
                | Self::RegisterInPerson
                | Self::RegisterPostal
        )
    }

    /// Steps that carry files or answers of their own and are taken through their own forms
    /// and operations (submission, registration at the desk, a consultation answer), never
    /// through the actions (`POST …/actions`) or by the system.
    pub fn has_own_form(self) -> bool {
        matches!(
            self,
            Self::Submit
                | Self::Resubmit
                | Self::RegisterInPerson
                | Self::RegisterPostal
                | Self::AnswerConsultation
        )
    }

    /// A leader's decision on a specialist's proposal: never taken by the one who proposed
    /// (separation of duties).
    pub fn decides_a_proposal(self) -> bool {
        matches!(self, Self::Approve | Self::ReturnForRevision)
    }

    /// A step that ends the dossier against the person or turns it back (pages show it as such).
    pub fn turns_back(self) -> bool {
        matches!(
            self,
            Self::Refuse
                | Self::ProposeDecline
                | Self::SendDecline
                | Self::ReturnForRevision
                | Self::TakeBack
        )
    }
}

/// One row of the lifecycle table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub from: Stage,
    pub act: Act,
    pub to: Stage,
    pub who: &'static [Who],
}

const OWNER: &[Who] = &[Who::Owner];
const RECEPTION: &[Who] = &[Who::Staff(Role::Reception)];
const LEADER: &[Who] = &[Who::Staff(Role::Leader)];
const ASSIGNEE: &[Who] = &[Who::Assignee];
const CONSULTED: &[Who] = &[Who::Consulted];

const fn t(from: Stage, act: Act, to: Stage, who: &'static [Who]) -> Transition {
    Transition { from, act, to, who }
}

use Act as A;
use Stage as S;

/// The whole process, row by row.
pub const TABLE: &[Transition] = &[
    // The owner submits the draft (R6.2, R13.2); reception registers what is handed in at the
    // counter or arrives by post, which enters the process as a submitted dossier (R6.1).
    t(S::Draft, A::Submit, S::Submitted, OWNER),
    t(S::Draft, A::RegisterInPerson, S::Submitted, RECEPTION),
    t(S::Draft, A::RegisterPostal, S::Submitted, RECEPTION),
    // Reception desk: check validity and completeness (R11.1), then one of three (R11.2, R11.3).
    t(S::Submitted, A::Accept, S::Accepted, RECEPTION),
    t(
        S::Submitted,
        A::RequestSupplement,
        S::SupplementRequested,
        RECEPTION,
    ),
    t(S::Submitted, A::Refuse, S::Refused, RECEPTION),
    t(S::Supplemented, A::Accept, S::Accepted, RECEPTION),
    t(
        S::Supplemented,
        A::RequestSupplement,
        S::SupplementRequested,
        RECEPTION,
    ),
    t(S::Supplemented, A::Refuse, S::Refused, RECEPTION),
    t(S::SupplementRequested, A::Resubmit, S::Supplemented, OWNER),
    // Hand-over to the department within half a working day (R11.4).
    t(S::Accepted, A::Forward, S::AwaitingAssignment, RECEPTION),
    // The department's head (a leader) assigns.
    t(S::AwaitingAssignment, A::Assign, S::Examining, LEADER),
    // The assigned specialist examines and proposes (R12).
    t(
        S::Examining,
        A::ProposeResolve,
        S::ProposedResolve,
        ASSIGNEE,
    ),
    t(
        S::Examining,
        A::ProposeSupplement,
        S::ProposedSupplement,
        ASSIGNEE,
    ),
    t(
        S::Examining,
        A::ProposeDecline,
        S::ProposedDecline,
        ASSIGNEE,
    ),
    t(S::Examining, A::Consult, S::Consulting, ASSIGNEE),
    // The examination resumes when the assignee records the opinions, or by itself when the
    // last consulted agency answers (R8.1b).
    t(
        S::Consulting,
        A::ConsultationAnswered,
        S::Examining,
        &[Who::Assignee, Who::System],
    ),
    // The leader reassigns when the specialist cannot go on, or takes the dossier back: a
    // dossier never waits on an absent person (R3.4). After the specialist's rows, so that the
    // dossier stays on the specialist's worklist (`Stage::queue`).
    t(S::Examining, A::Reassign, S::Examining, LEADER),
    t(S::Consulting, A::Reassign, S::Consulting, LEADER),
    t(S::Examining, A::TakeBack, S::AwaitingAssignment, LEADER),
    t(S::Consulting, A::TakeBack, S::AwaitingAssignment, LEADER),
    // The leader approves or returns (R12.1, R12.2).
    t(S::ProposedResolve, A::Approve, S::Resolved, LEADER),
    t(
        S::ProposedSupplement,
        A::Approve,
        S::SupplementApproved,
        LEADER,
    ),
    t(S::ProposedDecline, A::Approve, S::DeclineApproved, LEADER),
    t(
        S::ProposedResolve,
        A::ReturnForRevision,
        S::Examining,
        LEADER,
    ),
    t(
        S::ProposedSupplement,
        A::ReturnForRevision,
        S::Examining,
        LEADER,
    ),
    t(
        S::ProposedDecline,
        A::ReturnForRevision,
        S::Examining,
        LEADER,
    ),
    // Reception sends what the leader approved.
    t(
        S::SupplementApproved,
        A::SendSupplementRequest,
        S::SupplementRequested,
        RECEPTION,
    ),
    t(S::DeclineApproved, A::SendDecline, S::Declined, RECEPTION),
    // Apology and new date (form 04) before the appointment passes; the stage stays.
    t(S::Examining, A::Apologise, S::Examining, ASSIGNEE),
    t(S::Consulting, A::Apologise, S::Consulting, ASSIGNEE),
    t(
        S::ProposedResolve,
        A::Apologise,
        S::ProposedResolve,
        ASSIGNEE,
    ),
    // Returning the result (R8.2).
    t(S::Resolved, A::ReturnAtOffice, S::Returned, RECEPTION),
    t(S::Resolved, A::ReturnOnline, S::Returned, RECEPTION),
    t(S::Resolved, A::ReturnByPost, S::Returned, RECEPTION),
    // The citizen may withdraw until the dossier is decided.
    t(S::Submitted, A::Withdraw, S::Withdrawn, OWNER),
    t(S::Supplemented, A::Withdraw, S::Withdrawn, OWNER),
    t(S::SupplementRequested, A::Withdraw, S::Withdrawn, OWNER),
    t(S::Accepted, A::Withdraw, S::Withdrawn, OWNER),
    t(S::AwaitingAssignment, A::Withdraw, S::Withdrawn, OWNER),
    t(S::Examining, A::Withdraw, S::Withdrawn, OWNER),
    t(S::Consulting, A::Withdraw, S::Withdrawn, OWNER),
    t(S::ProposedResolve, A::Withdraw, S::Withdrawn, OWNER),
    t(S::ProposedSupplement, A::Withdraw, S::Withdrawn, OWNER),
    t(S::ProposedDecline, A::Withdraw, S::Withdrawn, OWNER),
    t(S::SupplementApproved, A::Withdraw, S::Withdrawn, OWNER),
    t(S::DeclineApproved, A::Withdraw, S::Withdrawn, OWNER),
    // A consulted agency answers whenever its opinion is still open, until the dossier ends.
    t(
        S::Supplemented,
        A::AnswerConsultation,
        S::Supplemented,
        CONSULTED,
    ),
    t(
        S::SupplementRequested,
        A::AnswerConsultation,
        S::SupplementRequested,
        CONSULTED,
    ),
    t(S::Accepted, A::AnswerConsultation, S::Accepted, CONSULTED),
    t(
        S::AwaitingAssignment,
        A::AnswerConsultation,
        S::AwaitingAssignment,
        CONSULTED,
    ),
    t(S::Examining, A::AnswerConsultation, S::Examining, CONSULTED),
    t(
        S::Consulting,
        A::AnswerConsultation,
        S::Consulting,
        CONSULTED,
    ),
    t(
        S::ProposedResolve,
        A::AnswerConsultation,
        S::ProposedResolve,
        CONSULTED,
    ),
    t(
        S::ProposedSupplement,
        A::AnswerConsultation,
        S::ProposedSupplement,
        CONSULTED,
    ),
    t(
        S::ProposedDecline,
        A::AnswerConsultation,
        S::ProposedDecline,
        CONSULTED,
    ),
    t(
        S::SupplementApproved,
        A::AnswerConsultation,
        S::SupplementApproved,
        CONSULTED,
    ),
    t(
        S::DeclineApproved,
        A::AnswerConsultation,
        S::DeclineApproved,
        CONSULTED,
    ),
    t(S::Resolved, A::AnswerConsultation, S::Resolved, CONSULTED),
];

/// Why an action is not allowed now (shown to the person and answered with 409 by the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// No such step from this stage.
    NotNow { act: Act, stage: Stage },
    /// The step exists but someone else takes it.
    NotYourStep { act: Act, stage: Stage },
}

impl NotAllowed {
    fn text(&self, label: fn(Stage) -> &'static str) -> String {
        match self {
            Self::NotNow { act, stage } => format!(
                "Không thể “{}” khi hồ sơ đang ở bước “{}”.",
                act.label_vi(),
                label(*stage)
            ),
            Self::NotYourStep { act, stage } => format!(
                "Bước “{}” của hồ sơ “{}” không thuộc vai trò của bạn.",
                act.label_vi(),
                label(*stage)
            ),
        }
    }

    /// The reason as the applicant may read it: the departments' steps named only by status.
    pub fn for_applicant(&self) -> String {
        self.text(Stage::applicant_label)
    }
}

impl std::fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Stage::label_vi))
    }
}

/// The stage after `act` by `who`, or why not.
pub fn next(stage: Stage, act: Act, who: Who) -> Result<Stage, NotAllowed> {
    let mut rows = TABLE
        .iter()
        .filter(|t| t.from == stage && t.act == act)
        .peekable();
    if rows.peek().is_none() {
        return Err(NotAllowed::NotNow { act, stage });
    }
    rows.find(|t| t.who.contains(&who))
        .map(|t| t.to)
        .ok_or(NotAllowed::NotYourStep { act, stage })
}

/// Who took a step that happened, as its history names them: the one kind of person the table
/// allows for it (none when several may).
pub fn performer(from: Option<Stage>, act: Act) -> Option<Who> {
    let mut whos = TABLE
        .iter()
        .filter(|t| Some(t.from) == from && t.act == act)
        .flat_map(|t| t.who.iter().copied());
    let first = whos.next()?;
    whos.all(|w| w == first).then_some(first)
}

/// The actions `who` may take now, in table order.
pub fn available(stage: Stage, who: Who) -> Vec<Act> {
    TABLE
        .iter()
        .filter(|t| t.from == stage && t.who.contains(&who))
        .map(|t| t.act)
        .collect()
}

/// The table as Markdown, for the documentation.
pub fn table_markdown() -> String {
    let mut s =
        String::from("| Bước | Thao tác | Bước sau | Ai | Mã quốc gia |\n|---|---|---|---|---|\n");
    for t in TABLE {
        let who: Vec<&str> = t.who.iter().map(|w| w.label_vi()).collect();
        s.push_str(&format!(
            "| {} | {} (`{}`) | {} | {} | {} → {} |\n",
            t.from.label_vi(),
            t.act.label_vi(),
            t.act.as_str(),
            t.to.label_vi(),
            who.join(", "),
            code(t.from),
            code(t.to)
        ));
    }
    s
}

fn code(s: Stage) -> String {
    s.national().map_or("—".into(), |c| c.to_string())
}

#[doc(hidden)]
pub mod reference;

#[cfg(test)]
mod tests;
