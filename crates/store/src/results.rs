//! The register of signed electronic results (R8.2b), and what verifying files' signatures
//! found (R4.6).
use motcua_domain::signature::Signature;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::Result;
use crate::entities::{dossier_file, issued_result};
use crate::time::{from_db, to_db};

/// A result an agency signed and issued.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedResult {
    /// `<dossier code>-KQ<n>`.
    pub number: String,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    /// The signed PDF, as a file of the dossier.
    pub file_id: Uuid,
    /// The draft the specialist prepared, which the leader approved.
    pub draft_id: Uuid,
    /// The signed PDF's SHA-256.
    pub sha256: String,
    /// The SHA-256 fingerprint of the certificate that signed it.
    pub certificate: String,
    pub signed_at: jiff::Timestamp,
}

fn from(m: issued_result::Model) -> IssuedResult {
    IssuedResult {
        number: m.number,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        file_id: m.file_id,
        draft_id: m.draft_id,
        sha256: m.sha256,
        certificate: m.certificate,
        signed_at: from_db(m.signed_at),
    }
}

pub async fn insert_result(c: &impl ConnectionTrait, r: &IssuedResult) -> Result<()> {
    issued_result::Entity::insert(issued_result::ActiveModel {
        number: Set(r.number.clone()),
        dossier_id: Set(r.dossier_id),
        agency_id: Set(r.agency_id),
        file_id: Set(r.file_id),
        draft_id: Set(r.draft_id),
        sha256: Set(r.sha256.clone()),
        certificate: Set(r.certificate.clone()),
        signed_at: Set(to_db(r.signed_at)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// How many results the dossier has had issued (the next one's rank is this plus one).
pub async fn results_count(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<u64> {
    Ok(issued_result::Entity::find()
        .filter(issued_result::Column::DossierId.eq(dossier_id))
        .count(c)
        .await?)
}

/// The result with this exact content, if one was issued.
pub async fn result_by_sha(c: &impl ConnectionTrait, sha256: &str) -> Result<Option<IssuedResult>> {
    Ok(issued_result::Entity::find()
        .filter(issued_result::Column::Sha256.eq(sha256))
        .one(c)
        .await?
        .map(from))
}

/// The results issued with these exact contents, by content (in one query).
pub async fn results_by_sha(
    c: &impl ConnectionTrait,
    shas: &[&str],
) -> Result<std::collections::HashMap<String, IssuedResult>> {
    if shas.is_empty() {
        return Ok(Default::default());
    }
    Ok(issued_result::Entity::find()
        .filter(issued_result::Column::Sha256.is_in(shas.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(|m| (m.sha256.clone(), from(m)))
        .collect())
}

/// The result with this number, if one was issued.
pub async fn result_by_number(
    c: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<IssuedResult>> {
    Ok(issued_result::Entity::find_by_id(number.to_string())
        .one(c)
        .await?
        .map(from))
}

/// Records what verifying a file's signatures found (a detached signature checked again when
/// the file it signs arrives).
pub async fn set_signatures(
    c: &impl ConnectionTrait,
    file: Uuid,
    sigs: &[Signature],
) -> Result<()> {
    let text = (!sigs.is_empty()).then(|| serde_json::to_string(sigs).expect("plain data"));
    dossier_file::Entity::update_many()
        .col_expr(dossier_file::Column::Signatures, Expr::value(text))
        .filter(dossier_file::Column::Id.eq(file))
        .exec(c)
        .await?;
    Ok(())
}
