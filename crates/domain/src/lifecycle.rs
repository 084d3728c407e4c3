//! The dossier lifecycle (issue 6, R11, R12, R8.1b, R8.2), declared once as a table of
//! stage × action → stage with who may act. The same table enforces transitions, lists the actions
//! a person may take now (`available`), and documents the process (`table_markdown`).
//!
//! The stage is the one stored fact about where a dossier stands: the status people and the
//! national portal see ([`Status`], the ten national codes) is derived from it, never stored. The
//! specialist department's work is several stages of [`Status::InProcess`], which the applicant
//! sees only as "Đang xử lý" (R10.5: internal steps are not theirs to see).
use crate::account::Role;
use crate::dossier::Status;

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

    /// The status people and the national portal see (domain.md §2.6): the one mapping.
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

    /// Whose worklist holds a dossier in this stage: the role of the staff who act next, per the
    /// table (the role of the stage's first row with staff: its usual actor comes first);
    /// `None`: the person has it, or it is final. A draft is its owner's: the desk's
    /// registration creates a dossier, it takes none from a worklist.
    pub fn queue(self) -> Option<Role> {
        if self == Stage::Draft {
            return None;
        }
        TABLE
            .iter()
            .filter(|t| t.from == self)
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

/// A field an action takes. The actions description (`GET …/actions`) gives each with its type,
/// whether it is required and, for choices, the values allowed, so that a program knows exactly
/// what to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The components the person must supplement (ids from the procedure).
    Components,
    /// Reasons, or the exact list of what is missing or wrong, one item each.
    Reasons,
    /// The specialist who will handle it.
    Assignee,
    /// The agencies consulted, each with its question and own deadline.
    Consultations,
    /// The new appointment date (form 04).
    NewDate,
    /// The registered post tracking number.
    TrackingNumber,
    /// The officer compared the originals (R7.1a).
    OriginalsCompared,
    /// The result document (a file uploaded to the dossier as its result).
    ResultDocument,
    /// A remark recorded with the step.
    Comment,
    /// A consulted agency's opinion.
    Answer,
}

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A string (with `multiple`, a list of strings).
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    Datetime,
    Boolean,
    /// One of the options' values.
    Choice,
    /// A list of the options' values.
    Choices,
    /// The id of a file of the dossier (one of the options).
    File,
    /// A list of objects, each with the item fields.
    List,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Boolean => "boolean",
            Self::Choice => "choice",
            Self::Choices => "choices",
            Self::File => "file",
            Self::List => "list",
        }
    }
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Components => "components",
            Self::Reasons => "reasons",
            Self::Assignee => "assignee",
            Self::Consultations => "consultations",
            Self::NewDate => "new_date",
            Self::TrackingNumber => "tracking_number",
            Self::OriginalsCompared => "originals_compared",
            Self::ResultDocument => "result_document",
            Self::Comment => "comment",
            Self::Answer => "answer",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Components => "Giấy tờ cần bổ sung",
            Self::Reasons => "Lý do, nội dung (mỗi dòng một ý)",
            Self::Assignee => "Chuyên viên xử lý",
            Self::Consultations => "Cơ quan phối hợp cho ý kiến",
            Self::NewDate => "Ngày hẹn trả kết quả mới",
            Self::TrackingNumber => "Số hiệu bưu gửi",
            Self::OriginalsCompared => "Đã đối chiếu bản chính các giấy tờ",
            Self::ResultDocument => "Văn bản kết quả",
            Self::Comment => "Ý kiến",
            Self::Answer => "Ý kiến của cơ quan phối hợp",
        }
    }

    pub fn kind(self) -> FieldType {
        match self {
            Self::Components => FieldType::Choices,
            Self::Reasons | Self::TrackingNumber | Self::Comment | Self::Answer => FieldType::Text,
            Self::Assignee => FieldType::Choice,
            Self::Consultations => FieldType::List,
            Self::NewDate => FieldType::Date,
            Self::OriginalsCompared => FieldType::Boolean,
            Self::ResultDocument => FieldType::File,
        }
    }

    /// A list of strings rather than one.
    pub fn multiple(self) -> bool {
        self == Self::Reasons
    }
}

/// The item fields of a consultation: the agency's code (one of the options), the question and
/// the due date.
pub const CONSULTATION_ITEM: [(&str, &str, FieldType); 3] = [
    ("agency", "Cơ quan phối hợp", FieldType::Choice),
    ("question", "Nội dung đề nghị cho ý kiến", FieldType::Text),
    ("due", "Hạn trả lời", FieldType::Date),
];

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
pub mod reference {
    use super::*;

    /// The reference model, written as plain rules from the issue rather than as a table, for the
    /// property tests (here, and through the database in the integration tests).
    pub fn reference(s: Stage, a: Act, w: Who) -> Option<Stage> {
        use Role::*;
        let staff = |r: Role| w == Who::Staff(r);
        let assignee = w == Who::Assignee;
        let ended = matches!(s, S::Refused | S::Declined | S::Returned | S::Withdrawn);
        let at_desk = matches!(s, S::Submitted | S::Supplemented);
        let proposed = matches!(
            s,
            S::ProposedResolve | S::ProposedSupplement | S::ProposedDecline
        );
        match a {
            A::Submit if s == S::Draft && w == Who::Owner => Some(S::Submitted),
            A::RegisterInPerson | A::RegisterPostal if s == S::Draft && staff(Reception) => {
                Some(S::Submitted)
            }
            A::Accept if at_desk && staff(Reception) => Some(S::Accepted),
            A::RequestSupplement if at_desk && staff(Reception) => Some(S::SupplementRequested),
            A::Refuse if at_desk && staff(Reception) => Some(S::Refused),
            A::Resubmit if s == S::SupplementRequested && w == Who::Owner => Some(S::Supplemented),
            A::Forward if s == S::Accepted && staff(Reception) => Some(S::AwaitingAssignment),
            A::Assign if s == S::AwaitingAssignment && staff(Leader) => Some(S::Examining),
            A::Reassign if matches!(s, S::Examining | S::Consulting) && staff(Leader) => Some(s),
            A::TakeBack if matches!(s, S::Examining | S::Consulting) && staff(Leader) => {
                Some(S::AwaitingAssignment)
            }
            // Only the assigned specialist examines; any other specialist has no step here.
            A::ProposeResolve if s == S::Examining && assignee => Some(S::ProposedResolve),
            A::ProposeSupplement if s == S::Examining && assignee => Some(S::ProposedSupplement),
            A::ProposeDecline if s == S::Examining && assignee => Some(S::ProposedDecline),
            A::Consult if s == S::Examining && assignee => Some(S::Consulting),
            A::ConsultationAnswered if s == S::Consulting && (assignee || w == Who::System) => {
                Some(S::Examining)
            }
            // A consulted agency's answer changes nothing by itself, from acceptance to the end.
            A::AnswerConsultation
                if w == Who::Consulted && !ended && !matches!(s, S::Draft | S::Submitted) =>
            {
                Some(s)
            }
            A::Approve if staff(Leader) => match s {
                S::ProposedResolve => Some(S::Resolved),
                S::ProposedSupplement => Some(S::SupplementApproved),
                S::ProposedDecline => Some(S::DeclineApproved),
                _ => None,
            },
            A::ReturnForRevision if proposed && staff(Leader) => Some(S::Examining),
            A::SendSupplementRequest if s == S::SupplementApproved && staff(Reception) => {
                Some(S::SupplementRequested)
            }
            A::SendDecline if s == S::DeclineApproved && staff(Reception) => Some(S::Declined),
            A::Apologise
                if matches!(s, S::Examining | S::Consulting | S::ProposedResolve) && assignee =>
            {
                Some(s)
            }
            A::ReturnAtOffice | A::ReturnOnline | A::ReturnByPost
                if s == S::Resolved && staff(Reception) =>
            {
                Some(S::Returned)
            }
            // Until the dossier is decided, never as a draft (a draft is deleted instead).
            A::Withdraw
                if w == Who::Owner
                    && !matches!(
                        s,
                        S::Draft
                            | S::Refused
                            | S::Resolved
                            | S::Declined
                            | S::Returned
                            | S::Withdrawn
                    ) =>
            {
                Some(S::Withdrawn)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reference::reference;
    use super::*;
    use proptest::prelude::*;

    fn who() -> impl Strategy<Value = Who> {
        proptest::sample::select(Who::all())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(2000)))]

        /// Random actions by random people: the table agrees with the reference model at every
        /// step, so no illegal transition is ever accepted, and `available` lists exactly the
        /// actions that `next` accepts.
        #[test]
        fn table_matches_the_reference_model(
            steps in proptest::collection::vec(
                (any::<u8>(), proptest::sample::select(Act::ALL.to_vec()), who()), 1..80)
        ) {
            // Most steps take a legal action (by the reference model) so that walks reach deep
            // stages; the rest are random actions by random people.
            let people = Who::all();
            let mut stage = S::Draft;
            for (sel, act, w) in steps {
                let legal: Vec<(Act, Who)> = Act::ALL
                    .into_iter()
                    .flat_map(|a| people.iter().map(move |p| (a, *p)))
                    .filter(|(a, p)| reference(stage, *a, *p).is_some())
                    .collect();
                let (act, w) = if sel < 200 && !legal.is_empty() {
                    legal[usize::from(sel) % legal.len()]
                } else {
                    (act, w)
                };
                let want = reference(stage, act, w);
                let got = next(stage, act, w);
                prop_assert_eq!(got.clone().ok(), want, "{:?} {:?} {:?}", stage, act, w);
                prop_assert_eq!(available(stage, w).contains(&act), want.is_some());
                if let Ok(s) = got {
                    stage = s;
                }
            }
        }
    }

    /// Every (stage, action, person), not only those random walks reach: the table and the
    /// reference model agree, and `available` lists exactly what `next` accepts.
    #[test]
    fn table_matches_the_reference_everywhere() {
        let people = Who::all();
        let mut allowed = 0;
        for s in Stage::ALL {
            for a in Act::ALL {
                for w in &people {
                    let want = reference(s, a, *w);
                    assert_eq!(next(s, a, *w).ok(), want, "{s:?} {a:?} {w:?}");
                    assert_eq!(available(s, *w).contains(&a), want.is_some());
                    allowed += usize::from(want.is_some());
                }
            }
        }
        assert!(allowed >= 30, "{allowed} allowed steps");
    }

    #[test]
    fn the_printed_table_names_national_codes() {
        assert_eq!(code(S::Draft), "—");
        assert_eq!(code(S::Submitted), "1");
        assert_eq!(code(S::Returned), "10");
    }

    #[test]
    fn every_stage_maps_to_a_national_code_and_is_reachable() {
        for s in Stage::ALL {
            if s != S::Draft {
                assert!(s.national().is_some_and(|c| (1..=10).contains(&c)), "{s:?}");
            }
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            let reachable = s == S::Draft || TABLE.iter().any(|t| t.to == s);
            assert!(reachable, "{s:?} cannot be reached");
        }
        for a in Act::ALL {
            assert_eq!(Act::parse(a.as_str()), Some(a));
            assert!(TABLE.iter().any(|t| t.act == a), "{a:?} is never used");
        }
        assert_eq!(S::Draft.national(), None);
        assert_eq!(S::Declined.national(), Some(8));
        assert_eq!(S::Resolved.national(), Some(9));
        assert_eq!(S::Declined.status(), Status::Declined);
        assert_eq!(S::Draft.queue(), None);
        assert!(S::Draft.owner_edits() && S::SupplementRequested.owner_edits());
        assert!(!S::Submitted.owner_edits() && !S::Returned.owner_edits());
        assert_eq!(S::ProposedDecline.applicant_label(), "Đang xử lý");
        assert_eq!(S::Declined.applicant_label(), "Dừng xử lý");
        assert_eq!(S::Submitted.queue(), Some(Role::Reception));
        assert_eq!(S::AwaitingAssignment.queue(), Some(Role::Leader));
        assert_eq!(S::ProposedResolve.queue(), Some(Role::Leader));
        assert_eq!(S::Consulting.queue(), Some(Role::Specialist));
        assert_eq!(S::Examining.queue(), Some(Role::Specialist));
        assert_eq!(S::Resolved.queue(), Some(Role::Reception));
        assert_eq!(S::SupplementRequested.queue(), None);
        assert_eq!(S::Returned.queue(), None);
        assert!(S::Returned.is_final() && S::Refused.is_final() && S::Withdrawn.is_final());
    }

    /// Stored names never change (the database and the API hold them); the labels are UI.md's
    /// terms, and docs/lifecycle.md is generated from them.
    #[test]
    fn stored_names_and_labels() {
        assert_eq!(
            Stage::ALL.map(Stage::as_str),
            [
                "draft",
                "submitted",
                "supplemented",
                "supplement_requested",
                "refused",
                "accepted",
                "awaiting_assignment",
                "examining",
                "consulting",
                "proposed_resolve",
                "proposed_supplement",
                "proposed_decline",
                "supplement_approved",
                "decline_approved",
                "resolved",
                "declined",
                "returned",
                "withdrawn"
            ]
        );
        assert_eq!(
            Stage::ALL.map(Stage::label_vi),
            [
                "Hồ sơ nháp",
                "Mới đăng ký, chờ tiếp nhận",
                "Đã bổ sung, chờ tiếp nhận",
                "Yêu cầu bổ sung, hoàn thiện hồ sơ",
                "Không được tiếp nhận",
                "Đã tiếp nhận, chờ chuyển phòng chuyên môn",
                "Chờ phân công xử lý",
                "Đang thẩm định",
                "Chờ ý kiến cơ quan phối hợp",
                "Chờ lãnh đạo duyệt kết quả",
                "Chờ lãnh đạo duyệt yêu cầu bổ sung",
                "Chờ lãnh đạo duyệt từ chối giải quyết",
                "Chờ gửi yêu cầu bổ sung",
                "Chờ gửi văn bản từ chối",
                "Đã xử lý xong, chờ trả kết quả",
                "Dừng xử lý",
                "Đã trả kết quả",
                "Đã rút hồ sơ"
            ]
        );
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("Draft"), None);
        assert_eq!(Stage::parse(""), None);

        assert_eq!(
            Act::ALL.map(Act::as_str),
            [
                "submit",
                "accept",
                "request_supplement",
                "refuse",
                "resubmit",
                "forward",
                "assign",
                "reassign",
                "take_back",
                "propose_resolve",
                "propose_supplement",
                "propose_decline",
                "consult",
                "consultation_answered",
                "approve",
                "return_for_revision",
                "send_supplement_request",
                "send_decline",
                "apologise",
                "return_at_office",
                "return_online",
                "return_by_post",
                "withdraw",
                "registered_in_person",
                "registered_postal",
                "consultation_answer"
            ]
        );
        assert_eq!(
            Act::ALL.map(Act::label_vi),
            [
                "Nộp hồ sơ",
                "Tiếp nhận hồ sơ",
                "Yêu cầu bổ sung, hoàn thiện",
                "Từ chối tiếp nhận",
                "Nộp bổ sung",
                "Chuyển phòng chuyên môn",
                "Phân công xử lý",
                "Phân công lại",
                "Thu hồi hồ sơ về lãnh đạo",
                "Trình kết quả giải quyết",
                "Đề xuất yêu cầu bổ sung",
                "Đề xuất từ chối giải quyết",
                "Gửi lấy ý kiến phối hợp",
                "Ghi nhận ý kiến phối hợp",
                "Phê duyệt",
                "Trả lại để xử lý lại",
                "Gửi yêu cầu bổ sung cho công dân",
                "Gửi văn bản từ chối cho công dân",
                "Xin lỗi và hẹn lại ngày trả kết quả",
                "Trả kết quả tại bộ phận một cửa",
                "Trả kết quả trực tuyến",
                "Trả kết quả qua bưu chính",
                "Rút hồ sơ",
                "Tiếp nhận trực tiếp tại bộ phận một cửa",
                "Tiếp nhận hồ sơ gửi qua bưu chính",
                "Cơ quan phối hợp trả lời"
            ]
        );
        for a in Act::ALL {
            assert_eq!(Act::parse(a.as_str()), Some(a));
        }
        assert_eq!(Act::parse("Submit"), None);
        assert_eq!(Act::parse(""), None);

        assert_eq!(
            FIELDS.map(Field::as_str),
            [
                "components",
                "reasons",
                "assignee",
                "consultations",
                "new_date",
                "tracking_number",
                "originals_compared",
                "result_document",
                "comment",
                "answer"
            ]
        );
        assert_eq!(
            FIELDS.map(Field::label_vi),
            [
                "Giấy tờ cần bổ sung",
                "Lý do, nội dung (mỗi dòng một ý)",
                "Chuyên viên xử lý",
                "Cơ quan phối hợp cho ý kiến",
                "Ngày hẹn trả kết quả mới",
                "Số hiệu bưu gửi",
                "Đã đối chiếu bản chính các giấy tờ",
                "Văn bản kết quả",
                "Ý kiến",
                "Ý kiến của cơ quan phối hợp"
            ]
        );
        assert_eq!(
            [
                FieldType::Text,
                FieldType::Date,
                FieldType::Datetime,
                FieldType::Boolean,
                FieldType::Choice,
                FieldType::Choices,
                FieldType::File,
                FieldType::List,
            ]
            .map(FieldType::as_str),
            [
                "text", "date", "datetime", "boolean", "choice", "choices", "file", "list"
            ]
        );
    }

    /// Every field of the actions description.
    const FIELDS: [Field; 10] = [
        Field::Components,
        Field::Reasons,
        Field::Assignee,
        Field::Consultations,
        Field::NewDate,
        Field::TrackingNumber,
        Field::OriginalsCompared,
        Field::ResultDocument,
        Field::Comment,
        Field::Answer,
    ];

    /// What each field is written as, and which one is a list of strings.
    #[test]
    fn field_types() {
        use FieldType as T;
        assert_eq!(
            FIELDS.map(Field::kind),
            [
                T::Choices,
                T::Text,
                T::Choice,
                T::List,
                T::Date,
                T::Text,
                T::Boolean,
                T::File,
                T::Text,
                T::Text
            ]
        );
        assert_eq!(
            FIELDS.map(Field::multiple),
            [
                false, true, false, false, false, false, false, false, false, false
            ]
        );
    }

    /// Per stage, in `Stage::ALL` order: the status and national code (docs/lifecycle.md,
    /// domain.md §2.6), whether it is the departments' internal work, what the applicant reads,
    /// whether the owner edits, whose worklist holds it and whether it is final.
    #[test]
    fn every_stage_derives_its_status_and_owner() {
        use Role::{Leader as L, Reception as R, Specialist as Sp};
        use Status as St;
        assert_eq!(
            Stage::ALL.map(Stage::status),
            [
                St::Draft,
                St::Submitted,
                St::Submitted,
                St::SupplementRequested,
                St::Refused,
                St::Accepted,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::InProcess,
                St::Resolved,
                St::Declined,
                St::Returned,
                St::Withdrawn
            ]
        );
        assert_eq!(
            Stage::ALL.map(Stage::national),
            [
                None,
                Some(1),
                Some(1),
                Some(5),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(4),
                Some(4),
                Some(4),
                Some(4),
                Some(4),
                Some(4),
                Some(9),
                Some(8),
                Some(10),
                Some(7)
            ]
        );
        let internal = [
            false, false, false, false, false, false, true, true, true, true, true, true, true,
            true, false, false, false, false,
        ];
        assert_eq!(Stage::ALL.map(Stage::is_internal), internal);
        for (s, internal) in Stage::ALL.into_iter().zip(internal) {
            let want = if internal {
                "Đang xử lý"
            } else {
                s.label_vi()
            };
            assert_eq!(s.applicant_label(), want, "{s:?}");
        }
        assert_eq!(
            Stage::ALL.map(Stage::owner_edits),
            [
                true, false, false, true, false, false, false, false, false, false, false, false,
                false, false, false, false, false, false
            ]
        );
        assert_eq!(
            Stage::ALL.map(Stage::queue),
            [
                None,
                Some(R),
                Some(R),
                None,
                None,
                Some(R),
                Some(L),
                Some(Sp),
                Some(Sp),
                Some(L),
                Some(L),
                Some(L),
                Some(R),
                Some(R),
                Some(R),
                None,
                None,
                None
            ]
        );
        assert_eq!(
            Stage::ALL.map(Stage::is_final),
            [
                false, false, false, false, true, false, false, false, false, false, false, false,
                false, false, false, true, true, true
            ]
        );
    }

    /// Per action, in `Act::ALL` order: the fields it takes ("*" required), those of which one is
    /// needed, whether the applicant sees it and whether it decides a proposal.
    #[test]
    fn every_action_takes_its_fields() {
        let fields = |a: Act| {
            a.fields()
                .iter()
                .map(|(f, req)| format!("{}{}", f.as_str(), if *req { "*" } else { "" }))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            Act::ALL.map(fields),
            [
                "comment",
                "comment",
                "components reasons comment",
                "reasons* comment",
                "comment",
                "comment",
                "assignee* comment",
                "assignee* reasons* comment",
                "reasons* comment",
                "result_document* comment",
                "components reasons comment",
                "reasons* comment",
                "consultations* comment",
                "comment*",
                "comment",
                "reasons* comment",
                "comment",
                "comment",
                "reasons* new_date* comment",
                "originals_compared* comment",
                "comment",
                "tracking_number* comment",
                "comment",
                "comment",
                "comment",
                "answer*"
            ]
        );
        for a in Act::ALL {
            let want: &[Field] = match a {
                A::RequestSupplement | A::ProposeSupplement => &[Field::Components, Field::Reasons],
                _ => &[],
            };
            assert_eq!(a.one_of(), want, "{a:?}");
        }
        assert_eq!(
            Act::ALL.map(Act::is_public),
            [
                true, true, true, true, true, false, false, false, false, false, false, false,
                false, false, false, false, true, true, true, true, true, true, true, true, true,
                false
            ]
        );
        assert_eq!(
            Act::ALL.map(Act::decides_a_proposal),
            [
                false, false, false, false, false, false, false, false, false, false, false, false,
                false, false, true, true, false, false, false, false, false, false, false, false,
                false, false
            ]
        );
    }

    #[test]
    fn refusals_say_why() {
        let e = next(S::Submitted, A::Approve, Who::Staff(Role::Leader)).unwrap_err();
        assert!(e.to_string().contains("Mới đăng ký"), "{e}");
        let e = next(S::Submitted, A::Accept, Who::Staff(Role::Specialist)).unwrap_err();
        assert!(matches!(e, NotAllowed::NotYourStep { .. }));
        assert!(e.to_string().contains("không thuộc vai trò"));
        assert!(table_markdown().lines().count() == TABLE.len() + 2);
        let e = next(S::ProposedDecline, A::Approve, Who::Owner).unwrap_err();
        assert!(e.to_string().contains("từ chối"), "{e}");
        assert!(
            !e.for_applicant().contains("từ chối") && e.for_applicant().contains("Đang xử lý"),
            "{}",
            e.for_applicant()
        );
    }

    /// A supplement request from the department goes through the leader, then reception.
    #[test]
    fn department_supplement_needs_the_leader() {
        let sp = Who::Assignee;
        assert!(
            next(
                S::Examining,
                A::ProposeSupplement,
                Who::Staff(Role::Specialist)
            )
            .is_err()
        );
        let mut s = S::Submitted;
        for (a, w) in [
            (A::Accept, Who::Staff(Role::Reception)),
            (A::Forward, Who::Staff(Role::Reception)),
            (A::Assign, Who::Staff(Role::Leader)),
            (A::ProposeSupplement, sp),
        ] {
            s = next(s, a, w).unwrap();
        }
        assert!(next(s, A::SendSupplementRequest, Who::Staff(Role::Reception)).is_err());
        s = next(s, A::Approve, Who::Staff(Role::Leader)).unwrap();
        s = next(s, A::SendSupplementRequest, Who::Staff(Role::Reception)).unwrap();
        assert_eq!((s, s.national()), (S::SupplementRequested, Some(5)));
    }

    /// A leader reassigns or takes back a dossier a specialist holds; never while it waits for
    /// the leader's own decision.
    #[test]
    fn the_leader_reassigns_and_takes_back() {
        let leader = Who::Staff(Role::Leader);
        assert_eq!(next(S::Examining, A::Reassign, leader), Ok(S::Examining));
        assert_eq!(next(S::Consulting, A::Reassign, leader), Ok(S::Consulting));
        assert_eq!(
            next(S::Examining, A::TakeBack, leader),
            Ok(S::AwaitingAssignment)
        );
        assert_eq!(
            next(S::Consulting, A::TakeBack, leader),
            Ok(S::AwaitingAssignment)
        );
        assert!(next(S::ProposedResolve, A::Reassign, leader).is_err());
        assert!(next(S::Examining, A::Reassign, Who::Staff(Role::Specialist)).is_err());
        assert!(A::Approve.decides_a_proposal() && !A::Assign.decides_a_proposal());
        assert!(A::Refuse.is_public() && !A::ProposeDecline.is_public());
        assert!(!A::ReturnForRevision.is_public() && !A::ConsultationAnswered.is_public());
    }

    /// The examining steps are the assignee's, not any specialist's; a consulted agency answers
    /// without moving the dossier, and the system ends the wait; nobody registers or answers on a
    /// dossier that has ended.
    #[test]
    fn the_assignee_the_consulted_agency_and_the_system() {
        let sp = Who::Staff(Role::Specialist);
        for a in [A::ProposeResolve, A::Consult, A::Apologise] {
            assert!(matches!(
                next(S::Examining, a, sp),
                Err(NotAllowed::NotYourStep { .. })
            ));
            assert!(next(S::Examining, a, Who::Assignee).is_ok());
        }
        assert_eq!(S::Examining.queue(), Some(Role::Specialist));
        assert_eq!(
            next(S::Consulting, A::ConsultationAnswered, Who::System),
            Ok(S::Examining)
        );
        assert!(next(S::Consulting, A::ConsultationAnswered, Who::Consulted).is_err());
        assert_eq!(
            next(S::Consulting, A::AnswerConsultation, Who::Consulted),
            Ok(S::Consulting)
        );
        assert!(next(S::Withdrawn, A::AnswerConsultation, Who::Consulted).is_err());
        assert!(next(S::Consulting, A::AnswerConsultation, Who::Assignee).is_err());
        assert_eq!(
            next(S::Draft, A::RegisterPostal, Who::Staff(Role::Reception)),
            Ok(S::Submitted)
        );
        assert!(
            next(
                S::Submitted,
                A::RegisterInPerson,
                Who::Staff(Role::Reception)
            )
            .is_err()
        );
        assert!(available(S::Draft, Who::Owner) == vec![A::Submit]);
        assert!(A::AnswerConsultation.has_own_form() && !A::Accept.has_own_form());
        assert!(
            Who::all()
                .iter()
                .all(|w| available(S::Returned, *w).is_empty())
        );
    }
}
