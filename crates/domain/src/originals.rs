//! Which originals the person shows at the office to have them compared (R7.1a), and which
//! papers need none: an electronic result an agency signed and issued through this system is
//! itself the original. It has the legal value of the paper result (Decree 45/2020 Art. 14
//! cl. 3, as amended by Decree 107/2021), and an agency may not ask for papers already legally
//! recognised (Art. 25; the Law on Digital Transformation 2025).
use crate::catalogue::{Component, Original};
use crate::event::ReturnChannel;

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

/// The components whose originals the person brings to be compared when the result is
/// handed over at the office (R7.1a), the way chosen or, before any choice, the default:
/// those that ask for an original, among the components the answers need or that hold papers,
/// except a component whose papers are all electronic originals. A needed component without
/// papers still asks (its papers were handed over on paper, or are still to come). A result
/// received online or by post is handed over without it.
pub fn to_compare<'a>(
    components: &'a [Component],
    answers: &serde_json::Value,
    papers: &[HeldPaper<'_>],
    way: Option<ReturnChannel>,
) -> Vec<&'a Component> {
    if way.unwrap_or(crate::delivery::DEFAULT) != ReturnChannel::Office {
        return vec![];
    }
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
        assert_eq!(ids(to_compare(&cs, &json!({}), &[], None)), ["a", "d"]);
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
            ids(to_compare(&cs, &json!({}), &[issued("a"), scan("d")], None)),
            ["d"]
        );
        assert!(to_compare(&cs, &json!({}), &[issued("a"), issued("d")], None).is_empty());
        // A scan beside the electronic original is still compared.
        assert_eq!(
            ids(to_compare(
                &cs,
                &json!({}),
                &[issued("a"), scan("a"), issued("d")],
                None
            )),
            ["a"]
        );
        // An electronic original of another component changes nothing here.
        assert_eq!(
            ids(to_compare(&cs, &json!({}), &[issued("x")], None)),
            ["a", "d"]
        );
        let office = Some(ReturnChannel::Office);
        assert_eq!(
            ids(to_compare(&cs, &json!({}), &[scan("a")], office)),
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
        assert!(to_compare(&cs, &json!({"nop_thay": false}), &[], None).is_empty());
        let asks = |answers, papers: &[HeldPaper]| ids(to_compare(&cs, &answers, papers, None));
        assert_eq!(asks(json!({"nop_thay": true}), &[]), ["uy-quyen"]);
        assert_eq!(asks(json!({}), &[scan]), ["uy-quyen"]);
    }

    #[test]
    fn nothing_is_compared_when_the_result_goes_online_or_by_post() {
        let cs = [component("a", Original::Original)];
        for way in [ReturnChannel::Online, ReturnChannel::Post] {
            assert!(
                to_compare(&cs, &json!({}), &[], Some(way)).is_empty(),
                "{way:?}"
            );
        }
    }
}
