//! Which originals the person shows at the office to have them compared (R7.1a), and which
//! papers need none: an electronic result an agency signed and issued through this system is
//! itself the original. Under Decree 45/2020 an electronic result of the competent agency has
//! the paper result's legal validity (Art. 14 cl. 3 says what makes one: the agency's digital
//! signature over the whole content, its integrity kept), and officials may not demand papers
//! already legally recognised (the 2025 Law on Digital Transformation disciplines those who do).
use crate::catalogue::{Component, Original};
use crate::event::ReturnChannel;
use crate::lifecycle::Stage;

/// A paper a dossier holds, as this rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldPaper<'a> {
    pub component: &'a str,
    /// The very bytes of a result an agency signed and issued here, its signatures valid when
    /// stored: the electronic original.
    pub issued_original: bool,
}

/// Whether a component asks the person to show its original: the original itself, or a copy
/// that is certified or compared with the original.
pub fn asks_original(o: Original) -> bool {
    matches!(o, Original::Original | Original::CertifiedCopy)
}

/// What the rule reads of a dossier.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub stage: Stage,
    pub answers: &'a serde_json::Value,
    pub papers: &'a [HeldPaper<'a>],
    /// The way chosen to receive the result, if any.
    pub way: Option<ReturnChannel>,
}

/// The components whose originals the person still brings to be compared when the result is
/// handed over at the office (R7.1a), the way chosen or, before any choice, the default:
/// those that ask for an original, among the components the answers need or that hold papers,
/// except a component whose papers are all electronic originals. A needed component without
/// papers still asks (its papers were handed over on paper, or are still to come). A result
/// received online or by post is handed over without it; a dossier that has ended asks nothing.
pub fn to_compare<'a>(components: &'a [Component], d: Held<'_>) -> Vec<&'a Component> {
    let at_office = d.way.unwrap_or(crate::delivery::DEFAULT) == ReturnChannel::Office;
    if !at_office || !crate::delivery::may_change(d.stage) {
        return vec![];
    }
    let (answers, papers) = (d.answers, d.papers);
    let needed = crate::dossier::needed_components(components, answers);
    components
        .iter()
        .filter(|c| asks_original(c.original))
        .filter(|c| {
            let mine: Vec<_> = papers.iter().filter(|p| p.component == c.id).collect();
            match mine.is_empty() {
                true => needed.iter().any(|n| n.id == c.id),
                false => !mine.iter().all(|p| p.issued_original),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Condition;
    use serde_json::json;

    fn component(id: &str, original: Original) -> Component {
        Component {
            id: id.into(),
            name: format!("Giấy {id}"),
            quantity: 1,
            original,
            required: true,
            condition: None,
            form: None,
            signed: false,
            embedded_files: false,
        }
    }

    fn held<'a>(
        answers: &'a serde_json::Value,
        papers: &'a [HeldPaper<'a>],
        way: Option<ReturnChannel>,
    ) -> Held<'a> {
        Held {
            stage: Stage::Accepted,
            answers,
            papers,
            way,
        }
    }

    fn ids(cs: Vec<&Component>) -> Vec<&str> {
        cs.into_iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn only_originals_and_certified_copies_are_compared() {
        let cs = [
            component("a", Original::Original),
            component("b", Original::Copy),
            component("c", Original::OriginalOrCopy),
            component("d", Original::CertifiedCopy),
        ];
        assert_eq!(
            ids(to_compare(&cs, held(&json!({}), &[], None))),
            ["a", "d"]
        );
    }

    #[test]
    fn an_issued_electronic_result_is_the_original() {
        let cs = [
            component("a", Original::Original),
            component("d", Original::CertifiedCopy),
        ];
        let issued = |c| HeldPaper {
            component: c,
            issued_original: true,
        };
        let scan = |c| HeldPaper {
            component: c,
            issued_original: false,
        };
        // Every paper of `a` is an electronic original: nothing to compare for it.
        assert_eq!(
            ids(to_compare(
                &cs,
                held(&json!({}), &[issued("a"), scan("d")], None)
            )),
            ["d"]
        );
        assert!(to_compare(&cs, held(&json!({}), &[issued("a"), issued("d")], None)).is_empty());
        // A scan beside the electronic original is still compared.
        assert_eq!(
            ids(to_compare(
                &cs,
                held(&json!({}), &[issued("a"), scan("a"), issued("d")], None)
            )),
            ["a"]
        );
        // An electronic original of another component changes nothing here.
        assert_eq!(
            ids(to_compare(&cs, held(&json!({}), &[issued("x")], None))),
            ["a", "d"]
        );
        let office = Some(ReturnChannel::Office);
        assert_eq!(
            ids(to_compare(&cs, held(&json!({}), &[scan("a")], office))),
            ["a", "d"]
        );
    }

    #[test]
    fn a_conditional_component_asks_when_its_condition_holds_or_it_holds_papers() {
        let mut c = component("uy-quyen", Original::CertifiedCopy);
        c.required = false;
        c.condition = Some(Condition {
            field: "nop_thay".into(),
            equals: json!(true),
        });
        let cs = [c];
        let scan = HeldPaper {
            component: "uy-quyen",
            issued_original: false,
        };
        assert!(to_compare(&cs, held(&json!({"nop_thay": false}), &[], None)).is_empty());
        let asks =
            |answers, papers: &[HeldPaper]| ids(to_compare(&cs, held(&answers, papers, None)));
        assert_eq!(asks(json!({"nop_thay": true}), &[]), ["uy-quyen"]);
        assert_eq!(asks(json!({}), &[scan]), ["uy-quyen"]);
    }

    #[test]
    fn nothing_is_compared_when_the_result_goes_online_or_by_post() {
        let cs = [component("a", Original::Original)];
        for way in [ReturnChannel::Online, ReturnChannel::Post] {
            assert!(
                to_compare(&cs, held(&json!({}), &[], Some(way))).is_empty(),
                "{way:?}"
            );
        }
    }

    #[test]
    fn nothing_is_asked_once_the_dossier_has_ended() {
        let cs = [component("a", Original::Original)];
        let none = json!({});
        for stage in [Stage::Returned, Stage::Withdrawn] {
            let d = Held {
                stage,
                ..held(&none, &[], None)
            };
            assert!(to_compare(&cs, d).is_empty(), "{stage:?}");
        }
    }
}
