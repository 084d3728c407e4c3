//! The web layer: axum routes for pages (Vietnamese, server-rendered with askama) and the JSON
//! API under `/api/v1`, with the middleware every response goes through. Start-up is a library
//! function taking an already bound listener and a shutdown signal, so the binary and the tests
//! start the same server.

pub mod api;
mod caller;
mod error;
mod files;
mod health;
mod kit;
mod mw;
pub mod national_sim;
mod pages;
mod report_files;
mod router;
pub mod routes;
mod server;
mod state;
mod statement;

pub use router::{router, router_from, routes};
pub use routes::{Access, Inventory, RouteSpec};
pub use server::{admin_router, metrics_handle, serve, serve_admin};
pub use state::{AppState, Cookies};
