//! The reception desk's registration of a dossier brought to the counter or received by post.
use askama::Template;
use axum::extract::{Query, RawForm};
use motcua_app::AppError;
use motcua_domain::Action;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, FieldView, Page, field_views, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/tiep-nhan", Staff(Action::EnterBackOffice), desk)
        .post(
            "/can-bo/tiep-nhan",
            Staff(Action::EnterBackOffice),
            desk_register,
        )
}

/// A service the desk receives dossiers for.
struct DeskService {
    id: Uuid,
    procedure: String,
    agency: String,
}

#[derive(Template)]
#[template(path = "desk/register.html")]
struct DeskPage {
    c: Chrome,
    services: Vec<DeskService>,
    chosen: Option<Uuid>,
    fields: Vec<FieldView>,
    errors: Vec<(String, String)>,
    name: String,
    phone: String,
    /// The applicant's e-mail, if they gave one (their notices go there too, R11.2).
    email: String,
    intake: String,
    done: Option<String>,
}

impl DeskPage {
    fn is_chosen(&self, id: &Uuid) -> bool {
        self.chosen == Some(*id)
    }
}

#[derive(Deserialize, Default)]
pub struct DeskQ {
    dich_vu: Option<Uuid>,
}

async fn desk_page(
    p: &Page,
    (chosen, answers, errors): (Option<Uuid>, &serde_json::Value, Vec<(String, String)>),
    (name, phone, intake, email): (String, String, String, String),
    done: Option<String>,
) -> PageResult {
    let se = p.session()?;
    let services: Vec<DeskService> =
        p.s.app
            .desk_services(se)
            .await?
            .into_iter()
            .map(|(id, procedure, agency)| DeskService {
                id,
                procedure,
                agency,
            })
            .collect();
    if services.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let fields = match chosen {
        Some(id) if services.iter().any(|x| x.id == id) => {
            let (sv, _) = p.s.app.service(id).await?;
            field_views(&sv.form.fields, answers, &errors, "")
        }
        Some(_) => return Err(AppError::NotFound.into()),
        None => Vec::new(),
    };
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &DeskPage {
            c: p.chrome("Tiếp nhận hồ sơ trực tiếp, qua bưu chính"),
            services,
            chosen,
            fields,
            errors,
            name,
            phone,
            email,
            intake,
            done,
        },
        status,
    ))
}

/// Registers a dossier brought to the counter or received by post (reception officers).
pub async fn desk(p: Page, Query(q): Query<DeskQ>) -> PageResult {
    desk_page(
        &p,
        (q.dich_vu, &serde_json::Value::Null, vec![]),
        (
            String::new(),
            String::new(),
            "in_person".into(),
            String::new(),
        ),
        None,
    )
    .await
}

pub async fn desk_register(p: Page, Query(q): Query<DeskQ>, RawForm(raw): RawForm) -> PageResult {
    let se = p.session()?;
    let id = q.dich_vu.ok_or(AppError::NotFound)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (sv, _) = p.s.app.service(id).await?;
    let answers = sv.form.answers_from_pairs(&pairs);
    let intake = motcua_domain::dossier::Intake::parse(&get("intake"))
        .unwrap_or(motcua_domain::dossier::Intake::InPerson);
    let applicant = (
        get("ho_ten_nguoi_nop"),
        get("dien_thoai"),
        intake.as_str().to_string(),
        get("email"),
    );
    match p
        .s
        .app
        .register_received(
            &p.ctx(),
            se,
            id,
            intake,
            answers.clone(),
            (&applicant.0, &applicant.1, Some(applicant.3.as_str())),
        )
        .await
    {
        Ok(d) => {
            desk_page(
                &p,
                (None, &serde_json::Value::Null, vec![]),
                (
                    String::new(),
                    String::new(),
                    "in_person".into(),
                    String::new(),
                ),
                d.code,
            )
            .await
        }
        Err(AppError::Validation(v)) => {
            let errors = match sv.form.validate(&answers) {
                Err(form_errors) => form_errors,
                Ok(_) => v.into_iter().map(|(f, m)| (f.to_string(), m)).collect(),
            };
            desk_page(&p, (Some(id), &answers, errors), applicant, None).await
        }
        Err(e) => Err(e.into()),
    }
}
