//! The national public service portal (DVCQG; R6.1, R9.2, R10.2; domain.md §2.6–2.7): since
//! 27/06/2025 the citizen's single window, with motcua as the province's back office. Dossiers
//! submitted there arrive here; every change of a dossier's national status goes back, in
//! order, each message numbered per dossier so that the portal can drop a repeat.
//!
//! Field names are the national sync's (`MaHoSo`, `TrangThai`, `ThanhPhanHoSo`, …). The status
//! history is one rule, [`status_change`], applied both to what is sent and to what the history
//! of a dossier shows, so the portal's history and motcua's cannot disagree.
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::vn_offset;
use crate::dossier::national_label;
use crate::event::Event;
use crate::lifecycle::Stage;

/// The national status a step moves a dossier to, when it changes it (`None`: the same code as
/// before, as for an assignment inside the department, or none, as for a draft).
pub fn status_change(from: Option<Stage>, to: Stage) -> Option<u8> {
    let before = from.and_then(|s| s.status().code());
    let after = to.status().code()?;
    (before != Some(after)).then_some(after)
}

/// A dossier's national status history, from its events (oldest first).
pub fn history(events: &[Event]) -> Vec<(u8, Timestamp)> {
    events
        .iter()
        .filter_map(|e| status_change(e.from_stage, e.to_stage).map(|c| (c, e.at)))
        .collect()
}

/// The time as the national sync writes it (ISO 8601 with Vietnam's offset).
pub fn time(t: Timestamp) -> String {
    format!(
        "{}+07:00",
        vn_offset().to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S")
    )
}

/// The kinds of update, in `LoaiCapNhat`.
pub const STATUS: &str = "TrangThai";
pub const PAYMENT: &str = "ThanhToan";

/// A status update for the portal (`CapNhatTrangThai`): the dossier's code, its number in the
/// dossier's sequence, the status, when, and what was done.
pub fn status_update(code: &str, seq: i64, status: u8, at: Timestamp, note: &str) -> Value {
    json!({
        "MaHoSo": code,
        "SoThuTu": seq,
        "LoaiCapNhat": STATUS,
        "TrangThai": status,
        "TenTrangThai": national_label(status),
        "ThoiDiemXuLy": time(at),
        "NoiDungXuLy": note,
    })
}

/// The signed result a status update carries when the dossier is resolved: its number in the
/// register, its hash, and where anyone can check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRef<'a> {
    pub number: &'a str,
    pub sha256: &'a str,
    pub url: String,
}

/// Adds the result to a status update (`MaKetQua`, `DuongDanTepTinKetQua`).
pub fn with_result(mut update: Value, r: &ResultRef<'_>) -> Value {
    update["MaKetQua"] = r.number.into();
    update["HashTepTinKetQua"] = r.sha256.into();
    update["DuongDanTepTinKetQua"] = r.url.clone().into();
    update
}

/// A payment for the portal: what was paid, how, its reference, when. `online` marks a payment
/// through the province's gateway (`DuocThanhToanTrucTuyen` = 2).
pub fn payment_update(
    code: &str,
    amount: i64,
    method: &str,
    reference: Option<&str>,
    online: bool,
    at: Timestamp,
) -> Value {
    let mut v = json!({
        "MaHoSo": code,
        "SoThuTu": 0,
        "LoaiCapNhat": PAYMENT,
        "DanhSachPhiLePhi": [{"Gia": amount}],
        "DaThanhToan": true,
        "HinhThucThanhToan": method,
        "MaGiaoDich": reference,
        "ThoiDiemThanhToan": time(at),
    });
    if online {
        v["DuocThanhToanTrucTuyen"] = 2.into();
    }
    v
}

/// The portal's word that the person received the electronic result there.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResultReceived {
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// The result the person received (the register number motcua sent).
    #[serde(rename = "MaKetQua")]
    pub result: String,
    #[serde(rename = "ThoiDiemNhan")]
    pub received_at: String,
}

/// A payment made on the portal, as it arrives.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PaidOnPortal {
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// In đồng.
    #[serde(rename = "SoTien")]
    pub amount: i64,
    /// The portal's transaction reference (a repeat with the same one changes nothing).
    #[serde(rename = "MaGiaoDich")]
    pub reference: String,
    #[serde(rename = "ThoiDiemThanhToan")]
    pub paid_at: String,
}

/// How long a failed delivery waits before the next try: 30 s doubling, at most an hour (the
/// portal may be down for a while; nothing is given up, the page shows what waits).
pub fn backoff(attempts: i32) -> SignedDuration {
    let secs = 30i64 << attempts.clamp(0, 7);
    SignedDuration::from_secs(secs.min(3600))
}

/// A paper attached on the portal: where to fetch it and the hash it must have.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Paper {
    #[serde(rename = "IdGiayTo")]
    pub id: String,
    #[serde(rename = "TenGiayTo")]
    pub name: String,
    /// SHA-256 of the file, hex.
    #[serde(rename = "HashTepTin")]
    pub sha256: String,
    #[serde(rename = "DuongDanTepTin")]
    pub url: String,
}

/// A component of the dossier and its papers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Component {
    #[serde(rename = "MaThanhPhanHoSo")]
    pub id: String,
    #[serde(rename = "TenThanhPhanHoSo", default)]
    pub name: String,
    #[serde(rename = "GiayToDinhKem", default)]
    pub papers: Vec<Paper>,
}

/// Who submitted it (`ThongTinNguoiNop`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Submitter {
    #[serde(rename = "HoVaTen")]
    pub name: String,
    #[serde(rename = "SoDinhDanh")]
    pub id_number: String,
    #[serde(rename = "SoDienThoai")]
    pub phone: String,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
}

/// A dossier submitted on the portal, as it arrives.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Incoming {
    /// The portal's dossier code, kept as the dossier's code here.
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// The procedure's national code.
    #[serde(rename = "MaTTHC")]
    pub procedure: String,
    /// The receiving agency's code.
    #[serde(rename = "MaDonViTiepNhan")]
    pub agency: String,
    #[serde(rename = "NgayNop")]
    pub submitted_at: String,
    #[serde(rename = "ThongTinNguoiNop")]
    pub submitter: Submitter,
    /// The declaration's answers, keyed as the service's form.
    #[serde(rename = "DuLieuToKhai")]
    pub form: Value,
    #[serde(rename = "ThanhPhanHoSo")]
    pub components: Vec<Component>,
}

/// The most papers one dossier brings (a bound on what one request makes the server fetch).
pub const MAX_PAPERS: usize = 50;

impl Incoming {
    /// The shape checks that need no data: a code of the national alphabet, a bounded number
    /// of papers, each with a SHA-256 hash.
    pub fn check(&self) -> Result<(), String> {
        let ok_code = !self.code.is_empty()
            && self.code.len() <= 60
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !ok_code {
            return Err(format!("MaHoSo «{}» không hợp lệ", self.code));
        }
        let papers: Vec<&Paper> = self.components.iter().flat_map(|c| &c.papers).collect();
        if papers.len() > MAX_PAPERS {
            return Err(format!("quá {MAX_PAPERS} giấy tờ đính kèm"));
        }
        for p in papers {
            let hex = p.sha256.len() == 64 && p.sha256.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                return Err(format!("HashTepTin của «{}» không phải SHA-256", p.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Act;

    fn ev(from: Option<Stage>, to: Stage, at: i64) -> Event {
        Event {
            dossier_id: uuid::Uuid::nil(),
            at: Timestamp::from_second(at).unwrap(),
            actor_id: None,
            act: Act::Submit,
            from_stage: from,
            to_stage: to,
            comment: None,
            unit_id: None,
            to_unit_id: None,
            step: None,
            due_at: None,
            data: crate::event::EventData::None,
            public: true,
        }
    }

    /// A hand count: submitted, accepted, forwarded (4), assigned and proposed (still 4),
    /// approved (9), returned (10).
    #[test]
    fn the_history_keeps_only_changes_of_the_national_code() {
        use Stage::*;
        let events = [
            ev(Some(Draft), Submitted, 1),
            ev(Some(Submitted), Accepted, 2),
            ev(Some(Accepted), AwaitingAssignment, 3),
            ev(Some(AwaitingAssignment), Examining, 4),
            ev(Some(Examining), ProposedResolve, 5),
            ev(Some(ProposedResolve), Resolved, 6),
            ev(Some(Resolved), Returned, 7),
        ];
        let h: Vec<(u8, i64)> = history(&events)
            .into_iter()
            .map(|(c, t)| (c, t.as_second()))
            .collect();
        assert_eq!(h, [(1, 1), (2, 2), (4, 3), (9, 6), (10, 7)]);
        assert_eq!(status_change(None, Draft), None);
    }

    #[test]
    fn updates_carry_the_national_names() {
        let u = status_update(
            "H53.26-0001",
            3,
            4,
            Timestamp::from_second(1_772_416_800).unwrap(),
            "Chuyển xử lý",
        );
        assert_eq!(u["TrangThai"], 4);
        assert_eq!(u["TenTrangThai"], "Đang xử lý");
        assert_eq!(u["ThoiDiemXuLy"], "2026-03-02T09:00:00+07:00");
        assert_eq!(u["SoThuTu"], 3);
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(0).as_secs(), 30);
        assert_eq!(backoff(3).as_secs(), 240);
        assert_eq!(backoff(20).as_secs(), 3600);
    }

    #[test]
    fn incoming_shape_is_checked() {
        let mut d: Incoming = serde_json::from_value(json!({
            "MaHoSo": "G22.99-260302-0001", "MaTTHC": "1.009999", "MaDonViTiepNhan": "000.01.01.H53",
            "NgayNop": "2026-03-02T09:00:00+07:00",
            "ThongTinNguoiNop": {"HoVaTen": "A", "SoDinhDanh": "051095001234", "SoDienThoai": "0912345678"},
            "DuLieuToKhai": {}, "ThanhPhanHoSo": [{"MaThanhPhanHoSo": "don", "GiayToDinhKem": [
                {"IdGiayTo": "1", "TenGiayTo": "don.pdf", "HashTepTin": "ab".repeat(32), "DuongDanTepTin": "http://x/1"}]}]
        }))
        .unwrap();
        assert!(d.check().is_ok());
        d.components[0].papers[0].sha256 = "abc".into();
        assert!(d.check().unwrap_err().contains("SHA-256"));
        d.code = "../x".into();
        assert!(d.check().unwrap_err().contains("MaHoSo"));
    }
}
