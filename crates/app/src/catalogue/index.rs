//! The catalogue's search index in this server copy's memory (R5.1a, R4.2): every procedure's
//! index row and the words of its name and text. It is read once, and again after a change of
//! the catalogue: at once when the change is made through this copy, within
//! [`REFERENCE_LIFE`] when made through another (every change writes a new revision).
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;
use motcua_domain::search::{WordIndex, folded_words, procedure_text, relevance_of_words};
use motcua_store::catalogue::{self as cat, IndexRow};
use motcua_store::settings;
use uuid::Uuid;

use crate::caches::REFERENCE_LIFE;
use crate::{App, Result};

/// The index as read at one revision.
#[derive(Debug)]
pub struct SearchIndex {
    epoch: u64,
    revision: Option<String>,
    /// When the revision was last found unchanged.
    checked_at: Mutex<Timestamp>,
    /// Every procedure's row, by code.
    rows: Vec<IndexRow>,
    /// The folded words of each row's name.
    names: Vec<String>,
    words: WordIndex,
}

/// The index in memory, read again after a change.
#[derive(Debug, Default)]
pub struct SearchCache {
    /// Bumped by every change of the catalogue made through this copy.
    epoch: AtomicU64,
    current: RwLock<Option<Arc<SearchIndex>>>,
    /// One request reads the index; the others wait for it.
    reading: tokio::sync::Mutex<()>,
}

impl SearchCache {
    /// Forgets the index (the catalogue changed through this copy).
    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn current(&self) -> Option<Arc<SearchIndex>> {
        let epoch = self.epoch.load(Ordering::Acquire);
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|ix| ix.epoch == epoch)
            .cloned()
    }
}

/// What narrows a search (each optional; they narrow, never widen).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub sector_id: Option<Uuid>,
    pub field_id: Option<Uuid>,
    /// Agency code.
    pub agency: Option<String>,
    pub level: Option<u8>,
    /// Folded subject words, found anywhere in the procedure's folded subjects.
    pub subject: Option<String>,
}

impl Filter {
    fn admits(&self, r: &IndexRow) -> bool {
        self.sector_id.is_none_or(|s| r.sector_id == s)
            && self.field_id.is_none_or(|f| r.field_id == f)
            && self
                .agency
                .as_ref()
                .is_none_or(|a| r.agencies.iter().any(|x| x == a))
            && self.level.is_none_or(|l| r.levels.contains(&l))
            && self
                .subject
                .as_ref()
                .is_none_or(|s| r.subjects.contains(s.as_str()))
    }
}

impl SearchIndex {
    /// How many procedures each field holds (the sector listing).
    pub(crate) fn counts_by_field(&self) -> HashMap<Uuid, i64> {
        let mut counts = HashMap::new();
        for r in &self.rows {
            *counts.entry(r.field_id).or_insert(0) += 1;
        }
        counts
    }

    /// The procedures holding every token (the last as a prefix) within `filter`, best match
    /// first: how well the name answers ([`relevance_of_words`]), then by code. Without tokens,
    /// the filtered procedures by code.
    pub(crate) fn find(&self, tokens: &[String], filter: &Filter, limit: usize) -> Vec<&IndexRow> {
        let hits = self
            .words
            .matching(tokens)
            .into_iter()
            .filter(|&i| filter.admits(&self.rows[i]));
        if tokens.is_empty() {
            return hits.take(limit).map(|i| &self.rows[i]).collect();
        }
        let mut scored: Vec<(i64, usize)> = hits
            .map(|i| {
                let score = relevance_of_words(&self.names[i], &self.rows[i].code, tokens);
                (score, i)
            })
            .collect();
        scored.sort_unstable_by_key(|&(score, i)| (Reverse(score), i));
        scored
            .into_iter()
            .take(limit)
            .map(|(_, i)| &self.rows[i])
            .collect()
    }
}

impl App {
    /// The catalogue's search index, from memory unless the catalogue changed.
    pub(crate) async fn search_index(&self) -> Result<Arc<SearchIndex>> {
        let started = self.now();
        if let Some(ix) = self.search.current() {
            let checked = *ix.checked_at.lock().unwrap_or_else(|e| e.into_inner());
            if started < checked + REFERENCE_LIFE {
                return Ok(ix);
            }
            if self.catalogue_revision().await? == ix.revision {
                *ix.checked_at.lock().unwrap_or_else(|e| e.into_inner()) = started;
                return Ok(ix);
            }
        }
        let _one = self.search.reading.lock().await;
        if let Some(ix) = self.search.current()
            && *ix.checked_at.lock().unwrap_or_else(|e| e.into_inner()) >= started
        {
            return Ok(ix);
        }
        let ix = Arc::new(self.read_search_index().await?);
        *self
            .search
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(ix.clone());
        Ok(ix)
    }

    /// Reads the index: the rows, and the text of each procedure's newest published version.
    async fn read_search_index(&self) -> Result<SearchIndex> {
        let epoch = self.search.epoch.load(Ordering::Acquire);
        let checked_at = self.now();
        let revision = self.catalogue_revision().await?;
        let conn = self.db.conn();
        let mut rows = cat::index_rows(conn).await?;
        // By code in byte order, whatever the database's collation: ties rank alike everywhere.
        rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
        let texts: HashMap<Uuid, String> = cat::newest_published(conn)
            .await?
            .into_iter()
            .map(|v| (v.procedure_id, procedure_text(&v.body)))
            .collect();
        let names: Vec<String> = rows.iter().map(|r| folded_words(&r.name)).collect();
        let all: Vec<String> = rows
            .iter()
            .zip(&names)
            .map(|(r, name)| {
                let text = texts.get(&r.procedure_id).map_or("", String::as_str);
                format!("{name} {} {text}", r.code.replace('.', " "))
            })
            .collect();
        let words = WordIndex::new(all.iter().map(String::as_str));
        Ok(SearchIndex {
            epoch,
            revision,
            checked_at: Mutex::new(checked_at),
            rows,
            names,
            words,
        })
    }

    async fn catalogue_revision(&self) -> Result<Option<String>> {
        let stored = settings::get(self.db.conn(), settings::CATALOGUE_REVISION).await?;
        Ok(stored.map(|(value, _, _)| value))
    }

    /// Marks a change of the search index, for every server copy (in the change's transaction).
    pub(crate) async fn new_catalogue_revision(&self, tx: &motcua_store::Tx) -> Result<()> {
        let value = serde_json::Value::from(Uuid::now_v7().to_string()).to_string();
        settings::put(tx, settings::CATALOGUE_REVISION, &value, self.now(), None).await?;
        Ok(())
    }

    /// The catalogue changed through this copy: read the index again.
    pub(crate) fn search_changed(&self) {
        self.search.changed();
    }
}
