//! The description of the steps a caller may take now, with every field's type, whether it is
//! required and the values allowed: what the staff page renders and what a program reads from
//! `GET /api/v1/dossiers/{code}/actions` to know exactly what to send.
use motcua_domain::catalogue::Original;
use motcua_domain::lifecycle::{Act, CONSULTATION_ITEM, Field, FieldType, Stage, Who};
use motcua_store::agencies;
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, DossierRow, EventRow};
use uuid::Uuid;

use super::steps::component_name;
use super::{FORM_COMPONENT, RESULT_COMPONENT, available_to};
use crate::{App, Result, Session};

/// One value a choice may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    pub value: String,
    pub label: String,
}

/// One field of an action.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldType,
    /// A list of strings rather than one (with `Text`).
    pub multiple: bool,
    pub required: bool,
    /// The values allowed (choices, files, a list item's agency).
    pub options: Vec<OptionSpec>,
    /// For a file: the path that uploads one and the component to upload it as.
    pub upload: Option<(String, &'static str)>,
    /// For a list: the fields of each item.
    pub items: Vec<FieldSpec>,
}

impl FieldSpec {
    fn of(field: Field, required: bool) -> Self {
        FieldSpec {
            name: field.as_str(),
            label: field.label_vi(),
            kind: field.kind(),
            multiple: field.multiple(),
            required,
            options: vec![],
            upload: None,
            items: vec![],
        }
    }
}

/// A step the caller may take now, with its fields.
#[derive(Debug, Clone)]
pub struct ActionSpec {
    pub act: Act,
    pub who: Who,
    pub fields: Vec<FieldSpec>,
    /// Fields of which at least one must be given.
    pub one_of: Vec<&'static str>,
    /// A step that ends or turns back the dossier (shown as such).
    pub danger: bool,
}

fn opt(value: impl Into<String>, label: impl Into<String>) -> OptionSpec {
    OptionSpec {
        value: value.into(),
        label: label.into(),
    }
}

impl App {
    /// The steps the caller may take now on a dossier they can see, each described whole.
    pub async fn action_specs(&self, s: &Session, id: Uuid) -> Result<(Stage, Vec<ActionSpec>)> {
        let d = self.visible(s, id).await?;
        let mut out = vec![];
        let conn = self.db.conn();
        let needs_data = available_to(s, &d);
        if needs_data.is_empty() {
            return Ok((d.stage, out));
        }
        let mut d = d;
        self.ensure_plan(conn, &mut d).await?;
        let version = cat::get_version(conn, d.procedure_version_id).await?;
        let events = ds::events(conn, d.id).await?;
        for a in needs_data {
            let mut fields = vec![];
            for (field, required) in a.act.fields() {
                fields.push(
                    self.field_spec(s, &d, &version, &events, a.act, *field, *required)
                        .await?,
                );
            }
            out.push(ActionSpec {
                act: a.act,
                who: a.who,
                fields,
                one_of: a.act.one_of().iter().map(|f| f.as_str()).collect(),
                danger: matches!(
                    a.act,
                    Act::Refuse
                        | Act::ProposeDecline
                        | Act::SendDecline
                        | Act::ReturnForRevision
                        | Act::TakeBack
                ),
            });
        }
        Ok((d.stage, out))
    }

    #[allow(clippy::too_many_arguments)] // what one field's options depend on
    async fn field_spec(
        &self,
        s: &Session,
        d: &DossierRow,
        version: &Version,
        events: &[EventRow],
        act: Act,
        field: Field,
        required: bool,
    ) -> Result<FieldSpec> {
        let conn = self.db.conn();
        let mut f = FieldSpec::of(field, required);
        match field {
            Field::Assignee => {
                f.options = self
                    .eligible_specialists(conn, d, s.user.id)
                    .await?
                    .into_iter()
                    .filter(|(id, _)| act != Act::Reassign || Some(*id) != d.assignee_id)
                    .map(|(id, name)| opt(id.to_string(), name))
                    .collect();
            }
            Field::Components => f.options = supplement_options(version, d, events, act),
            Field::ResultDocument => {
                f.options = ds::files(conn, d.id)
                    .await?
                    .into_iter()
                    .filter(|x| x.component_id == RESULT_COMPONENT)
                    .map(|x| opt(x.id.to_string(), x.name))
                    .collect();
                f.upload = Some((
                    format!("/api/v1/dossiers/{}/attachments", d.id),
                    RESULT_COMPONENT,
                ));
            }
            Field::Consultations => {
                let agencies: Vec<OptionSpec> = agencies::list_agencies(conn)
                    .await?
                    .into_iter()
                    .filter(|a| a.id != d.agency_id && a.valid_to.is_none())
                    .map(|a| opt(a.code, a.name))
                    .collect();
                f.items = CONSULTATION_ITEM
                    .iter()
                    .map(|(name, label, kind)| FieldSpec {
                        name,
                        label,
                        kind: *kind,
                        multiple: false,
                        required: true,
                        options: if *kind == FieldType::Choice {
                            agencies.clone()
                        } else {
                            vec![]
                        },
                        upload: None,
                        items: vec![],
                    })
                    .collect();
            }
            Field::OriginalsCompared => {
                f.required =
                    version.body.components.iter().any(|c| {
                        matches!(c.original, Original::Original | Original::CertifiedCopy)
                    });
            }
            _ => {}
        }
        Ok(f)
    }
}

/// The components a supplement request may name: every component and the declaration form; on
/// the desk's request after a resubmission, only what the resubmission changed (R3.4).
fn supplement_options(
    version: &Version,
    d: &DossierRow,
    events: &[EventRow],
    act: Act,
) -> Vec<OptionSpec> {
    let ids: Vec<String> = if act == Act::RequestSupplement && d.stage == Stage::Supplemented {
        events
            .iter()
            .rev()
            .find(|e| e.kind == Act::Resubmit.as_str())
            .and_then(|e| e.data.as_ref()?.get("changed")?.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    } else {
        version
            .body
            .components
            .iter()
            .map(|c| c.id.clone())
            .chain(std::iter::once(FORM_COMPONENT.to_string()))
            .collect()
    };
    ids.into_iter()
        .filter_map(|id| Some(opt(id.clone(), component_name(version, &id)?)))
        .collect()
}
