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

/// A number as Vietnamese write it: whole numbers bare, others to a tenth with a decimal comma.
pub fn decimal(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// A date as Vietnamese write it: `15/03/2026`.
pub fn date_vi(d: jiff::civil::Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
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
    fn stored_text_is_trimmed_and_composed() {
        assert_eq!(clean("  Bi\u{300}nh \n"), "Bình");
        assert_eq!(clean("Bình"), "Bình");
    }

    #[test]
    fn masks() {
        assert_eq!(mask("051234567890", 4), "••••••••7890");
    }

    /// Every Vietnamese letter (lower case) with the ASCII letter it folds to; the generator
    /// derives the upper case. Written out by hand, not by the code under test.
    const LETTERS: [(char, &str); 8] = [
        ('a', "aàáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "eèéẻẽẹêềếểễệ"),
        ('i', "iìíỉĩị"),
        ('o', "oòóỏõọôồốổỗộơờớởỡợ"),
        ('u', "uùúủũụưừứửữự"),
        ('y', "yỳýỷỹỵ"),
        ('d', "dđ"),
        ('b', "bcghklmnpqrstvx"),
    ];

    /// A letter as typed (either case) and what it folds to.
    fn letter() -> impl Strategy<Value = (String, char)> {
        let all: Vec<(char, char)> = LETTERS
            .iter()
            .flat_map(|(base, vs)| {
                vs.chars()
                    .map(move |c| (c, if *base == 'b' { c } else { *base }))
            })
            .collect();
        (proptest::sample::select(all), any::<bool>()).prop_map(|((c, base), upper)| {
            let typed = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_string()
            };
            (typed, base)
        })
    }

    /// Vietnamese words between runs of whitespace, precomposed or decomposed (as some
    /// keyboards send it), with what the text must fold to.
    fn vietnamese() -> impl Strategy<Value = (String, String)> {
        let word = proptest::collection::vec(letter(), 1..8);
        let gap = proptest::sample::select(vec![" ", "  ", "\t", "\n", " \u{a0}"]);
        (
            proptest::collection::vec((word, gap), 0..8),
            proptest::sample::select(vec!["", " ", "\t "]),
            any::<bool>(),
        )
            .prop_map(|(words, lead, decomposed)| {
                let mut typed = lead.to_string();
                let mut folded = Vec::new();
                for (w, gap) in words {
                    typed.extend(w.iter().map(|(t, _)| t.as_str()));
                    typed.push_str(gap);
                    folded.push(w.iter().map(|(_, b)| *b).collect::<String>());
                }
                if decomposed {
                    typed = typed.nfd().collect();
                }
                (typed, folded.join(" "))
            })
    }

    #[test]
    fn folds_every_letter_class() {
        for (typed, want) in [
            (
                "Ủy ban nhân dân tỉnh Quảng Ngãi",
                "uy ban nhan dan tinh quang ngai",
            ),
            ("ĐỒNG Ý  ", "dong y"),
            ("\tƯỚC TÍNH\nĐƯỢC", "uoc tinh duoc"),
            ("Ỳ Ỵ Ỷ Ỹ Ý", "y y y y y"),
            ("Ặ Ẵ Ẫ Ậ Ệ Ể Ị Ộ Ợ Ự", "a a a a e e i o o u"),
        ] {
            assert_eq!(fold_vi(typed), want, "{typed}");
            let decomposed: String = typed.nfd().collect();
            assert_eq!(fold_vi(&decomposed), want, "{typed}, decomposed");
        }
    }

    proptest! {
        #[test]
        fn folds_vietnamese_text_to_its_letters((typed, want) in vietnamese()) {
            let once = fold_vi(&typed);
            prop_assert!(once.is_ascii(), "{:?} folded to {:?}", typed, once);
            prop_assert_eq!(&once, &want);
            prop_assert_eq!(fold_vi(&once), once.clone());
        }

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
