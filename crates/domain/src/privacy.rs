//! Personal-data rules (R10.5; Decree 13/2023/NĐ-CP and Law 91/2025/QH15): the purposes data
//! is processed for and on what basis, the notice each person accepts, when a disclosure to
//! another agency is allowed, masking, and the 72-hour clocks.
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Why personal data is processed (the register of purposes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Handling the dossiers the person submits: a duty of the agencies under the law, needing
    /// no consent (Decree 13 Art. 17).
    Processing,
    /// Sharing a dossier with an agency outside the procedure's legal basis: only with consent.
    Sharing,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::Processing, Purpose::Sharing];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Processing => "xu-ly-ho-so",
            Purpose::Sharing => "chia-se",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Purpose::Processing => "Giải quyết thủ tục hành chính theo hồ sơ đã nộp",
            Purpose::Sharing => {
                "Chia sẻ hồ sơ với cơ quan khác ngoài căn cứ pháp lý của thủ tục, khi cần lấy ý kiến"
            }
        }
    }

    /// The law that allows the processing without consent, if any.
    pub fn legal_basis(self) -> Option<&'static str> {
        match self {
            Purpose::Processing => Some(
                "Điều 17 Nghị định 13/2023/NĐ-CP; Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15: cơ quan nhà nước xử lý dữ liệu để thực hiện nhiệm vụ theo quy định của pháp luật",
            ),
            Purpose::Sharing => None,
        }
    }
}

/// The text a person reads before accepting, one version at a time (a new text is a new
/// version: consents name the version and the text's hash, so what was accepted is provable).
pub struct NoticeText {
    pub version: i32,
    pub text: &'static str,
}

/// The notice in force: the last one.
pub const NOTICES: [NoticeText; 1] = [NoticeText {
    version: 1,
    text: "Thông báo xử lý dữ liệu cá nhân (phiên bản 1).\n\
Cơ quan giải quyết thủ tục hành chính xử lý họ tên, số định danh, số điện thoại, địa chỉ và nội dung tờ khai của bạn để giải quyết hồ sơ bạn nộp, theo quy định của pháp luật.\n\
Số định danh, số điện thoại, địa chỉ và tờ khai được mã hóa khi lưu trữ; mỗi lần cán bộ xem hồ sơ đều được ghi nhật ký.\n\
Hồ sơ chỉ được chia sẻ với cơ quan khác khi pháp luật quy định hoặc khi bạn đồng ý; mỗi lần chia sẻ đều được ghi lại.\n\
Bạn có quyền xem, tải về, yêu cầu sửa, xóa hoặc hạn chế xử lý dữ liệu của mình và rút lại sự đồng ý bất cứ lúc nào; việc rút lại không ảnh hưởng đến việc xử lý đã thực hiện trước đó.",
}];

pub fn current_notice() -> &'static NoticeText {
    NOTICES.last().expect("a notice")
}

pub fn notice(version: i32) -> Option<&'static NoticeText> {
    NOTICES.iter().find(|n| n.version == version)
}

/// The SHA-256 of a notice's text (hex), stored with each consent.
pub fn notice_sha256(n: &NoticeText) -> String {
    hex::encode(Sha256::digest(n.text.as_bytes()))
}

/// On what a disclosure of a dossier to another agency rests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// A legal document of the procedure.
    Law(String),
    /// The person's consent to sharing (its record).
    Consent(Uuid),
}

impl Basis {
    /// As recorded: the citation, or `consent`.
    pub fn text(&self) -> String {
        match self {
            Basis::Law(l) => l.clone(),
            Basis::Consent(_) => "consent".into(),
        }
    }
}

/// What is asked for a disclosure: `consent`, or one of the procedure's legal documents.
pub const CONSENT: &str = "consent";

/// Whether a dossier may be disclosed to another agency (R10.5; Decree 13 Art. 17): on one
/// of the procedure's legal documents, or on the person's consent to sharing, which must be in
/// force; otherwise refused with the reason.
pub fn disclosure_basis(
    asked: &str,
    legal: &[String],
    sharing_consent: Option<Uuid>,
) -> Result<Basis, &'static str> {
    let asked = asked.trim();
    if asked == CONSENT {
        return sharing_consent
            .map(Basis::Consent)
            .ok_or("Người nộp hồ sơ chưa đồng ý (hoặc đã rút lại sự đồng ý) cho việc chia sẻ hồ sơ với cơ quan khác.");
    }
    legal
        .iter()
        .find(|l| l.trim() == asked && !asked.is_empty())
        .map(|l| Basis::Law(l.clone()))
        .ok_or(
            "Chọn căn cứ pháp lý của thủ tục cho phép chia sẻ hồ sơ, hoặc sự đồng ý của người nộp.",
        )
}

/// Hours within which a personal-data breach is notified to the authority (Law 91/2025
/// Art. 23; Decree 13 Art. 23), and within which a person's request is carried out
/// (Decree 13 Art. 9.6, 14, 16).
pub const RESPONSE_HOURS: i64 = 72;

/// When a clock of [`RESPONSE_HOURS`] started at `from` runs out (calendar hours).
pub fn due_after(from: jiff::Timestamp) -> jiff::Timestamp {
    from + jiff::SignedDuration::from_hours(RESPONSE_HOURS)
}

/// What a person may ask of their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Sửa: correct a detail.
    Correction,
    /// Xóa: delete what the law does not require kept.
    Deletion,
    /// Hạn chế: stop processing beyond what the law requires.
    Restriction,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [
        RequestKind::Correction,
        RequestKind::Deletion,
        RequestKind::Restriction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Correction => "correction",
            RequestKind::Deletion => "deletion",
            RequestKind::Restriction => "restriction",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Correction => "Sửa thông tin",
            RequestKind::Deletion => "Xóa dữ liệu",
            RequestKind::Restriction => "Hạn chế xử lý",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disclosure_needs_the_law_or_consent() {
        let legal = vec!["Luật Đất đai 2024".to_string()];
        assert_eq!(
            disclosure_basis("Luật Đất đai 2024", &legal, None),
            Ok(Basis::Law("Luật Đất đai 2024".into()))
        );
        assert!(disclosure_basis("Luật khác", &legal, None).is_err());
        assert!(disclosure_basis("", &legal, None).is_err());
        assert!(disclosure_basis("", &[String::new()], None).is_err());
        assert!(disclosure_basis(CONSENT, &legal, None).is_err());
        let c = Uuid::nil();
        assert_eq!(
            disclosure_basis(CONSENT, &legal, Some(c)),
            Ok(Basis::Consent(c))
        );
    }

    #[test]
    fn kinds_purposes_and_bases_read_as_stored() {
        let kinds: Vec<(&str, &str)> = RequestKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("correction", "Sửa thông tin"),
                ("deletion", "Xóa dữ liệu"),
                ("restriction", "Hạn chế xử lý")
            ]
        );
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RequestKind::parse("xoa"), None);
        assert!(Purpose::Sharing.label().starts_with("Chia sẻ hồ sơ"));
        assert!(
            Purpose::Processing
                .label()
                .starts_with("Giải quyết thủ tục")
        );
        assert_eq!(Basis::Consent(Uuid::nil()).text(), "consent");
        assert_eq!(Basis::Law("Luật A".into()).text(), "Luật A");
    }

    #[test]
    fn notices_are_versioned_and_hashed() {
        let n = current_notice();
        assert_eq!(notice(n.version).map(|x| x.version), Some(n.version));
        assert_eq!(notice_sha256(n).len(), 64);
        assert_eq!(
            due_after(jiff::Timestamp::UNIX_EPOCH),
            jiff::Timestamp::from_second(72 * 3600).unwrap()
        );
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert!(Purpose::Processing.legal_basis().is_some());
        assert!(Purpose::Sharing.legal_basis().is_none());
    }
}
