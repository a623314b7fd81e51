//! The plan's tallies, computed once per change: the store's sums for a period (by ward or
//! commune, or by cooperative) kept in memory under the database's plan revision, which
//! triggers bump on every write that could change them. A dashboard view reads that one
//! number and, unless something changed, no sums; the first view after a change computes
//! them again. Safe with several servers on one database: each asks the database.

use ketnoi_db::reports::{self, Grouping, TallyQuery};
use ketnoi_db::{Db, Result};
use ketnoi_domain::progress::Tally;
use std::sync::Arc;

type Key = (i64, TallyQuery, Grouping);

/// Computed tallies by (revision, query, grouping).
#[derive(Clone)]
pub struct Tallies {
    cache: moka::sync::Cache<Key, Arc<Vec<(String, Tally)>>>,
}

impl Default for Tallies {
    fn default() -> Self {
        Tallies {
            // A city's periods × filters: a few hundred entries; old revisions age out.
            cache: moka::sync::Cache::builder()
                .max_capacity(2_000)
                .time_to_idle(std::time::Duration::from_secs(3600))
                .build(),
        }
    }
}

impl Tallies {
    /// The database's current plan revision (one small read).
    pub async fn revision(&self, db: &Db) -> Result<i64> {
        reports::revision(db.conn()).await
    }

    /// The whole of `q` (its wards/communes added up), as of now.
    pub async fn total(&self, db: &Db, q: &TallyQuery) -> Result<Tally> {
        let revision = self.revision(db).await?;
        let sums = self.get(db, revision, q, Grouping::Unit).await?;
        Ok(sums.iter().map(|(_, t)| *t).sum())
    }

    /// The tallies of `q` grouped by `by`, as of `revision`.
    pub async fn get(
        &self,
        db: &Db,
        revision: i64,
        q: &TallyQuery,
        by: Grouping,
    ) -> Result<Arc<Vec<(String, Tally)>>> {
        let key = (revision, q.clone(), by);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let mut sums = reports::tallies(db.conn(), q, by).await?;
        if by == Grouping::Unit {
            reports::add_officers(db.conn(), q, &mut sums).await?;
        }
        let fresh = Arc::new(sums);
        self.cache.insert(key, fresh.clone());
        Ok(fresh)
    }
}
