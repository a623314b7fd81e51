//! Conversations and their messages.
//!
//! A message's `seq` numbers it within its conversation: [`post`] takes the conversation's
//! `last_seq + 1` in the writing transaction (which locks the conversation's row until the
//! commit), so messages of one conversation commit in `seq` order. A reader that has seen
//! `seq` n has therefore seen every message before it, and catching up "after n" never skips
//! one. On PostgreSQL, [`post`] also sends a `NOTIFY` on [`CHANNEL`] in the same transaction:
//! it reaches every listening server process when, and only if, the message is committed.

use crate::{Conn, Db, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::role::Scope;

/// The PostgreSQL notification channel of new messages; payload `"<conversation>:<seq>"`.
pub const CHANNEL: &str = "ketnoi_messages";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Conversation {
    pub id: i64,
    pub kind: String,
    pub title: Option<String>,
    /// The cooperative of an inquiry: its owners and managers take part.
    pub org_id: Option<i64>,
    /// The listing an inquiry is about.
    pub listing_id: Option<i64>,
    pub created_by: Option<i64>,
    pub last_seq: i64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Conversation {
    /// An announcement channel: its admins write, its members read and confirm.
    pub fn is_announcement(&self) -> bool {
        self.kind == "announcement"
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub sender_id: Option<i64>,
    pub sender_name: Option<String>,
    pub body: String,
    pub reply_to_seq: Option<i64>,
    /// The text of the message replied to (none if it was deleted).
    pub reply_body: Option<String>,
    /// An attached picture's file name (`<sha-256>.<ext>`, under `msg/` in the media store).
    pub attachment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A line of someone's inbox.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InboxEntry {
    #[sqlx(flatten)]
    pub conversation: Conversation,
    pub org_name: Option<String>,
    pub listing_title: Option<String>,
    /// Who opened the conversation (the buyer of an inquiry).
    pub buyer_name: Option<String>,
    /// The other person of a direct conversation.
    pub peer_name: Option<String>,
    pub unread: i64,
}

/// The columns of [`Conversation`], of the table aliased `c`.
macro_rules! conversation_columns {
    () => {
        "c.id, c.kind, c.title, c.org_id, c.listing_id, c.created_by, c.last_seq, \
         c.last_message_at, c.created_at"
    };
}

/// `FROM` the conversations `$1` (a user id) takes part in: those where the user is on the
/// member list, and those of a cooperative the user owns or manages (inquiries). `$joins` go
/// between the member join and the condition; the user's member row is `cm`.
macro_rules! participating {
    ($joins:literal) => {
        concat!(
            " FROM conversations c \
             LEFT JOIN conversation_members cm ON cm.conversation_id = c.id AND cm.user_id = $1 ",
            $joins,
            " WHERE (cm.user_id IS NOT NULL OR c.org_id IN \
               (SELECT org_id FROM memberships WHERE user_id = $1 AND role IN ('owner', 'manager')))"
        )
    };
}

macro_rules! select_messages {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.conversation_id, m.seq, m.sender_id, u.display_name AS sender_name, \
             m.body, m.reply_to_seq, r.body AS reply_body, m.attachment, m.created_at, \
             m.edited_at, m.deleted_at \
             FROM messages m LEFT JOIN users u ON u.id = m.sender_id \
             LEFT JOIN messages r ON r.conversation_id = m.conversation_id \
               AND r.seq = m.reply_to_seq AND r.deleted_at IS NULL ",
            $rest
        )
    };
}

pub async fn get(conn: Conn<'_>, id: i64) -> Result<Option<Conversation>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", conversation_columns!(), " FROM conversations c WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?)
}

/// The conversation, if `user_id` takes part in it (see [`participating`]): one query for
/// both the row and the permission.
pub async fn get_for(conn: Conn<'_>, id: i64, user_id: i64) -> Result<Option<Conversation>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", conversation_columns!(), participating!(""), " AND c.id = $2"))
        .bind(user_id)
        .bind(id)
        .fetch_optional(e)
        .await)?)
}

/// The buyer's inquiry about `listing_id` (or about the cooperative, without one): the open
/// one if it exists (order threads, which carry a title, are their own), else a new one.
/// Returns its id.
pub async fn open_inquiry(
    db: &Db,
    buyer_id: i64,
    org_id: i64,
    listing_id: Option<i64>,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let existing: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT id FROM conversations WHERE kind = 'inquiry' AND created_by = $1 AND org_id = $2 \
         AND title IS NULL AND ((listing_id IS NULL AND $3 IS NULL) OR listing_id = $3) \
         ORDER BY id LIMIT 1")
        .bind(buyer_id)
        .bind(org_id)
        .bind(listing_id)
        .fetch_optional(e)
        .await)?;
    let id = match existing {
        Some(id) => id,
        None => new_inquiry(&mut tx, buyer_id, org_id, listing_id, None).await?,
    };
    add_stand_ins(&mut tx, id, org_id).await?;
    tx.commit().await?;
    Ok(id)
}

/// A cooperative that nobody manages on Ketnoi reads its messages through the Union: its
/// stand-ins (`orgs::stand_in_users`: its proxies, else its ward's or commune's officers,
/// else the city's) join the conversation, see it in their inbox, get the unread digest
/// and answer. Nothing when someone manages it.
async fn add_stand_ins(tx: &mut crate::Tx, conversation_id: i64, org_id: i64) -> Result<()> {
    if crate::orgs::has_managers(tx.conn(), org_id).await? {
        return Ok(());
    }
    let now = crate::now();
    for user in crate::orgs::stand_in_users(tx.conn(), org_id).await? {
        add_member(tx.conn(), conversation_id, user, "member", now).await?;
    }
    Ok(())
}

/// A new inquiry thread between the buyer and the cooperative about one order, titled
/// `title` (the order's code). Returns its id.
pub async fn open_order_thread(db: &Db, buyer_id: i64, org_id: i64, title: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = new_inquiry(&mut tx, buyer_id, org_id, None, Some(title)).await?;
    add_stand_ins(&mut tx, id, org_id).await?;
    tx.commit().await?;
    Ok(id)
}

async fn new_inquiry(
    tx: &mut crate::Tx,
    buyer_id: i64,
    org_id: i64,
    listing_id: Option<i64>,
    title: Option<&str>,
) -> Result<i64> {
    let now = crate::now();
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO conversations (kind, title, org_id, listing_id, created_by, last_seq, created_at) \
         VALUES ('inquiry', $1, $2, $3, $4, 0, $5) RETURNING id")
        .bind(title)
        .bind(org_id)
        .bind(listing_id)
        .bind(buyer_id)
        .bind(now)
        .fetch_one(e)
        .await)?;
    add_member(tx.conn(), id, buyer_id, "member", now).await?;
    Ok(id)
}

/// Puts `user_id` on the conversation's member list with `role` (`member`, `admin`), unless
/// she is there already. Returns whether she was added.
pub async fn add_member(
    conn: Conn<'_>,
    conversation_id: i64,
    user_id: i64,
    role: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO conversation_members (conversation_id, user_id, role, last_read_seq, joined_at) \
         VALUES ($1, $2, $3, 0, $4) ON CONFLICT (conversation_id, user_id) DO NOTHING")
        .bind(conversation_id)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Stores a message and returns it; the conversation's next `seq` is taken in the same
/// transaction, and the sender has read everything up to it.
pub async fn post(
    db: &Db,
    conversation_id: i64,
    sender_id: i64,
    body: &str,
    reply_to_seq: Option<i64>,
) -> Result<Message> {
    insert(db, conversation_id, sender_id, body, reply_to_seq, None).await
}

/// [`post`] with a picture (its file name in the media store) and an optional caption.
pub async fn post_picture(
    db: &Db,
    conversation_id: i64,
    sender_id: i64,
    caption: &str,
    attachment: &str,
) -> Result<Message> {
    insert(
        db,
        conversation_id,
        sender_id,
        caption,
        None,
        Some(attachment),
    )
    .await
}

async fn insert(
    db: &Db,
    conversation_id: i64,
    sender_id: i64,
    body: &str,
    reply_to_seq: Option<i64>,
    attachment: Option<&str>,
) -> Result<Message> {
    let mut tx = db.begin().await?;
    let now = crate::now();
    let seq: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $2 WHERE id = $1 \
         RETURNING last_seq")
        .bind(conversation_id)
        .bind(now)
        .fetch_optional(e)
        .await)?;
    let seq = seq.ok_or(crate::DbError::NotFound)?;
    let reply_to_seq = reply_to_seq.filter(|r| (1..seq).contains(r));
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO messages \
         (conversation_id, seq, sender_id, body, body_folded, reply_to_seq, attachment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(conversation_id)
        .bind(seq)
        .bind(sender_id)
        .bind(body)
        .bind(ketnoi_domain::text::fold(body))
        .bind(reply_to_seq)
        .bind(attachment)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    mark_read(tx.conn(), conversation_id, sender_id, seq).await?;
    notify(db, &mut tx, conversation_id, seq).await?;
    // As every reader sees it (with the sender's name).
    let stored = message(tx.conn(), conversation_id, seq)
        .await?
        .ok_or(crate::DbError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}

/// PostgreSQL: tells every server process that message `seq` is new or changed, when (and
/// only if) `tx` commits.
async fn notify(db: &Db, tx: &mut crate::Tx, conversation_id: i64, seq: i64) -> Result<()> {
    if let Db::Postgres(_) = db {
        on!(tx.conn(), e => sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{conversation_id}:{seq}"))
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// How long after posting its sender may edit a message.
pub const EDIT_WINDOW_MINUTES: i64 = 15;

/// Why a message could not be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such message, or it is deleted.
    NotFound,
    /// Someone else's message.
    NotYours,
    /// Older than [`EDIT_WINDOW_MINUTES`].
    TooLate,
}

impl Message {
    /// Whether `by` may edit this message at `now`: her own, not deleted, within
    /// [`EDIT_WINDOW_MINUTES`] of sending it.
    pub fn editable_by(&self, by: i64, now: DateTime<Utc>) -> std::result::Result<(), Refusal> {
        if self.deleted_at.is_some() {
            Err(Refusal::NotFound)
        } else if self.sender_id != Some(by) {
            Err(Refusal::NotYours)
        } else if now - self.created_at > chrono::Duration::minutes(EDIT_WINDOW_MINUTES) {
            Err(Refusal::TooLate)
        } else {
            Ok(())
        }
    }

    /// Whether `by` may delete this message: her own, or anyone's for a `moderator` (an admin
    /// of the conversation); not already deleted.
    pub fn deletable_by(&self, by: i64, moderator: bool) -> std::result::Result<(), Refusal> {
        if self.deleted_at.is_some() {
            Err(Refusal::NotFound)
        } else if self.sender_id != Some(by) && !moderator {
            Err(Refusal::NotYours)
        } else {
            Ok(())
        }
    }
}

/// What [`rewrite`] does to a message.
enum Rewrite<'a> {
    /// New text (an edit).
    Text(&'a str),
    /// Erase text and picture (a deletion).
    Erase,
}

/// Changes message `seq` if `allowed` says so, tells the other server processes, and
/// returns it as stored.
async fn rewrite(
    db: &Db,
    conversation_id: i64,
    seq: i64,
    allowed: impl FnOnce(&Message) -> std::result::Result<(), Refusal>,
    change: Rewrite<'_>,
) -> Result<std::result::Result<Message, Refusal>> {
    let mut tx = db.begin().await?;
    let Some(m) = message(tx.conn(), conversation_id, seq).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    if let Err(refused) = allowed(&m) {
        return Ok(Err(refused));
    }
    let now = crate::now();
    match change {
        Rewrite::Text(body) => on!(tx.conn(), e => sqlx::query(
            "UPDATE messages SET body = $3, body_folded = $4, edited_at = $5 \
             WHERE conversation_id = $1 AND seq = $2")
            .bind(conversation_id)
            .bind(seq)
            .bind(body)
            .bind(ketnoi_domain::text::fold(body))
            .bind(now)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?,
        Rewrite::Erase => on!(tx.conn(), e => sqlx::query(
            "UPDATE messages SET body = '', body_folded = '', attachment = NULL, deleted_at = $3 \
             WHERE conversation_id = $1 AND seq = $2")
            .bind(conversation_id)
            .bind(seq)
            .bind(now)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?,
    };
    notify(db, &mut tx, conversation_id, seq).await?;
    let stored = message(tx.conn(), conversation_id, seq)
        .await?
        .ok_or(crate::DbError::NotFound)?;
    tx.commit().await?;
    Ok(Ok(stored))
}

/// The sender edits her message within [`EDIT_WINDOW_MINUTES`]; returns it as stored.
pub async fn edit(
    db: &Db,
    conversation_id: i64,
    seq: i64,
    sender_id: i64,
    body: &str,
) -> Result<std::result::Result<Message, Refusal>> {
    let allowed = |m: &Message| m.editable_by(sender_id, crate::now());
    rewrite(db, conversation_id, seq, allowed, Rewrite::Text(body)).await
}

/// Deletes a message (its sender, or with `moderator` an admin of the conversation): the
/// text is erased, a placeholder stays in its place. Returns it as stored.
pub async fn delete(
    db: &Db,
    conversation_id: i64,
    seq: i64,
    by: i64,
    moderator: bool,
) -> Result<std::result::Result<Message, Refusal>> {
    let allowed = |m: &Message| m.deletable_by(by, moderator);
    rewrite(db, conversation_id, seq, allowed, Rewrite::Erase).await
}

/// `reporter_id` reports message `seq` (once; a repeat changes nothing). Returns whether
/// this call recorded it.
pub async fn report(
    conn: Conn<'_>,
    conversation_id: i64,
    seq: i64,
    reporter_id: i64,
    reason: &str,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO message_reports (conversation_id, seq, reporter_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id, seq, reporter_id) DO NOTHING")
        .bind(conversation_id)
        .bind(seq)
        .bind(reporter_id)
        .bind(reason)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A reported message, as moderators see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Report {
    pub conversation_id: i64,
    pub seq: i64,
    pub reporter: String,
    pub reason: String,
    pub sender: Option<String>,
    pub body: String,
    pub deleted: bool,
    pub created_at: DateTime<Utc>,
}

/// The latest reports, newest first.
pub async fn reports(conn: Conn<'_>, limit: i64) -> Result<Vec<Report>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT r.conversation_id, r.seq, ru.display_name AS reporter, r.reason, \
         su.display_name AS sender, m.body, (m.deleted_at IS NOT NULL) AS deleted, r.created_at \
         FROM message_reports r JOIN users ru ON ru.id = r.reporter_id \
         JOIN messages m ON m.conversation_id = r.conversation_id AND m.seq = r.seq \
         LEFT JOIN users su ON su.id = m.sender_id \
         ORDER BY r.created_at DESC LIMIT $1")
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// A message found by [`search`], with where it is.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Found {
    #[sqlx(flatten)]
    pub message: Message,
    pub conversation_title: Option<String>,
}

/// Messages of `user_id`'s conversations containing `text` (with or without diacritics,
/// any case), newest first.
pub async fn search(conn: Conn<'_>, user_id: i64, text: &str, limit: i64) -> Result<Vec<Found>> {
    let folded = ketnoi_domain::text::fold(text);
    let pattern = format!(
        "%{}%",
        folded
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT m.id, m.conversation_id, m.seq, m.sender_id, u.display_name AS sender_name, \
         m.body, m.reply_to_seq, NULL AS reply_body, m.attachment, m.created_at, m.edited_at, \
         m.deleted_at, \
         COALESCE(c.title, l.title_vi, o.name) AS conversation_title \
         FROM messages m JOIN (SELECT c.id ", participating!(""), ") mine ON mine.id = m.conversation_id \
         JOIN conversations c ON c.id = m.conversation_id \
         LEFT JOIN users u ON u.id = m.sender_id \
         LEFT JOIN listings l ON l.id = c.listing_id \
         LEFT JOIN organisations o ON o.id = c.org_id \
         WHERE m.deleted_at IS NULL AND m.body_folded LIKE $2 ESCAPE '\\' \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3"))
        .bind(user_id)
        .bind(pattern)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// Records that `user_id` has read the conversation up to `seq` (never moves back).
pub async fn mark_read(conn: Conn<'_>, conversation_id: i64, user_id: i64, seq: i64) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO conversation_members (conversation_id, user_id, role, last_read_seq, joined_at) \
         VALUES ($1, $2, 'member', $3, $4) \
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_seq = \
         CASE WHEN excluded.last_read_seq > conversation_members.last_read_seq \
         THEN excluded.last_read_seq ELSE conversation_members.last_read_seq END")
        .bind(conversation_id)
        .bind(user_id)
        .bind(seq)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Up to `limit` messages after `after_seq`, in order.
pub async fn messages_after(
    conn: Conn<'_>,
    conversation_id: i64,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Message>> {
    Ok(on!(conn, e => sqlx::query_as(select_messages!(
        "WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"))
        .bind(conversation_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// The last `limit` messages, in order.
pub async fn latest(conn: Conn<'_>, conversation_id: i64, limit: i64) -> Result<Vec<Message>> {
    let mut v: Vec<Message> = on!(conn, e => sqlx::query_as(select_messages!(
        "WHERE m.conversation_id = $1 ORDER BY m.seq DESC LIMIT $2"))
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(e)
        .await)?;
    v.reverse();
    Ok(v)
}

/// One message by its number.
pub async fn message(conn: Conn<'_>, conversation_id: i64, seq: i64) -> Result<Option<Message>> {
    Ok(on!(conn, e => sqlx::query_as(select_messages!(
        "WHERE m.conversation_id = $1 AND m.seq = $2"))
        .bind(conversation_id)
        .bind(seq)
        .fetch_optional(e)
        .await)?)
}

/// The conversations `user_id` takes part in, most recent first, with unread counts.
pub async fn inbox(conn: Conn<'_>, user_id: i64) -> Result<Vec<InboxEntry>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", conversation_columns!(), ", o.name AS org_name, l.title_vi AS listing_title, \
         b.display_name AS buyer_name, \
         CASE WHEN c.kind = 'direct' THEN (SELECT pu.display_name FROM conversation_members pm \
           JOIN users pu ON pu.id = pm.user_id WHERE pm.conversation_id = c.id AND pm.user_id <> $1 \
           LIMIT 1) END AS peer_name, \
         c.last_seq - COALESCE(cm.last_read_seq, 0) AS unread",
        participating!(
            "LEFT JOIN organisations o ON o.id = c.org_id \
             LEFT JOIN listings l ON l.id = c.listing_id \
             LEFT JOIN users b ON b.id = c.created_by"
        ),
        " ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT 200"))
        .bind(user_id)
        .fetch_all(e)
        .await)?)
}

/// Unread messages over all of `user_id`'s conversations.
pub async fn unread_total(conn: Conn<'_>, user_id: i64) -> Result<i64> {
    let n: Option<i64> = on!(conn, e => sqlx::query_scalar(concat!(
        "SELECT CAST(SUM(c.last_seq - COALESCE(cm.last_read_seq, 0)) AS BIGINT)",
        participating!("")))
        .bind(user_id)
        .fetch_one(e)
        .await)?;
    Ok(n.unwrap_or(0))
}

/// PostgreSQL: the notifications of committed messages, as `(conversation, seq)`.
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// `None` with SQLite (one process: nothing to listen to).
    pub async fn connect(db: &Db) -> Result<Option<Listener>> {
        let Db::Postgres(pool) = db else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Listener(listener)))
    }

    /// The next notification; `None` for a payload that is not ours.
    pub async fn recv(&mut self) -> Result<Option<(i64, i64)>> {
        let n = self.0.recv().await?;
        Ok(n.payload()
            .split_once(':')
            .and_then(|(c, s)| Some((c.parse().ok()?, s.parse().ok()?))))
    }
}

/// Whether `user_id` is an admin of the conversation (an announcement channel's sender).
pub async fn is_admin(conn: Conn<'_>, conversation_id: i64, user_id: i64) -> Result<bool> {
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversation_members \
         WHERE conversation_id = $1 AND user_id = $2 AND role = 'admin'")
        .bind(conversation_id)
        .bind(user_id)
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

/// An announcement channel from `sender_id` (its admin) to `recipients`, with the first
/// announcement; returns the conversation id.
pub async fn create_announcement(
    db: &Db,
    sender_id: i64,
    title: &str,
    recipients: &[i64],
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let now = crate::now();
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO conversations (kind, title, created_by, last_seq, created_at) \
         VALUES ('announcement', $1, $2, 0, $3) RETURNING id")
        .bind(title)
        .bind(sender_id)
        .bind(now)
        .fetch_one(e)
        .await)?;
    let members = std::iter::once((sender_id, "admin")).chain(
        recipients
            .iter()
            .filter(|r| **r != sender_id)
            .map(|r| (*r, "member")),
    );
    for (user, role) in members {
        add_member(tx.conn(), id, user, role, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Records that `user_id` confirmed message `seq` (once; a repeat changes nothing). Returns
/// whether this call recorded it.
pub async fn confirm(conn: Conn<'_>, conversation_id: i64, seq: i64, user_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO message_confirmations (conversation_id, seq, user_id, confirmed_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id, seq, user_id) DO NOTHING")
        .bind(conversation_id)
        .bind(seq)
        .bind(user_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One recipient's status for one announcement.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Receipt {
    pub user_id: i64,
    pub display_name: String,
    pub read: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// Every recipient (members other than admins) of message `seq`, with whether they have read
/// it and when they confirmed it.
pub async fn receipts(conn: Conn<'_>, conversation_id: i64, seq: i64) -> Result<Vec<Receipt>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT cm.user_id, u.display_name, (cm.last_read_seq >= $2) AS read, mc.confirmed_at \
         FROM conversation_members cm JOIN users u ON u.id = cm.user_id \
         LEFT JOIN message_confirmations mc ON mc.conversation_id = cm.conversation_id \
           AND mc.seq = $2 AND mc.user_id = cm.user_id \
         WHERE cm.conversation_id = $1 AND cm.role = 'member' ORDER BY u.display_name, cm.user_id")
        .bind(conversation_id)
        .bind(seq)
        .fetch_all(e)
        .await)?)
}

/// The messages of the conversation that `user_id` has confirmed, in order.
pub async fn confirmed_seqs(
    conn: Conn<'_>,
    conversation_id: i64,
    user_id: i64,
) -> Result<Vec<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT seq FROM message_confirmations WHERE conversation_id = $1 AND user_id = $2 ORDER BY seq")
        .bind(conversation_id)
        .bind(user_id)
        .fetch_all(e)
        .await)?)
}

/// How many recipients of an announcement have read and confirmed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct Tally {
    pub total: i64,
    pub read: i64,
    pub confirmed: i64,
}

impl Tally {
    pub fn of(receipts: &[Receipt]) -> Tally {
        let count = |f: fn(&Receipt) -> bool| receipts.iter().filter(|r| f(r)).count() as i64;
        Tally {
            total: receipts.len() as i64,
            read: count(|r| r.read),
            confirmed: count(|r| r.confirmed_at.is_some()),
        }
    }
}

/// An announcement channel with the tally of its latest announcement.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChannelTally {
    pub id: i64,
    pub title: Option<String>,
    #[sqlx(flatten)]
    pub tally: Tally,
}

/// Announcement channels `sender_id` administers, newest first, each with the tally of its
/// latest announcement (one query for the whole list).
pub async fn announcements_by(conn: Conn<'_>, sender_id: i64) -> Result<Vec<ChannelTally>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT c.id, c.title, CAST(COUNT(r.user_id) AS BIGINT) AS total, \
         CAST(COALESCE(SUM(CASE WHEN r.last_read_seq >= c.last_seq THEN 1 ELSE 0 END), 0) AS BIGINT) AS read, \
         CAST(COUNT(mc.user_id) AS BIGINT) AS confirmed \
         FROM conversations c \
         JOIN conversation_members a ON a.conversation_id = c.id AND a.user_id = $1 AND a.role = 'admin' \
         LEFT JOIN conversation_members r ON r.conversation_id = c.id AND r.role = 'member' \
         LEFT JOIN message_confirmations mc ON mc.conversation_id = c.id AND mc.seq = c.last_seq \
           AND mc.user_id = r.user_id \
         WHERE c.kind = 'announcement' GROUP BY c.id, c.title ORDER BY c.id DESC LIMIT 100")
        .bind(sender_id)
        .fetch_all(e)
        .await)?)
}

/// Owners and managers of cooperatives (HTX, THT) within an officer's scope: the women
/// leaders an announcement can go to. `(user id, name)`.
pub async fn cooperative_leaders(conn: Conn<'_>, scope: &Scope) -> Result<Vec<(i64, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM users u \
         JOIN memberships m ON m.user_id = u.id AND m.role IN ('owner', 'manager') \
         JOIN organisations o ON o.id = m.org_id AND o.kind IN ('htx', 'tht') \
         WHERE $1 IS NULL OR o.commune_code = $1 ORDER BY u.display_name, u.id")
        .bind(scope.commune())
        .fetch_all(e)
        .await)?)
}
