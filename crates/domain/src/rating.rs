//! Satisfaction ratings of a finished dossier (R9.4; Circular 01/2018/TT-VPCP Chapter III,
//! Decree 61/2018 Art. 31): the criteria of a provincial evaluation form, each answered on three
//! levels, given once by the dossier's owner when the dossier has ended. The overall criterion
//! decides whether the rating counts as dissatisfied (Decision 766 indicator 5.4).
use std::collections::BTreeMap;

use serde::Serialize;

use crate::lifecycle::Stage;

/// One criterion of the form, with what each of its three levels reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub key: &'static str,
    pub label: &'static str,
    /// The answers, best first.
    pub levels: [&'static str; 3],
}

const SATISFIED: [&str; 3] = ["Rất hài lòng", "Hài lòng", "Không hài lòng"];

const fn graded(key: &'static str, label: &'static str) -> Criterion {
    Criterion {
        key,
        label,
        levels: SATISFIED,
    }
}

/// The criteria, in the form's order (a provincial form's twelve, §2.8 of the domain brief).
pub const CRITERIA: [Criterion; 12] = [
    graded("overall", "Đánh giá chung về việc giải quyết hồ sơ"),
    graded("convenience", "Sự thuận tiện khi nộp hồ sơ và nhận kết quả"),
    Criterion {
        key: "on_time",
        label: "Thời hạn trả kết quả",
        levels: ["Trước hẹn", "Đúng hẹn", "Trễ hẹn"],
    },
    graded("attitude", "Thái độ của cán bộ tiếp nhận, giải quyết"),
    graded("time_vs_law", "Thời gian giải quyết so với quy định"),
    graded("time_vs_promise", "Thời gian giải quyết so với lịch hẹn"),
    Criterion {
        key: "contacts",
        label: "Số lần phải liên hệ để hoàn thành hồ sơ",
        levels: ["Một lần", "Hai lần", "Ba lần trở lên"],
    },
    Criterion {
        key: "agencies",
        label: "Số cơ quan phải liên hệ",
        levels: ["Một cơ quan", "Hai cơ quan", "Ba cơ quan trở lên"],
    },
    graded("one_stop", "Việc tổ chức bộ phận một cửa"),
    graded("publicity", "Việc công khai thủ tục hành chính"),
    graded("responsiveness", "Việc tiếp nhận, xử lý ý kiến phản hồi"),
    graded("online", "Tiến độ và chất lượng dịch vụ công trực tuyến"),
];

/// An answer: the level's place, 1 (best) to 3 (worst).
pub type Level = u8;

/// Whether a dossier in this stage has ended and may be rated: nothing more will happen to it.
pub fn may_rate(stage: Stage) -> bool {
    stage.is_final()
}

/// The answers checked: every criterion answered with one of its levels, nothing else.
pub fn check(answers: &BTreeMap<String, Level>) -> Result<Vec<(&'static str, Level)>, String> {
    if let Some(k) = answers
        .keys()
        .find(|k| !CRITERIA.iter().any(|c| c.key == *k))
    {
        return Err(format!("Không có tiêu chí “{k}”."));
    }
    CRITERIA
        .iter()
        .map(|c| match answers.get(c.key) {
            Some(l @ 1..=3) => Ok((c.key, *l)),
            Some(_) => Err(format!("“{}”: chọn một trong ba mức.", c.label)),
            None => Err(format!("Chưa đánh giá “{}”.", c.label)),
        })
        .collect()
}

/// A rating counts as dissatisfied when its overall answer is the worst level.
pub fn dissatisfied(answers: &[(&str, Level)]) -> bool {
    answers.iter().any(|(k, l)| *k == "overall" && *l == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(level: Level) -> BTreeMap<String, Level> {
        CRITERIA
            .iter()
            .map(|c| (c.key.to_string(), level))
            .collect()
    }

    #[test]
    fn every_criterion_once_with_one_of_its_levels() {
        assert_eq!(check(&all(2)).unwrap().len(), 12);
        let mut a = all(1);
        a.remove("contacts");
        assert_eq!(
            check(&a).unwrap_err(),
            "Chưa đánh giá “Số lần phải liên hệ để hoàn thành hồ sơ”."
        );
        let mut a = all(1);
        a.insert("attitude".into(), 4);
        assert!(check(&a).unwrap_err().contains("chọn một trong ba mức"));
        a.insert("attitude".into(), 0);
        assert!(check(&a).is_err());
        let mut a = all(1);
        a.insert("price".into(), 1);
        assert_eq!(check(&a).unwrap_err(), "Không có tiêu chí “price”.");
    }

    #[test]
    fn the_overall_answer_decides_dissatisfaction() {
        let mut a = all(1);
        assert!(!dissatisfied(&check(&a).unwrap()));
        a.insert("attitude".into(), 3);
        assert!(!dissatisfied(&check(&a).unwrap()));
        a.insert("overall".into(), 3);
        assert!(dissatisfied(&check(&a).unwrap()));
        let keys: std::collections::BTreeSet<_> = CRITERIA.iter().map(|c| c.key).collect();
        assert_eq!(keys.len(), CRITERIA.len());
    }

    #[test]
    fn only_ended_dossiers_are_rated() {
        assert!(may_rate(Stage::Returned));
        assert!(may_rate(Stage::Refused));
        assert!(!may_rate(Stage::Resolved));
        assert!(!may_rate(Stage::Examining));
    }
}
