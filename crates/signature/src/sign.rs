//! Signing what agencies issue (R8.2b; Decree 45/2020 Art. 14 cl. 3): the result PDF the
//! specialist prepared gets a visible stamp (its number `<dossier code>-KQ<n>` and a QR code to
//! the authenticity page) and a PAdES baseline B-B signature (ETSI EN 319 142-1): a detached
//! CMS in the signature dictionary, whose signed attributes are the content type, the message
//! digest and the signing certificate (ESS v2), and no signing-time attribute (the dictionary's
//! /M says when).
use jiff::Timestamp;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use openssl::hash::{MessageDigest, hash};
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;

use crate::derw::{algorithm, oid, seq, set_of, tlv};

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("Văn bản kết quả không phải tệp PDF đọc được: {0}")]
    Pdf(String),
    #[error("Văn bản kết quả là PDF có mật khẩu; hãy tải lên bản không mã hóa.")]
    Encrypted,
    #[error("Khóa ký số của cơ quan không dùng được: {0}")]
    Key(String),
}

/// Whoever holds an agency's signing key: a PKCS#12 file here, or a signing service (an HSM,
/// the government CA's remote signing) behind the same two calls.
pub trait ResultSigner: Send + Sync {
    /// The signing certificate first, then the chain above it.
    fn chain(&self) -> &[X509];
    /// The signature value over `data` (the DER of the signed attributes), with SHA-256.
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// An agency's key and certificate from a PKCS#12 file.
pub struct Pkcs12Key {
    key: PKey<Private>,
    chain: Vec<X509>,
}

impl Pkcs12Key {
    pub fn from_der(der: &[u8], password: &str) -> Result<Self, SignError> {
        let p = Pkcs12::from_der(der)
            .and_then(|p| p.parse2(password))
            .map_err(|e| SignError::Key(e.to_string()))?;
        let (Some(key), Some(cert)) = (p.pkey, p.cert) else {
            return Err(SignError::Key(
                "tệp PKCS#12 thiếu khóa hoặc chứng thư".into(),
            ));
        };
        let mut chain = vec![cert];
        chain.extend(p.ca.into_iter().flatten());
        Ok(Self { key, chain })
    }
}

impl ResultSigner for Pkcs12Key {
    fn chain(&self) -> &[X509] {
        &self.chain
    }
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let key_err = |e: openssl::error::ErrorStack| SignError::Key(e.to_string());
        let mut s =
            openssl::sign::Signer::new(MessageDigest::sha256(), &self.key).map_err(key_err)?;
        s.sign_oneshot_to_vec(data).map_err(key_err)
    }
}

/// What the stamp and the signature dictionary say.
pub struct Issue<'a> {
    /// `<dossier code>-KQ<n>`.
    pub number: &'a str,
    /// The agency's name (the signature's /Name).
    pub agency: &'a str,
    /// Where the QR code leads: the authenticity page for this result.
    pub verify_url: &'a str,
    pub at: Timestamp,
}

/// Room for the CMS in the signature dictionary: a chain of three RSA-4096 certificates and
/// the signature fit with room to spare.
const CONTENTS_BYTES: usize = 16_384;
const RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// The signed result: the PDF with its stamp and signature, as a new file.
pub fn sign_result(
    pdf: &[u8],
    issue: &Issue,
    signer: &dyn ResultSigner,
) -> Result<Vec<u8>, SignError> {
    let mut doc = Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(SignError::Encrypted);
    }
    prepare(&mut doc, issue)?;
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| SignError::Pdf(e.to_string()))?;
    fill(out, signer)
}

/// Adds the signature field, its visible stamp and the empty signature dictionary.
fn prepare(doc: &mut Document, issue: &Issue) -> Result<(), SignError> {
    let page = *doc
        .get_pages()
        .values()
        .next()
        .ok_or_else(|| SignError::Pdf("không có trang nào".into()))?;
    let media = media_box(doc, page);
    let (w, h) = (210.0, 64.0);
    let (x, y) = (media[2] - w - 24.0, media[1] + 24.0);
    let appearance = doc.add_object(stamp(issue, w, h)?);
    let sig = doc.add_object(signature_dictionary(issue));
    let mut field = Dictionary::new();
    field.set("Type", Object::Name(b"Annot".to_vec()));
    field.set("Subtype", Object::Name(b"Widget".to_vec()));
    field.set("FT", Object::Name(b"Sig".to_vec()));
    field.set("T", text(issue.number));
    field.set("V", Object::Reference(sig));
    // Print and locked: the stamp prints with the page and cannot be moved.
    field.set("F", Object::Integer(132));
    field.set("P", Object::Reference(page));
    let rect = [x, y, x + w, y + h].map(|v| Object::Real(v as f32));
    field.set("Rect", Object::Array(rect.to_vec()));
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference(appearance));
    field.set("AP", Object::Dictionary(ap));
    let field = doc.add_object(field);
    push_array(doc, page, b"Annots", field)?;
    add_to_form(doc, field)
}

/// The signature dictionary with room for the byte range and the CMS, filled after saving.
fn signature_dictionary(issue: &Issue) -> Dictionary {
    let mut sig = Dictionary::new();
    sig.set("Type", Object::Name(b"Sig".to_vec()));
    sig.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    sig.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    let range = [0, RANGE_PLACEHOLDER, RANGE_PLACEHOLDER, RANGE_PLACEHOLDER];
    sig.set("ByteRange", Object::Array(range.map(Object::from).to_vec()));
    let empty = Object::String(vec![0; CONTENTS_BYTES], StringFormat::Hexadecimal);
    sig.set("Contents", empty);
    let m = pdf_date(issue.at).into_bytes();
    sig.set("M", Object::String(m, StringFormat::Literal));
    sig.set("Name", text(issue.agency));
    let reason = format!("Kết quả giải quyết hồ sơ, số {}", issue.number);
    sig.set("Reason", text(&reason));
    sig
}

/// Lists the field in the document's form (made when there is none), signatures present.
fn add_to_form(doc: &mut Document, field: ObjectId) -> Result<(), SignError> {
    let err = |e: lopdf::Error| SignError::Pdf(e.to_string());
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(err)?;
    let current = doc
        .get_dictionary(root)
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .cloned();
    let form = match current {
        Some(Object::Reference(id)) => id,
        Some(Object::Dictionary(d)) => doc.add_object(d),
        _ => doc.add_object(Dictionary::new()),
    };
    doc.get_dictionary_mut(root)
        .map_err(err)?
        .set("AcroForm", Object::Reference(form));
    push_array(doc, form, b"Fields", field)?;
    // SignaturesExist | AppendOnly.
    doc.get_dictionary_mut(form)
        .map_err(err)?
        .set("SigFlags", Object::Integer(3));
    Ok(())
}

/// The page's box, looked up through the page tree, A4 when none is given.
fn media_box(doc: &Document, page: ObjectId) -> [f64; 4] {
    let mut at = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(d) = at else { break };
        if let Ok(Object::Array(a)) = d
            .get(b"MediaBox")
            .map(|o| doc.dereference(o).map(|x| x.1).unwrap_or(o))
        {
            let v: Vec<f64> = a
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .ok()
                        .map(f64::from)
                        .or_else(|| o.as_i64().ok().map(|i| i as f64))
                })
                .collect();
            if let [x0, y0, x1, y1] = v[..] {
                return [x0, y0, x1, y1];
            }
        }
        at = d
            .get(b"Parent")
            .and_then(Object::as_reference)
            .ok()
            .and_then(|p| doc.get_dictionary(p).ok());
    }
    [0.0, 0.0, 595.0, 842.0]
}

/// Appends `item` to the array `key` of the dictionary `owner`, wherever the array lives
/// (inline, referenced, or not there yet).
fn push_array(
    doc: &mut Document,
    owner: ObjectId,
    key: &[u8],
    item: ObjectId,
) -> Result<(), SignError> {
    let err = |e: lopdf::Error| SignError::Pdf(e.to_string());
    let current = doc
        .get_dictionary(owner)
        .map_err(err)?
        .get(key)
        .ok()
        .cloned();
    match current {
        Some(Object::Reference(id)) => match doc.get_object_mut(id).map_err(err)? {
            Object::Array(a) => a.push(Object::Reference(item)),
            _ => return Err(SignError::Pdf("mảng không hợp lệ".into())),
        },
        Some(Object::Array(mut a)) => {
            a.push(Object::Reference(item));
            doc.get_dictionary_mut(owner)
                .map_err(err)?
                .set(key, Object::Array(a));
        }
        _ => doc
            .get_dictionary_mut(owner)
            .map_err(err)?
            .set(key, Object::Array(vec![Object::Reference(item)])),
    }
    Ok(())
}

/// A PDF text string (UTF-16BE with its mark), for Vietnamese names.
fn text(s: &str) -> Object {
    let mut b = vec![0xFE, 0xFF];
    b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(b, StringFormat::Hexadecimal)
}

fn pdf_date(t: Timestamp) -> String {
    let dt = motcua_domain::clock::vn_offset().to_datetime(t);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+07'00'",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// The visible stamp: a QR code to the authenticity page, the number, and what it is.
fn stamp(issue: &Issue, w: f64, h: f64) -> Result<Stream, SignError> {
    let qr = qrcode::QrCode::with_error_correction_level(
        issue.verify_url.as_bytes(),
        qrcode::EcLevel::M,
    )
    .map_err(|e| SignError::Pdf(e.to_string()))?;
    let n = qr.width();
    let cell = (h - 4.0) / n as f64;
    let mut ops = String::from("q 1 1 1 rg 0 0 ");
    ops += &format!("{w} {h} re f 0 0 0 rg\n");
    for (i, c) in qr.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % n, i / n);
            ops += &format!(
                "{:.3} {:.3} {cell:.3} {cell:.3} re\n",
                2.0 + x as f64 * cell,
                h - 2.0 - (y + 1) as f64 * cell
            );
        }
    }
    ops += "f\n";
    let ascii = |s: &str| {
        motcua_domain::text::fold_vi(s)
            .to_uppercase()
            .chars()
            .filter(|c| c.is_ascii() && *c != '(' && *c != ')' && *c != '\\')
            .collect::<String>()
    };
    let lines = [
        "KET QUA DIEN TU CO CHU KY SO".to_string(),
        format!("SO: {}", issue.number),
        ascii(issue.agency),
        "XAC THUC: QUET MA QR".into(),
    ];
    for (k, line) in lines.iter().enumerate() {
        ops += &format!(
            "BT /F1 6.5 Tf {:.1} {:.1} Td ({}) Tj ET\n",
            h + 2.0,
            h - 12.0 - 13.0 * k as f64,
            ascii(line)
        );
    }
    ops += "Q\n";
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Dictionary(font));
    let mut res = Dictionary::new();
    res.set("Font", Object::Dictionary(fonts));
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"XObject".to_vec()));
    d.set("Subtype", Object::Name(b"Form".to_vec()));
    d.set(
        "BBox",
        Object::Array(vec![
            0.into(),
            0.into(),
            Object::Real(w as f32),
            Object::Real(h as f32),
        ]),
    );
    d.set("Resources", Object::Dictionary(res));
    Ok(Stream::new(d, ops.into_bytes()))
}

/// Fills the byte range and the CMS into the saved file.
fn fill(mut out: Vec<u8>, signer: &dyn ResultSigner) -> Result<Vec<u8>, SignError> {
    let placeholder = RANGE_PLACEHOLDER.to_string();
    let range_at =
        find(&out, b"/ByteRange").ok_or_else(|| SignError::Pdf("thiếu ByteRange".into()))?;
    let open = range_at
        + out[range_at..]
            .iter()
            .position(|b| *b == b'[')
            .ok_or_else(|| SignError::Pdf("ByteRange".into()))?;
    let close = open
        + out[open..]
            .iter()
            .position(|b| *b == b']')
            .ok_or_else(|| SignError::Pdf("ByteRange".into()))?;
    let mut zeros = vec![b'<'];
    zeros.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    zeros.push(b'>');
    let b = find(&out, &zeros).ok_or_else(|| SignError::Pdf("thiếu Contents".into()))?;
    let c = b + zeros.len();
    let d = out.len() - c;
    let range = format!("[0 {b} {c} {d}");
    let width = close - open;
    if range.len() > width || !String::from_utf8_lossy(&out[open..close]).contains(&placeholder) {
        return Err(SignError::Pdf("ByteRange".into()));
    }
    out[open..close].copy_from_slice(format!("{range:<width$}").as_bytes());
    let mut signed = out[..b].to_vec();
    signed.extend_from_slice(&out[c..]);
    let cms = cms_signature(&signed, signer)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(SignError::Key("chữ ký quá lớn".into()));
    }
    let hex_cms = hex::encode_upper(&cms);
    out[b + 1..b + 1 + hex_cms.len()].copy_from_slice(hex_cms.as_bytes());
    Ok(out)
}

use crate::pdf::find;

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const DATA: &str = "1.2.840.113549.1.7.1";

/// The detached CMS SignedData over `content` (CAdES baseline B attributes).
pub fn cms_signature(content: &[u8], signer: &dyn ResultSigner) -> Result<Vec<u8>, SignError> {
    let key_err = |e: openssl::error::ErrorStack| SignError::Key(e.to_string());
    let cert = signer
        .chain()
        .first()
        .ok_or_else(|| SignError::Key("không có chứng thư".into()))?;
    let digest = hash(MessageDigest::sha256(), content).map_err(key_err)?;
    let cert_der = cert.to_der().map_err(key_err)?;
    let cert_hash = hash(MessageDigest::sha256(), &cert_der).map_err(key_err)?;
    let issuer = cert.issuer_name().to_der().map_err(key_err)?;
    let serial = tlv(0x02, &serial_bytes(cert).map_err(key_err)?);
    let attr = |o: &str, value: Vec<u8>| seq(&[&oid(o), &tlv(0x31, &value)]);
    // ESSCertIDv2 with the default hash (SHA-256) and the issuer and serial (RFC 5035).
    let issuer_serial = seq(&[&seq(&[&tlv(0xA4, &issuer)]), &serial]);
    let ess = seq(&[&seq(&[&seq(&[&tlv(0x04, &cert_hash), &issuer_serial])])]);
    let attrs = vec![
        attr("1.2.840.113549.1.9.3", oid(DATA)),
        attr("1.2.840.113549.1.9.4", tlv(0x04, &digest)),
        attr("1.2.840.113549.1.9.16.2.47", ess),
    ];
    let signed_attrs = set_of(attrs);
    let signature = signer.sign(&signed_attrs)?;
    let sig_alg = match cert.public_key().map_err(key_err)?.id() {
        Id::EC => algorithm("1.2.840.10045.4.3.2", false),
        _ => algorithm("1.2.840.113549.1.1.11", true),
    };
    let mut implicit_attrs = signed_attrs;
    implicit_attrs[0] = 0xA0;
    let signer_info = seq(&[
        &tlv(0x02, &[1]),
        &seq(&[&issuer, &serial]),
        &algorithm(SHA256, true),
        &implicit_attrs,
        &sig_alg,
        &tlv(0x04, &signature),
    ]);
    let mut certs = Vec::new();
    for c in signer.chain() {
        certs.extend(c.to_der().map_err(key_err)?);
    }
    let signed_data = seq(&[
        &tlv(0x02, &[1]),
        &tlv(0x31, &algorithm(SHA256, true)),
        &seq(&[&oid(DATA)]),
        &tlv(0xA0, &certs),
        &tlv(0x31, &signer_info),
    ]);
    Ok(seq(&[
        &oid(crate::cms::SIGNED_DATA),
        &tlv(0xA0, &signed_data),
    ]))
}

/// A certificate's serial as INTEGER content octets (a leading zero when the top bit is set).
fn serial_bytes(cert: &X509) -> Result<Vec<u8>, openssl::error::ErrorStack> {
    let mut v = cert.serial_number().to_bn()?.to_vec();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    Ok(v)
}
