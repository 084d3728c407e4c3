//! Password policy (R4.6; ASVS 5.0 §6.2): length only, no composition rules,
//! common and context-specific passwords refused, any character and long passwords accepted.
//! Verified exactly as received: no truncation, no case folding.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::text::fold_vi;

/// Minimum length for citizens and organisations.
pub const MIN_LEN_PUBLIC: usize = 8;
/// Minimum length for staff (no second factor yet: ASVS 6.2.1 recommends 15).
pub const MIN_LEN_STAFF: usize = 15;
/// Upper bound in bytes, to bound the cost of hashing (well above the 64 characters ASVS asks to allow).
pub const MAX_BYTES: usize = 1024;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// Why a password is refused, with the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Mật khẩu cần có ít nhất {0} ký tự. Một cụm vài từ dễ nhớ là mật khẩu tốt.")]
    TooShort(usize),
    #[error("Mật khẩu quá dài (tối đa {MAX_BYTES} byte).")]
    TooLong,
    #[error(
        "Mật khẩu này quá phổ biến hoặc đã bị lộ, kẻ gian dễ đoán được. Hãy chọn mật khẩu khác."
    )]
    Common,
    #[error("Mật khẩu không được chứa tên đăng nhập, thư điện tử hay số giấy tờ của bạn.")]
    Personal,
}

/// Checks a new password. `context` holds the person's own identifiers (login, e-mail, id number)
/// and words of this system that must not be used as the password.
pub fn check(password: &str, min_len: usize, context: &[&str]) -> Result<(), PasswordProblem> {
    if password.len() > MAX_BYTES {
        return Err(PasswordProblem::TooLong);
    }
    if password.chars().count() < min_len {
        return Err(PasswordProblem::TooShort(min_len));
    }
    let folded = fold_vi(password);
    let compact: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    if COMMON.contains(folded.as_str()) || COMMON.contains(compact.as_str()) {
        return Err(PasswordProblem::Common);
    }
    const SYSTEM_WORDS: &[&str] = &["dichvucong", "motcua", "quangngai"];
    let bare: String = compact.chars().filter(|c| c.is_alphanumeric()).collect();
    for w in SYSTEM_WORDS {
        if let Some(rest) = bare.strip_prefix(w)
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            return Err(PasswordProblem::Common);
        }
    }
    for c in context {
        let c = fold_vi(c);
        let local = c.split('@').next().unwrap_or("");
        if local.chars().count() >= 4 && compact.contains(local) {
            return Err(PasswordProblem::Personal);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_the_only_composition_rule() {
        assert_eq!(check("ngắn", 8, &[]), Err(PasswordProblem::TooShort(8)));
        assert!(check("mây trắng bay qua đồi", 8, &[]).is_ok());
        assert!(check("alllowercaseletters", 8, &[]).is_ok());
        assert_eq!(check("short but not staff", 15, &[]).map_err(drop), Ok(()));
        assert!(check("fourteen chars", 15, &[]).is_err());
    }

    #[test]
    fn long_and_any_characters_accepted() {
        let long = "ý chí ".repeat(40);
        assert!(check(&long, 8, &[]).is_ok());
        assert!(check("😀🔑 khoá bí mật\t!", 8, &[]).is_ok());
        assert_eq!(
            check(&"x".repeat(MAX_BYTES + 1), 8, &[]),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn common_and_breached_refused() {
        for p in [
            "password",
            "12345678",
            "Password",
            "iloveyou",
            "matkhau123",
            "qwertyuiop",
            "Motcua2026",
            "dichvucong123",
        ] {
            assert_eq!(check(p, 8, &[]), Err(PasswordProblem::Common), "{p}");
        }
    }

    #[test]
    fn the_edges_of_the_rules() {
        assert!(
            check(&"x".repeat(MAX_BYTES), 8, &[]).is_ok(),
            "exactly the limit"
        );
        // A common password with spaces in it is still common.
        assert_eq!(check("pass word", 8, &[]), Err(PasswordProblem::Common));
        // Identifiers shorter than four letters are not searched for.
        assert!(check("mây trắng bay qua abc", 8, &["abc"]).is_ok());
        assert_eq!(
            check("mây trắng bay qua abcd", 8, &["abcd@vidu.vn"]),
            Err(PasswordProblem::Personal)
        );
    }

    #[test]
    fn personal_context_refused() {
        assert_eq!(
            check("nguyenvana-2026", 8, &["nguyenvana@vidu.vn"]),
            Err(PasswordProblem::Personal)
        );
        assert_eq!(
            check("x051095001234x", 8, &["051095001234"]),
            Err(PasswordProblem::Personal)
        );
    }
}
