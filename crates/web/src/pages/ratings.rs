//! "Đánh giá mức độ hài lòng" (R9.4): the owner of a dossier that has ended rates it once, on
//! the criteria of the evaluation form.
use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use motcua_app::oversight::{RatingForm, RatingInput};
use motcua_domain::rating::{CRITERIA, Criterion};

use super::PageResult;
use crate::kit::{Chrome, FormState, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/ho-so/{dossier}/danh-gia", PublicAccount, page)
        .post("/ho-so/{dossier}/danh-gia", PublicAccount, rate)
}

#[derive(Template)]
#[template(path = "dossiers/rating.html")]
struct RatingPage {
    c: Chrome,
    r: RatingForm,
    criteria: &'static [Criterion],
    form: FormState,
}

impl RatingPage {
    /// The answer given (or typed) to a criterion, 1–3, as text.
    fn given(&self, key: &str) -> String {
        match &self.r.given {
            Some(g) => g
                .answers
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, l)| l.to_string())
                .unwrap_or_default(),
            None => self.form.v(key).to_string(),
        }
    }
    fn level_label(&self, c: &Criterion) -> &'static str {
        self.given(c.key)
            .parse::<usize>()
            .ok()
            .and_then(|l| c.levels.get(l.wrapping_sub(1)))
            .copied()
            .unwrap_or("—")
    }
}

async fn show(p: &Page, key: &str, form: FormState) -> PageResult {
    let sess = p.session()?;
    let r = p.s.app.rating_form(sess, key).await?;
    Ok(render(&RatingPage {
        c: p.chrome("Đánh giá mức độ hài lòng"),
        r,
        criteria: &CRITERIA,
        form,
    }))
}

pub async fn page(p: Page, Path(key): Path<String>) -> PageResult {
    show(&p, &key, FormState::default()).await
}

pub async fn rate(
    p: Page,
    Path(key): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> PageResult {
    let sess = p.session()?;
    let mut input = RatingInput {
        comment: f.get("comment").cloned().unwrap_or_default(),
        ..Default::default()
    };
    for c in CRITERIA {
        if let Some(l) = f.get(c.key).and_then(|v| v.parse().ok()) {
            input.answers.insert(c.key.to_string(), l);
        }
    }
    match p.s.app.rate_dossier(&p.ctx(), sess, &key, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{key}/danh-gia")).into_response()),
        Err(e) => {
            let typed: Vec<(&str, &str)> = f
                .iter()
                .filter(|(k, _)| k.as_str() != "csrf")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut fs = FormState::with(&typed);
            fs.absorb(e)?;
            show(&p, &key, fs).await
        }
    }
}
