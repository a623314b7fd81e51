//! Serialised stamps of a lot and their scans: numbering, creation in batches, the counts
//! and clients of each stamp's scans, and the stamps flagged as possibly copied.

use super::*;

/// Stamps are numbered per lot, zero-padded to this width ("000001").
pub const SERIAL_WIDTH: usize = 6;

/// The serial of the stamp numbered `n`.
pub fn serial(n: i64) -> String {
    format!("{n:0width$}", width = SERIAL_WIDTH)
}

/// Rows per INSERT when creating stamps: under SQLite's 32,766 bound parameters (two each).
const STAMP_BATCH: usize = 1_000;

/// Adds `count` stamps to a lot, numbered on from its last. Returns the first and last
/// number made (`None` when the lot does not exist).
pub async fn create_stamps(tx: &mut Tx, lot_id: i64, count: i64) -> Result<Option<(i64, i64)>> {
    let before: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "UPDATE lots SET stamps = stamps + $1 WHERE id = $2 RETURNING stamps - $1")
        .bind(count)
        .bind(lot_id)
        .fetch_optional(e)
        .await)?;
    let Some(before) = before else {
        return Ok(None);
    };
    let (first, last) = (before + 1, before + count);
    let numbers: Vec<i64> = (first..=last).collect();
    for chunk in numbers.chunks(STAMP_BATCH) {
        let sql = format!(
            "INSERT INTO stamps (lot_id, serial) VALUES {}",
            value_rows(chunk.len(), 2)
        );
        let serials: Vec<String> = chunk.iter().map(|n| serial(*n)).collect();
        on!(tx.conn(), e => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for s in &serials {
                q = q.bind(lot_id).bind(s);
            }
            q.execute(e).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(Some((first, last)))
}

/// One stamp and what its scans say.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Stamp {
    pub lot_id: i64,
    pub serial: String,
    pub scans: i64,
    pub last_scan_at: Option<DateTime<Utc>>,
    pub flagged_at: Option<DateTime<Utc>>,
}

pub async fn stamp(conn: Conn<'_>, lot_id: i64, serial: &str) -> Result<Option<Stamp>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT lot_id, serial, scans, last_scan_at, flagged_at FROM stamps WHERE lot_id = $1 AND serial = $2")
        .bind(lot_id)
        .bind(serial)
        .fetch_optional(e)
        .await)?)
}

/// The stamps of a lot that were scanned or flagged: serial, scans, flagged. What the trace
/// pages' read model holds in memory (`ketnoi_app::trace::TraceModel`); the others are at 0.
pub async fn scanned_stamps(conn: Conn<'_>, lot_id: i64) -> Result<Vec<(String, i64, bool)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT serial, scans, flagged_at IS NOT NULL FROM stamps \
         WHERE lot_id = $1 AND (scans > 0 OR flagged_at IS NOT NULL)")
        .bind(lot_id)
        .fetch_all(e)
        .await)?)
}

/// The number of the stamp whose serial is `s`, if `s` is written as [`serial`] writes it.
pub fn serial_number(s: &str) -> Option<i64> {
    let n: i64 = s.parse().ok().filter(|n| *n >= 1)?;
    (serial(n) == s).then_some(n)
}

/// A lot's stamps numbered `first..=last`.
pub async fn stamps(conn: Conn<'_>, lot_id: i64, first: i64, last: i64) -> Result<Vec<Stamp>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT lot_id, serial, scans, last_scan_at, flagged_at FROM stamps \
         WHERE lot_id = $1 AND serial >= $2 AND serial <= $3 ORDER BY serial")
        .bind(lot_id)
        .bind(serial(first))
        .bind(serial(last))
        .fetch_all(e)
        .await)?)
}

/// One scan of a stamp: a keyed hash of the client and a coarse network, never the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub lot_id: i64,
    pub serial: String,
    pub client: String,
    pub network: Option<String>,
    pub at: DateTime<Utc>,
}

/// Stores a batch of scans and counts them; a stamp scanned by more than `threshold`
/// distinct clients within `window` before its latest scan is flagged as possibly copied.
/// Returns the stamps newly flagged. Scans of stamps that do not exist are dropped.
///
/// One transaction per batch, a few statements per stamp scanned (not per scan): under a
/// flood of scans of one stamp the writer stays cheap. The distinct clients are counted in
/// `stamp_clients`, one row per client, so the count does not grow with the scans; the log
/// (`stamp_scans`) keeps a row per client, network and minute with how many scans it
/// stands for, so it does not either.
pub async fn record_scans(
    db: &Db,
    scans: &[Scan],
    threshold: i64,
    window: chrono::Duration,
) -> Result<Vec<(i64, String)>> {
    let stamps = group_scans(scans);
    let mut tx = db.begin().await?;
    let mut flagged = Vec::new();
    for x in &stamps {
        let state: Option<Option<DateTime<Utc>>> = on!(tx.conn(), e => sqlx::query_scalar(
            "UPDATE stamps SET scans = scans + $1, last_scan_at = $2 WHERE lot_id = $3 AND serial = $4 \
             RETURNING flagged_at")
            .bind(x.count)
            .bind(x.latest)
            .bind(x.lot_id)
            .bind(x.serial)
            .fetch_optional(e)
            .await)?;
        let Some(flagged_at) = state else {
            continue;
        };
        insert_log(&mut tx, x).await?;
        for (client, at) in &x.clients {
            on!(tx.conn(), e => sqlx::query(
                "INSERT INTO stamp_clients (lot_id, serial, client, last_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (lot_id, serial, client) DO UPDATE SET last_at = excluded.last_at")
                .bind(x.lot_id)
                .bind(x.serial)
                .bind(*client)
                .bind(*at)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
        }
        if flagged_at.is_some() {
            continue;
        }
        let clients: i64 = on!(tx.conn(), e => sqlx::query_scalar(
            "SELECT COUNT(*) FROM stamp_clients WHERE lot_id = $1 AND serial = $2 AND last_at >= $3")
            .bind(x.lot_id)
            .bind(x.serial)
            .bind(x.latest - window)
            .fetch_one(e)
            .await)?;
        if clients > threshold {
            on!(tx.conn(), e => sqlx::query(
                "UPDATE stamps SET flagged_at = $1 WHERE lot_id = $2 AND serial = $3")
                .bind(x.latest)
                .bind(x.lot_id)
                .bind(x.serial)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            flagged.push((x.lot_id, x.serial.to_owned()));
        }
    }
    tx.commit().await?;
    Ok(flagged)
}

/// A batch's scans of one stamp: how many, the latest, each client's latest, and the rows
/// of the log (client, network, minute → how many and the latest).
struct StampScans<'a> {
    lot_id: i64,
    serial: &'a str,
    count: i64,
    latest: DateTime<Utc>,
    clients: Vec<(&'a str, DateTime<Utc>)>,
    log: Vec<LogRow<'a>>,
}

struct LogRow<'a> {
    client: &'a str,
    network: Option<&'a str>,
    scans: i64,
    latest: DateTime<Utc>,
}

/// Gathers a batch by stamp, in the order each stamp was first scanned (each client's and
/// each log row's scans found by key: a batch may hold thousands of one stamp's scans).
fn group_scans(scans: &[Scan]) -> Vec<StampScans<'_>> {
    use std::collections::HashMap;
    type Clients<'a> = HashMap<&'a str, DateTime<Utc>>;
    type Log<'a> = HashMap<(&'a str, Option<&'a str>, i64), (i64, DateTime<Utc>)>;
    let mut index: HashMap<(i64, &str), usize> = HashMap::new();
    let mut stamps: Vec<(StampScans<'_>, Clients<'_>, Log<'_>)> = Vec::new();
    for s in scans {
        let i = *index.entry((s.lot_id, &s.serial)).or_insert_with(|| {
            let first = StampScans {
                lot_id: s.lot_id,
                serial: &s.serial,
                count: 0,
                latest: s.at,
                clients: Vec::new(),
                log: Vec::new(),
            };
            stamps.push((first, HashMap::new(), HashMap::new()));
            stamps.len() - 1
        });
        let (x, clients, log) = &mut stamps[i];
        x.count += 1;
        x.latest = x.latest.max(s.at);
        let last = clients.entry(&s.client).or_insert(s.at);
        *last = (*last).max(s.at);
        let minute = s.at.timestamp().div_euclid(60);
        let row = log
            .entry((&s.client, s.network.as_deref(), minute))
            .or_insert((0, s.at));
        row.0 += 1;
        row.1 = row.1.max(s.at);
    }
    stamps
        .into_iter()
        .map(|(mut x, clients, log)| {
            x.clients = clients.into_iter().collect();
            x.log = log
                .into_iter()
                .map(|((client, network, _), (scans, latest))| LogRow {
                    client,
                    network,
                    scans,
                    latest,
                })
                .collect();
            x
        })
        .collect()
}

/// Rows of `stamp_scans` per INSERT: under SQLite's 32,766 bound parameters (six each).
const SCAN_ROWS: usize = 1_000;

/// Writes a stamp's rows of the scan log, a few multi-row statements for a batch.
async fn insert_log(tx: &mut Tx, x: &StampScans<'_>) -> Result<()> {
    for chunk in x.log.chunks(SCAN_ROWS) {
        let sql = format!(
            "INSERT INTO stamp_scans (lot_id, serial, client, network, scanned_at, scans) VALUES {}",
            value_rows(chunk.len(), 6)
        );
        on!(tx.conn(), e => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for r in chunk {
                q = q
                    .bind(x.lot_id)
                    .bind(x.serial)
                    .bind(r.client)
                    .bind(r.network)
                    .bind(r.latest)
                    .bind(r.scans);
            }
            q.execute(e).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// The scan log of one stamp, oldest first: who (a keyed hash), from which network, when
/// (the latest scan of the row's minute) and how many scans the row stands for.
pub async fn scan_log(
    conn: Conn<'_>,
    lot_id: i64,
    serial: &str,
) -> Result<Vec<(String, Option<String>, DateTime<Utc>, i64)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT client, network, scanned_at, CAST(scans AS BIGINT) FROM stamp_scans \
         WHERE lot_id = $1 AND serial = $2 ORDER BY scanned_at, id")
        .bind(lot_id)
        .bind(serial)
        .fetch_all(e)
        .await)?)
}

/// A stamp flagged as possibly copied, with its lot.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Flagged {
    pub lot_id: i64,
    pub lot_code: String,
    pub title_vi: String,
    pub serial: String,
    pub scans: i64,
    pub clients: i64,
    pub flagged_at: DateTime<Utc>,
}

/// The cooperative's flagged stamps, newest flag first.
pub async fn flagged(conn: Conn<'_>, org_id: i64, limit: i64) -> Result<Vec<Flagged>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT s.lot_id, x.code AS lot_code, l.title_vi, s.serial, s.scans, \
           (SELECT COUNT(*) FROM stamp_clients c WHERE c.lot_id = s.lot_id AND c.serial = s.serial) AS clients, \
           s.flagged_at \
         FROM stamps s JOIN lots x ON x.id = s.lot_id JOIN listings l ON l.id = x.listing_id \
         WHERE x.org_id = $1 AND s.flagged_at IS NOT NULL ORDER BY s.flagged_at DESC LIMIT $2")
        .bind(org_id)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}
