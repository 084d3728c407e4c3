//! Writes a demo CA (`ca.pem`) and a signed sample result (`signed.pdf`) into a folder, for
//! checking with other tools (`pyhanko sign validate --trust ca.pem signed.pdf`).
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("a folder"));
    let ca = motcua_signature::demo::Ca::new("CA thử nghiệm").unwrap();
    let p12 = ca
        .agency_key("UBND xã Tịnh Ấn Tây", "000.00.12.H48", 365, "")
        .unwrap();
    let key = motcua_signature::Pkcs12Key::from_der(&p12, "").unwrap();
    let issue = motcua_signature::Issue {
        number: "000.00.12.H48-261202-0001-KQ1",
        agency: "UBND xã Tịnh Ấn Tây",
        verify_url: "http://127.0.0.1:8080/xac-thuc",
        at: jiff::Timestamp::now(),
    };
    let pdf = motcua_signature::sign_result(
        &motcua_signature::demo::sample_pdf("Giay phep", 0),
        &issue,
        &key,
    )
    .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.certificate.to_pem().unwrap()).unwrap();
    std::fs::write(dir.join("signed.pdf"), pdf).unwrap();
}
