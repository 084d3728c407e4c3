//! The files of dossiers: their rows, the bytes each dossier and person stores, and the blobs
//! the rows point to.
use motcua_domain::record::DossierFile;
use std::collections::HashSet;

use motcua_domain::dossier::FileKind;
use motcua_domain::lifecycle::Stage;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::bad;
use crate::entities::{dossier, dossier_file, paper_check};
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

fn file_from(m: dossier_file::Model) -> Result<DossierFile> {
    Ok(DossierFile {
        id: m.id,
        dossier_id: m.dossier_id,
        component_id: m.component_id,
        sha256: m.sha256,
        size: m.size,
        kind: FileKind::parse(&m.kind).ok_or_else(|| bad("kind"))?,
        name: m.name,
        created_at: from_db(m.created_at),
        public: m.public,
        signatures: m
            .signatures
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?
            .unwrap_or_default(),
    })
}

pub async fn insert_file(c: &impl ConnectionTrait, f: &DossierFile) -> Result<()> {
    dossier_file::Entity::insert(dossier_file::ActiveModel {
        id: Set(f.id),
        dossier_id: Set(f.dossier_id),
        component_id: Set(f.component_id.clone()),
        sha256: Set(f.sha256.clone()),
        size: Set(f.size),
        kind: Set(f.kind.as_str().into()),
        name: Set(f.name.clone()),
        created_at: Set(to_db(f.created_at)),
        public: Set(f.public),
        signatures: Set((!f.signatures.is_empty())
            .then(|| serde_json::to_string(&f.signatures).expect("plain data"))),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn files(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<DossierFile>> {
    dossier_file::Entity::find()
        .filter(dossier_file::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_file::Column::CreatedAt)
        // Papers sent in one request share their time: their ids (v7) keep the order sent.
        .order_by_asc(dossier_file::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(file_from)
        .collect()
}

/// The files of several dossiers, newest first, in one query.
pub async fn files_of(c: &impl ConnectionTrait, dossiers: &[Uuid]) -> Result<Vec<DossierFile>> {
    if dossiers.is_empty() {
        return Ok(vec![]);
    }
    dossier_file::Entity::find()
        .filter(dossier_file::Column::DossierId.is_in(dossiers.iter().copied()))
        .order_by_desc(dossier_file::Column::CreatedAt)
        .order_by_desc(dossier_file::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(file_from)
        .collect()
}

pub async fn get_file(c: &impl ConnectionTrait, id: Uuid) -> Result<DossierFile> {
    file_from(
        dossier_file::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

pub async fn delete_file(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    paper_check::Entity::delete_by_id(id).exec(c).await?;
    dossier_file::Entity::delete_by_id(id).exec(c).await?;
    Ok(())
}

/// The papers of a dossier an officer marked as checked (R11.1): each file, who and when.
pub async fn paper_checks(
    c: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<(Uuid, Uuid, jiff::Timestamp)>> {
    Ok(paper_check::Entity::find()
        .filter(paper_check::Column::DossierId.eq(dossier_id))
        .all(c)
        .await?
        .into_iter()
        .map(|m| (m.file_id, m.checked_by, from_db(m.checked_at)))
        .collect())
}

/// Sets which of a dossier's papers are checked, of those `shown`: `checked` keeps its mark (or
/// gets one by `by` at `at`), the other shown papers lose it. In the caller's transaction.
pub async fn set_paper_checks(
    c: &impl ConnectionTrait,
    dossier_id: Uuid,
    shown: &[Uuid],
    checked: &[Uuid],
    by: Uuid,
    at: jiff::Timestamp,
) -> Result<()> {
    use paper_check::Column as P;
    let unmarked: Vec<Uuid> = shown
        .iter()
        .filter(|f| !checked.contains(f))
        .copied()
        .collect();
    if !unmarked.is_empty() {
        paper_check::Entity::delete_many()
            .filter(P::DossierId.eq(dossier_id))
            .filter(P::FileId.is_in(unmarked))
            .exec(c)
            .await?;
    }
    if checked.is_empty() {
        return Ok(());
    }
    let rows = checked.iter().map(|f| paper_check::ActiveModel {
        file_id: Set(*f),
        dossier_id: Set(dossier_id),
        checked_by: Set(by),
        checked_at: Set(to_db(at)),
    });
    paper_check::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(P::FileId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// The sum of the sizes of the files a condition selects, summed by the database (a person's
/// files may be thousands; the check runs inside the write transaction that adds one).
async fn sum_sizes(c: &impl ConnectionTrait, which: sea_orm::Condition) -> Result<i64> {
    use sea_orm::sea_query::{Alias, Func};
    let total = Func::coalesce([Expr::col(dossier_file::Column::Size).sum(), Expr::val(0)]);
    let sum: Option<i64> = dossier_file::Entity::find()
        .select_only()
        .column_as(Expr::expr(total).cast_as(Alias::new("BIGINT")), "total")
        .filter(which)
        .into_tuple()
        .one(c)
        .await?;
    Ok(sum.unwrap_or(0))
}

/// Bytes stored for one dossier.
pub async fn dossier_bytes(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<i64> {
    sum_sizes(
        c,
        sea_orm::Condition::all().add(dossier_file::Column::DossierId.eq(dossier_id)),
    )
    .await
}

/// Bytes stored across a person's dossiers that have not ended (drafts and those in progress; a
/// dossier in a final stage, withdrawn, refused or returned, no longer takes files).
pub async fn owner_bytes(c: &impl ConnectionTrait, owner: Uuid) -> Result<i64> {
    // One query with a subquery: a list of ids would exceed the engines' parameter limits for
    // a person or business with tens of thousands of dossiers.
    let owned = sea_orm::sea_query::Query::select()
        .column(dossier::Column::Id)
        .from(dossier::Entity)
        .and_where(dossier::Column::OwnerId.eq(owner))
        .and_where(
            dossier::Column::Stage.is_not_in(
                Stage::ALL
                    .into_iter()
                    .filter(|s| s.is_final())
                    .map(Stage::as_str),
            ),
        )
        .to_owned();
    sum_sizes(
        c,
        sea_orm::Condition::all().add(dossier_file::Column::DossierId.in_subquery(owned)),
    )
    .await
}

/// Every blob hash some row points to (for the orphan sweep and consistency checks).
pub async fn referenced_blobs(c: &impl ConnectionTrait) -> Result<HashSet<String>> {
    let v: Vec<String> = dossier_file::Entity::find()
        .select_only()
        .column(dossier_file::Column::Sha256)
        .distinct()
        .into_tuple()
        .all(c)
        .await?;
    Ok(v.into_iter().collect())
}

/// The distinct stored files after `after` in hash order, `limit` of them: a re-scan's next
/// batch (R4.4).
pub async fn blobs_after(c: &impl ConnectionTrait, after: &str, limit: u64) -> Result<Vec<String>> {
    Ok(dossier_file::Entity::find()
        .select_only()
        .column(dossier_file::Column::Sha256)
        .distinct()
        .filter(dossier_file::Column::Sha256.gt(after))
        .order_by_asc(dossier_file::Column::Sha256)
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?)
}

/// Every file row with this content.
pub async fn files_with(c: &impl ConnectionTrait, sha: &str) -> Result<Vec<DossierFile>> {
    dossier_file::Entity::find()
        .filter(dossier_file::Column::Sha256.eq(sha))
        .all(c)
        .await?
        .into_iter()
        .map(file_from)
        .collect()
}
