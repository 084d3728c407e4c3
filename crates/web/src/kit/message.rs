//! A page that only says something: what happened, what to do next.
use askama::Template;

use super::{Chrome, Link};

#[derive(Template)]
#[template(path = "kit/message.html")]
pub struct MessagePage {
    pub c: Chrome,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub links: Vec<Link>,
}
