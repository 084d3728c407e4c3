//! The application router: every feature's routes in one inventory, and the middleware every
//! request goes through, in order.
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::caller::is_api;
use crate::error::error_response;
use crate::kit::ErrorPage;
use crate::routes::{Access, Routes};
use crate::state::{AppState, Cookies};
use crate::{
    api, api_contract, api_dossiers, api_processing, catalogue, dossier_pages, health, mw,
    notice_pages, pages, work_pages,
};
use motcua_domain::Action;

/// Every public route, with the access it requires: each feature declares its own.
pub fn routes(test_routes: bool) -> Routes<AppState> {
    let r = health::routes().merge(legacy_routes());
    if test_routes {
        r.get("/__test/panic", Access::TestOnly, test_panic)
    } else {
        r
    }
}

async fn test_panic() -> &'static str {
    panic!("forced failure for the error-page test")
}

fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!(event = "sys_crash", "handler panicked");
    ErrorPage::for_error(&motcua_app::AppError::Unexpected(String::new()))
        .into_response_with(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn fallback(req: axum::extract::Request) -> Response {
    error_response(motcua_app::AppError::NotFound, is_api(req.uri().path()))
}

/// Builds the application router from a route inventory (tests may add routes to probe it).
pub fn router_from(
    app: App,
    r: Routes<AppState>,
    extra: Option<Router<AppState>>,
    shutting_down: Arc<AtomicBool>,
) -> Router {
    let (mut router, inventory) = r.finish();
    let request_timeout = app.config.server.request_timeout_secs;
    if let Some(x) = extra {
        router = router.merge(x);
    }
    let cookies = Arc::new(Cookies::new(app.config.secure_cookies));
    let state = AppState {
        app,
        inventory,
        cookies,
        shutting_down,
        untrusted_proxy_seen: Arc::default(),
    };
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::enforce,
        ))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::resolve_caller,
        ))
        .layer(CatchPanicLayer::custom(panic_page))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(request_timeout),
        ))
        .layer(axum::middleware::from_fn(api_contract::problem_documents))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::observe,
        ))
        .with_state(state)
}

/// The application router.
pub fn router(app: App, shutting_down: Arc<AtomicBool>) -> Router {
    let test = app.config.test_routes;
    router_from(app, routes(test), None, shutting_down)
}

/// Every route, until each feature declares its own.
fn legacy_routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/", Public, pages::home)
        .get("/static/app.css", Public, pages::css)
        .get("/dang-nhap", Public, pages::login_form)
        .post("/dang-nhap", Public, pages::login)
        .post("/dang-xuat", Signed, pages::logout)
        .get("/dang-ky", Public, pages::register_form)
        .post("/dang-ky", Public, pages::register)
        .get("/xac-nhan-email", Public, pages::confirm_form)
        .post("/xac-nhan-email", Public, pages::confirm)
        .get("/quen-mat-khau", Public, pages::forgot_form)
        .post("/quen-mat-khau", Public, pages::forgot)
        .get("/dat-lai-mat-khau", Public, pages::reset_form)
        .post("/dat-lai-mat-khau", Public, pages::reset)
        .get("/tai-khoan", Signed, pages::account)
        .post("/tai-khoan/lien-he", Signed, pages::account_contact)
        .post("/tai-khoan/mat-khau", Signed, pages::account_password)
        .post(
            "/tai-khoan/dang-xuat-noi-khac",
            Signed,
            pages::account_logout_others,
        )
        .get("/can-bo", Staff(Action::EnterBackOffice), pages::staff_home)
        .get(
            "/can-bo/co-quan",
            Staff(Action::ViewAgencies),
            pages::agencies,
        )
        .get(
            "/can-bo/co-quan/{code}",
            Staff(Action::ViewAgencies),
            pages::agency,
        )
        .get(
            "/can-bo/nhan-su",
            Staff(Action::EnterBackOffice),
            pages::staff_list,
        )
        .get(
            "/can-bo/nhan-su/moi",
            Staff(Action::EnterBackOffice),
            pages::staff_new_form,
        )
        .post(
            "/can-bo/nhan-su/moi",
            Staff(Action::EnterBackOffice),
            pages::staff_new,
        )
        .get(
            "/can-bo/nhan-su/{id}",
            Staff(Action::EnterBackOffice),
            pages::staff_detail,
        )
        .post(
            "/can-bo/nhan-su/{id}/trang-thai",
            Staff(Action::EnterBackOffice),
            pages::staff_set_disabled,
        )
        .post(
            "/can-bo/nhan-su/{id}/quyen",
            Staff(Action::EnterBackOffice),
            pages::staff_grant,
        )
        .post(
            "/can-bo/quyen/{id}/thu-hoi",
            Staff(Action::EnterBackOffice),
            pages::staff_revoke,
        )
        .get(
            "/can-bo/lich-truc/{unit}",
            Staff(Action::EnterBackOffice),
            pages::duty,
        )
        .post(
            "/can-bo/lich-truc/{unit}",
            Staff(Action::EnterBackOffice),
            pages::duty_add,
        )
        .post(
            "/can-bo/lich-truc/{unit}/xoa/{id}",
            Staff(Action::EnterBackOffice),
            pages::duty_remove,
        )
        .get("/dev/hop-thu", DevOnly, pages::dev_mailbox)
        .get("/ho-so/moi", PublicAccount, dossier_pages::start)
        .post("/ho-so/moi", PublicAccount, dossier_pages::create)
        .get("/ho-so", PublicAccount, dossier_pages::list)
        .get("/ho-so/{dossier}", Signed, dossier_pages::page)
        .get(
            "/ho-so/{dossier}/to-khai",
            PublicAccount,
            dossier_pages::form,
        )
        .post(
            "/ho-so/{dossier}/to-khai",
            PublicAccount,
            dossier_pages::form_save,
        )
        .get(
            "/ho-so/{dossier}/giay-to",
            PublicAccount,
            dossier_pages::files,
        )
        .upload(
            "/ho-so/{dossier}/giay-to",
            PublicAccount,
            dossier_pages::upload,
        )
        .post(
            "/ho-so/{dossier}/giay-to/{file}/xoa",
            PublicAccount,
            dossier_pages::remove_file,
        )
        .get("/ho-so/{dossier}/nop", PublicAccount, dossier_pages::review)
        .post("/ho-so/{dossier}/nop", PublicAccount, dossier_pages::submit)
        .get(
            "/ho-so/{dossier}/tep/{file}",
            Signed,
            dossier_pages::download,
        )
        .post(
            "/ho-so/{dossier}/rut",
            PublicAccount,
            dossier_pages::withdraw,
        )
        .get("/ho-so/{dossier}/phieu-gui", Signed, dossier_pages::cover)
        .get("/ho-so/{dossier}/phieu/{so}", Signed, work_pages::slip)
        .get(
            "/can-bo/viec",
            Staff(Action::EnterBackOffice),
            work_pages::worklist,
        )
        .get(
            "/can-bo/ho-so/{dossier}",
            Staff(Action::EnterBackOffice),
            work_pages::dossier,
        )
        .post(
            "/can-bo/ho-so/{dossier}/thao-tac",
            Staff(Action::EnterBackOffice),
            work_pages::perform,
        )
        .upload(
            "/can-bo/ho-so/{dossier}/ket-qua",
            Staff(Action::EnterBackOffice),
            work_pages::upload_result,
        )
        .get(
            "/can-bo/y-kien/{id}",
            Staff(Action::EnterBackOffice),
            work_pages::answer_form,
        )
        .post(
            "/can-bo/y-kien/{id}",
            Staff(Action::EnterBackOffice),
            work_pages::answer,
        )
        .get(
            "/can-bo/so-theo-doi",
            Staff(Action::EnterBackOffice),
            work_pages::register,
        )
        .get(
            "/can-bo/lich-lam-viec",
            Staff(Action::ManageCalendar),
            work_pages::calendar,
        )
        .post(
            "/can-bo/lich-lam-viec",
            Staff(Action::ManageCalendar),
            work_pages::calendar_save,
        )
        .get(
            "/can-bo/tiep-nhan",
            Staff(Action::EnterBackOffice),
            dossier_pages::desk,
        )
        .post(
            "/can-bo/tiep-nhan",
            Staff(Action::EnterBackOffice),
            dossier_pages::desk_register,
        )
        .post("/tai-khoan/kenh-thong-bao", Signed, notice_pages::channels)
        .get(
            "/can-bo/thong-bao/mau",
            Staff(Action::ManageNotices),
            notice_pages::templates,
        )
        .post(
            "/can-bo/thong-bao/mau/{kind}",
            Staff(Action::ManageNotices),
            notice_pages::template_save,
        )
        .get(
            "/can-bo/thong-bao/hang-doi",
            Staff(Action::ManageNotices),
            notice_pages::queue,
        )
        .post(
            "/can-bo/thong-bao/hang-doi/{id}/gui-lai",
            Staff(Action::ManageNotices),
            notice_pages::retry,
        )
        .get("/thong-bao", Signed, dossier_pages::inbox)
        .get("/thong-bao/{id}", Signed, dossier_pages::notice)
        .get("/tra-cuu", Public, dossier_pages::lookup)
        .post("/tra-cuu", Public, dossier_pages::lookup_detail)
        .get("/dich-vu-cong", Public, catalogue::catalogue)
        .get("/dich-vu-cong/{code}", Public, catalogue::procedure)
        .get(
            "/dich-vu-cong/{code}/mau/{form}",
            Public,
            catalogue::form_download,
        )
        .get(
            "/dich-vu-cong/{code}/bieu-mau/{service}",
            Public,
            catalogue::form_try,
        )
        .post(
            "/dich-vu-cong/{code}/bieu-mau/{service}",
            Public,
            catalogue::form_check,
        )
        .get(
            "/co-quan/{code}/dich-vu-cong",
            Public,
            catalogue::agency_services,
        )
        .get(
            "/can-bo/thu-tuc",
            Staff(Action::EnterBackOffice),
            catalogue::bo_procedures,
        )
        .get(
            "/can-bo/thu-tuc/moi",
            Staff(Action::EnterBackOffice),
            catalogue::bo_new_form,
        )
        .post(
            "/can-bo/thu-tuc/moi",
            Staff(Action::EnterBackOffice),
            catalogue::bo_new,
        )
        .get(
            "/can-bo/thu-tuc/{code}",
            Staff(Action::EnterBackOffice),
            catalogue::bo_edit,
        )
        .post(
            "/can-bo/thu-tuc/{code}",
            Staff(Action::EnterBackOffice),
            catalogue::bo_save,
        )
        .get(
            "/can-bo/thu-tuc/{code}/xem-truoc",
            Staff(Action::EnterBackOffice),
            catalogue::bo_preview,
        )
        .post(
            "/can-bo/thu-tuc/{code}/xuat-ban",
            Staff(Action::EnterBackOffice),
            catalogue::bo_publish,
        )
        .get(
            "/can-bo/thu-tuc/{code}/dich-vu/{agency}",
            Staff(Action::EnterBackOffice),
            catalogue::bo_service,
        )
        .post(
            "/can-bo/thu-tuc/{code}/dich-vu/{agency}",
            Staff(Action::EnterBackOffice),
            catalogue::bo_service_save,
        )
        .get(
            "/can-bo/nganh",
            Staff(Action::ManageSectors),
            catalogue::bo_sectors,
        )
        .post(
            "/can-bo/nganh",
            Staff(Action::ManageSectors),
            catalogue::bo_sector_save,
        )
        .get("/api/v1/procedures", Public, api::procedures)
        .get("/api/v1/procedures/{code}", Public, api::procedure)
        .get("/api/v1/sectors", Public, api::sectors)
        .post("/api/v1/dossiers", Signed, api_dossiers::create)
        .get("/api/v1/dossiers", Signed, api_dossiers::list)
        .post("/api/v1/dossiers/register", Signed, api_dossiers::register)
        .get("/api/v1/dossiers/{dossier}", Signed, api_dossiers::get)
        .put(
            "/api/v1/dossiers/{dossier}/form",
            Signed,
            api_dossiers::put_form,
        )
        .upload(
            "/api/v1/dossiers/{dossier}/attachments",
            Signed,
            api_dossiers::attach,
        )
        .get(
            "/api/v1/dossiers/{dossier}/attachments/{file}",
            Signed,
            api_dossiers::download,
        )
        .delete(
            "/api/v1/dossiers/{dossier}/attachments/{file}",
            Signed,
            api_dossiers::detach,
        )
        .post(
            "/api/v1/dossiers/{dossier}/submit",
            Signed,
            api_dossiers::submit,
        )
        .post(
            "/api/v1/dossiers/{dossier}/withdraw",
            Signed,
            api_dossiers::withdraw,
        )
        .post(
            "/api/v1/dossiers/{dossier}/refuse",
            Signed,
            api_dossiers::refuse,
        )
        .post(
            "/api/v1/dossiers/{dossier}/accept",
            Signed,
            api_dossiers::accept,
        )
        .post(
            "/api/v1/dossiers/{dossier}/supplement-request",
            Signed,
            api_dossiers::supplement_request,
        )
        .get(
            "/api/v1/dossiers/{dossier}/actions",
            Signed,
            api_processing::actions,
        )
        .post(
            "/api/v1/dossiers/{dossier}/actions",
            Signed,
            api_processing::perform,
        )
        .get("/api/v1/worklist", Signed, api_processing::worklist)
        .get(
            "/api/v1/consultations",
            Signed,
            api_processing::consultations,
        )
        .post(
            "/api/v1/consultations/{id}/answer",
            Signed,
            api_processing::answer,
        )
        .get("/api/v1/lookup/{code}", Public, api_dossiers::lookup)
        .get(
            "/api/v1/agencies/{code}/services",
            Public,
            api::agency_services,
        )
        .get("/api/openapi.json", Public, api::openapi_json)
        .post("/api/v1/auth/token", Public, api::issue_token)
        .delete("/api/v1/auth/token", Signed, api::revoke_token)
        .get("/api/v1/me", Signed, api::me)
        .get("/api/v1/agencies", Public, api::agencies)
}
