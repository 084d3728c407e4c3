//! Dossiers (hồ sơ): their states and the national status codes they map to, channels, the
//! dossier code, which components a form's answers require, and what an uploaded file is
//! (decided by its content, never its name). R6.2, R7.1a, R7.2a, R13.2.

use serde::{Deserialize, Serialize};

use crate::catalogue::Component;

/// Where a dossier came from (`KenhThucHien` in the national sync: 1, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intake {
    InPerson,
    Online,
    Postal,
}

impl Intake {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Online => "online",
            Self::Postal => "postal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::InPerson, Self::Online, Self::Postal]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    /// The national code.
    pub fn code(self) -> u8 {
        match self {
            Self::InPerson => 1,
            Self::Online => 2,
            Self::Postal => 3,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::InPerson => "Trực tiếp",
            Self::Online => "Trực tuyến",
            Self::Postal => "Qua bưu chính",
        }
    }
}

/// The status of a dossier as people and the national portal see it: the ten national status
/// codes (R6.1), and drafts, which have none. Derived from the stage
/// (`lifecycle::Stage::status`), never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Hồ sơ nháp.
    Draft,
    /// 1 Mới đăng ký (also after a supplement, until the desk accepts it).
    Submitted,
    /// 2 Được tiếp nhận.
    Accepted,
    /// 3 Không được tiếp nhận.
    Refused,
    /// 4 Đang xử lý.
    InProcess,
    /// 5 Yêu cầu bổ sung giấy tờ.
    SupplementRequested,
    /// 7 Công dân yêu cầu rút hồ sơ.
    Withdrawn,
    /// 8 Dừng xử lý: refused for failing the conditions, after acceptance.
    Declined,
    /// 9 Đã xử lý xong.
    Resolved,
    /// 10 Đã trả kết quả.
    Returned,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Self::Draft,
        Self::Submitted,
        Self::Accepted,
        Self::Refused,
        Self::InProcess,
        Self::SupplementRequested,
        Self::Withdrawn,
        Self::Declined,
        Self::Resolved,
        Self::Returned,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::InProcess => "in_process",
            Self::SupplementRequested => "supplement_requested",
            Self::Withdrawn => "withdrawn",
            Self::Declined => "declined",
            Self::Resolved => "resolved",
            Self::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// The national status code (1–10); drafts have none.
    pub fn code(self) -> Option<u8> {
        Some(match self {
            Self::Draft => return None,
            Self::Submitted => 1,
            Self::Accepted => 2,
            Self::Refused => 3,
            Self::InProcess => 4,
            Self::SupplementRequested => 5,
            Self::Withdrawn => 7,
            Self::Declined => 8,
            Self::Resolved => 9,
            Self::Returned => 10,
        })
    }
    /// The national label ("Hồ sơ nháp" for drafts).
    pub fn label_vi(self) -> &'static str {
        self.code().map_or("Hồ sơ nháp", national_label)
    }
}

/// The national code label of a status (1–10), as the national portal names it.
pub fn national_label(code: u8) -> &'static str {
    match code {
        1 => "Mới đăng ký",
        2 => "Được tiếp nhận",
        3 => "Không được tiếp nhận",
        4 => "Đang xử lý",
        5 => "Yêu cầu bổ sung giấy tờ",
        6 => "Yêu cầu thực hiện nghĩa vụ tài chính",
        7 => "Công dân yêu cầu rút hồ sơ",
        8 => "Dừng xử lý",
        9 => "Đã xử lý xong",
        10 => "Đã trả kết quả",
        _ => "",
    }
}

/// Formats a dossier code. `format` holds `{agency}`, `{yymmdd}` (or `{yyyymmdd}`) and `{seq:N}`
/// (the sequence, zero-padded to N digits); the default is the Circular 01/2018 form
/// `{agency}-{yymmdd}-{seq:4}`.
pub fn format_code(format: &str, agency: &str, day: jiff::civil::Date, seq: i64) -> String {
    let yy = (day.year() % 100) as i64;
    let mut out = format
        .replace("{agency}", agency)
        .replace(
            "{yyyymmdd}",
            &format!("{:04}{:02}{:02}", day.year(), day.month(), day.day()),
        )
        .replace(
            "{yymmdd}",
            &format!("{yy:02}{:02}{:02}", day.month(), day.day()),
        );
    if let Some(i) = out.find("{seq:") {
        let end = out[i..].find('}').map(|e| i + e).unwrap_or(out.len() - 1);
        let width: usize = out[i + 5..end].parse().unwrap_or(4);
        out.replace_range(i..=end, &format!("{seq:0width$}"));
    }
    out
}

/// The default dossier code format.
pub const DEFAULT_CODE_FORMAT: &str = "{agency}-{yymmdd}-{seq:4}";

/// Whether a string looks like a dossier code (for the public look-up: a bound on input).
pub fn plausible_code(s: &str) -> bool {
    (8..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The components a dossier needs given the form's answers: required ones, and conditional
/// ones whose condition holds.
pub fn needed_components<'a>(
    components: &'a [Component],
    answers: &serde_json::Value,
) -> Vec<&'a Component> {
    components
        .iter()
        .filter(|c| {
            c.required
                || c.condition
                    .as_ref()
                    .is_some_and(|k| answers.get(&k.field) == Some(&k.equals))
        })
        .collect()
}

/// What a file is, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Heic,
    Webp,
    /// A detached CMS/PKCS#7 signature (`.p7s`), as digitally signed submissions carry.
    Cms,
}

impl FileKind {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Heic => "image/heic",
            Self::Webp => "image/webp",
            Self::Cms => "application/pkcs7-signature",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Heic => "heic",
            Self::Webp => "webp",
            Self::Cms => "p7s",
        }
    }
    pub fn as_str(self) -> &'static str {
        self.extension()
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pdf,
            Self::Jpeg,
            Self::Png,
            Self::Heic,
            Self::Webp,
            Self::Cms,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    /// Extensions a person's file name may carry for this kind (a mismatch is refused).
    fn accepts_extension(self, ext: &str) -> bool {
        match self {
            Self::Pdf => ext == "pdf",
            Self::Jpeg => matches!(ext, "jpg" | "jpeg" | "jpe"),
            Self::Png => ext == "png",
            Self::Heic => matches!(ext, "heic" | "heif"),
            Self::Webp => ext == "webp",
            Self::Cms => matches!(ext, "p7s" | "p7m" | "sig"),
        }
    }
}

/// Decides the kind of a file from its first bytes (at least 16 are needed).
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(FileKind::Png);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(FileKind::Webp);
    }
    if head.len() >= 12
        && &head[4..8] == b"ftyp"
        && matches!(
            &head[8..12],
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"heis" | b"hevc"
        )
    {
        return Some(FileKind::Heic);
    }
    // DER SEQUENCE with a long length, then the OID 1.2.840.113549.1.7.2 (signedData).
    const SIGNED_DATA: [u8; 11] = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    if head.first() == Some(&0x30)
        && head.len() >= 16
        && head[..head.len().min(16)]
            .windows(SIGNED_DATA.len())
            .any(|w| w == SIGNED_DATA)
    {
        return Some(FileKind::Cms);
    }
    None
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error(
        "Tệp «{0}» không phải PDF, ảnh JPEG, PNG, HEIC, WebP hoặc tệp chữ ký số. Hãy chụp hoặc quét lại giấy tờ dưới dạng ảnh hoặc PDF."
    )]
    Unsupported(String),
    #[error(
        "Tệp «{0}» có đuôi không khớp với nội dung (nội dung là {1}). Hãy đổi tên tệp hoặc chọn đúng tệp."
    )]
    Mismatch(String, &'static str),
}

/// Checks an upload's content against its name: the content decides the kind; a name whose
/// extension says otherwise is refused.
pub fn check_file(name: &str, head: &[u8]) -> Result<FileKind, FileProblem> {
    let clean = safe_file_name(name);
    let kind = sniff(head).ok_or_else(|| FileProblem::Unsupported(clean.clone()))?;
    let ext = clean
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !ext.is_empty() && !kind.accepts_extension(&ext) {
        return Err(FileProblem::Mismatch(clean, kind.media_type()));
    }
    Ok(kind)
}

/// A file name safe to store and to show: the last path segment, no control characters, no
/// quotes or separators, at most 120 characters; never empty.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(
                c,
                '"' | '\'' | ';' | ':' | '<' | '>' | '|' | '*' | '?' | '\\' | '/'
            ) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut out: String = trimmed.chars().take(120).collect();
    if out.is_empty() {
        out = "tep".into();
    }
    out
}

/// A `Content-Disposition: attachment` value (RFC 6266): an ASCII fallback and the UTF-8 name.
pub fn content_disposition(name: &str) -> String {
    let safe = safe_file_name(name);
    let ascii: String = crate::text::fold_vi(&safe)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in safe.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(*b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The declaration the person confirms before submitting (R13.2).
pub const DECLARATION: &str = "Tôi xin cam đoan những thông tin đã khai và các giấy tờ đã nộp là đúng sự thật; nếu sai, tôi xin chịu trách nhiệm trước pháp luật.";

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn statuses_are_the_national_codes() {
        assert_eq!(Status::Draft.code(), None);
        assert_eq!(Status::Submitted.code(), Some(1));
        assert_eq!(Status::SupplementRequested.code(), Some(5));
        assert_eq!(Status::Declined.code(), Some(8));
        assert_eq!(Status::Declined.label_vi(), "Dừng xử lý");
        assert_eq!(Status::Returned.code(), Some(10));
        assert_eq!(national_label(10), "Đã trả kết quả");
        let mut codes: Vec<u8> = Status::ALL.iter().filter_map(|s| s.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 9, "one status per code");
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }

    /// Stored names never change (the database and the national sync hold them); the labels
    /// are the Vietnamese terms the pages show and the national portal's.
    #[test]
    fn stored_names_and_labels() {
        let intakes = [Intake::InPerson, Intake::Online, Intake::Postal];
        assert_eq!(
            intakes.map(Intake::as_str),
            ["in_person", "online", "postal"]
        );
        assert_eq!(
            intakes.map(Intake::label_vi),
            ["Trực tiếp", "Trực tuyến", "Qua bưu chính"]
        );
        // `KenhThucHien` in the national sync.
        assert_eq!(intakes.map(Intake::code), [1, 2, 3]);
        for i in intakes {
            assert_eq!(Intake::parse(i.as_str()), Some(i));
            assert_eq!(
                serde_json::json!(i),
                i.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(Intake::parse("Online"), None);
        assert_eq!(Intake::parse(""), None);

        assert_eq!(
            Status::ALL.map(Status::as_str),
            [
                "draft",
                "submitted",
                "accepted",
                "refused",
                "in_process",
                "supplement_requested",
                "withdrawn",
                "declined",
                "resolved",
                "returned"
            ]
        );
        // National code 6 (financial obligation) has no status of its own.
        assert_eq!(
            Status::ALL.map(Status::code),
            [
                None,
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(7),
                Some(8),
                Some(9),
                Some(10)
            ]
        );
        assert_eq!(
            Status::ALL.map(Status::label_vi),
            [
                "Hồ sơ nháp",
                "Mới đăng ký",
                "Được tiếp nhận",
                "Không được tiếp nhận",
                "Đang xử lý",
                "Yêu cầu bổ sung giấy tờ",
                "Công dân yêu cầu rút hồ sơ",
                "Dừng xử lý",
                "Đã xử lý xong",
                "Đã trả kết quả"
            ]
        );
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::json!(s),
                s.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(Status::parse("Draft"), None);
        assert_eq!(Status::parse(""), None);
        assert_eq!(
            [0, 6, 11].map(national_label),
            ["", "Yêu cầu thực hiện nghĩa vụ tài chính", ""]
        );

        let kinds = [
            FileKind::Pdf,
            FileKind::Jpeg,
            FileKind::Png,
            FileKind::Heic,
            FileKind::Webp,
            FileKind::Cms,
        ];
        assert_eq!(
            kinds.map(FileKind::as_str),
            ["pdf", "jpg", "png", "heic", "webp", "p7s"]
        );
        assert_eq!(kinds.map(FileKind::extension), kinds.map(FileKind::as_str));
        assert_eq!(
            kinds.map(FileKind::media_type),
            [
                "application/pdf",
                "image/jpeg",
                "image/png",
                "image/heic",
                "image/webp",
                "application/pkcs7-signature"
            ]
        );
        for k in kinds {
            assert_eq!(FileKind::parse(k.as_str()), Some(k));
            assert!(k.accepts_extension(k.extension()), "{k:?}");
        }
        assert_eq!(FileKind::parse("PDF"), None);
        assert_eq!(FileKind::parse("jpeg"), None, "only the stored name");
        // The other extensions a person's file may carry, and a neighbour's refused.
        let accepted = |k: FileKind| {
            [
                "pdf", "jpg", "jpeg", "jpe", "png", "heic", "heif", "webp", "p7s", "p7m", "sig",
            ]
            .into_iter()
            .filter(|e| k.accepts_extension(e))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds.map(accepted),
            [
                vec!["pdf"],
                vec!["jpg", "jpeg", "jpe"],
                vec!["png"],
                vec!["heic", "heif"],
                vec!["webp"],
                vec!["p7s", "p7m", "sig"]
            ]
        );
    }

    #[test]
    fn codes_follow_the_configured_format() {
        assert_eq!(
            format_code(DEFAULT_CODE_FORMAT, "000.00.11.H53", date(2026, 3, 2), 7),
            "000.00.11.H53-260302-0007"
        );
        assert_eq!(
            format_code(
                "{agency}-{yyyymmdd}-{seq:7}",
                "G09.20",
                date(2026, 6, 9),
                92637
            ),
            "G09.20-20260609-0092637"
        );
        assert_eq!(
            format_code(DEFAULT_CODE_FORMAT, "X", date(2026, 3, 2), 12345),
            "X-260302-12345",
            "never truncated"
        );
        assert_eq!(
            format_code("{agency}-{seq:4", "X", date(2026, 3, 2), 7),
            "X-0007",
            "an unclosed placeholder still gives a code"
        );
        assert!(plausible_code("000.00.11.H53-260302-0007"));
        assert!(plausible_code("A.1-2_34") && plausible_code(&"A".repeat(64)));
        assert!(!plausible_code("A.1-2_3") && !plausible_code(&"A".repeat(65)));
        assert!(!plausible_code("a b") && !plausible_code("<script>"));
    }

    /// The national portal's names of its ten status codes (R6.1), written out.
    #[test]
    fn national_labels() {
        assert_eq!(
            (1..=10).map(national_label).collect::<Vec<_>>(),
            [
                "Mới đăng ký",
                "Được tiếp nhận",
                "Không được tiếp nhận",
                "Đang xử lý",
                "Yêu cầu bổ sung giấy tờ",
                "Yêu cầu thực hiện nghĩa vụ tài chính",
                "Công dân yêu cầu rút hồ sơ",
                "Dừng xử lý",
                "Đã xử lý xong",
                "Đã trả kết quả"
            ]
        );
    }

    /// Each signature needs all of its parts: near misses are nothing.
    #[test]
    fn near_misses_are_not_recognised() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(check_file("anh.png", &png), Ok(FileKind::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None, "RIFF but not WebP");
        assert_eq!(sniff(b"RIFX\x10\0\0\0WEBPVP8 "), None, "WebP but not RIFF");
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0mif1"), None, "an MP4");
        assert_eq!(
            sniff(b"\0\0\0\x18fxypheic\0\0\0\0mif1"),
            None,
            "no ftyp box"
        );
        let cms = [
            0x30, 0x82, 0x05, 0x10, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07,
            0x02, 0xA0,
        ];
        assert_eq!(sniff(&cms), Some(FileKind::Cms));
        let mut not_a_sequence = cms;
        not_a_sequence[0] = 0x31;
        assert_eq!(sniff(&not_a_sequence), None);
        let mut other_oid = cms;
        other_oid[14] = 0x01; // 1.2.840.113549.1.7.1, plain data
        assert_eq!(sniff(&other_oid), None);
        assert_eq!(sniff(&cms[..15]), None, "fewer than 16 bytes");
    }

    #[test]
    fn content_decides_the_kind() {
        assert_eq!(
            check_file("giay-to.pdf", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0"),
            Ok(FileKind::Pdf)
        );
        assert_eq!(
            check_file(
                "anh.JPG",
                &[
                    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1
                ]
            ),
            Ok(FileKind::Jpeg)
        );
        assert_eq!(
            check_file("IMG_0001.HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1"),
            Ok(FileKind::Heic)
        );
        assert_eq!(
            check_file("a.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
            Ok(FileKind::Webp)
        );
        assert_eq!(
            check_file(
                "khong-ten",
                &[
                    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D',
                    b'R'
                ]
            ),
            Ok(FileKind::Png)
        );
        let cms = [
            0x30, 0x82, 0x05, 0x10, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07,
            0x02, 0xA0,
        ];
        assert_eq!(check_file("to-khai.pdf.p7s", &cms), Ok(FileKind::Cms));
        assert!(matches!(
            check_file("trang.pdf", b"<html><script>alert(1)</script>"),
            Err(FileProblem::Unsupported(_))
        ));
        assert!(matches!(
            check_file("anh.png", b"%PDF-1.4 polyglot......"),
            Err(FileProblem::Mismatch(..))
        ));
        assert!(matches!(
            check_file("virus.exe", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0"),
            Err(FileProblem::Unsupported(_))
        ));
        assert!(matches!(
            check_file("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'>"),
            Err(FileProblem::Unsupported(_))
        ));
    }

    #[test]
    fn names_are_made_safe() {
        let evil = "../../x\"\r\nSet-Cookie: a=b.pdf";
        let safe = safe_file_name(evil);
        assert!(
            !safe.contains('/')
                && !safe.contains('"')
                && !safe.contains('\r')
                && !safe.contains('\n')
                && !safe.contains(':')
        );
        assert_eq!(safe, "x_Set-Cookie_ a=b.pdf");
        let cd = content_disposition(evil);
        assert!(!cd.contains('\r') && !cd.contains('\n'));
        assert!(
            cd.starts_with("attachment; filename=\"x_set-cookie__a_b.pdf\"; filename*=UTF-8''"),
            "{cd}"
        );
        assert_eq!(
            safe_file_name("C:\\Users\\An\\Giấy khai sinh.pdf"),
            "Giấy khai sinh.pdf"
        );
        assert!(
            content_disposition("Giấy khai sinh.pdf")
                .contains("filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf")
        );
        assert_eq!(safe_file_name("..."), "tep");
        assert_eq!(safe_file_name(&"ả".repeat(300)).chars().count(), 120);
    }

    #[test]
    fn conditional_components_follow_the_answers() {
        let comps: Vec<Component> = serde_json::from_value(serde_json::json!([
            {"id": "don", "name": "Đơn", "original": "original", "required": true},
            {"id": "uy-quyen", "name": "Ủy quyền", "original": "copy", "required": false, "condition": {"field": "nop_thay", "equals": true}},
            {"id": "khac", "name": "Khác", "original": "copy", "required": false}
        ]))
        .unwrap();
        let ids = |a: serde_json::Value| {
            needed_components(&comps, &a)
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(serde_json::json!({"nop_thay": false})), ["don"]);
        assert_eq!(
            ids(serde_json::json!({"nop_thay": true})),
            ["don", "uy-quyen"]
        );
    }
}
