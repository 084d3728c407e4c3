//! Checking an ID token (OpenID Connect Core §3.1.3.7): signed by one of the provider's keys
//! with an asymmetric algorithm (RS256 or ES256; `none` and shared-secret algorithms are
//! refused, so nobody can mint a token from what the client knows), issued by the provider for
//! this client, not expired, and carrying the nonce of this browser's log-in.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jiff::Timestamp;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Rsa;
use openssl::sign::Verifier;
use serde::Deserialize;
use serde_json::Value;

/// Clock difference tolerated with the provider.
const LEEWAY_SECS: i64 = 60;

/// One public key of the provider's key set (RFC 7517).
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// Why a token was refused (logged, never shown in detail).
pub type Refusal = String;

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The refusal when no published key fits the token (the keys may have rotated).
pub const NO_KEY: &str = "no key of the provider for this token";

/// A refusal that keeps what went wrong underneath.
fn cause<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Refusal + Copy {
    move |e| format!("{what}: {e}")
}

/// What the client expects of the token.
pub struct Expect<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: Timestamp,
}

/// The token's claims, if it passes every check.
pub fn verify(token: &str, keys: &[Jwk], ex: &Expect<'_>) -> Result<Value, Refusal> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a signed JWT".into());
    };
    let header: Header = serde_json::from_slice(&B64.decode(h).map_err(cause("header"))?)
        .map_err(cause("header"))?;
    let sig = B64.decode(s).map_err(cause("signature"))?;
    let signed = &token[..h.len() + 1 + p.len()];
    let key = pick(keys, &header)?;
    if !check_signature(&header.alg, key, signed.as_bytes(), &sig)? {
        return Err("bad signature".into());
    }
    let claims: Value = serde_json::from_slice(&B64.decode(p).map_err(cause("claims"))?)
        .map_err(cause("claims"))?;
    check_claims(&claims, ex)?;
    Ok(claims)
}

fn pick<'a>(keys: &'a [Jwk], h: &Header) -> Result<&'a Jwk, Refusal> {
    let kty = match h.alg.as_str() {
        "RS256" => "RSA",
        "ES256" => "EC",
        _ => return Err("algorithm not accepted".into()),
    };
    let mut fit = keys
        .iter()
        .filter(|k| k.kty == kty && k.use_.as_deref().is_none_or(|u| u == "sig"));
    match &h.kid {
        Some(kid) => fit.find(|k| k.kid.as_deref() == Some(kid)),
        None => fit.next(),
    }
    .ok_or_else(|| NO_KEY.to_string())
}

fn b64_num(v: &Option<String>) -> Result<BigNum, Refusal> {
    let bytes = B64
        .decode(v.as_deref().ok_or_else(|| "key part missing".to_string())?)
        .map_err(cause("key part"))?;
    BigNum::from_slice(&bytes).map_err(cause("key part"))
}

fn public_key(k: &Jwk) -> Result<PKey<Public>, Refusal> {
    let bad = cause("key");
    match k.kty.as_str() {
        "RSA" => {
            let rsa = Rsa::from_public_components(b64_num(&k.n)?, b64_num(&k.e)?).map_err(bad)?;
            PKey::from_rsa(rsa).map_err(bad)
        }
        "EC" if k.crv.as_deref() == Some("P-256") => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(bad)?;
            let (x, y) = (b64_num(&k.x)?, b64_num(&k.y)?);
            let ec = EcKey::from_public_key_affine_coordinates(&group, &x, &y).map_err(bad)?;
            PKey::from_ec_key(ec).map_err(bad)
        }
        _ => Err("key type not accepted".into()),
    }
}

fn check_signature(alg: &str, k: &Jwk, signed: &[u8], sig: &[u8]) -> Result<bool, Refusal> {
    let key = public_key(k)?;
    let bad = cause("signature check");
    let der;
    let sig = if alg == "ES256" {
        // JWS carries R ‖ S (32 bytes each); OpenSSL reads DER.
        if sig.len() != 64 {
            return Ok(false);
        }
        let r = BigNum::from_slice(&sig[..32]).map_err(bad)?;
        let s = BigNum::from_slice(&sig[32..]).map_err(bad)?;
        der = EcdsaSig::from_private_components(r, s)
            .and_then(|e| e.to_der())
            .map_err(bad)?;
        &der[..]
    } else {
        sig
    };
    let mut v = Verifier::new(MessageDigest::sha256(), &key).map_err(bad)?;
    v.update(signed).map_err(bad)?;
    Ok(v.verify(sig).unwrap_or(false))
}

fn check_claims(c: &Value, ex: &Expect<'_>) -> Result<(), Refusal> {
    if c["iss"].as_str() != Some(ex.issuer) {
        return Err("issued by another provider".into());
    }
    let ours = match &c["aud"] {
        Value::String(a) => a == ex.client_id,
        Value::Array(a) => {
            a.iter().any(|x| x.as_str() == Some(ex.client_id))
                && (a.len() == 1 || c["azp"].as_str() == Some(ex.client_id))
        }
        _ => false,
    };
    if !ours {
        return Err("issued for another client".into());
    }
    let now = ex.now.as_second();
    let exp = c["exp"].as_i64().ok_or_else(|| "no expiry".to_string())?;
    if now > exp + LEEWAY_SECS {
        return Err("expired".into());
    }
    if c["iat"].as_i64().is_some_and(|iat| iat > now + LEEWAY_SECS) {
        return Err("issued in the future".into());
    }
    if c["nonce"].as_str() != Some(ex.nonce) {
        return Err("nonce of another log-in".into());
    }
    if c["sub"].as_str().is_none_or(str::is_empty) {
        return Err("no subject".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::Private;
    use openssl::sign::Signer;
    use serde_json::json;

    fn rsa() -> (PKey<Private>, Jwk) {
        let r = Rsa::generate(2048).unwrap();
        let jwk = Jwk {
            kty: "RSA".into(),
            kid: Some("k1".into()),
            use_: Some("sig".into()),
            n: Some(B64.encode(r.n().to_vec())),
            e: Some(B64.encode(r.e().to_vec())),
            crv: None,
            x: None,
            y: None,
        };
        (PKey::from_rsa(r).unwrap(), jwk)
    }

    fn ec() -> (PKey<Private>, Jwk) {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let k = EcKey::generate(&group).unwrap();
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
        k.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        let jwk = Jwk {
            kty: "EC".into(),
            kid: Some("e1".into()),
            use_: None,
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(B64.encode(x.to_vec_padded(32).unwrap())),
            y: Some(B64.encode(y.to_vec_padded(32).unwrap())),
        };
        (PKey::from_ec_key(k).unwrap(), jwk)
    }

    fn sign(key: &PKey<Private>, alg: &str, kid: &str, claims: &Value) -> String {
        let h = B64.encode(json!({"alg": alg, "kid": kid}).to_string());
        let p = B64.encode(claims.to_string());
        let input = format!("{h}.{p}");
        let mut s = Signer::new(MessageDigest::sha256(), key).unwrap();
        s.update(input.as_bytes()).unwrap();
        let mut sig = s.sign_to_vec().unwrap();
        if alg == "ES256" {
            let e = EcdsaSig::from_der(&sig).unwrap();
            sig = [
                e.r().to_vec_padded(32).unwrap(),
                e.s().to_vec_padded(32).unwrap(),
            ]
            .concat();
        }
        format!("{input}.{}", B64.encode(sig))
    }

    const NOW: i64 = 1_780_000_000;

    fn good() -> Value {
        json!({"iss": "https://idp.example", "aud": "motcua", "sub": "s-1", "nonce": "n-1",
               "exp": NOW + 300, "iat": NOW - 5, "identity_number": "051099887766"})
    }

    fn expect() -> Expect<'static> {
        Expect {
            issuer: "https://idp.example",
            client_id: "motcua",
            nonce: "n-1",
            now: Timestamp::from_second(NOW).unwrap(),
        }
    }

    #[test]
    fn a_good_token_passes_with_either_algorithm() {
        let (rk, rj) = rsa();
        let (ek, ej) = ec();
        let keys = [rj, ej];
        let c = verify(&sign(&rk, "RS256", "k1", &good()), &keys, &expect()).unwrap();
        assert_eq!(c["identity_number"], "051099887766");
        verify(&sign(&ek, "ES256", "e1", &good()), &keys, &expect()).unwrap();
    }

    #[test]
    fn each_broken_promise_is_refused() {
        let (k, j) = rsa();
        let keys = [j];
        let with = |f: &dyn Fn(&mut Value)| {
            let mut c = good();
            f(&mut c);
            verify(&sign(&k, "RS256", "k1", &c), &keys, &expect())
        };
        assert_eq!(
            with(&|c| c["iss"] = "https://evil.example".into()),
            Err("issued by another provider".to_string())
        );
        assert_eq!(
            with(&|c| c["aud"] = "other-client".into()),
            Err("issued for another client".to_string())
        );
        assert_eq!(
            with(&|c| c["aud"] = json!(["motcua", "other-client"])),
            Err("issued for another client".to_string()),
            "several audiences need azp = this client"
        );
        assert!(
            with(&|c| {
                c["aud"] = json!(["motcua", "other"]);
                c["azp"] = "motcua".into();
            })
            .is_ok()
        );
        assert_eq!(
            with(&|c| c["exp"] = (NOW - 61).into()),
            Err("expired".to_string())
        );
        assert!(
            with(&|c| c["exp"] = (NOW - 30).into()).is_ok(),
            "within the leeway"
        );
        assert_eq!(
            with(&|c| c["nonce"] = "n-2".into()),
            Err("nonce of another log-in".to_string())
        );
        assert_eq!(
            with(&|c| c["iat"] = (NOW + 600).into()),
            Err("issued in the future".to_string())
        );
        assert_eq!(
            with(&|c| c["sub"] = "".into()),
            Err("no subject".to_string())
        );
    }

    #[test]
    fn forged_or_unsigned_tokens_are_refused() {
        let (k, j) = rsa();
        let (other, _) = rsa();
        let keys = [j];
        let t = sign(&k, "RS256", "k1", &good());
        // Another key's signature.
        assert_eq!(
            verify(&sign(&other, "RS256", "k1", &good()), &keys, &expect()),
            Err("bad signature".to_string())
        );
        // The claims changed after signing.
        let parts: Vec<&str> = t.split('.').collect();
        let mut c = good();
        c["sub"] = "someone-else".into();
        let forged = format!("{}.{}.{}", parts[0], B64.encode(c.to_string()), parts[2]);
        assert_eq!(
            verify(&forged, &keys, &expect()),
            Err("bad signature".to_string())
        );
        // alg none, and HS256 with the key's public modulus as the secret.
        for alg in ["none", "HS256"] {
            let h = B64.encode(json!({"alg": alg, "kid": "k1"}).to_string());
            let tok = format!("{h}.{}.", parts[1]);
            assert_eq!(
                verify(&tok, &keys, &expect()),
                Err("algorithm not accepted".to_string())
            );
        }
        assert_eq!(
            verify("a.b", &keys, &expect()),
            Err("not a signed JWT".to_string())
        );
        // A key id the provider does not publish.
        assert_eq!(
            verify(&sign(&k, "RS256", "k9", &good()), &keys, &expect()),
            Err("no key of the provider for this token".to_string())
        );
    }
}
