//! The page kit: what every server-rendered page is made of. The chrome around the content,
//! rendering with the right status, the values and messages of a form, the fields of an online
//! form, the error and message pages, and the [`Page`] extractor that hands a page handler its
//! state, its caller and the binding of its form tokens.
//!
//! The kit depends on nothing else of the web layer but the shared state and the caller's
//! extensions, so that the error responses and the middleware can use its pages.
pub mod chart;
mod chrome;
mod error_page;
mod fields;
mod form;
mod message;
mod page;
pub mod pdf;
mod view;

pub use chrome::{Chrome, refused_if, render, render_status};
pub use error_page::ErrorPage;
pub use fields::{FieldView, field_views};
pub use form::{FormState, NoticeQuery, local_path, notice};
pub use message::MessagePage;
pub use page::Page;
pub use view::{Choice, Link, kb, lower_first, qr_svg, when};
