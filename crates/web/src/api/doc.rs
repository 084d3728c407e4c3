//! The OpenAPI 3.1 document of the API: every operation with its schemas and error statuses.
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use super::accounts::{__path_issue_token, __path_me, __path_revoke_token};
use super::agencies::__path_agencies;
use super::catalogue::{
    __path_agency_services, __path_procedure, __path_procedures, __path_sectors,
};
use super::contract::Problems;
use super::dossiers::{
    __path_attach, __path_claim, __path_confirm_claim, __path_create, __path_detach,
    __path_download, __path_get, __path_list, __path_put_form, __path_put_result_delivery,
    __path_submit, __path_withdraw,
};
use super::feedback::{
    __path_agency_list, __path_answer as __path_answer_feedback, __path_mine, __path_send,
    __path_verdict,
};
use super::incidents::{
    __path_list as __path_list_incidents, __path_update as __path_update_incident,
};
use super::lookup::__path_lookup;
use super::national::{__path_paid, __path_receive, __path_returned};
use super::payments::{
    __path_approve, __path_ipn, __path_pay_back, __path_record, __path_refunds, __path_start,
    __path_statement,
};
use super::privacy::{
    __path_answer_request, __path_audit_log, __path_audit_proof, __path_get_incident,
    __path_give_consent, __path_incident_notified, __path_my_consents, __path_my_export,
    __path_my_requests, __path_new_request, __path_open_requests, __path_privacy_notice,
    __path_report_incident, __path_withdraw_consent,
};
use super::processing::{
    __path_actions, __path_answer, __path_consultations, __path_perform, __path_worklist,
};
use super::reception::{__path_accept, __path_refuse, __path_register, __path_supplement_request};
use super::reports::{
    __path_behind, __path_criteria, __path_rate, __path_scorecard, __path_search, __path_statistics,
};
use super::signatures::{__path_papers, __path_result, __path_verify};
use super::submissions::__path_submit_new;
use super::wallet::{__path_attach as __path_attach_from_wallet, __path_list as __path_wallet};
use super::yearly::{
    __path_add_line, __path_get as __path_get_report, __path_list as __path_list_reports,
    __path_refresh, __path_remove_line, __path_start as __path_start_report,
    __path_submit as __path_submit_report, __path_text,
};

use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get("/api/openapi.json", Public, openapi_json)
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document. Operations are listed by name, not by module path: utoipa would turn a module
/// path into the operation's tag, and the tags are the operations' own (see `kit::tags`).
#[derive(OpenApi)]
#[openapi(
    info(title = "motcua API", description = "Dịch vụ công trực tuyến: the JSON API for portals, integrations and tests."),
    paths(issue_token, revoke_token, me, agencies, procedures, procedure, sectors, agency_services,
        create, list, register, get, put_form,
        attach, download, detach, submit, withdraw, put_result_delivery, claim, confirm_claim, wallet, attach_from_wallet, submit_new,
        supplement_request, accept, refuse, lookup,
        actions, perform, worklist, consultations, answer,
        start, record, ipn, refunds, approve, pay_back, statement,
        verify, result, papers,
        privacy_notice, my_export, my_consents, give_consent, withdraw_consent, my_requests, new_request,
        open_requests, answer_request, report_incident, get_incident, incident_notified, audit_log, audit_proof,
        statistics, scorecard, behind, search, criteria, rate,
        send, agency_list, mine, answer_feedback, verdict, list_incidents, update_incident,
        list_reports, start_report, get_report, text, refresh, add_line, remove_line, submit_report,
        receive, paid, returned),
    components(schemas(super::contract::Problem, super::contract::FieldProblem, super::accounts::TokenRequest, super::accounts::TokenResponse, super::accounts::Me, super::accounts::GrantOut, super::agencies::AgencyOut, super::agencies::UnitOut, super::catalogue::ProcedureItem, super::catalogue::AgencyRef, super::catalogue::ComponentOut, super::catalogue::ServiceOut, super::catalogue::ProcedureDetail, super::catalogue::SectorOut, super::catalogue::FieldOut, super::catalogue::UsageOut,
        super::dossiers::NewDossier, super::dossiers::NewDossierByService, super::dossiers::NewDossierByCodes, super::dossiers::AttachForm, super::dossiers::Created, super::dossier_out::FileOut, super::dossiers::SubmitRequest, super::dossiers::Submitted, super::submissions::SubmissionForm, super::submissions::NewSubmission, super::submissions::SubmissionMade, super::reception::AcceptRequest, super::reception::Accepted, super::reception::RefuseRequest,
        super::dossier_out::EventOut, super::dossier_out::DossierOut, super::dossier_out::DossierSummary, super::dossiers::WithdrawRequest, super::dossiers::ResultChoiceIn, super::dossiers::PostIn, super::dossiers::ClaimRequest, super::dossiers::ClaimSent, super::dossiers::ClaimConfirm, super::wallet::Wallet, super::wallet::WalletPaperOut, super::wallet::FromWallet, super::dossier_out::ResultDeliveryOut, super::dossier_out::PostOut, super::reception::SupplementRequest, super::reception::RegisterRequest,
        super::dossier_out::StepOut, super::dossier_out::ConsultationOut, super::dossier_out::DisclosureOut,
        super::processing::ActionOut, super::processing::ActionsOut, super::processing::ActionFieldOut, super::processing::ActionOptionOut, super::processing::ItemFieldOut, super::processing::UploadOut, super::processing::ActionRequest, super::processing::ConsultationRequest, super::processing::ActionDone,
        super::processing::WorkItemOut, super::processing::WorklistOut, super::processing::PendingConsultation, super::processing::AnswerRequest,
        super::dossier_out::FeesOut, super::dossier_out::ReceiptOut, super::payments::PaymentStartedOut, super::payments::RecordRequest, super::payments::RecordedOut, super::payments::IpnOut, super::payments::RefundOut, super::payments::PayBackRequest,
        super::dossier_out::SignatureOut, super::signatures::AuthenticityOut, super::signatures::VerifyForm, super::signatures::PapersOut,
        super::privacy::PurposeOut, super::privacy::NoticeOut, super::privacy::ConsentOut, super::privacy::ConsentRequest, super::privacy::RequestOut, super::privacy::NewRequest, super::privacy::RequestAnswer,
        super::privacy::IncidentRequest, super::privacy::AffectedOut, super::privacy::IncidentOut, super::privacy::AuditOut, super::privacy::ProofOut,
        super::reports::CountOut, super::reports::MonthOut, super::reports::StatisticsOut, super::reports::IndicatorOut, super::reports::GroupOut, super::reports::ScorecardOut,
        super::reports::BehindItem, super::reports::BehindOut, super::reports::CriterionOut, super::reports::RatingRequest, super::reports::RatingOut,
        super::feedback::FeedbackRequest, super::feedback::FeedbackOut, super::feedback::AnswerFeedback, super::feedback::Verdict,
        super::privacy::IncidentUpdateOut, super::incidents::IncidentItem, super::incidents::UpdateRequest,
        super::yearly::ReportItem, super::yearly::RoadmapOut, super::yearly::FigureOut, super::yearly::AgencyLineOut, super::yearly::ChoiceOut, super::yearly::ReportOut, super::yearly::StartRequest, super::yearly::VersionRequest, super::yearly::Sections, super::yearly::TextRequest, super::yearly::LineRequest, super::national::ReceivedOut, super::national::PaidOut, super::national::ReturnedOut,
        motcua_domain::national::Incoming, motcua_domain::national::Submitter, motcua_domain::national::Component, motcua_domain::national::Paper,
        motcua_domain::national::PaidOnPortal, motcua_domain::national::ResultReceived)),
    modifiers(&BearerAuth, &Problems)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document.
pub async fn openapi_json() -> Response {
    let mut r = Json(ApiDoc::openapi()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=300"),
    );
    r
}
