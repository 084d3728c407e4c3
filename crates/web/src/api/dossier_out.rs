//! A dossier as the API shows it: to its applicant, or to the staff handling it (who see the
//! steps, the assignee and the consultations too).
use motcua_app::dossiers::{Audience, DossierView};
use motcua_domain::dossier::national_label;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct FileOut {
    pub id: String,
    pub component: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    /// Decided from the content: pdf, jpg, png, heic, webp, p7s.
    pub kind: String,
    pub media_type: String,
    /// Each digital signature found when the file was attached, and what verifying it found
    /// (empty: unsigned).
    pub signatures: Vec<SignatureOut>,
    /// In a dossier's `files`: when the file is a result an agency signed and issued through
    /// this system to the same person, unchanged, its number (`<dossier code>-KQ<n>`). It is
    /// the original (Decree 45/2020): its paper is not asked for at the office. Null elsewhere.
    pub issued_result: Option<String>,
}

/// One digital signature of a file, as verified against the installed trust anchors and CRLs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureOut {
    /// valid, invalid (altered, truncated, malformed), untrusted (no chain to a trust anchor),
    /// expired (a certificate outside its validity when signing), revoked.
    #[schema(pattern = "^(valid|invalid|untrusted|expired|revoked)$")]
    pub status: String,
    /// The signer's name in the certificate.
    pub signer: Option<String>,
    /// The identifiers the certificate carries (e.g. `CCCD:…`, `MST:…`).
    pub signer_id: Option<String>,
    pub organisation: Option<String>,
    /// When the signer says they signed (RFC 3339; a claim, not a timestamp authority's).
    pub signed_at: Option<String>,
    /// Why the status is not `valid`, or what else to know (in Vietnamese).
    pub reason: Option<String>,
    /// For a detached `.p7s`: the id of the file it signs.
    pub signs: Option<String>,
}

fn signature_out(s: &motcua_domain::signature::Signature) -> SignatureOut {
    SignatureOut {
        status: s.status.as_str().into(),
        signer: s.signer.clone(),
        signer_id: s.signer_id.clone(),
        organisation: s.organisation.clone(),
        signed_at: s.signed_at.map(motcua_domain::calendar::rfc3339_vn),
        reason: s.reason.clone(),
        signs: s.signs.map(|u| u.to_string()),
    }
}

pub(super) fn file_out(f: &motcua_domain::record::DossierFile) -> FileOut {
    FileOut {
        id: f.id.to_string(),
        component: f.component_id.clone(),
        name: f.name.clone(),
        size: f.size,
        sha256: f.sha256.clone(),
        kind: f.kind.as_str().into(),
        media_type: f.kind.media_type().into(),
        signatures: f.signatures.iter().map(signature_out).collect(),
        issued_result: None,
    }
}

/// One line of the dossier's history as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub at: String,
    /// The act (e.g. `accept`), or `status` where the applicant sees the departments' work only
    /// as a change of status.
    pub kind: String,
    pub label: String,
    /// The stage entered (absent in the applicant's `status` lines).
    pub stage: Option<String>,
    /// The status entered, by name (see `DossierOut.status`).
    pub status: String,
    pub comment: Option<String>,
}

/// One line of the caller's list of dossiers: what tells them apart and where each stands
/// (`GET /api/v1/dossiers/{id}` has the whole dossier).
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierSummary {
    pub id: String,
    pub code: Option<String>,
    pub procedure: String,
    pub procedure_code: String,
    pub agency: String,
    pub agency_code: String,
    /// As in [`DossierOut`]: the national status by name, derived from the stage.
    pub status: String,
    /// The stage as the applicant reads it.
    pub status_label: String,
    pub national_status: Option<u8>,
    pub national_status_label: Option<String>,
    pub submitted_at: Option<String>,
    /// When the result is due (RFC 3339, +07:00).
    pub appointment_at: Option<String>,
}

pub fn summary_out(d: &motcua_app::dossiers::MyDossier) -> DossierSummary {
    let status = d.row.stage.status();
    DossierSummary {
        id: d.row.id.to_string(),
        code: d.row.code.clone(),
        procedure: d.procedure.clone(),
        procedure_code: d.procedure_code.clone(),
        agency: d.agency.clone(),
        agency_code: d.agency_code.clone(),
        status: status.as_str().into(),
        status_label: d.status_label.into(),
        national_status: status.code(),
        national_status_label: status.code().map(|n| national_label(n).to_string()),
        submitted_at: d.row.submitted_at.map(|t| t.to_string()),
        appointment_at: d
            .row
            .appointment_at
            .map(motcua_domain::calendar::rfc3339_vn),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierOut {
    pub id: String,
    pub code: Option<String>,
    pub procedure: String,
    pub procedure_code: String,
    pub procedure_version: i32,
    /// Changes with every change to the dossier: send it back as an action's `version` to be
    /// refused (409) if someone changed the dossier since it was read.
    pub version: i32,
    pub agency: String,
    pub agency_code: String,
    /// The national status by name: draft, submitted (1), accepted (2), refused (3),
    /// in_process (4), supplement_requested (5), withdrawn (7), declined (8), resolved (9),
    /// returned (10). Derived from `stage`.
    pub status: String,
    /// The stage's name in Vietnamese (the applicant reads the departments' steps as
    /// "Đang xử lý").
    pub status_label: String,
    /// The national status code, 1–10 (none for drafts).
    pub national_status: Option<u8>,
    pub national_status_label: Option<String>,
    /// in_person, online, postal
    pub intake: String,
    pub submitted_at: Option<String>,
    /// The valid receipt the appointment is counted from (RFC 3339, +07:00): the submission, or
    /// the resubmission after the desk's supplement request.
    pub received_at: Option<String>,
    /// The time to result applied, in the catalogue's own format (e.g.
    /// `{"unit": "working_days", "value": 5}`): the service's time for the dossier's channel
    /// (R8.1c). `motcua calendar due --from <received_at> --working-days 5` gives the
    /// appointment; a supplement the department asked for adds the time the person took.
    #[schema(value_type = Option<Object>)]
    pub time_to_result: Option<serde_json::Value>,
    pub appointment_at: Option<String>,
    /// The new date the agency gave with its apology (form 04), when it gave one; the national
    /// count still measures against `appointment_at`.
    pub new_appointment_at: Option<String>,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub declaration: Option<String>,
    pub declared_at: Option<String>,
    /// The files the caller may see (the applicant: their papers, and the result document the
    /// leader approved).
    pub files: Vec<FileOut>,
    /// The components (ids) whose originals the person shows at the office when the result is
    /// returned (R7.1a); a component whose papers are all issued results (`issued_result`) is
    /// not among them, nor anything when the result goes online or by post, or once the dossier
    /// has ended.
    pub originals_to_compare: Vec<String>,
    pub missing_components: Vec<String>,
    /// At level 4: the names of the components the procedure wants digitally signed whose
    /// files carry no valid signature; submitting then needs `papers_by_post` (R7.2a).
    pub unsigned_components: Vec<String>,
    /// The paper copies sent by post instead of signing: `awaited` (acceptance waits for
    /// them) or `received`; absent when none were needed.
    pub papers: Option<String>,
    pub papers_received_at: Option<String>,
    pub events: Vec<EventOut>,
    /// Notices about this dossier: `kind`, `created_at`, `subject`, and `delivery` with the state
    /// per channel (`inbox`, `email`, `sms`: pending, sent, dead).
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub supplement_requested: Option<serde_json::Value>,
    /// The workflow stage, e.g. `examining` (absent for the applicant while the departments
    /// work on it).
    pub stage: Option<String>,
    /// When the current step is due (RFC 3339, +07:00; staff only).
    pub step_due_at: Option<String>,
    /// The specialist assigned (user id; staff only).
    pub assignee: Option<String>,
    /// As the national monitoring counts it: early, on_time, late, in_time (none before
    /// acceptance).
    pub timeliness: Option<String>,
    /// Each step with its published process step, due point and how it ended (the control
    /// sheet, form 05; staff only).
    pub steps: Vec<StepOut>,
    /// Opinions asked of other agencies and their answers (R8.1b; staff only).
    pub consultations: Vec<ConsultationOut>,
    /// The agencies the dossier was disclosed to and on what basis (R10.5).
    pub disclosures: Vec<DisclosureOut>,
    /// The fee: what it owes after exemptions, what it paid, and how it stands.
    pub fees: FeesOut,
    /// The receipts (biên lai) issued for its payments.
    pub receipts: Vec<ReceiptOut>,
    /// How the person receives the result (R8.2); absent before a way was chosen (then any
    /// return step the lifecycle allows). Change it with `PUT …/result-delivery`.
    pub result_delivery: Option<ResultDeliveryOut>,
    /// The ways the service allows for the result: `office`, `online`, `post` (R8.2).
    pub result_ways: Vec<String>,
    /// Whether the caller may change how the result is received now.
    pub may_choose_result: bool,
}

/// How the person receives the result (R8.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultDeliveryOut {
    /// office, online, post
    #[schema(pattern = "^(office|online|post)$")]
    pub channel: String,
    /// The way in Vietnamese, with the address when by post.
    pub label: String,
    /// By post: where the result goes.
    pub post: Option<PostOut>,
    /// Đồng the post collects from the person on delivery (absent when nothing).
    pub postage: Option<i64>,
}

/// Where the post takes the result.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostOut {
    pub recipient: String,
    pub phone: String,
    pub address: String,
}

pub fn result_out(r: &motcua_domain::delivery::ResultDelivery) -> ResultDeliveryOut {
    ResultDeliveryOut {
        channel: r.channel.as_str().into(),
        label: r.label_vi(),
        post: r.post.as_ref().map(|p| PostOut {
            recipient: p.recipient.clone(),
            phone: p.phone.clone(),
            address: p.address.clone(),
        }),
        postage: r.postage,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeesOut {
    /// Đồng owed after exemptions (0: nothing to pay).
    pub due: i64,
    /// Đồng paid.
    pub paid: i64,
    /// Đồng paid back.
    pub refunded: i64,
    /// none, due, paid, refund_pending, refunded
    pub status: String,
    pub status_label: String,
    /// When the fee falls due: submission, acceptance or collection.
    pub fee_due: String,
    /// What may be paid now (absent when nothing may).
    pub payable: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    pub id: String,
    /// The receipt's number, gap-free per agency and year (`0000012/2026`).
    pub number: String,
    pub amount: i64,
    pub issued_at: String,
    /// cash, card, vnpay, national_portal, postal_order, bank_transfer
    pub method: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub stage: String,
    pub label: String,
    /// The step of the service's published internal process (R10.3).
    pub step: Option<String>,
    pub started_at: String,
    pub due_at: Option<String>,
    pub finished_at: Option<String>,
    /// early, on_time, late, in_time
    pub timeliness: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureOut {
    /// The agency's code.
    pub agency: String,
    pub agency_name: String,
    /// Why (`consultation`).
    pub purpose: String,
    /// The legal document it rests on, or `consent`.
    pub basis: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: String,
    pub agency_id: String,
    pub question: String,
    pub requested_at: String,
    pub due_at: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

pub fn dossier_out(v: &DossierView, now: jiff::Timestamp) -> DossierOut {
    let ts = |t: jiff::Timestamp| t.to_string();
    let vn = motcua_domain::calendar::rfc3339_vn;
    let staff = v.audience == Audience::Staff;
    let status = v.row.stage.status();
    DossierOut {
        id: v.row.id.to_string(),
        code: v.row.code.clone(),
        procedure: v.version.body.name.clone(),
        procedure_code: v.version.body.code.clone(),
        procedure_version: v.version.version,
        version: v.row.version,
        agency: v.agency.name.clone(),
        agency_code: v.agency.code.clone(),
        status: status.as_str().into(),
        status_label: v.status_label().into(),
        national_status: status.code(),
        national_status_label: status.code().map(|n| national_label(n).to_string()),
        intake: v.row.intake.as_str().into(),
        submitted_at: v.row.submitted_at.map(ts),
        received_at: v.row.received_at.map(vn),
        time_to_result: v
            .row
            .time_to_result
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok()),
        appointment_at: v.row.appointment_at.map(vn),
        new_appointment_at: v.row.new_appointment_at.map(vn),
        form: v.row.form.clone(),
        declaration: v.row.declaration.clone(),
        declared_at: v.row.declared_at.map(ts),
        files: v
            .files
            .iter()
            .map(|f| FileOut {
                issued_result: v.issued.get(&f.id).cloned(),
                ..file_out(f)
            })
            .collect(),
        originals_to_compare: v.to_compare.iter().map(|c| c.id.clone()).collect(),
        missing_components: v.missing().iter().map(|c| c.id.clone()).collect(),
        unsigned_components: v.unsigned(),
        papers: v.row.papers.map(|p| p.as_str().into()),
        papers_received_at: v.row.papers_received_at.map(vn),
        result_delivery: v.row.result.as_ref().map(result_out),
        result_ways: v.result_ways.iter().map(|w| w.as_str().into()).collect(),
        may_choose_result: v.can.may_choose_result,
        events: events_out(v),
        notices: notices_out(v),
        supplement_requested: v
            .row
            .supplement
            .as_ref()
            .map(|s| serde_json::to_value(s).expect("plain JSON")),
        stage: v.visible_stage().map(|s| s.as_str().into()),
        step_due_at: v.row.step_due_at.filter(|_| staff).map(vn),
        assignee: v.row.assignee_id.filter(|_| staff).map(|u| u.to_string()),
        timeliness: v.timeliness.map(|t| t.as_str().into()),
        steps: match staff {
            true => motcua_app::processing::steps(&v.events, now)
                .into_iter()
                .map(step_out)
                .collect(),
            false => vec![],
        },
        consultations: consultations_out(v),
        disclosures: v
            .disclosures
            .iter()
            .map(|x| DisclosureOut {
                agency: x.agency_code.clone(),
                agency_name: x.agency_name.clone(),
                purpose: x.purpose.clone(),
                basis: x.basis.clone(),
                at: vn(x.at),
            })
            .collect(),
        fees: FeesOut {
            due: v.fee.fees.due,
            paid: v.fee.fees.paid,
            refunded: v.fee.fees.refunded,
            status: v.fee.fees.status.as_str().into(),
            status_label: v.fee.fees.status.label_vi().into(),
            fee_due: v.fee.fee_due.as_str().into(),
            payable: v.fee.payable,
        },
        receipts: v
            .fee
            .receipts
            .iter()
            .map(|r| ReceiptOut {
                id: r.id.to_string(),
                number: r.number(),
                amount: r.amount,
                issued_at: vn(r.issued_at),
                method: r.method.as_str().into(),
            })
            .collect(),
    }
}

fn events_out(v: &DossierView) -> Vec<EventOut> {
    v.timeline
        .iter()
        .map(|e| EventOut {
            at: e.at.to_string(),
            kind: e.act.map_or("status", |a| a.as_str()).into(),
            label: e.label.clone(),
            stage: e.stage.map(|s| s.as_str().into()),
            status: e.status.as_str().into(),
            comment: e.comment.clone(),
        })
        .collect()
}

/// Each notice with the state of its delivery on every channel.
fn notices_out(v: &DossierView) -> Vec<serde_json::Value> {
    v.notices
        .iter()
        .map(|(n, ds)| {
            let mut delivery = serde_json::Map::new();
            for d in ds {
                delivery.insert(d.channel.as_str().into(), serde_json::json!({"state": d.state.as_str(), "attempts": d.attempts, "sent_at": d.sent_at.map(|t| t.to_string())}));
            }
            serde_json::json!({"id": n.id, "kind": n.kind.as_str(), "subject": n.subject, "created_at": n.created_at.to_string(), "delivery": delivery})
        })
        .collect()
}

fn consultations_out(v: &DossierView) -> Vec<ConsultationOut> {
    let vn = motcua_domain::calendar::rfc3339_vn;
    v.consultations
        .iter()
        .map(|c| ConsultationOut {
            id: c.id.to_string(),
            agency_id: c.agency_id.to_string(),
            question: c.question.clone(),
            requested_at: vn(c.requested_at),
            due_at: vn(c.due_at),
            answered_at: c.answered_at.map(vn),
            answer: c.answer.clone(),
        })
        .collect()
}

fn step_out(st: motcua_app::processing::StepView) -> StepOut {
    let vn = motcua_domain::calendar::rfc3339_vn;
    StepOut {
        stage: st.stage.as_str().into(),
        label: st.stage.label_vi().into(),
        step: st.step,
        started_at: vn(st.started_at),
        due_at: st.due_at.map(vn),
        finished_at: st.finished_at.map(vn),
        timeliness: st.timeliness.map(|t| t.as_str().into()),
    }
}
