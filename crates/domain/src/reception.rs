//! What reception checks of a dossier for validity and completeness (R11.1): each component of
//! the procedure, why it is needed (always, on a condition the answers meet or not, or when the
//! person has it), the papers attached to it, whether one is missing, and which papers an
//! officer has marked as checked. A supplement request (R11.2) starts from what is left.
use uuid::Uuid;

use crate::catalogue::Component;
use crate::form::FormSpec;

/// Why a component is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    Always,
    /// Needed when an answer has a value: the condition in words, and whether the answers meet
    /// it.
    When {
        condition: String,
        holds: bool,
    },
    /// The person adds it if they have it.
    IfAny,
}

impl Need {
    pub fn needed(&self) -> bool {
        matches!(self, Need::Always | Need::When { holds: true, .. })
    }

    pub fn label_vi(&self) -> String {
        match self {
            Need::Always => "Bắt buộc".into(),
            Need::When { condition, holds } => format!(
                "Bắt buộc {condition}{}",
                if *holds {
                    " (đúng với tờ khai)"
                } else {
                    " (không áp dụng)"
                }
            ),
            Need::IfAny => "Nếu có".into(),
        }
    }
}

/// A paper attached to a dossier, as reception sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    pub id: Uuid,
    pub component: String,
    pub checked: bool,
    /// Quarantined after a later malware scan (R4.4): listed, but it does not count as given.
    pub withheld: bool,
}

/// One component of the dossier, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentCheck {
    pub id: String,
    pub name: String,
    pub need: Need,
    /// The papers attached to it, in the order given.
    pub papers: Vec<Uuid>,
    /// Needed, and no paper attached that may be used.
    pub missing: bool,
    /// Papers attached and not all marked as checked (a withheld one never is).
    pub unchecked: bool,
}

/// Each component of the procedure with what the dossier holds for it.
pub fn component_checks(
    components: &[Component],
    form: &FormSpec,
    answers: &serde_json::Value,
    papers: &[Paper],
) -> Vec<ComponentCheck> {
    // Whether a component is needed is the one rule submission applies (R6.2).
    let needed: Vec<&str> = crate::dossier::needed_components(components, answers)
        .into_iter()
        .map(|c| c.id.as_str())
        .collect();
    components
        .iter()
        .map(|c| {
            let holds = needed.contains(&c.id.as_str());
            let need = match (&c.condition, c.required) {
                (_, true) => Need::Always,
                (Some(k), false) => Need::When {
                    condition: condition_vi(form, &k.field, &k.equals),
                    holds,
                },
                (None, false) => Need::IfAny,
            };
            let mine: Vec<&Paper> = papers.iter().filter(|p| p.component == c.id).collect();
            ComponentCheck {
                id: c.id.clone(),
                name: c.name.clone(),
                missing: holds && mine.iter().all(|p| p.withheld),
                unchecked: mine.iter().any(|p| !p.checked || p.withheld),
                papers: mine.iter().map(|p| p.id).collect(),
                need,
            }
        })
        .collect()
}

/// The condition as the officer reads it: `khi «Nộp thay» là «Có»`.
fn condition_vi(form: &FormSpec, field: &str, equals: &serde_json::Value) -> String {
    match form.shown_value(field, equals) {
        Some((label, value)) => format!("khi «{label}» là «{value}»"),
        // A condition on a field the form no longer has (the catalogue's to mend).
        None => "khi tờ khai có câu trả lời tương ứng".into(),
    }
}

/// The components a supplement request starts from: those missing, and, once reception has
/// marked any paper as checked, those with a paper left unchecked. Before any mark, an
/// unchecked paper says nothing about it.
pub fn to_supplement(checks: &[ComponentCheck], papers: &[Paper]) -> Vec<String> {
    let marking = papers.iter().any(|p| p.checked);
    checks
        .iter()
        .filter(|c| c.missing || (marking && c.unchecked))
        .map(|c| c.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Condition, Original};
    use serde_json::json;

    fn component(
        id: &str,
        required: bool,
        condition: Option<(&str, serde_json::Value)>,
    ) -> Component {
        Component {
            id: id.into(),
            name: format!("Giấy {id}"),
            quantity: 1,
            original: Original::Copy,
            required,
            condition: condition.map(|(field, equals)| Condition {
                field: field.into(),
                equals,
            }),
            form: None,
            signed: false,
            embedded_files: false,
        }
    }

    fn form() -> FormSpec {
        FormSpec::from_schema(&json!({"type": "object", "properties": {
            "nop_thay": {"type": "boolean", "title": "Nộp thay"}}}))
        .unwrap()
    }

    fn paper(n: u128, component: &str, checked: bool) -> Paper {
        Paper {
            id: Uuid::from_u128(n),
            component: component.into(),
            checked,
            withheld: false,
        }
    }

    #[test]
    fn each_component_says_why_and_what_is_missing() {
        let cs = [
            component("don", true, None),
            component("uy-quyen", false, Some(("nop_thay", json!(true)))),
            component("khac", false, None),
        ];
        let papers = [paper(1, "don", false)];
        let checks = component_checks(&cs, &form(), &json!({"nop_thay": true}), &papers);
        assert_eq!(checks[0].need, Need::Always);
        assert!(!checks[0].missing && checks[0].unchecked);
        assert_eq!(checks[0].papers, vec![Uuid::from_u128(1)]);
        assert_eq!(
            checks[1].need,
            Need::When {
                condition: "khi «Nộp thay» là «Có»".into(),
                holds: true
            }
        );
        assert!(
            checks[1].missing,
            "a conditional component whose condition holds"
        );
        assert_eq!(
            checks[1].need.label_vi(),
            "Bắt buộc khi «Nộp thay» là «Có» (đúng với tờ khai)"
        );
        assert!(!checks[2].missing, "an optional one is never missing");
        let not = component_checks(&cs, &form(), &json!({"nop_thay": false}), &papers);
        assert!(!not[1].missing && !not[1].need.needed());
    }

    #[test]
    fn a_supplement_starts_from_what_is_missing_then_from_what_is_unchecked() {
        let cs = [
            component("don", true, None),
            component("ban-ve", true, None),
            component("giay", true, None),
        ];
        let none_marked = [paper(1, "don", false), paper(2, "ban-ve", false)];
        let checks = component_checks(&cs, &form(), &json!({}), &none_marked);
        assert_eq!(to_supplement(&checks, &none_marked), vec!["giay"]);
        let marked = [paper(1, "don", true), paper(2, "ban-ve", false)];
        let checks = component_checks(&cs, &form(), &json!({}), &marked);
        assert_eq!(to_supplement(&checks, &marked), vec!["ban-ve", "giay"]);
    }

    #[test]
    fn a_quarantined_paper_does_not_count_as_given() {
        let cs = [component("don", true, None)];
        let withheld = [Paper {
            withheld: true,
            ..paper(1, "don", true)
        }];
        let checks = component_checks(&cs, &form(), &json!({}), &withheld);
        assert!(checks[0].missing && checks[0].unchecked);
        assert_eq!(to_supplement(&checks, &withheld), vec!["don"]);
    }
}
