//! Identifiers people give us: số định danh cá nhân, mã số thuế, e-mail, phone.
//! Each check returns a Vietnamese message that says what to do (R3.1).

/// Province codes of the 12-digit personal identification number (Circular 59/2021/TT-BCA annex).
const PROVINCE_CODES: &[u16] = &[
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// A checked số định danh cá nhân: 12 digits, a valid province-of-registration code.
pub fn check_personal_id(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Nhập số định danh cá nhân gồm 12 chữ số.");
    }
    let province: u16 = s[..3].parse().unwrap_or(0);
    if !PROVINCE_CODES.contains(&province) {
        return Err(
            "Số định danh cá nhân không hợp lệ: 3 chữ số đầu phải là mã tỉnh nơi đăng ký khai sinh.",
        );
    }
    Ok(s.to_string())
}

/// A checked mã số thuế of an organisation: 10 digits with its check digit, optionally
/// followed by `-NNN` for a dependent unit (13 digits).
pub fn check_tax_code(s: &str) -> Result<String, &'static str> {
    const MSG: &str = "Nhập mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu gạch ngang và 3 chữ số của đơn vị phụ thuộc).";
    let s = s.trim();
    let (main, branch) = match s.split_once('-') {
        Some((m, b)) => (m, Some(b)),
        None => (s, None),
    };
    if main.len() != 10 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MSG);
    }
    if let Some(b) = branch
        && (b.len() != 3 || !b.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(MSG);
    }
    if tax_check_digit(&main[..9]) != Some(main.as_bytes()[9] - b'0') {
        return Err("Mã số thuế không đúng: chữ số kiểm tra không khớp. Hãy kiểm tra lại.");
    }
    Ok(s.to_string())
}

/// The check digit of a Vietnamese tax code from its first nine digits; `None` when no digit fits.
pub fn tax_check_digit(first9: &str) -> Option<u8> {
    const W: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let sum: u32 = first9
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let d = 10 - (sum % 11);
    (d < 10).then_some(d as u8)
}

/// A plausible e-mail address, lower-cased.
pub fn check_email(s: &str) -> Result<String, &'static str> {
    const MSG: &str = "Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@vidu.vn.";
    let s = s.trim().to_lowercase();
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(MSG);
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(MSG);
    };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || local.contains('@')
    {
        return Err(MSG);
    }
    Ok(s)
}

/// A Vietnamese phone number, normalised to `0XXXXXXXXX`.
pub fn check_phone(s: &str) -> Result<String, &'static str> {
    const MSG: &str = "Nhập số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678).";
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        format!("0{rest}")
    } else {
        digits
    };
    if national.len() != 10
        || !national.starts_with('0')
        || !national.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(MSG);
    }
    Ok(national)
}

/// A person's or organisation's name: 2–200 characters, no control characters.
pub fn check_name(s: &str) -> Result<String, &'static str> {
    let s = crate::text::clean(s);
    let n = s.chars().count();
    if !(2..=200).contains(&n) || s.chars().any(char::is_control) {
        return Err("Nhập họ và tên (từ 2 đến 200 ký tự).");
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_id() {
        assert!(check_personal_id("051095001234").is_ok());
        assert!(check_personal_id(" 062190000001 ").is_ok());
        assert!(check_personal_id("05109500123").is_err());
        assert!(check_personal_id("05109500123a").is_err());
        assert!(
            check_personal_id("003095001234").is_err(),
            "003 is no province code"
        );
    }

    #[test]
    fn tax_code() {
        // 0100109106 is a well-known valid tax code (its check digit is 6).
        assert_eq!(tax_check_digit("010010910"), Some(6));
        assert!(check_tax_code("0100109106").is_ok());
        assert!(check_tax_code("0100109106-001").is_ok());
        assert!(check_tax_code("0100109107").is_err());
        assert!(check_tax_code("0100109106-01").is_err());
        assert!(check_tax_code("abc").is_err());
    }

    #[test]
    fn every_bound_of_the_identifiers() {
        assert_eq!(check_personal_id(" 062190000001 ").unwrap(), "062190000001");
        assert!(check_personal_id("0961950012345").is_err(), "13 digits");
        assert!(
            check_personal_id("096195001234").is_ok(),
            "096, the last province"
        );
        assert!(check_personal_id("097195001234").is_err());
        // Check digits 0 and 9 exist; a sum that would need 10 has none.
        assert_eq!(tax_check_digit("100000004"), Some(0));
        assert_eq!(tax_check_digit("100000001"), Some(9));
        assert_eq!(tax_check_digit("100000008"), None);
        assert!(check_tax_code("1000000040").is_ok() && check_tax_code("1000000019").is_ok());
        assert!(check_tax_code("1000000080").is_err() && check_tax_code("1000000089").is_err());
        assert_eq!(
            check_tax_code(" 0100109106-001 ").unwrap(),
            "0100109106-001"
        );
        for bad in [
            "01001091060",
            "010010910a",
            "0100109106-0a1",
            "0100109106-1234",
            "0100109106-",
        ] {
            assert!(check_tax_code(bad).is_err(), "{bad}");
        }
        let long = format!("{}@vidu.vn", "a".repeat(246));
        assert_eq!(long.len(), 254);
        assert!(check_email(&long).is_ok());
        assert!(check_email(&format!("a{long}")).is_err(), "255 characters");
        assert!(check_email("a@x.v").is_ok(), "the shortest domain");
        for bad in [
            "an.vidu.vn",
            "@vidu.vn",
            "an@.vn",
            "an@vidu.",
            "a@b@vidu.vn",
            "an@v\u{7}n.vn",
            "an@vn",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(check_phone("84912345678").unwrap(), "0912345678");
        assert_eq!(check_phone(" 0912-345-678 ").unwrap(), "0912345678");
        for bad in [
            "8491234567",
            "1912345678",
            "09123456789",
            "091234567a",
            "+8491234567",
        ] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
        assert_eq!(check_name("  Bình ").unwrap(), "Bình");
        assert!(check_name("An").is_ok() && check_name(&"ă".repeat(200)).is_ok());
        assert!(check_name("A").is_err() && check_name(&"ă".repeat(201)).is_err());
        assert!(check_name("Bình\u{0}An").is_err(), "a control character");
    }

    #[test]
    fn email_and_phone() {
        assert_eq!(check_email(" An@Vidu.VN ").unwrap(), "an@vidu.vn");
        assert!(check_email("an@vidu").is_err());
        assert!(check_email("a b@vidu.vn").is_err());
        assert_eq!(check_phone("+84 912 345 678").unwrap(), "0912345678");
        assert_eq!(check_phone("0912.345.678").unwrap(), "0912345678");
        assert!(check_phone("12345").is_err());
    }
}
