//! Vietnamese text helpers: diacritic folding (with đ → d) for search and comparison.
use unicode_normalization::UnicodeNormalization;

/// Folds Vietnamese text for search: lower case, diacritics removed, `đ`/`Đ` → `d`,
/// runs of whitespace collapsed. "Giấy phép Xây dựng" and "giay phep xay dung" fold alike.
pub fn fold_vi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            if !out.is_empty() {
                space = true;
            }
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Normalises user-entered text to NFC and trims it (what we store).
pub fn clean(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Masks an identifier for display or logs: keeps the last `keep` characters.
pub fn mask(s: &str, keep: usize) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + keep < n { '•' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold_vi("Giấy phép  Xây dựng"), "giay phep xay dung");
        assert_eq!(fold_vi("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
        assert_eq!(fold_vi("Sở Tư pháp"), "so tu phap");
        assert_eq!(
            fold_vi("Nông nghiệp và Môi trường"),
            "nong nghiep va moi truong"
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask("051234567890", 4), "••••••••7890");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold_vi(&s);
            prop_assert_eq!(fold_vi(&once), once.clone());
        }

        #[test]
        fn ascii_lowercase_passes_through(s in "[a-z0-9]{0,30}") {
            prop_assert_eq!(fold_vi(&s), s);
        }
    }
}
