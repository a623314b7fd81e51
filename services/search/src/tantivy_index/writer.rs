//! Writes: a [`SearchDoc`] as a tantivy document, upserts and deletes as one commit each,
//! segment merging, and the keys of everything indexed.

use std::collections::HashMap;
use std::sync::MutexGuard;

use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::schema::{F_ID, F_KIND, Fields, key_string};
use super::{Inner, index_err, search_threads};
use crate::{DocKey, DocKind, Result, SearchDoc, SearchError};

/// Documents a bulk rebuild queues between two commits (see [`Inner::queue`]).
const BULK_COMMIT_DOCS: usize = 50_000;

/// The index writer and the state of a bulk rebuild, behind one lock.
pub(super) struct Writer {
    pub(super) index: IndexWriter,
    /// A bulk rebuild under way (documents queued, nothing merged; see [`Inner::queue`]):
    /// how many were queued since its last commit.
    pub(super) bulk: Option<usize>,
}

/// Commits `writer`'s pending changes; rolls them back when that fails.
fn commit(writer: &mut IndexWriter) -> Result<()> {
    if let Err(e) = writer.commit() {
        let _ = writer.rollback();
        return Err(index_err(e));
    }
    Ok(())
}

impl Inner {
    fn writer(&self) -> Result<MutexGuard<'_, Writer>> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Index("index writer lock poisoned".into()))
    }

    /// Applies `ops` to the writer, commits and reloads the reader; rolls back on error.
    fn write(&self, ops: impl FnOnce(&IndexWriter) -> Result<()>) -> Result<()> {
        let mut writer = self.writer()?;
        if let Err(e) = ops(&writer.index) {
            let _ = writer.index.rollback();
            return Err(e);
        }
        commit(&mut writer.index)?;
        drop(writer);
        self.reader.reload().map_err(index_err)
    }

    /// Adds `docs` to `writer`, each replacing any document of its key; none when one has
    /// no key. Documents are converted one at a time: a bulk load never holds two copies.
    fn add(&self, writer: &IndexWriter, docs: &[SearchDoc]) -> Result<()> {
        if docs.iter().any(|d| d.key.is_none()) {
            return Err(SearchError::Index("document without key".into()));
        }
        for d in docs {
            let doc = self.document(d)?;
            if let Some(key) = d.key {
                writer.delete_term(Term::from_field_text(self.fields.key, &key_string(key)));
            }
            writer.add_document(doc).map_err(index_err)?;
        }
        Ok(())
    }

    /// Adds `docs` (replacing any of the same key) without committing, for a bulk rebuild:
    /// [`Inner::optimize`] commits them. Until then nothing is merged: a rebuild of
    /// 1,000,000 listings committed 500 times and merged the growing segments again and
    /// again in the background (tantivy's log merge policy), while `optimize` merges each
    /// document once.
    pub(super) fn queue(&self, docs: &[SearchDoc]) -> Result<()> {
        let mut writer = self.writer()?;
        let queued = match writer.bulk {
            Some(n) => n,
            None => {
                writer.index.set_merge_policy(Box::new(NoMergePolicy));
                0
            }
        };
        self.add(&writer.index, docs)?;
        // The writer keeps every replacement (a delete by key, about 1.5 KiB each) until it
        // commits: 1,000,000 of them held 1.5 GiB. A commit now and then bounds that.
        let mut queued = queued + docs.len();
        if queued >= BULK_COMMIT_DOCS {
            queued = 0;
            commit(&mut writer.index)?;
        }
        writer.bulk = Some(queued);
        Ok(())
    }

    /// Commits what [`Inner::queue`] left and gives the writer its merge policy back.
    fn end_bulk(&self) -> Result<()> {
        let mut writer = self.writer()?;
        if writer.bulk.take().is_none() {
            return Ok(());
        }
        writer
            .index
            .set_merge_policy(Box::new(LogMergePolicy::default()));
        commit(&mut writer.index)
    }

    /// Merges the segments into [`search_threads`] segments of about equal size (one per
    /// search thread) and waits for the merges. The writer's own merge policy may merge
    /// segments meanwhile, in the background: a merge naming a segment it has just merged
    /// away fails, and the grouping is made again from the segments as they are then (a
    /// rebuild of 1,000,000 listings met it).
    pub(super) fn optimize(&self) -> Result<()> {
        self.end_bulk()?;
        const ATTEMPTS: usize = 5;
        let mut attempt = 1;
        loop {
            match self.merge_into_groups() {
                Err(SearchError::Index(why))
                    if attempt < ATTEMPTS && why.contains("could not be found") =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    fn merge_into_groups(&self) -> Result<()> {
        let mut writer = self.writer()?;
        self.reader.reload().map_err(index_err)?;
        let mut segments = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|r| (r.num_docs(), r.segment_id()))
            .collect::<Vec<_>>();
        // Largest first, each into the group with the fewest documents so far.
        segments.sort_by_key(|(docs, _)| std::cmp::Reverse(*docs));
        let mut groups: Vec<(u32, Vec<tantivy::index::SegmentId>)> =
            vec![(0, Vec::new()); search_threads()];
        for (docs, id) in segments {
            if let Some(group) = groups.iter_mut().min_by_key(|(n, _)| *n) {
                group.0 += docs;
                group.1.push(id);
            }
        }
        let merges = groups
            .into_iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(_, ids)| writer.index.merge(&ids))
            .collect::<Vec<_>>();
        let mut failed = None;
        for merge in merges {
            if let Err(e) = merge.wait() {
                failed = Some(index_err(e));
            }
        }
        drop(writer);
        self.reader.reload().map_err(index_err)?;
        failed.map_or(Ok(()), Err)
    }

    /// A value of the meta tier (English title, cooperative and category names).
    fn add_meta(f: &Fields, doc: &mut TantivyDocument, value: &str) {
        doc.add_text(f.meta_x, value);
        doc.add_text(f.meta_f, value);
        doc.add_text(f.meta_pairs, value);
        doc.add_text(f.meta_prefixes, value);
    }

    fn document(&self, d: &SearchDoc) -> Result<TantivyDocument> {
        let f = &self.fields;
        let key = d
            .key
            .ok_or_else(|| SearchError::Index("document without key".into()))?;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, key_string(key));
        doc.add_text(f.kind, key.kind.as_str());
        doc.add_i64(f.id, key.id);

        doc.add_text(f.title_x, &d.title_vi);
        doc.add_text(f.title_f, &d.title_vi);
        doc.add_text(f.title_pairs, &d.title_vi);
        doc.add_text(f.title_prefixes, &d.title_vi);
        doc.add_text(f.s_title_vi, &d.title_vi);
        if let Some(en) = d.title_en.as_deref().filter(|s| !s.is_empty()) {
            Self::add_meta(f, &mut doc, en);
            doc.add_text(f.en_title, en);
            doc.add_text(f.s_title_en, en);
        }
        Self::add_meta(f, &mut doc, &d.org_name);
        doc.add_text(f.s_org_name, &d.org_name);
        doc.add_text(f.s_org_slug, &d.org_slug);

        for (vi, en) in d.category_names() {
            for name in [vi, en] {
                Self::add_meta(f, &mut doc, name);
            }
            doc.add_text(f.en_title, en);
        }

        let crafts = d.craft_names();
        for body in std::iter::once(d.body_vi.as_str())
            .chain(d.body_en.as_deref().filter(|s| !s.is_empty()))
            .chain(crafts.iter().flat_map(|(vi, en)| [*vi, *en]))
        {
            doc.add_text(f.body_x, body);
            doc.add_text(f.body_f, body);
            doc.add_text(f.body_pairs, body);
        }
        if let Some(en) = d.body_en.as_deref().filter(|s| !s.is_empty()) {
            doc.add_text(f.en_body, en);
        }

        if let Some(v) = &d.external_id {
            doc.add_text(f.s_external_id, v);
        }
        if let Some(v) = &d.unit {
            doc.add_text(f.s_unit, v);
        }
        if let Some(v) = &d.image {
            doc.add_text(f.s_image, v);
        }
        if let Some(v) = &d.category_id {
            doc.add_text(f.category_id, v);
        }
        // Single-valued string facets always get a value, so their columns stay dense.
        doc.add_text(f.category_group, d.category_group.as_deref().unwrap_or(""));
        doc.add_text(f.commune, d.commune_code.as_deref().unwrap_or(""));
        for v in &d.offer_kinds {
            doc.add_text(f.offer, v);
        }
        for v in &d.certifications {
            doc.add_text(f.cert, v);
        }
        doc.add_u64(f.stars, u64::from(d.ocop_stars));
        if let Some(p) = d.min_price {
            doc.add_i64(f.price, p);
        }
        if let Some(n) = d.min_order_qty {
            doc.add_i64(f.min_order, n);
        }
        for m in 1..=12u64 {
            if d.months & (1 << (m - 1)) != 0 {
                doc.add_u64(f.months, m);
            }
        }
        doc.add_u64(f.women, u64::from(d.women_managed));
        if let (Some(lat), Some(lon)) = (d.lat, d.lon) {
            doc.add_f64(f.lat, lat);
            doc.add_f64(f.lon, lon);
        }
        doc.add_i64(f.published, d.published_at);
        Ok(doc)
    }

    pub(super) fn upsert(&self, docs: &[SearchDoc]) -> Result<()> {
        self.write(|w| self.add(w, docs))
    }

    pub(super) fn delete(&self, keys: &[DocKey]) -> Result<()> {
        self.write(|w| {
            for key in keys {
                w.delete_term(Term::from_field_text(self.fields.key, &key_string(*key)));
            }
            Ok(())
        })
    }

    pub(super) fn clear(&self) -> Result<()> {
        self.write(|w| w.delete_all_documents().map(|_| ()).map_err(index_err))
    }

    pub(super) fn keys(&self) -> Result<Vec<DocKey>> {
        let searcher = self.reader.searcher();
        let mut keys = Vec::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let (Some(kinds), Some(ids)) = (
                ff.str(F_KIND).map_err(index_err)?,
                ff.column_opt::<i64>(F_ID).map_err(index_err)?,
            ) else {
                continue;
            };
            let mut kind_of_ord: HashMap<u64, Option<DocKind>> = HashMap::new();
            let mut buf = String::new();
            for doc in segment.doc_ids_alive() {
                let (Some(ord), Some(id)) = (kinds.ords().first(doc), ids.first(doc)) else {
                    continue;
                };
                let kind = *kind_of_ord.entry(ord).or_insert_with(|| {
                    buf.clear();
                    match kinds.ord_to_str(ord, &mut buf) {
                        Ok(true) => DocKind::parse(&buf),
                        _ => None,
                    }
                });
                if let Some(kind) = kind {
                    keys.push(DocKey { kind, id });
                }
            }
        }
        keys.sort();
        Ok(keys)
    }
}
