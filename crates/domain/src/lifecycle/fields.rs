//! The fields an action takes, as the actions description gives them to people and programs.

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
    /// Written as free text.
    pub fn is_text(self) -> bool {
        self == Self::Text
    }

    /// Written as a date.
    pub fn is_date(self) -> bool {
        self == Self::Date
    }

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

/// The item fields of a consultation: the agency's code (one of the options), the question, the
/// due date, the documents the agency may read (several), and the basis of sharing them: one of
/// the procedure's legal documents or the person's consent (R10.5). Each: name, label, type,
/// whether several values are taken.
pub const CONSULTATION_ITEM: [(&str, &str, FieldType, bool); 5] = [
    ("agency", "Cơ quan phối hợp", FieldType::Choice, false),
    (
        "question",
        "Nội dung đề nghị cho ý kiến",
        FieldType::Text,
        false,
    ),
    ("due", "Hạn trả lời", FieldType::Date, false),
    (
        "files",
        "Giấy tờ gửi cơ quan phối hợp",
        FieldType::Choice,
        true,
    ),
    ("basis", "Căn cứ chia sẻ hồ sơ", FieldType::Choice, false),
];
