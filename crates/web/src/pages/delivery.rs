//! How the person receives the result (R8.2): the choice on the review page before submitting,
//! and the page that changes it until the result is returned (the owner, or reception at the
//! person's request).
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_app::dossiers::{DossierView, ResultChoice};
use motcua_domain::delivery::PostTo;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, Page, refused_if, render_status};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/ho-so/{dossier}/nhan-ket-qua", Access::Signed, page)
        .post("/ho-so/{dossier}/nhan-ket-qua", Access::Signed, change)
}

/// The fields of the choice as a form sends them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChoiceFields {
    cach_nhan: String,
    nguoi_nhan: String,
    dien_thoai: String,
    dia_chi: String,
}

impl ChoiceFields {
    /// The choice stated, if any.
    pub fn choice(&self) -> Option<ResultChoice> {
        (!self.cach_nhan.is_empty()).then(|| ResultChoice {
            channel: self.cach_nhan.clone(),
            post: Some(PostTo {
                recipient: self.nguoi_nhan.clone(),
                phone: self.dien_thoai.clone(),
                address: self.dia_chi.clone(),
            }),
        })
    }
}

/// One way offered.
pub struct Way {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The choice's part of a form: the ways the service allows, the one chosen (the office until
/// the person chooses), the address and the postage.
pub struct ResultForm {
    pub ways: Vec<Way>,
    /// Whether the post is one of the ways (the address fields are shown).
    pub by_post: bool,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    /// What the post collects on delivery, as people read it.
    pub postage: Option<String>,
}

impl ResultForm {
    /// From the dossier's choice, or from what the person just sent.
    pub fn of(v: &DossierView, sent: Option<&ChoiceFields>) -> ResultForm {
        let kept = v.row.result.as_ref();
        let chosen = sent
            .map(|f| f.cach_nhan.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| kept.map(|r| r.channel.as_str().to_string()))
            .unwrap_or_else(|| motcua_domain::delivery::DEFAULT.as_str().into());
        let post = kept.and_then(|r| r.post.clone());
        // What the person just sent wins over what is kept, so that a refused form keeps it.
        let pick = |s: Option<&String>, k: Option<&String>| {
            s.cloned().or_else(|| k.cloned()).unwrap_or_default()
        };
        ResultForm {
            ways: v
                .result_ways
                .iter()
                .map(|w| Way {
                    value: w.as_str(),
                    label: w.label_vi(),
                    checked: w.as_str() == chosen,
                })
                .collect(),
            by_post: v
                .result_ways
                .contains(&motcua_domain::event::ReturnChannel::Post),
            recipient: pick(
                sent.map(|f| &f.nguoi_nhan),
                post.as_ref().map(|p| &p.recipient),
            ),
            phone: pick(sent.map(|f| &f.dien_thoai), post.as_ref().map(|p| &p.phone)),
            address: pick(sent.map(|f| &f.dia_chi), post.as_ref().map(|p| &p.address)),
            postage: v.postage.map(super::catalogue::money),
        }
    }
}

#[derive(Template)]
#[template(path = "dossiers/result.html")]
struct ChoicePage {
    c: Chrome,
    v: DossierView,
    rf: ResultForm,
    errors: Vec<String>,
    /// Where the page goes back to: the person's dossier page, or the staff one.
    back: String,
}

fn back_of(v: &DossierView) -> String {
    match v.audience {
        motcua_app::dossiers::Audience::Applicant => format!("/ho-so/{}", v.row.id),
        motcua_app::dossiers::Audience::Staff => format!("/can-bo/ho-so/{}", v.row.id),
    }
}

async fn choice_page(
    p: &Page,
    id: Uuid,
    sent: Option<&ChoiceFields>,
    errors: Vec<String>,
) -> PageResult {
    let v = p.s.app.dossier(&p.ctx(), p.session()?, id).await?;
    if !v.can.may_choose_result {
        return Err(AppError::Conflict(
            "Không đổi được cách nhận kết quả của hồ sơ này: hồ sơ đã kết thúc, dịch vụ chỉ trả kết quả tại bộ phận một cửa, hoặc bạn không phải người nộp hay bộ phận một cửa của cơ quan.".into(),
        )
        .into());
    }
    let status = refused_if(!errors.is_empty());
    Ok(render_status(
        &ChoicePage {
            c: p.chrome("Cách nhận kết quả"),
            rf: ResultForm::of(&v, sent),
            back: back_of(&v),
            v,
            errors,
        },
        status,
    ))
}

pub async fn page(p: Page, Path(id): Path<Uuid>) -> PageResult {
    choice_page(&p, id, None, vec![]).await
}

pub async fn change(p: Page, Path(id): Path<Uuid>, Form(f): Form<ChoiceFields>) -> PageResult {
    let s = p.session()?;
    let Some(choice) = f.choice() else {
        let none = vec!["Chọn một cách nhận kết quả.".to_string()];
        return choice_page(&p, id, Some(&f), none).await;
    };
    match p.s.app.choose_result(&p.ctx(), s, id, choice).await {
        Ok(d) if d.owner_id == Some(s.user.id) => {
            Ok(Redirect::to(&format!("/ho-so/{id}?tb=da-doi-cach-nhan")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/ho-so/{id}")).into_response()),
        Err(AppError::Validation(v)) => {
            let msgs = v.into_iter().map(|(_, m)| m).collect();
            choice_page(&p, id, Some(&f), msgs).await
        }
        Err(e) => Err(e.into()),
    }
}
