//! A demonstration PKI for `motcua demo` and the tests: a CA standing for the government CA,
//! and a signing certificate per agency under it, as PKCS#12 files. Elliptic-curve keys (P-256)
//! keep it instant; the verifier and signer take RSA as real CAs issue it just the same.
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

pub struct Ca {
    pub certificate: X509,
    pub key: PKey<Private>,
}

fn key() -> Result<PKey<Private>, ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

fn serial() -> Result<Asn1Integer, ErrorStack> {
    let mut bn = BigNum::new()?;
    bn.rand(120, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
    bn.to_asn1_integer()
}

fn builder(subject: &[(Nid, &str)], days: u32) -> Result<X509Builder, ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "VN")?;
    for (nid, v) in subject {
        name.append_entry_by_nid(*nid, v)?;
    }
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let serial = serial()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    // Valid from long before: a test's clock may stand at a fixed instant in the past.
    let from = Asn1Time::from_str("20200101000000Z")?;
    b.set_not_before(&from)?;
    let until = Asn1Time::days_from_now(days)?;
    b.set_not_after(&until)?;
    Ok(b)
}

impl Ca {
    /// A new CA valid for ten years.
    pub fn new(name: &str) -> Result<Self, ErrorStack> {
        let key = key()?;
        let mut b = builder(
            &[
                (Nid::ORGANIZATIONNAME, "motcua (demo)"),
                (Nid::COMMONNAME, name),
            ],
            3650,
        )?;
        let self_name = {
            let mut n = X509NameBuilder::new()?;
            n.append_entry_by_nid(Nid::COUNTRYNAME, "VN")?;
            n.append_entry_by_nid(Nid::ORGANIZATIONNAME, "motcua (demo)")?;
            n.append_entry_by_nid(Nid::COMMONNAME, name)?;
            n.build()
        };
        b.set_issuer_name(&self_name)?;
        b.set_pubkey(&key)?;
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
        b.append_extension(ski)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(Self {
            certificate: b.build(),
            key,
        })
    }

    /// A signing certificate for an agency, valid for `days`, as PKCS#12 under `password`.
    pub fn agency_key(
        &self,
        agency: &str,
        code: &str,
        days: u32,
        password: &str,
    ) -> Result<Vec<u8>, ErrorStack> {
        let key = key()?;
        let mut b = builder(
            &[
                (Nid::ORGANIZATIONNAME, agency),
                (Nid::USERID, &format!("MNS:{code}")),
                (Nid::COMMONNAME, agency),
            ],
            days,
        )?;
        b.set_issuer_name(self.certificate.subject_name())?;
        b.set_pubkey(&key)?;
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()?,
        )?;
        b.sign(&self.key, MessageDigest::sha256())?;
        let cert = b.build();
        let mut ca = openssl::stack::Stack::new()?;
        ca.push(self.certificate.clone())?;
        Pkcs12::builder()
            .name(agency)
            .pkey(&key)
            .cert(&cert)
            .ca(ca)
            .build2(password)?
            .to_der()
    }

    /// The CA's revocation list, empty, valid for `days` (what verifiers check its
    /// certificates against), in PEM.
    pub fn crl(&self, days: u32) -> Result<Vec<u8>, ErrorStack> {
        let mut b = openssl::x509::X509CrlBuilder::new()?;
        b.set_issuer_name(self.certificate.subject_name())?;
        let now = Asn1Time::days_from_now(0)?;
        b.set_last_update(&now)?;
        let until = Asn1Time::days_from_now(days)?;
        b.set_next_update(&until)?;
        // The authority key identifier (RFC 5280 §5.2.1): the CA's own key identifier.
        if let Some(ski) = self.certificate.subject_key_id() {
            let der = crate::derw::seq(&[&crate::derw::tlv(0x80, ski.as_slice())]);
            let oid = openssl::asn1::Asn1Object::from_str("2.5.29.35")?;
            let value = openssl::asn1::Asn1OctetString::new_from_bytes(&der)?;
            b.append_extension(openssl::x509::X509Extension::new_from_der(
                &oid, false, &value,
            )?)?;
        }
        // The CRL number (§5.2.3), rising with each list issued: the second it was made.
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1);
        let digits: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let number = crate::derw::tlv(0x02, &[&[0u8][..], &digits].concat());
        let oid = openssl::asn1::Asn1Object::from_str("2.5.29.20")?;
        let value = openssl::asn1::Asn1OctetString::new_from_bytes(&number)?;
        b.append_extension(openssl::x509::X509Extension::new_from_der(
            &oid, false, &value,
        )?)?;
        b.sign(&self.key, MessageDigest::sha256())?;
        b.build()?.to_pem()
    }

    /// The CA's key and certificate in PEM (to keep it between runs).
    pub fn to_pem(&self) -> Result<Vec<u8>, ErrorStack> {
        let mut out = self.certificate.to_pem()?;
        out.extend(self.key.private_key_to_pem_pkcs8()?);
        Ok(out)
    }

    pub fn from_pem(pem: &[u8]) -> Result<Self, ErrorStack> {
        Ok(Self {
            certificate: X509::from_pem(pem)?,
            key: PKey::private_key_from_pem(pem)?,
        })
    }
}

/// A one-page A4 PDF with a line of text, and `padding` bytes more in an unused stream (to
/// measure with files of a given size).
pub fn sample_pdf(title: &str, padding: usize) -> Vec<u8> {
    use lopdf::{Dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    let font = doc.add_object(font);
    let text: String = title
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let content = doc.add_object(Stream::new(
        Dictionary::new(),
        format!("BT /F1 14 Tf 72 770 Td ({text}) Tj ET").into_bytes(),
    ));
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Reference(font));
    let mut resources = Dictionary::new();
    resources.set("Font", Object::Dictionary(fonts));
    let mut page = Dictionary::new();
    page.set("Type", Object::Name(b"Page".to_vec()));
    page.set("Parent", Object::Reference(pages));
    page.set("Contents", Object::Reference(content));
    page.set("Resources", Object::Dictionary(resources));
    let page = doc.add_object(page);
    if padding > 0 {
        let filler: Vec<u8> = (0..padding)
            .map(|i| b"0123456789abcdef"[(i * 7 + i / 13) % 16])
            .collect();
        doc.add_object(Stream::new(Dictionary::new(), filler));
    }
    let mut tree = Dictionary::new();
    tree.set("Type", Object::Name(b"Pages".to_vec()));
    tree.set("Kids", Object::Array(vec![Object::Reference(page)]));
    tree.set("Count", Object::Integer(1));
    tree.set(
        "MediaBox",
        Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
    );
    doc.objects.insert(pages, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(pages));
    let catalog = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing to memory");
    out
}
