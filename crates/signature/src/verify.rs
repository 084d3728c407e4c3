//! Verifying what people sign (R3.5, R4.6): each signature of a PDF or a CMS file, checked for
//! integrity, a chain to an installed anchor, validity at the signing time, key usage and
//! revocation, and reported with the signer's identity. Nothing here panics on bad input: a
//! file that cannot be read is a signature reported `invalid` with why.
use std::cmp::Ordering;

use jiff::Timestamp;
use motcua_domain::clock;
use motcua_domain::signature::{Signature, Status};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::{MessageDigest, hash};
use openssl::nid::Nid;
use openssl::stack::Stack;
use openssl::x509::{CrlStatus, X509, X509KeyUsage, X509NameRef, X509Ref, X509StoreContext};

use crate::cms::{self, SignedData};
use crate::pdf;
use crate::trust::Anchors;

/// Every signature of a PDF, earliest revision first; empty when it has none. A signature
/// covers its own revision; a later revision is vouched for by the signature that covers it.
/// Bytes no sound signature covers (something added after the last one) make every signature
/// `invalid`: the document as it stands is not what anybody signed (R4.3).
pub fn verify_pdf(file: &[u8], anchors: &Anchors, now: Timestamp) -> Vec<Signature> {
    let found = pdf::signatures(file);
    let mut out: Vec<Signature> = found
        .iter()
        .map(|s| match s {
            Err(m) => Signature::invalid(m.to_string()),
            Ok(s) => one_pdf_signature(file, s, anchors, now),
        })
        .collect();
    let end_covered = out.iter().zip(found.iter()).any(|(r, s)| {
        r.status != Status::Invalid && s.as_ref().is_ok_and(|s| s.reaches_end(file.len()))
    });
    if !end_covered {
        for r in out.iter_mut().filter(|r| r.status != Status::Invalid) {
            r.status = Status::Invalid;
            r.reason = Some("Tài liệu đã bị thêm nội dung sau khi ký.".into());
        }
    }
    out
}

fn one_pdf_signature(
    file: &[u8],
    s: &pdf::PdfSignature,
    anchors: &Anchors,
    now: Timestamp,
) -> Signature {
    let claimed = s.m.as_deref().and_then(pdf::date);
    let mut r = match s.sub_filter.as_deref() {
        Some("adbe.pkcs7.detached" | "ETSI.CAdES.detached") | None => check(
            &s.cms,
            Content::Detached(&s.signed_bytes(file)),
            claimed,
            anchors,
            now,
        ),
        Some("adbe.pkcs7.sha1") => {
            let digest = hash(MessageDigest::sha1(), &s.signed_bytes(file)).map(|d| d.to_vec());
            check(
                &s.cms,
                Content::Digest(digest.unwrap_or_default()),
                claimed,
                anchors,
                now,
            )
        }
        Some(other) => Signature::invalid(format!("Định dạng chữ ký {other} chưa được hỗ trợ.")),
    };
    if r.status == Status::Valid && !s.reaches_end(file.len()) && r.reason.is_none() {
        r.reason = Some("Tài liệu có bản sửa đổi sau chữ ký này.".into());
    }
    r
}

/// What a signature's digest must match.
pub enum Content<'a> {
    /// The signature carries the content (an attached `.p7s`).
    Attached,
    /// The signed bytes, outside the signature (a detached `.p7s`, a PDF's byte range).
    Detached(&'a [u8]),
    /// The signature carries a digest of the signed bytes (`adbe.pkcs7.sha1`).
    Digest(Vec<u8>),
}

/// The name of a digest algorithm by its OID, for OpenSSL.
fn digest(oid: &str) -> Option<openssl::hash::MessageDigest> {
    use openssl::hash::MessageDigest as M;
    Some(match oid {
        "1.3.14.3.2.26" => M::sha1(),
        "2.16.840.1.101.3.4.2.1" => M::sha256(),
        "2.16.840.1.101.3.4.2.2" => M::sha384(),
        "2.16.840.1.101.3.4.2.3" => M::sha512(),
        _ => return None,
    })
}

/// A CMS SignedData in DER or BER, as SignedData parts (BER re-encoded by OpenSSL first).
fn read_cms(der: &[u8]) -> Option<(Vec<u8>, CmsContentInfo)> {
    let info = CmsContentInfo::from_der(der).ok()?;
    let canonical = if cms::parse(der).is_some() {
        der.to_vec()
    } else {
        info.to_der().ok()?
    };
    Some((canonical, info))
}

/// Whether a CMS file carries its content (else it is detached and signs another file).
pub fn is_attached(der: &[u8]) -> bool {
    read_cms(der).is_some_and(|(d, _)| cms::parse(&d).is_some_and(|p| p.content.is_some()))
}

/// The digest a detached signature's first signer signed, with its algorithm, to find the
/// file it signs.
pub fn signed_digest(der: &[u8]) -> Option<(MessageDigest, Vec<u8>)> {
    let (d, _) = read_cms(der)?;
    let p = cms::parse(&d)?;
    let s = p.signers.first()?;
    Some((digest(&s.digest_oid)?, s.message_digest?.to_vec()))
}

/// One CMS signature checked over its content.
pub fn check(
    der: &[u8],
    content: Content,
    claimed: Option<Timestamp>,
    anchors: &Anchors,
    now: Timestamp,
) -> Signature {
    let Some((canonical, mut info)) = read_cms(der) else {
        return Signature::invalid("Không đọc được chữ ký số (CMS/PKCS#7 hỏng hoặc bị cắt).");
    };
    let Some(parsed) = cms::parse(&canonical) else {
        return Signature::invalid("Không đọc được chữ ký số (CMS/PKCS#7 hỏng hoặc bị cắt).");
    };
    let flags = CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY;
    let sound = match &content {
        Content::Detached(bytes) => info.verify(None, None, Some(bytes), None, flags).is_ok(),
        Content::Attached => info.verify(None, None, None, None, flags).is_ok(),
        Content::Digest(d) => {
            let mut out = Vec::new();
            info.verify(None, None, None, Some(&mut out), flags).is_ok() && &out == d
        }
    };
    let mut r = identify(&parsed, claimed);
    if !sound {
        r.status = Status::Invalid;
        r.reason = Some(
            "Nội dung không khớp với chữ ký: tệp đã bị sửa sau khi ký, hoặc chữ ký hỏng.".into(),
        );
        return r;
    }
    let Some(signer) = signer_certificate(&parsed) else {
        r.status = Status::Invalid;
        r.reason = Some("Chữ ký không kèm chứng thư số của người ký.".into());
        return r;
    };
    let at = r.signed_at.unwrap_or(now);
    if at
        > now
            .saturating_add(jiff::SignedDuration::from_mins(5))
            .unwrap_or(now)
    {
        r.status = Status::Invalid;
        r.reason = Some("Thời điểm ký ghi trong chữ ký ở tương lai.".into());
        return r;
    }
    let (status, reason) = trust(&signer, &parsed, anchors, at);
    r.status = status;
    r.reason = reason;
    r
}

/// The signer's name, identifiers and claimed time, whatever the verdict.
fn identify(p: &SignedData, claimed: Option<Timestamp>) -> Signature {
    let mut r = Signature::invalid("");
    r.signed_at = p.signers.first().and_then(|s| s.signing_time).or(claimed);
    if let Some(cert) = signer_certificate(p) {
        let name = cert.subject_name();
        r.signer = entry(name, Nid::COMMONNAME);
        r.organisation = entry(name, Nid::ORGANIZATIONNAME);
        r.signer_id = entry(name, Nid::USERID).or_else(|| entry(name, Nid::SERIALNUMBER));
        r.certificate = cert.digest(MessageDigest::sha256()).ok().map(hex::encode);
    }
    r
}

fn entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    let values: Vec<String> = name
        .entries_by_nid(nid)
        .filter_map(|e| e.data().to_string().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The certificate the first signer names, among those the signature carries.
pub fn signer_certificate(p: &SignedData) -> Option<X509> {
    let s = p.signers.first()?;
    p.certificates
        .iter()
        .filter_map(|d| X509::from_der(d).ok())
        .find(|c| {
            if let Some(id) = s.key_id {
                return c.subject_key_id().is_some_and(|k| k.as_slice() == id);
            }
            let issuer = c.issuer_name().to_der().ok();
            let serial = c.serial_number().to_bn().ok().map(|b| b.to_vec());
            let want = s.serial.map(|v| {
                let skip = v.iter().take_while(|b| **b == 0).count();
                v[skip..].to_vec()
            });
            issuer.as_deref() == s.issuer && serial.is_some() && serial == want
        })
}

/// The chain to an anchor, each certificate valid at `at`, the signer's key allowed to sign,
/// and none revoked by a CRL its issuer signed.
fn trust(
    signer: &X509,
    p: &SignedData,
    anchors: &Anchors,
    at: Timestamp,
) -> (Status, Option<String>) {
    if let Some(ku) = signer.key_usage()
        && !ku.intersects(X509KeyUsage::DIGITAL_SIGNATURE | X509KeyUsage::NON_REPUDIATION)
    {
        return (
            Status::Invalid,
            Some("Chứng thư số không được phép dùng để ký.".into()),
        );
    }
    let Ok(mut untrusted) = Stack::new() else {
        return (
            Status::Invalid,
            Some("Không kiểm tra được chuỗi chứng thư.".into()),
        );
    };
    for c in p.certificates.iter().filter_map(|d| X509::from_der(d).ok()) {
        let _ = untrusted.push(c);
    }
    let Ok(mut ctx) = X509StoreContext::new() else {
        return (
            Status::Invalid,
            Some("Không kiểm tra được chuỗi chứng thư.".into()),
        );
    };
    let verdict = ctx.init(&anchors.store, signer, &untrusted, |ctx| {
        if !ctx.verify_cert()? {
            let e = ctx.error();
            // 7: a certificate's own signature is wrong, a forgery rather than a stranger.
            let status = if e.as_raw() == 7 {
                Status::Invalid
            } else {
                Status::Untrusted
            };
            let why = format!(
                "Chứng thư không dẫn tới tổ chức chứng thực được tin cậy ({}).",
                e.error_string()
            );
            return Ok((status, Some(why)));
        }
        let chain: Vec<X509> = ctx
            .chain()
            .map(|c| c.iter().map(|x| x.to_owned()).collect())
            .unwrap_or_default();
        Ok(chain_verdict(&chain, anchors, at))
    });
    verdict.unwrap_or_else(|_| {
        (
            Status::Invalid,
            Some("Không kiểm tra được chuỗi chứng thư.".into()),
        )
    })
}

fn chain_verdict(chain: &[X509], anchors: &Anchors, at: Timestamp) -> (Status, Option<String>) {
    let Ok(t) = Asn1Time::from_unix(at.as_second()) else {
        return (Status::Invalid, Some("Thời điểm ký không hợp lệ.".into()));
    };
    for c in chain {
        let before = c
            .not_before()
            .compare(&t)
            .map(|o| o == Ordering::Greater)
            .unwrap_or(true);
        let after = c
            .not_after()
            .compare(&t)
            .map(|o| o == Ordering::Less)
            .unwrap_or(true);
        if before || after {
            let who = entry(c.subject_name(), Nid::COMMONNAME).unwrap_or_default();
            return (
                Status::Expired,
                Some(format!(
                    "Chứng thư «{who}» không còn hiệu lực khi ký (hiệu lực {} – {}).",
                    vn_date(c.not_before()),
                    vn_date(c.not_after())
                )),
            );
        }
    }
    let mut unchecked = false;
    for pair in chain.windows(2) {
        match revoked(&pair[0], &pair[1], anchors) {
            Some(Some(when)) => {
                let who = entry(pair[0].subject_name(), Nid::COMMONNAME).unwrap_or_default();
                return (
                    Status::Revoked,
                    Some(format!("Chứng thư «{who}» đã bị thu hồi ngày {when}.")),
                );
            }
            Some(None) => {}
            None => unchecked |= pair[0].as_ref() == chain[0].as_ref(),
        }
    }
    let note = unchecked.then(|| {
        "Chưa kiểm tra được việc thu hồi: chưa có danh sách thu hồi (CRL) của nơi cấp chứng thư.".to_string()
    });
    (Status::Valid, note)
}

/// `Some(Some(date))` when a CRL signed by `issuer` lists `cert`, `Some(None)` when one does
/// not, `None` when no CRL of that issuer is installed.
fn revoked(cert: &X509Ref, issuer: &X509Ref, anchors: &Anchors) -> Option<Option<String>> {
    let key = issuer.public_key().ok()?;
    let name = cert.issuer_name().to_der().ok()?;
    let mut found = false;
    for crl in &anchors.crls {
        if crl.issuer_name().to_der().ok().as_deref() != Some(&name[..])
            || !crl.verify(&key).unwrap_or(false)
        {
            continue;
        }
        found = true;
        if let CrlStatus::Revoked(e) = crl.get_by_cert(&cert.to_owned()) {
            return Some(Some(vn_date(e.revocation_date())));
        }
    }
    found.then_some(None)
}

/// An ASN.1 time as dd/mm/yyyy (UTC+7).
fn vn_date(t: &Asn1TimeRef) -> String {
    let Ok(epoch) = Asn1Time::from_unix(0) else {
        return String::new();
    };
    let Ok(d) = epoch.diff(t) else {
        return String::new();
    };
    let secs = d.days as i64 * 86_400 + d.secs as i64;
    Timestamp::from_second(secs)
        .map(|ts| clock::format_vn_date(clock::vn_date(ts)))
        .unwrap_or_default()
}
