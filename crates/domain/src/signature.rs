//! Digital signatures (R3.5, R4.6, R7.2a): what a verification found of each signature in a
//! file, when a level-4 component counts as signed, the papers a person sends by post instead,
//! and the number of an electronic result (`<dossier code>-KQ<n>`, Decree 45/2020 Art. 14).
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The verdict on one signature. Only `valid` counts for level 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The file is unchanged since signing and the certificate chains to a trust anchor, was
    /// valid when signing, may sign, and is not revoked.
    Valid,
    /// The file or the signature does not hold together: altered, truncated, malformed.
    Invalid,
    /// Sound, but the certificate does not lead to an installed trust anchor.
    Untrusted,
    /// Sound, but a certificate of the chain was outside its validity when signing.
    Expired,
    /// Sound, but a certificate of the chain is on its issuer's revocation list.
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Untrusted => "untrusted",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Valid => "Chữ ký hợp lệ",
            Self::Invalid => "Chữ ký không hợp lệ",
            Self::Untrusted => "Chứng thư không được tin cậy",
            Self::Expired => "Chứng thư hết hạn khi ký",
            Self::Revoked => "Chứng thư đã bị thu hồi",
        }
    }
}

/// What a verification found of one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub status: Status,
    /// The signer's name (the certificate's common name).
    pub signer: Option<String>,
    /// The signer's identifiers in the certificate (the UID or serial number attributes
    /// Vietnamese CAs fill with "CCCD:…", "MST:…").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_id: Option<String>,
    /// The organisation named in the certificate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// When the signer says they signed (the signing-time attribute or the PDF's /M): a
    /// claim, as no timestamp authority vouches for it.
    pub signed_at: Option<Timestamp>,
    /// Why the status is not `valid`, or what else a reader should know; `None` when valid
    /// with nothing to add.
    pub reason: Option<String>,
    /// The SHA-256 fingerprint of the signer's certificate, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// For a detached signature (`.p7s`): the file of the dossier it signs, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signs: Option<Uuid>,
}

impl Signature {
    /// When the signer says they signed, as people read it (UTC+7).
    pub fn signed_at_vn(&self) -> Option<String> {
        self.signed_at.map(crate::clock::format_vn_datetime)
    }

    /// A signature that could not be read or checked at all, with why.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Invalid,
            signer: None,
            signer_id: None,
            organisation: None,
            signed_at: None,
            reason: Some(reason.into()),
            certificate: None,
            signs: None,
        }
    }
}

/// Whether a file's signatures make it signed: at least one, and every one valid (a file
/// with one bad signature among good ones is not vouched for as a whole).
pub fn well_signed(signatures: &[Signature]) -> bool {
    !signatures.is_empty() && signatures.iter().all(|s| s.status == Status::Valid)
}

/// A dossier file as the level-4 rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct SignedFile<'a> {
    pub id: Uuid,
    pub component: &'a str,
    /// A detached signature file (`.p7s`), which signs another file rather than itself.
    pub detached: bool,
    pub signatures: &'a [Signature],
}

/// The components among `must_sign` that a level-4 dossier sends without a valid digital
/// signature (R7.2a): a component is signed when it has files and each of them is well signed
/// itself (a signed PDF, a `.p7s` with the content inside) or by a valid detached signature
/// beside it in the dossier. A component without files is the completeness check's matter.
pub fn unsigned_components(must_sign: &[&str], files: &[SignedFile]) -> Vec<String> {
    let signed_by_other = |id: Uuid| {
        files.iter().any(|f| {
            f.detached
                && well_signed(f.signatures)
                && f.signatures.iter().all(|s| s.signs == Some(id))
        })
    };
    must_sign
        .iter()
        .filter(|c| {
            let mine: Vec<_> = files.iter().filter(|f| f.component == **c).collect();
            !mine.is_empty()
                && !mine.iter().all(|f| {
                    if f.detached {
                        // A detached signature counts with the file it signs beside it (a
                        // signature left behind when its file was removed signs nothing).
                        well_signed(f.signatures)
                            && f.signatures
                                .iter()
                                .all(|s| s.signs.is_some_and(|id| files.iter().any(|g| g.id == id)))
                    } else {
                        well_signed(f.signatures) || signed_by_other(f.id)
                    }
                })
        })
        .map(|c| c.to_string())
        .collect()
}

/// The paper copies of a level-4 dossier sent by post because it is not digitally signed
/// (R7.2a): awaited from submission until reception records their arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Papers {
    Awaited,
    Received,
}

impl Papers {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Awaited => "awaited",
            Self::Received => "received",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Awaited => "cơ quan đang chờ nhận",
            Self::Received => "cơ quan đã nhận",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Awaited, Self::Received]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// Whether reception must wait before accepting: the papers are what the dossier is
    /// judged on when its files are unsigned.
    pub fn holds_acceptance(papers: Option<Self>) -> bool {
        papers == Some(Self::Awaited)
    }
}

/// The number of an agency's electronic result: the dossier code, `-KQ`, and its rank among
/// the dossier's results (Decree 45/2020 Art. 14 cl. 3).
pub fn result_number(dossier_code: &str, rank: u32) -> String {
    format!("{dossier_code}-KQ{rank}")
}

/// The dossier code and rank of a result number, if it is one.
pub fn parse_result_number(number: &str) -> Option<(&str, u32)> {
    let (code, rank) = number.rsplit_once("-KQ")?;
    let rank: u32 = rank.parse().ok().filter(|r| *r > 0)?;
    (!code.is_empty() && rank.to_string().len() == number.len() - code.len() - 3)
        .then_some((code, rank))
}

#[cfg(test)]
mod tests;
