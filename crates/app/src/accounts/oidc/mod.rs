//! Log-in with the national identity (R6.2; domain.md §0: VNeID is the citizen's log-in since
//! 2024) through an OpenID Connect provider: the authorization code flow with PKCE (RFC 7636).
//!
//! The browser's log-in is bound to a random value in its own cookie; the `state`, the `nonce`
//! and the PKCE verifier are derived from it with the installation's key, so starting a log-in
//! stores nothing (an anonymous request writes no row) and a callback is only accepted in the
//! browser that started it. The ID token is checked in [`jwt`]. A first log-in finds the
//! person's account by the identity number the provider asserts and links it once the person
//! confirms; without one, a citizen account is opened from the provider's claims.
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::identity;
use motcua_store::{auth, identities, users};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Config;
use crate::crypto::{self, random_token, sha256_hex};
use crate::{App, AppError, Audit, Ctx, Result};

use super::LoggedIn;

pub mod jwt;

/// How long the provider's metadata and keys are kept before they are read again.
const META_HOURS: i64 = 1;
/// How long the link confirmation waits.
const LINK_MINS: i64 = 10;
const LINK_PURPOSE: &str = "oidc_link:";
/// The one answer to a refused callback (the reason is logged, not shown).
pub const REFUSED: &str = "Không đăng nhập được qua nhà cung cấp định danh: phiên đăng nhập không hợp lệ hoặc đã hết hạn. Hãy thử lại từ đầu.";

/// The provider's endpoints and keys, as read from its discovery document.
#[derive(Debug, Clone)]
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    keys: Vec<jwt::Jwk>,
    read_at: Timestamp,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<jwt::Jwk>,
}

/// The client of one provider.
pub struct Oidc {
    issuer: String,
    client_id: String,
    client_secret: String,
    id_claim: String,
    name_claim: String,
    pub label: String,
    redirect_uri: String,
    http: reqwest::Client,
    provider: tokio::sync::RwLock<Option<Provider>>,
}

/// Where the provider sends the browser back.
pub const CALLBACK: &str = "/dang-nhap/vneid/ve";

impl Oidc {
    pub fn from_config(c: &Config) -> Option<Oidc> {
        let o = &c.oidc;
        Some(Oidc {
            issuer: o.issuer.clone()?,
            client_id: o.client_id.clone()?,
            client_secret: o.client_secret.clone()?,
            id_claim: o.id_number_claim.clone(),
            name_claim: o.name_claim.clone(),
            label: o.label.clone(),
            redirect_uri: format!("{}{CALLBACK}", c.public_url.trim_end_matches('/')),
            // The provider answers within seconds or the person tries again later.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("the HTTP client builds with its bundled TLS roots"),
            provider: tokio::sync::RwLock::new(None),
        })
    }

    /// The provider's metadata and keys: from memory while fresh; read again when old, or when
    /// a token names a key not known (at most once a minute).
    async fn provider(&self, now: Timestamp, new_key: bool) -> Result<Provider> {
        if let Some(p) = self.provider.read().await.as_ref() {
            let age = now - p.read_at;
            let fresh = age < SignedDuration::from_hours(META_HOURS);
            if fresh && (!new_key || age < SignedDuration::from_mins(1)) {
                return Ok(p.clone());
            }
        }
        let p = self.read_provider(now).await?;
        *self.provider.write().await = Some(p.clone());
        Ok(p)
    }

    async fn read_provider(&self, now: Timestamp) -> Result<Provider> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer != self.issuer {
            return Err(unavailable(format!(
                "the provider's discovery names issuer {} instead of {}",
                d.issuer, self.issuer
            )));
        }
        let ks: KeySet = self.get_json(&d.jwks_uri).await?;
        Ok(Provider {
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            keys: ks.keys,
            read_at: now,
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(format!("identity provider {url}: {e}")))?;
        r.error_for_status()
            .map_err(|e| unavailable(format!("identity provider {url}: {e}")))?
            .json()
            .await
            .map_err(|e| unavailable(format!("identity provider {url}: {e}")))
    }

    /// Exchanges the code for the ID token (the client authenticates with its secret, and the
    /// verifier proves it started this log-in).
    async fn exchange(&self, p: &Provider, code: &str, verifier: &str) -> Result<String> {
        let r = self
            .http
            .post(&p.token_endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .map_err(|e| unavailable(format!("identity provider token endpoint: {e}")))?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        match body["id_token"].as_str() {
            Some(t) if status.is_success() => Ok(t.to_string()),
            _ => Err(refused(&format!(
                "token endpoint answered {status}: {}",
                body["error"].as_str().unwrap_or("no id_token")
            ))),
        }
    }
}

fn unavailable(cause: String) -> AppError {
    AppError::Unavailable { cause, retry: 30 }
}

fn refused(reason: &str) -> AppError {
    tracing::warn!(
        event = "authn_oidc_refused",
        reason,
        "identity provider log-in refused"
    );
    AppError::field("oidc", REFUSED)
}

/// What the provider's callback carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// Where a callback leads.
#[derive(Debug)]
pub enum Outcome {
    SignedIn(LoggedIn),
    /// An account exists for the identity number: the person confirms the link (the raw
    /// pending token, and the account's name).
    ConfirmLink {
        pending: String,
        name: String,
    },
}

impl App {
    /// The provider's name for the log-in button, when log-in through one is offered.
    pub fn oidc_label(&self) -> Option<&str> {
        self.oidc.as_deref().map(|o| o.label.as_str())
    }

    fn oidc(&self) -> Result<&Oidc> {
        self.oidc.as_deref().ok_or(AppError::NotFound)
    }

    fn flow_value(&self, what: &str, flow: &str) -> String {
        crypto::hmac_b64(self.key.as_slice(), &format!("oidc-{what}|{flow}"))
    }

    /// The provider's authorization address for a log-in bound to `flow` (the browser's
    /// cookie).
    pub async fn oidc_start(&self, flow: &str) -> Result<String> {
        let o = self.oidc()?;
        let p = o.provider(self.now(), false).await?;
        let verifier = self.flow_value("pkce", flow);
        let challenge = crypto::b64url(&Sha256::digest(verifier.as_bytes()));
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", &o.client_id),
            ("redirect_uri", &o.redirect_uri),
            ("scope", "openid profile"),
            ("state", &self.flow_value("state", flow)),
            ("nonce", &self.flow_value("nonce", flow)),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let sep = if p.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{q}", p.authorization_endpoint))
    }

    /// Finishes a log-in at the provider's callback, in the browser whose cookie holds `flow`.
    pub async fn oidc_finish(&self, ctx: &Ctx, flow: &str, cb: &Callback) -> Result<Outcome> {
        let o = self.oidc()?;
        if let Some(e) = &cb.error {
            return Err(refused(&format!("the provider answered error {e}")));
        }
        let state = cb.state.as_deref().unwrap_or("");
        if flow.is_empty() || !crypto::ct_eq(state, &self.flow_value("state", flow)) {
            return Err(refused("state of another log-in"));
        }
        let code = cb.code.as_deref().ok_or_else(|| refused("no code"))?;
        let now = self.now();
        let p = o.provider(now, false).await?;
        let token = o.exchange(&p, code, &self.flow_value("pkce", flow)).await?;
        let nonce = self.flow_value("nonce", flow);
        let expect = jwt::Expect {
            issuer: &o.issuer,
            client_id: &o.client_id,
            nonce: &nonce,
            now,
        };
        let claims = match jwt::verify(&token, &p.keys, &expect) {
            Err(e) if e == jwt::NO_KEY => {
                let p = o.provider(now, true).await?;
                jwt::verify(&token, &p.keys, &expect)
            }
            r => r,
        }
        .map_err(|reason| refused(&reason))?;
        self.oidc_account(ctx, o, &claims).await
    }

    /// The account the verified claims lead to.
    async fn oidc_account(&self, ctx: &Ctx, o: &Oidc, claims: &Value) -> Result<Outcome> {
        let sub = claims["sub"].as_str().unwrap_or_default();
        let conn = self.db.conn();
        let now = self.now();
        if let Some(id) = identities::account_of(conn, &o.issuer, sub).await? {
            let user = users::get_user(conn, id).await?;
            if user.disabled {
                return Err(refused("account disabled"));
            }
            identities::touch(conn, &o.issuer, sub, now).await?;
            return Ok(Outcome::SignedIn(self.signed_in(ctx, user).await?));
        }
        let id_number = claim(claims, &o.id_claim, identity::check_personal_id)?;
        match users::find_for_login(conn, &id_number)
            .await?
            .map(|(u, _)| u)
        {
            Some(u) if u.kind == AccountKind::Citizen && !u.disabled => {
                let raw = random_token();
                let tx = self.db.write().await?;
                let expires = now + SignedDuration::from_mins(LINK_MINS);
                let purpose = format!("{LINK_PURPOSE}{sub}");
                auth::insert_user_token(&tx, &sha256_hex(&raw), u.id, &purpose, now, expires)
                    .await?;
                tx.commit().await?;
                Ok(Outcome::ConfirmLink {
                    pending: raw,
                    name: u.full_name,
                })
            }
            Some(_) => Err(refused(
                "the identity number belongs to another kind of account",
            )),
            None => self.open_account(ctx, o, claims, sub, id_number).await,
        }
    }

    /// Opens a citizen account from the provider's claims (its identity number, name, and the
    /// e-mail address and phone the provider verified), linked to the identity.
    async fn open_account(
        &self,
        ctx: &Ctx,
        o: &Oidc,
        claims: &Value,
        sub: &str,
        id_number: String,
    ) -> Result<Outcome> {
        let now = self.now();
        let verified = |claim: &str, flag: &str| {
            claims[claim]
                .as_str()
                .filter(|_| claims[flag].as_bool() == Some(true))
        };
        // Optional: a value the provider did not verify, or that our rules refuse, is left out.
        let email = verified("email", "email_verified").and_then(|e| identity::check_email(e).ok());
        let phone = verified("phone_number", "phone_number_verified")
            .and_then(|p| identity::check_phone(p).ok());
        let full_name = claim(claims, &o.name_claim, identity::check_name)?;
        let user = User {
            id: Uuid::now_v7(),
            kind: AccountKind::Citizen,
            login: id_number.clone(),
            email_verified: email.is_some(),
            email,
            phone,
            full_name,
            id_number: Some(id_number),
            home_agency_id: None,
            disabled: false,
            created_at: now,
        };
        let tx = self.db.write().await?;
        // No password: the account is reached through the provider (a password can be set
        // later through the reset by e-mail, when the provider gave one).
        users::insert_user(&tx, &user, &crypto::DUMMY_HASH, now).await?;
        identities::link(&tx, &o.issuer, sub, user.id, now).await?;
        self.commit(tx, ctx, identity_audit(user.id, "user_created"))
            .await?;
        tracing::info!(event = "user_created", user_id = %user.id, kind = "citizen", via = "oidc", "account opened through the identity provider");
        Ok(Outcome::SignedIn(self.signed_in(ctx, user).await?))
    }

    /// Links the identity to the account the person confirmed, and signs them in.
    pub async fn oidc_link(&self, ctx: &Ctx, pending: &str) -> Result<LoggedIn> {
        let o = self.oidc()?;
        let now = self.now();
        let tx = self.db.write().await?;
        let Some((user_id, purpose)) =
            auth::take_user_token(&tx, &sha256_hex(pending), LINK_PURPOSE, now).await?
        else {
            return Err(refused("link confirmation unknown or expired"));
        };
        let sub = purpose.trim_start_matches(LINK_PURPOSE);
        identities::link(&tx, &o.issuer, sub, user_id, now).await?;
        self.commit(tx, ctx, identity_audit(user_id, "identity_linked"))
            .await?;
        let user = users::get_user(self.db.conn(), user_id).await?;
        self.signed_in(ctx, user).await
    }
}

/// A required claim, checked by the rule for its field; a refusal names what was wrong.
fn claim(
    claims: &Value,
    name: &str,
    check: fn(&str) -> std::result::Result<String, &'static str>,
) -> Result<String> {
    match claims[name].as_str().map(check) {
        Some(Ok(v)) => Ok(v),
        Some(Err(why)) => Err(refused(&format!("claim {name}: {why}"))),
        None => Err(refused(&format!("no claim {name}"))),
    }
}

fn identity_audit(user: Uuid, action: &'static str) -> Audit<'static> {
    Audit {
        actor: Some(user),
        action,
        object: "user",
        id: Some(user.to_string()),
        agency: None,
        detail: json!({"via": "oidc"}),
    }
}
