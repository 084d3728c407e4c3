//! The route inventory: every route is added with the access it requires, and one middleware
//! enforces it. A route added to the router any other way has no entry and is refused (fail
//! closed), so "every route declares its permission" holds by construction and is tested.
use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use motcua_domain::Action;

/// What a route requires of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    Signed,
    /// A signed-in citizen or organisation.
    PublicAccount,
    /// A signed-in staff member allowed to perform this action (with no particular target;
    /// the handler checks the object).
    Staff(Action),
    /// Development mode only (the mailbox of queued e-mails).
    DevOnly,
    /// Only when the test kit asks for test routes.
    TestOnly,
    /// The national public service portal: a bearer key is required here, and the use case
    /// checks it is the portal's (`national.key`).
    Portal,
}

/// One declared route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Collects routes and their access. Each feature declares its own list next to its handlers;
/// the lists are merged into one inventory.
pub struct Routes<S> {
    entries: Vec<(RouteSpec, MethodRouter<S>)>,
}

/// The inventory, looked up by (method, matched path).
#[derive(Debug, Default)]
pub struct Inventory {
    pub specs: Vec<RouteSpec>,
    by_path: HashMap<&'static str, Vec<(Method, Access)>>,
}

impl Inventory {
    pub fn access(&self, method: &Method, path: &str) -> Option<Access> {
        let m = if method == Method::HEAD {
            Method::GET
        } else {
            method.clone()
        };
        self.by_path
            .get(path)?
            .iter()
            .find(|(km, _)| *km == m)
            .map(|(_, a)| *a)
    }

    /// The methods declared for a path (for `Allow` when another is used), if any.
    pub fn methods(&self, path: &str) -> Option<Vec<Method>> {
        let declared = self.by_path.get(path)?;
        Some(declared.iter().map(|(m, _)| m.clone()).collect())
    }
}

/// Bodies of forms and JSON: at most 2 MiB, refused at once (413) when the declared length is
/// larger, before anything is read. Uploads stream under their own limits.
fn body_limit() -> tower_http::limit::RequestBodyLimitLayer {
    tower_http::limit::RequestBodyLimitLayer::new(2 * 1024 * 1024)
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        mr: MethodRouter<S>,
    ) -> Self {
        let spec = RouteSpec {
            method,
            path,
            access,
        };
        self.entries.push((spec, mr));
        self
    }

    /// Adds every route of another list, each with the access it was declared with.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.entries.extend(other.entries);
        self
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, h: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.add(Method::GET, path, access, axum::routing::get(h))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, h: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            access,
            axum::routing::post(h).layer(body_limit()),
        )
    }

    pub fn put<H, T>(self, path: &'static str, access: Access, h: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.add(
            Method::PUT,
            path,
            access,
            axum::routing::put(h).layer(body_limit()),
        )
    }

    /// An upload route: POST without axum's default body limit (the handler streams and
    /// enforces its own limits).
    pub fn upload<H, T>(self, path: &'static str, access: Access, h: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            access,
            axum::routing::post(h).layer(axum::extract::DefaultBodyLimit::disable()),
        )
    }

    pub fn delete<H, T>(self, path: &'static str, access: Access, h: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.add(
            Method::DELETE,
            path,
            access,
            axum::routing::delete(h).layer(body_limit()),
        )
    }

    /// Splits into the router and the inventory. Several methods on one path are merged by axum.
    pub fn finish(self) -> (Router<S>, Arc<Inventory>) {
        let mut router = Router::new();
        let mut specs = Vec::with_capacity(self.entries.len());
        let mut by_path: HashMap<&'static str, Vec<(Method, Access)>> = HashMap::new();
        for (spec, mr) in self.entries {
            router = router.route(spec.path, mr);
            by_path
                .entry(spec.path)
                .or_default()
                .push((spec.method.clone(), spec.access));
            specs.push(spec);
        }
        (router, Arc::new(Inventory { specs, by_path }))
    }
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}
