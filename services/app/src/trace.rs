//! Traceability use cases: making a product traceable, creating a lot from its inputs,
//! recording steps, making stamps, counting scans (and flagging copied stamps), shipping
//! lots on orders, recalling a lot, and the EPCIS 2.0 documents the exports and the API
//! serve. Each change is audited.

use crate::i18n;
use crate::listings::Editor;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use ketnoi_db::trace::{self, Lot, NewEvent, NewLot, Product, Refused, Scan};
use ketnoi_db::{Db, Result, audit, messaging};
use ketnoi_domain::Locale;
use ketnoi_domain::epcis::{self, QuantityElement, Step};
use ketnoi_domain::trace::{DigitalLink, Gtin, ProductKey, TraceCode};
use sha2::Sha256;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Most stamps one lot can have: serials are six digits.
pub const MAX_STAMPS_PER_LOT: i64 = 999_999;

/// Most stamps made in one request.
pub const MAX_STAMPS_AT_ONCE: i64 = 100_000;

/// The Digital Link of a lot (and one of its stamps): by GTIN when the product has one, else
/// by our trace code.
pub fn link(
    gtin: Option<&str>,
    code: &str,
    lot: &str,
    serial: Option<&str>,
) -> Option<DigitalLink> {
    let key = match gtin {
        Some(g) => ProductKey::Gtin(Gtin::parse(g).ok()?),
        None => ProductKey::Code(TraceCode::parse(code)?),
    };
    Some(DigitalLink {
        key,
        lot: Some(lot.to_owned()),
        serial: serial.map(str::to_owned),
    })
}

/// The absolute URI of a lot (or of one of its stamps).
pub fn lot_uri(public_url: &str, lot: &Lot, serial: Option<&str>) -> String {
    match link(lot.gtin.as_deref(), &lot.product_code, &lot.code, serial) {
        Some(l) => l.uri(public_url),
        None => format!("{}/orgs/{}", public_url.trim_end_matches('/'), lot.org_slug),
    }
}

/// The human-readable code printed under a stamp's QR code: GS1 element strings for a
/// GTIN, our code, lot and serial otherwise.
pub fn human_code(lot: &Lot, serial: &str) -> String {
    match &lot.gtin {
        Some(g) => format!("(01){g}(10){}(21){serial}", lot.code),
        None => format!("{} {} {serial}", lot.product_code, lot.code),
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U to misread on a small label.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a stamp's check code.
pub const CHECK_LEN: usize = 4;

/// The short check code printed beside a stamp: the first 20 bits of an HMAC of its lot and
/// serial under the site's secret, in Crockford base 32. Somebody who invents serials cannot
/// print the codes that go with them; the trace page shows the code so a buyer can compare.
pub fn check_code(secret: &[u8], lot_id: i64, serial: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    m.update(format!("ketnoi-stamp-v1:{lot_id}:{serial}").as_bytes());
    let bytes = m.finalize().into_bytes();
    let bits = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    (0..CHECK_LEN)
        .map(|i| char::from(CROCKFORD[((bits >> (27 - 5 * i)) & 31) as usize]))
        .collect()
}

fn audit_entry<'a>(
    ed: &Editor,
    entity: &'a str,
    id: i64,
    action: &'a str,
    after: String,
) -> audit::Entry<'a> {
    audit::Entry {
        org_id: Some(ed.org_id),
        actor_id: ed.actor_id,
        on_behalf_of: ed.on_behalf_of,
        entity,
        entity_id: id.to_string(),
        action,
        before: None,
        after: Some(after),
    }
}

/// Makes one of the cooperative's listings traceable, or sets its GTIN.
pub async fn enable_product(
    db: &Db,
    ed: &Editor,
    listing_id: i64,
    gtin: Option<&Gtin>,
) -> Result<std::result::Result<Product, Refused>> {
    let mut tx = db.begin().await?;
    let p = match trace::enable(
        &mut tx,
        listing_id,
        ed.org_id,
        gtin.map(Gtin::as_str),
        |org, seq| TraceCode::new(org, seq).map(|c| c.as_str().to_owned()),
    )
    .await?
    {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let after = serde_json::json!({"code": p.code, "gtin": p.gtin}).to_string();
    audit::record(
        tx.conn(),
        &audit_entry(ed, "trace_product", listing_id, "update", after),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(p))
}

/// When a lot's commissioning is recorded: the start of its production day (Hanoi), for a
/// lot made today as for one entered afterwards, so that the steps recorded for it, with
/// their own times (to the minute, from the step form), come after it.
fn commissioned_at(produced_on: chrono::NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let now = ketnoi_db::now();
    ketnoi_domain::time::hanoi()
        .from_local_datetime(&produced_on.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t <= now)
        .unwrap_or(now)
}

/// Creates a lot with its inputs and records its commissioning.
pub async fn create_lot(
    db: &Db,
    ed: &Editor,
    l: &NewLot,
) -> Result<std::result::Result<i64, Refused>> {
    let mut tx = db.begin().await?;
    let id = match trace::create_lot(&mut tx, l).await? {
        Ok(id) => id,
        Err(r) => return Ok(Err(r)),
    };
    trace::record_event(
        tx.conn(),
        &NewEvent {
            lot_id: id,
            step: Step::Commissioning.as_str().to_owned(),
            occurred_at: commissioned_at(l.produced_on),
            offset_minutes: ketnoi_domain::time::HANOI_OFFSET_MINUTES,
            commune_code: l.commune_code.clone(),
            place: None,
            quantity: Some(l.quantity),
            note: None,
            order_id: None,
            recorded_by: ed.actor_id,
        },
    )
    .await?;
    let after = serde_json::json!({
        "code": l.code, "listing_id": l.listing_id, "produced_on": l.produced_on,
        "quantity": l.quantity, "unit": l.unit, "inputs": l.inputs,
    })
    .to_string();
    audit::record(tx.conn(), &audit_entry(ed, "lot", id, "create", after)).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Records a step on a lot.
pub async fn record_step(db: &Db, ed: &Editor, e: &NewEvent) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = trace::record_event(tx.conn(), e).await?;
    let after = serde_json::json!({
        "step": e.step, "occurred_at": e.occurred_at, "place": e.place,
        "quantity": e.quantity, "order_id": e.order_id,
    })
    .to_string();
    audit::record(tx.conn(), &audit_entry(ed, "lot", e.lot_id, "step", after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Why stamps were not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampsRefused {
    /// Not between 1 and [`MAX_STAMPS_AT_ONCE`].
    Count,
    /// The lot would pass [`MAX_STAMPS_PER_LOT`].
    Full,
    Recalled,
}

/// Adds `count` serialised stamps to a lot. Returns the first and last number made.
pub async fn make_stamps(
    db: &Db,
    ed: &Editor,
    lot: &Lot,
    count: i64,
) -> Result<std::result::Result<(i64, i64), StampsRefused>> {
    if !(1..=MAX_STAMPS_AT_ONCE).contains(&count) {
        return Ok(Err(StampsRefused::Count));
    }
    if lot.is_recalled() {
        return Ok(Err(StampsRefused::Recalled));
    }
    if lot.stamps + count > MAX_STAMPS_PER_LOT {
        return Ok(Err(StampsRefused::Full));
    }
    let mut tx = db.begin().await?;
    let Some((first, last)) = trace::create_stamps(&mut tx, lot.id, count).await? else {
        return Err(ketnoi_db::DbError::NotFound);
    };
    if last > MAX_STAMPS_PER_LOT {
        return Ok(Err(StampsRefused::Full));
    }
    let after = serde_json::json!({"stamps": [first, last]}).to_string();
    audit::record(tx.conn(), &audit_entry(ed, "lot", lot.id, "stamps", after)).await?;
    tx.commit().await?;
    Ok(Ok((first, last)))
}

/// What a recall did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recalled {
    /// The lot was active until now (a second recall only tells buyers not yet told).
    pub newly: bool,
    /// Buyers told now.
    pub told: usize,
    /// Orders that received the lot.
    pub orders: usize,
}

/// Recalls a lot: marks it, and tells every buyer who received it, once each, in her
/// order's conversation (opened when the order has none), in Vietnamese and English.
pub async fn recall(
    db: &Db,
    ed: &Editor,
    lot: &Lot,
    reason: &str,
    public_url: &str,
) -> Result<Recalled> {
    let mut tx = db.begin().await?;
    let newly = trace::recall(tx.conn(), lot.id, reason).await?;
    let recipients = trace::recipients(tx.conn(), lot.id).await?;
    let after = serde_json::json!({"reason": reason, "orders": recipients.len()}).to_string();
    audit::record(tx.conn(), &audit_entry(ed, "lot", lot.id, "recall", after)).await?;
    tx.commit().await?;
    let uri = lot_uri(public_url, lot, None);
    let mut told = 0;
    let mut seen = std::collections::HashSet::new();
    let sender = ed.actor_id;
    for r in &recipients {
        if !seen.insert(r.buyer_id) {
            continue;
        }
        if !trace::note_recall_notice(db.conn(), lot.id, r.buyer_id, r.conversation_id).await? {
            continue;
        }
        // The note is taken first, so two recalls at once tell her once; if her message
        // cannot be sent, the note is taken back and a second recall tells her.
        let sent = async {
            let conversation = crate::orders::conversation(
                db,
                r.order_id,
                r.buyer_id,
                lot.org_id,
                r.conversation_id,
                Locale::Vi,
            )
            .await?;
            let args = [
                ("product", lot.title_vi.clone()),
                ("lot", lot.code.clone()),
                ("order", ketnoi_domain::order::order_code(r.order_id)),
                ("reason", reason.to_owned()),
                ("link", uri.clone()),
            ];
            let body = format!(
                "{}\n\n{}",
                i18n::t_args(Locale::Vi, "recall-message", &args),
                i18n::t_args(Locale::En, "recall-message", &args),
            );
            let from = match sender {
                Some(id) => id,
                None => r.buyer_id,
            };
            messaging::add_member(db.conn(), conversation, from, "member", ketnoi_db::now())
                .await?;
            messaging::post(db, conversation, from, &body, None).await?;
            Ok::<(), ketnoi_db::DbError>(())
        }
        .await;
        if let Err(e) = sent {
            trace::forget_recall_notice(db.conn(), lot.id, r.buyer_id).await?;
            return Err(e);
        }
        told += 1;
    }
    Ok(Recalled {
        newly,
        told,
        orders: recipients.len(),
    })
}

/// Records the lots an order's lines were shipped from, and a shipping step on each lot.
pub async fn ship_lots(db: &Db, ed: &Editor, order_id: i64, lines: &[(i64, i64)]) -> Result<()> {
    let mut tx = db.begin().await?;
    let mut lots = Vec::new();
    for (item, lot) in lines {
        if trace::ship_from(tx.conn(), *item, *lot).await? && !lots.contains(lot) {
            lots.push(*lot);
        }
    }
    for lot in lots {
        trace::record_event(
            tx.conn(),
            &NewEvent {
                lot_id: lot,
                step: Step::Shipping.as_str().to_owned(),
                occurred_at: ketnoi_db::now(),
                offset_minutes: ketnoi_domain::time::HANOI_OFFSET_MINUTES,
                commune_code: None,
                place: None,
                quantity: None,
                note: None,
                order_id: Some(order_id),
                recorded_by: ed.actor_id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Who scanned, kept without personal data: a keyed hash of the address and the browser,
/// under a key that changes every day (so scans cannot be linked across days), and the
/// address's network (IPv4 /16, IPv6 /32) as a coarse place.
pub fn scan_client(
    secret: &[u8],
    ip: Option<IpAddr>,
    agent: &str,
    at: DateTime<Utc>,
) -> (String, Option<String>) {
    let day = at.format("%Y-%m-%d");
    let mut client = String::new();
    if let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) {
        m.update(format!("ketnoi-scan-v1:{day}:{ip:?}:{agent}").as_bytes());
        client = hex::encode(&m.finalize().into_bytes()[..12]);
    }
    let network = ip.map(|ip| match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.0.0/16", o[0], o[1])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}::/32", s[0], s[1])
        }
    });
    (client, network)
}

/// Scans waiting to be written, at most.
const SCAN_QUEUE: usize = 50_000;
/// Scans written in one transaction, at most.
const SCAN_BATCH: usize = 5_000;
/// How long the writer waits for more scans before writing the ones it has: a scan shows in
/// its stamp's count this much later at most (plus the write).
const SCAN_LINGER: Duration = Duration::from_millis(50);

/// How long a lot's public view is kept in memory before it is read again: writes taken by
/// other instances (or the command line) show within it; this instance's own writes move
/// the generation the view is keyed by, so they show at once.
pub const LOT_VIEW_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// How long a lot's stamp counts are kept before they are read again: scans counted by
/// other instances show within it; this instance's own scans and flags count at once.
pub const COUNTS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// At most this many stamps' counts are held (five bytes each).
const MAX_COUNTED_STAMPS: u64 = 20_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LotKey {
    generation: u64,
    gtin: Option<String>,
    code: Option<String>,
    lot: String,
}

/// One lot's stamp counts, by stamp number (`serial_number - 1`), as read at `read_at` and
/// moved by this instance's scans since.
#[derive(Debug)]
pub struct Counts {
    scans: Vec<std::sync::atomic::AtomicU32>,
    flagged: Vec<std::sync::atomic::AtomicBool>,
    read_at: std::time::Instant,
    /// A read of newer counts is under way (at most one per lot).
    refreshing: std::sync::atomic::AtomicBool,
}

/// The stamp counts of the lots read lately, shared by the trace pages (which read them) and
/// the [`ScanRecorder`] (which adds each scan and each flag as it queues or stores them).
#[derive(Debug, Clone)]
pub struct StampCounts {
    lots: moka::sync::Cache<i64, Arc<Counts>>,
    /// Held while a lot's counts are read for the first time: the pages that want them at
    /// that moment wait for the one read instead of each making its own.
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl Default for StampCounts {
    fn default() -> StampCounts {
        StampCounts {
            lots: moka::sync::Cache::builder()
                .max_capacity(MAX_COUNTED_STAMPS)
                .weigher(|_, c: &Arc<Counts>| {
                    u32::try_from(c.scans.len().max(1)).unwrap_or(u32::MAX)
                })
                .build(),
            loading: Arc::default(),
        }
    }
}

impl StampCounts {
    fn bump(&self, lot_id: i64, serial: &str) {
        if let (Some(c), Some(n)) = (self.lots.get(&lot_id), trace::serial_number(serial))
            && let Some(s) = usize::try_from(n - 1).ok().and_then(|i| c.scans.get(i))
        {
            s.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn flag(&self, lot_id: i64, serial: &str) {
        if let (Some(c), Some(n)) = (self.lots.get(&lot_id), trace::serial_number(serial))
            && let Some(f) = usize::try_from(n - 1).ok().and_then(|i| c.flagged.get(i))
        {
            f.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A lot's counts: those held, read again in the background once older than
    /// [`COUNTS_TTL`] (the page goes on with the held ones meanwhile); read now, once for
    /// all the pages asking, when none are held.
    async fn of(&self, db: &Db, lot: &Lot) -> Result<Arc<Counts>> {
        if let Some(c) = self.lots.get(&lot.id) {
            if c.read_at.elapsed() > COUNTS_TTL
                && !c
                    .refreshing
                    .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                let (this, db, lot) = (self.clone(), db.clone(), lot.clone());
                tokio::spawn(async move {
                    match read_counts(&db, &lot).await {
                        Ok(fresh) => this.lots.insert(lot.id, Arc::new(fresh)),
                        Err(e) => {
                            tracing::warn!(error = %e, lot = lot.id, "stamp counts not read again");
                            if let Some(c) = this.lots.get(&lot.id) {
                                c.refreshing
                                    .store(false, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    }
                });
            }
            return Ok(c);
        }
        let _one = self.loading.lock().await;
        if let Some(c) = self.lots.get(&lot.id) {
            return Ok(c);
        }
        let c = Arc::new(read_counts(db, lot).await?);
        self.lots.insert(lot.id, c.clone());
        Ok(c)
    }
}

/// A lot's stamp counts from the database.
async fn read_counts(db: &Db, lot: &Lot) -> Result<Counts> {
    let read_at = std::time::Instant::now();
    let size = usize::try_from(lot.stamps).unwrap_or(0);
    let mut c = Counts {
        scans: (0..size).map(|_| Default::default()).collect(),
        flagged: (0..size).map(|_| Default::default()).collect(),
        read_at,
        refreshing: false.into(),
    };
    for (s, scans, flagged) in trace::scanned_stamps(db.conn(), lot.id).await? {
        if let Some(i) = trace::serial_number(&s).and_then(|n| usize::try_from(n - 1).ok())
            && i < size
        {
            c.scans[i] = u32::try_from(scans).unwrap_or(u32::MAX).into();
            c.flagged[i] = flagged.into();
        }
    }
    Ok(c)
}

/// A stamp as its trace page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampState {
    pub serial: String,
    /// Scans before this one.
    pub scans: i64,
    pub flagged: bool,
}

/// The trace pages' read model: each lot's public part (the one statement of
/// [`trace::public_lot`], without a stamp) and its stamps' counts, kept in memory, so a
/// scanned stamp's page reads no database. Lot views are keyed by the write generation of
/// this instance (`PageCache::generation`) and live [`LOT_VIEW_TTL`]; counts are read again
/// in the background after [`COUNTS_TTL`] and follow this instance's scans as they happen.
/// Each is read once however many pages want it at the same moment.
#[derive(Debug, Clone)]
pub struct TraceModel {
    lots: moka::sync::Cache<LotKey, Option<Arc<trace::PublicLot>>>,
    /// One is held while a lot's view is read (see [`StampCounts::loading`]); the lots are
    /// spread over a few, so that reads of different lots need not wait for each other.
    loading: Arc<[tokio::sync::Mutex<()>; 16]>,
    counts: StampCounts,
}

impl Default for TraceModel {
    fn default() -> TraceModel {
        TraceModel {
            // Unknown links are remembered too (as none), so a flood of made-up links costs
            // one read each per TTL, in bounded memory.
            lots: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(LOT_VIEW_TTL)
                .build(),
            loading: Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
            counts: StampCounts::default(),
        }
    }
}

impl TraceModel {
    /// The counts, for the [`ScanRecorder`] of the same process.
    pub fn counts(&self) -> StampCounts {
        self.counts.clone()
    }

    /// The lot a link names, with its steps, inputs and badges (no stamp).
    pub async fn lot(
        &self,
        db: &Db,
        generation: u64,
        gtin: Option<&str>,
        code: Option<&str>,
        lot: &str,
    ) -> Result<Option<Arc<trace::PublicLot>>> {
        let key = LotKey {
            generation,
            gtin: gtin.map(str::to_owned),
            code: code.map(str::to_owned),
            lot: lot.to_owned(),
        };
        if let Some(found) = self.lots.get(&key) {
            return Ok(found);
        }
        let shard = {
            use std::hash::{BuildHasher, RandomState};
            static HASHER: std::sync::LazyLock<RandomState> =
                std::sync::LazyLock::new(RandomState::new);
            HASHER.hash_one(&key) as usize % self.loading.len()
        };
        let _one = self.loading[shard].lock().await;
        if let Some(found) = self.lots.get(&key) {
            return Ok(found);
        }
        let found = trace::public_lot(db.conn(), gtin, code, lot, None)
            .await?
            .map(Arc::new);
        self.lots.insert(key, found.clone());
        Ok(found)
    }

    /// The stamp `serial` of `lot`, if the lot has it.
    pub async fn stamp(&self, db: &Db, lot: &Lot, serial: &str) -> Result<Option<StampState>> {
        let Some(n) = trace::serial_number(serial).filter(|n| *n <= lot.stamps) else {
            return Ok(None);
        };
        let counts = self.counts.of(db, lot).await?;
        let i = usize::try_from(n - 1).unwrap_or(usize::MAX);
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        Ok(Some(StampState {
            serial: serial.to_owned(),
            // Stamps made after the counts were read have none yet.
            scans: c_scans(&counts, i),
            flagged: counts.flagged.get(i).is_some_and(|f| f.load(relaxed)),
        }))
    }
}

fn c_scans(c: &Counts, i: usize) -> i64 {
    c.scans.get(i).map_or(0, |s| {
        i64::from(s.load(std::sync::atomic::Ordering::Relaxed))
    })
}

/// Counts stamp scans off the request path: the trace page hands each scan to a queue and
/// answers at once; one task writes them in batches and flags stamps scanned by more
/// distinct clients than the threshold within the window. A full queue drops scans (they
/// are counts, not records anyone relies on), and says so in the log.
#[derive(Debug, Clone)]
pub struct ScanRecorder {
    tx: mpsc::Sender<Scan>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
    counts: StampCounts,
}

/// When a stamp counts as possibly copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyRule {
    pub threshold: i64,
    pub window: Duration,
}

impl Default for CopyRule {
    /// One printed stamp is scanned by its buyer, her family, a shop assistant: more than
    /// 20 different phones in a day means the QR code was copied onto other packs.
    fn default() -> CopyRule {
        CopyRule {
            threshold: 20,
            window: Duration::from_secs(24 * 3600),
        }
    }
}

impl ScanRecorder {
    /// Starts the writer on the current runtime (outside one, scans are not counted); it
    /// stops when every recorder is dropped.
    pub fn spawn(db: Db, rule: CopyRule, counts: StampCounts) -> ScanRecorder {
        let (tx, mut rx) = mpsc::channel::<Scan>(SCAN_QUEUE);
        let window = chrono::Duration::from_std(rule.window).unwrap_or(chrono::Duration::hours(1));
        let dropped = std::sync::Arc::default();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return ScanRecorder {
                tx,
                dropped,
                counts,
            };
        };
        let flags = counts.clone();
        runtime.spawn(async move {
            let mut batch = Vec::with_capacity(SCAN_BATCH);
            while rx.recv_many(&mut batch, SCAN_BATCH).await > 0 {
                // The scans of the next moment join this batch: under load one transaction
                // a moment rather than one per handful of scans, each a round of statements
                // on the one writer.
                let deadline = tokio::time::Instant::now() + SCAN_LINGER;
                while batch.len() < SCAN_BATCH {
                    let room = SCAN_BATCH - batch.len();
                    match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
                match trace::record_scans(&db, &batch, rule.threshold, window).await {
                    Ok(flagged) => {
                        for (lot, serial) in flagged {
                            flags.flag(lot, &serial);
                            tracing::info!(lot, serial, "stamp flagged as possibly copied");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, scans = batch.len(), "scans not recorded"),
                }
                batch.clear();
            }
        });
        ScanRecorder {
            tx,
            dropped,
            counts,
        }
    }

    /// Queues one scan; never waits. A full queue drops it, and the log says so at the
    /// first drop and every 10,000th after (a flood must not flood the log too).
    pub fn record(&self, scan: Scan) {
        let (lot, serial) = (scan.lot_id, scan.serial.clone());
        if self.tx.try_send(scan).is_ok() {
            self.counts.bump(lot, &serial);
        } else {
            let n = self
                .dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n.is_multiple_of(10_000) {
                tracing::warn!(dropped = n + 1, "scan queue full; scans not counted");
            }
        }
    }
}

fn org_uri(public_url: &str, slug: &str) -> String {
    format!("{}/orgs/{slug}", public_url.trim_end_matches('/'))
}

/// The EPCIS events of one lot, as the exports and the API give them. `people` adds who
/// recorded each step (the cooperative's own export; the public API leaves names out).
pub async fn epcis_events(
    db: &Db,
    public_url: &str,
    lot: &Lot,
    people: bool,
) -> Result<Vec<epcis::Event>> {
    let rows = trace::events_of(db.conn(), lot.id).await?;
    let inputs = trace::inputs(db.conn(), lot.id).await?;
    let class = lot_uri(public_url, lot, None);
    // A "yến" (10 kg) has no UN/ECE code of its own: exported in kilograms.
    let (factor, uom) = match lot.unit.as_str() {
        "yến" => (10.0, Some("KGM")),
        unit => (1.0, epcis::uom(unit)),
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(step) = Step::parse(&r.step) else {
            continue;
        };
        let quantity = r
            .quantity
            .or((step == Step::Commissioning).then_some(lot.quantity));
        out.push(epcis::Event {
            id: format!("{}/epcis/events/{}", public_url.trim_end_matches('/'), r.id),
            step,
            time: r.occurred_at,
            offset_minutes: i32::try_from(r.offset_minutes).unwrap_or(420),
            output: QuantityElement {
                class: class.clone(),
                quantity: quantity.map(|q| q as f64 * factor),
                uom,
            },
            inputs: if step == Step::Transforming {
                inputs
                    .iter()
                    .map(|i| QuantityElement {
                        class: lot_uri(public_url, i, None),
                        quantity: None,
                        uom: None,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            epcs: Vec::new(),
            parent: None,
            place: Some(org_uri(public_url, &lot.org_slug)),
            source: matches!(step, Step::Shipping).then(|| org_uri(public_url, &lot.org_slug)),
            destination: r
                .order_id
                .filter(|_| step == Step::Shipping)
                .map(|o| format!("{}/orders/{o}", public_url.trim_end_matches('/'))),
            recorded_by: if people {
                r.recorded_by_name.clone()
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// One lot's EPCIS 2.0 document.
pub async fn epcis_lot(
    db: &Db,
    public_url: &str,
    lot: &Lot,
    people: bool,
) -> Result<serde_json::Value> {
    let events = epcis_events(db, public_url, lot, people).await?;
    Ok(epcis::document(&events, ketnoi_db::now(), public_url))
}

/// Every lot of a cooperative in one EPCIS 2.0 document, events in time order.
pub async fn epcis_org(db: &Db, public_url: &str, org_id: i64) -> Result<serde_json::Value> {
    let mut events = Vec::new();
    for lot in trace::lots_of(db.conn(), org_id, i64::MAX).await? {
        events.extend(epcis_events(db, public_url, &lot, true).await?);
    }
    events.sort_by_key(|e| e.time);
    Ok(epcis::document(&events, ketnoi_db::now(), public_url))
}

/// The cooperative's lots as a table (CSV or XLSX), one row per lot.
pub async fn lots_table(db: &Db, public_url: &str, org_id: i64) -> Result<ketnoi_sheets::Table> {
    let headers = [
        "ma_lo",
        "san_pham",
        "ma_truy_xuat",
        "gtin",
        "ngay_san_xuat",
        "han_su_dung",
        "so_luong",
        "don_vi",
        "noi_san_xuat",
        "nguyen_lieu_dau_vao",
        "trang_thai",
        "so_tem",
        "duong_dan",
    ];
    let mut rows = Vec::new();
    for lot in trace::lots_of(db.conn(), org_id, i64::MAX).await? {
        let inputs = trace::inputs(db.conn(), lot.id).await?;
        rows.push(vec![
            lot.code.clone(),
            lot.title_vi.clone(),
            lot.product_code.clone(),
            lot.gtin.clone().unwrap_or_default(),
            lot.produced_on.format("%Y-%m-%d").to_string(),
            lot.expires_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            lot.quantity.to_string(),
            lot.unit.clone(),
            lot.commune_code.clone().unwrap_or_default(),
            inputs
                .iter()
                .map(|i| format!("{} {} ({})", i.product_code, i.code, i.org_name))
                .collect::<Vec<_>>()
                .join("; "),
            lot.status.clone(),
            lot.stamps.to_string(),
            lot_uri(public_url, &lot, None),
        ]);
    }
    Ok(ketnoi_sheets::Table::new(
        headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    ))
}
