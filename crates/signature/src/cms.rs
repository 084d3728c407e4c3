//! The parts of a CMS SignedData (RFC 5652) a report needs: the certificates it carries, and
//! for each signer its identifier, digest algorithm and signed attributes. OpenSSL checks the
//! cryptography; this only reads, so that the report names who signed and when.
use crate::der::{self, Tlv};

pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

/// A SignedData read from its DER.
#[derive(Debug, Default)]
pub struct SignedData<'a> {
    /// Each certificate's DER.
    pub certificates: Vec<&'a [u8]>,
    /// The encapsulated content, when the signature carries it (an attached `.p7s`).
    pub content: Option<&'a [u8]>,
    pub signers: Vec<SignerInfo<'a>>,
}

#[derive(Debug, Default)]
pub struct SignerInfo<'a> {
    /// `IssuerAndSerialNumber`: the issuer name's DER and the serial's content octets.
    pub issuer: Option<&'a [u8]>,
    pub serial: Option<&'a [u8]>,
    /// `SubjectKeyIdentifier`, the other way to name the certificate.
    pub key_id: Option<&'a [u8]>,
    pub digest_oid: String,
    pub signing_time: Option<jiff::Timestamp>,
    pub message_digest: Option<&'a [u8]>,
}

/// Reads a ContentInfo holding SignedData; `None` when it is anything else or malformed.
pub fn parse(input: &[u8]) -> Option<SignedData<'_>> {
    let (ci, _) = der::read(input)?;
    let mut ci = expect(ci, der::SEQUENCE)?;
    let oid = ci.next().filter(|t| t.tag == der::OID)?;
    if der::oid_text(oid.content)? != SIGNED_DATA {
        return None;
    }
    let explicit = ci.next().filter(|t| t.tag == 0xA0)?;
    let (sd, _) = der::read(explicit.content)?;
    let mut parts = expect(sd, der::SEQUENCE)?;
    let _version = parts.next().filter(|t| t.tag == der::INTEGER)?;
    let _digests = parts.next().filter(|t| t.tag == der::SET)?;
    let encap = parts.next().filter(|t| t.tag == der::SEQUENCE)?;
    let mut out = SignedData {
        content: encapsulated(encap),
        ..Default::default()
    };
    for t in parts {
        match t.tag {
            // certificates [0] IMPLICIT: only plain certificates (SEQUENCE) are kept.
            0xA0 => out.certificates.extend(
                der::children(t.content)
                    .filter(|c| c.tag == der::SEQUENCE)
                    .map(|c| c.raw),
            ),
            0xA1 => {}
            der::SET => {
                for si in der::children(t.content) {
                    out.signers.push(signer_info(si)?);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn expect(t: Tlv<'_>, tag: u8) -> Option<der::Children<'_>> {
    (t.tag == tag).then(|| der::children(t.content))
}

fn encapsulated<'a>(encap: Tlv<'a>) -> Option<&'a [u8]> {
    let mut e = der::children(encap.content);
    let _type = e.next()?;
    let explicit = e.next().filter(|t| t.tag == 0xA0)?;
    let (octets, _) = der::read(explicit.content)?;
    (octets.tag == der::OCTET_STRING).then_some(octets.content)
}

fn signer_info(si: Tlv<'_>) -> Option<SignerInfo<'_>> {
    let mut p = expect(si, der::SEQUENCE)?;
    let _version = p.next().filter(|t| t.tag == der::INTEGER)?;
    let sid = p.next()?;
    let mut info = SignerInfo::default();
    match sid.tag {
        der::SEQUENCE => {
            let mut s = der::children(sid.content);
            info.issuer = Some(s.next().filter(|t| t.tag == der::SEQUENCE)?.raw);
            info.serial = Some(s.next().filter(|t| t.tag == der::INTEGER)?.content);
        }
        0x80 => info.key_id = Some(sid.content),
        _ => return None,
    }
    let alg = p.next().filter(|t| t.tag == der::SEQUENCE)?;
    let oid = der::children(alg.content)
        .next()
        .filter(|t| t.tag == der::OID)?;
    info.digest_oid = der::oid_text(oid.content)?;
    if let Some(attrs) = p.next().filter(|t| t.tag == 0xA0) {
        for attr in der::children(attrs.content) {
            let mut a = expect(attr, der::SEQUENCE)?;
            let oid = der::oid_text(a.next()?.content)?;
            let value = a.next().and_then(|set| der::children(set.content).next());
            match (oid.as_str(), value) {
                (SIGNING_TIME, Some(v)) => info.signing_time = der::time(&v),
                (MESSAGE_DIGEST, Some(v)) if v.tag == der::OCTET_STRING => {
                    info.message_digest = Some(v.content)
                }
                _ => {}
            }
        }
    }
    Some(info)
}
