//! "Kho giấy tờ": the papers a person submitted and the results returned to them, each once,
//! to read again or attach to a new dossier from its files page.
use askama::Template;
use motcua_app::dossiers::WalletPaper;

use super::PageResult;
use crate::kit::{Chrome, Page, kb, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new().get("/kho-giay-to", Access::PublicAccount, page)
}

#[derive(Template)]
#[template(path = "dossiers/wallet.html")]
struct WalletPage {
    c: Chrome,
    papers: Vec<WalletPaper>,
}

impl WalletPage {
    fn kb(&self, n: &i64) -> String {
        kb(*n)
    }
}

pub async fn page(p: Page) -> PageResult {
    let papers = p.s.app.wallet(p.session()?).await?;
    Ok(render(&WalletPage {
        c: p.chrome("Kho giấy tờ"),
        papers,
    }))
}
