//! The description of the steps a caller may take now, with every field's type, whether it is
//! required and the values allowed: what the staff page renders and what a program reads from
//! `GET /api/v1/dossiers/{code}/actions` to know exactly what to send.
use motcua_domain::lifecycle::{Act, CONSULTATION_ITEM, Field, FieldType, Stage, Who};
use motcua_store::agencies;
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, Dossier};
use uuid::Uuid;

use super::steps::{component_name, is_repeat_request};
use super::{FORM_COMPONENT, RESULT_COMPONENT, available_to};
use crate::{App, Result, Session};
use motcua_domain::event::{Event, changed_by_resubmission};

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

/// What the caller may do now on a dossier, with where it stands as the caller may read it.
#[derive(Debug, Clone)]
pub struct Actions {
    /// The stage (none for the applicant while the departments work on it).
    pub stage: Option<Stage>,
    pub label: &'static str,
    pub national: Option<u8>,
    pub actions: Vec<ActionSpec>,
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
    pub async fn action_specs(&self, s: &Session, id: Uuid) -> Result<Actions> {
        let d = self.visible(s, id).await?;
        // A step the unpaid fee holds is not offered (as on the pages).
        let fee = self.fee_view(self.db.conn(), &d).await?;
        let acts = available_to(s, &d)
            .into_iter()
            .filter(|a| Self::fee_hold(&fee, a.act).is_ok())
            .filter(|a| crate::signatures::papers_hold(&d, a.act).is_ok())
            .collect();
        self.describe_actions(s, d, acts).await
    }

    /// The steps of a dossier view's capabilities, each described whole.
    pub async fn describe_view_actions(
        &self,
        s: &Session,
        v: &crate::dossiers::DossierView,
    ) -> Result<Actions> {
        self.describe_actions(s, v.row.clone(), v.can.acts.clone())
            .await
    }

    /// `acts` (those the caller may take now), each with its fields and the values allowed.
    async fn describe_actions(
        &self,
        s: &Session,
        d: Dossier,
        needs_data: Vec<super::Available>,
    ) -> Result<Actions> {
        let audience = crate::dossiers::Audience::of(s, &d);
        let mut out = Actions {
            stage: audience.stage(d.stage),
            label: audience.label(d.stage),
            national: d.stage.national(),
            actions: vec![],
        };
        let conn = self.db.conn();
        if needs_data.is_empty() {
            return Ok(out);
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
            // A repeat request must name what the resubmission changed.
            let repeat = is_repeat_request(&d, a.act);
            if repeat && let Some(f) = fields.iter_mut().find(|f| f.name == "components") {
                f.required = true;
            }
            out.actions.push(ActionSpec {
                act: a.act,
                who: a.who,
                fields,
                one_of: match repeat {
                    true => vec![],
                    false => a.act.one_of().iter().map(|f| f.as_str()).collect(),
                },
                danger: a.act.turns_back(),
            });
        }
        Ok(out)
    }

    /// The fields of one consultation with their choices: other agencies, the dossier's files,
    /// and the bases a disclosure may rest on (R10.5).
    async fn consultation_items(&self, d: &Dossier, version: &Version) -> Result<Vec<FieldSpec>> {
        let conn = self.db.conn();
        let agencies: Vec<OptionSpec> = agencies::list_agencies(conn)
            .await?
            .into_iter()
            .filter(|a| a.id != d.agency_id && a.valid_to.is_none())
            .map(|a| opt(a.code, a.name))
            .collect();
        let files: Vec<OptionSpec> = ds::files(conn, d.id)
            .await?
            .into_iter()
            .filter(|x| x.component_id != RESULT_COMPONENT)
            .map(|x| opt(x.id.to_string(), x.name))
            .collect();
        let mut bases: Vec<OptionSpec> = version
            .body
            .legal_basis
            .iter()
            .map(|l| opt(l.clone(), l.clone()))
            .collect();
        bases.push(opt(
            motcua_domain::privacy::CONSENT,
            "Sự đồng ý của người nộp hồ sơ",
        ));
        Ok(CONSULTATION_ITEM
            .iter()
            .map(|(name, label, kind, multiple)| FieldSpec {
                name,
                label,
                kind: *kind,
                multiple: *multiple,
                required: *name != "files",
                options: match *name {
                    "agency" => agencies.clone(),
                    "files" => files.clone(),
                    "basis" => bases.clone(),
                    _ => vec![],
                },
                upload: None,
                items: vec![],
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)] // what one field's options depend on
    async fn field_spec(
        &self,
        s: &Session,
        d: &Dossier,
        version: &Version,
        events: &[Event],
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
            Field::Consultations => f.items = self.consultation_items(d, version).await?,
            Field::OriginalsCompared => {
                f.required = !self
                    .originals_to_compare(conn, d, version)
                    .await?
                    .is_empty();
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
    d: &Dossier,
    events: &[Event],
    act: Act,
) -> Vec<OptionSpec> {
    let ids: Vec<String> = if is_repeat_request(d, act) {
        changed_by_resubmission(events)
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
