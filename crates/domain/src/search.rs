//! Searching the catalogue (R5.1a): what a query looks for and how well a procedure answers it,
//! with or without diacritics (đ = d).
use crate::catalogue::ProcedureBody;
use crate::text::fold_vi;

/// The tokens a search for `text` looks for: folded words (đ → d, no diacritics).
pub fn search_tokens(text: &str) -> Vec<String> {
    folded_words(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(12)
        .map(String::from)
        .collect()
}

/// The words of a text as the search compares them: folded, joined by single spaces.
pub fn folded_words(text: &str) -> String {
    fold_vi(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How well a procedure's name answers the query words (higher is better): the code typed
/// exactly, the whole query as the name or as a phrase in it, the share of query words found
/// as words of the name, and shorter names before longer ones.
pub fn relevance_score(name: &str, code: &str, tokens: &[String]) -> i64 {
    relevance_of_words(&folded_words(name), code, tokens)
}

/// [`relevance_score`] of a name already turned into its [`folded_words`].
pub fn relevance_of_words(joined: &str, code: &str, tokens: &[String]) -> i64 {
    let phrase = tokens.join(" ");
    let mut score = 0;
    if code.replace('.', " ") == phrase || code == phrase {
        score += 10_000;
    }
    if joined == phrase {
        score += 5_000;
    } else if joined.starts_with(&phrase) {
        score += 3_000;
    } else if joined.contains(&phrase) {
        score += 2_000;
    }
    let words = || joined.split(' ').filter(|w| !w.is_empty());
    let in_name = tokens
        .iter()
        .filter(|t| words().any(|w| w.starts_with(t.as_str())))
        .count() as i64;
    score += 1_000 * in_name / tokens.len().max(1) as i64;
    score - words().count() as i64
}

/// The words of many folded texts and which texts hold each: finds the texts that hold every
/// query word, the last one as a prefix (people type it as they search).
#[derive(Debug, Default)]
pub struct WordIndex {
    /// Every word, in order, with the numbers of the texts holding it (ascending).
    words: Vec<(String, Vec<u32>)>,
    texts: usize,
}

impl WordIndex {
    /// Indexes `texts` (already folded); a text's number is its place in the sequence.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut map: std::collections::HashMap<&str, Vec<u32>> = Default::default();
        let mut n = 0u32;
        for text in texts {
            for w in text.split(|c: char| !c.is_alphanumeric()) {
                let list = map.entry(w).or_default();
                if !w.is_empty() && list.last() != Some(&n) {
                    list.push(n);
                }
            }
            n += 1;
        }
        let mut words: Vec<(String, Vec<u32>)> = map
            .into_iter()
            .filter(|(w, _)| !w.is_empty())
            .map(|(w, l)| (w.to_string(), l))
            .collect();
        words.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Self {
            words,
            texts: n as usize,
        }
    }

    /// The numbers of the texts holding every token (all of them when there is none), ascending.
    pub fn matching(&self, tokens: &[String]) -> Vec<usize> {
        let blocks = self.texts.div_ceil(64);
        let mut all = vec![u64::MAX; blocks];
        for (i, t) in tokens.iter().enumerate() {
            let mut these = vec![0u64; blocks];
            let start = self.words.partition_point(|(w, _)| w.as_str() < t.as_str());
            let prefix = i + 1 == tokens.len();
            for (_, list) in self.words[start..].iter().take_while(|(w, _)| {
                if prefix {
                    w.starts_with(t.as_str())
                } else {
                    w == t
                }
            }) {
                for &n in list {
                    these[n as usize / 64] |= 1 << (n % 64);
                }
            }
            all.iter_mut().zip(&these).for_each(|(a, b)| *a &= b);
        }
        (0..self.texts)
            .filter(|n| all[n / 64] & (1 << (n % 64)) != 0)
            .collect()
    }
}

/// A procedure's text the search looks in besides its name, folded.
pub fn procedure_text(b: &ProcedureBody) -> String {
    let mut parts: Vec<&str> = vec![
        b.result.as_str(),
        b.implementing_agency.as_str(),
        b.requirements.as_str(),
    ];
    parts.extend(b.steps.iter().map(String::as_str));
    parts.extend(b.components.iter().map(|c| c.name.as_str()));
    parts.extend(b.subjects.iter().map(String::as_str));
    fold_vi(&parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Query words are folded and capped at twelve.
    #[test]
    fn tokens_are_folded_words() {
        assert_eq!(
            search_tokens("Đăng ký  KHAI-sinh"),
            ["dang", "ky", "khai", "sinh"]
        );
        assert_eq!(search_tokens(&"a ".repeat(20)).len(), 12);
        assert!(search_tokens(" ,.; ").is_empty());
    }

    /// The order people expect: the code typed exactly, then the name itself, a name starting
    /// with the phrase, one containing it, then the share of words found, shorter names first.
    #[test]
    fn relevance_orders_by_how_well_the_name_answers() {
        let t = search_tokens("khai sinh");
        let exact = relevance_score("Khai sinh", "1.000001", &t);
        let starts = relevance_score("Khai sinh có yếu tố nước ngoài", "1.000002", &t);
        let contains = relevance_score("Đăng ký khai sinh", "1.000003", &t);
        let words = relevance_score("Sinh đẻ, khai báo", "1.000004", &t);
        let none = relevance_score("Cấp phép xây dựng", "1.000005", &t);
        assert!(exact > starts && starts > contains && contains > words && words > none);
        assert_eq!(exact, 5_000 + 1_000 - 2);
        assert_eq!(contains, 2_000 + 1_000 - 4);
        assert_eq!(none, -4, "four words, none found");
        let code = relevance_score("Cấp phép xây dựng", "1.000005", &search_tokens("1.000005"));
        assert_eq!(code, 10_000 - 4, "the code typed, none of the four words");
        assert!(
            relevance_score("Khai sinh", "x", &search_tokens("khai"))
                > relevance_score("Khai sinh lại", "x", &search_tokens("khai"))
        );
    }

    /// Every word must be in a text, the last one as a prefix; whole words otherwise.
    #[test]
    fn the_index_finds_texts_holding_every_word() {
        let texts = [
            "dang ky khai sinh 1 000001 giay chung sinh",
            "khai tu 1 000002",
            "cap giay phep xay dung",
            "",
        ];
        let index = WordIndex::new(texts);
        let find = |q: &str| index.matching(&search_tokens(q));
        assert_eq!(find("khai"), [0, 1]);
        assert_eq!(find("khai sinh"), [0]);
        assert_eq!(find("khai si"), [0], "the last word as a prefix");
        assert_eq!(find("kha sinh"), Vec::<usize>::new(), "the others whole");
        assert_eq!(find("giay"), [0, 2], "name and body alike");
        assert_eq!(find("1.000002"), [1], "a code by its parts");
        assert_eq!(find("Đăng KÝ"), [0], "folded");
        assert_eq!(find("tam tru"), Vec::<usize>::new());
        assert_eq!(find(""), [0, 1, 2, 3], "no words: every text");
        assert_eq!(WordIndex::new([""; 130]).matching(&[]).len(), 130);
    }

    /// What the search reads besides the name: the result, agencies, requirements, steps,
    /// components and subjects, folded.
    #[test]
    fn the_procedure_text_holds_its_parts() {
        let body: ProcedureBody = serde_json::from_value(serde_json::json!({
            "code": "1.001193", "name": "Đăng ký khai sinh", "field": "TP.HT",
            "gov_level": "commune", "steps": ["Nộp tờ khai"], "methods": ["online"],
            "components": [{"id": "to-khai", "name": "Giấy chứng sinh", "original": "original",
                "required": true}],
            "times": [], "subjects": ["Công dân Việt Nam"], "implementing_agency": "UBND xã",
            "deciding_agency": "UBND xã", "result": "Giấy khai sinh", "fees": [],
            "requirements": "Đúng hạn", "legal_basis": []
        }))
        .unwrap();
        let text = procedure_text(&body);
        for part in [
            "giay khai sinh",
            "ubnd xa",
            "dung han",
            "nop to khai",
            "giay chung sinh",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(text.contains("cong dan viet nam"), "{text}");
    }
}
