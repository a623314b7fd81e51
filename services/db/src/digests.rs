//! What goes into digests of unread messages: messages left unread for a while, that no
//! digest has mentioned yet, for people who have not turned digests off. A digest goes where
//! the product writes to her (`contact!`): her e-mail, else her phone.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};

/// One conversation of someone's digest.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Unread {
    pub user_id: i64,
    /// Her e-mail, else the phone her account was made with.
    pub contact: String,
    pub locale: String,
    pub conversation_id: i64,
    /// The conversation's title, listing, cooperative or (direct) the last sender's name.
    pub title: Option<String>,
    /// Messages not read and not in an earlier digest.
    pub unread: i64,
    pub last_seq: i64,
    pub last_body: String,
    pub last_sender: Option<String>,
}

/// Conversations with a message that is unread, in no digest yet, and older than `cutoff`
/// (someone's own messages do not count), for users with an e-mail address or a phone who
/// have not turned digests off; by user. Participants are the member rows and, for inquiries, the
/// cooperative's owners and managers.
pub async fn due(conn: Conn<'_>, cutoff: DateTime<Utc>, limit: i64) -> Result<Vec<Unread>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "WITH parts AS ( \
           SELECT conversation_id, user_id FROM conversation_members \
           UNION \
           SELECT c.id, m.user_id FROM conversations c \
           JOIN memberships m ON m.org_id = c.org_id AND m.role IN ('owner', 'manager') \
           WHERE c.kind = 'inquiry') \
         SELECT p.user_id, ", contact!("u"), " AS contact, u.locale, c.id AS conversation_id, \
           COALESCE(c.title, l.title_vi, o.name, lu.display_name) AS title, \
           c.last_seq - (CASE WHEN COALESCE(cm.last_read_seq, 0) > COALESCE(cm.notified_seq, 0) \
             THEN COALESCE(cm.last_read_seq, 0) ELSE COALESCE(cm.notified_seq, 0) END) AS unread, \
           c.last_seq, lm.body AS last_body, lu.display_name AS last_sender \
         FROM parts p \
         JOIN users u ON u.id = p.user_id AND ", contact!("u"), " IS NOT NULL \
         JOIN conversations c ON c.id = p.conversation_id \
         JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq \
         LEFT JOIN users lu ON lu.id = lm.sender_id \
         LEFT JOIN conversation_members cm ON cm.conversation_id = c.id AND cm.user_id = p.user_id \
         LEFT JOIN notification_prefs np ON np.user_id = p.user_id \
         LEFT JOIN listings l ON l.id = c.listing_id \
         LEFT JOIN organisations o ON o.id = c.org_id \
         WHERE (np.email_digest IS NULL OR np.email_digest) \
           AND c.last_seq > COALESCE(cm.last_read_seq, 0) \
           AND c.last_seq > COALESCE(cm.notified_seq, 0) \
           AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
             AND m.seq > COALESCE(cm.last_read_seq, 0) AND m.seq > COALESCE(cm.notified_seq, 0) \
             AND m.created_at <= $1 AND m.deleted_at IS NULL \
             AND (m.sender_id IS NULL OR m.sender_id <> p.user_id)) \
         ORDER BY p.user_id, c.last_seq DESC, c.id LIMIT $2"))
        .bind(cutoff)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// Records that a digest told `user_id` about the conversation's messages up to `seq`.
pub async fn mark_notified(
    conn: Conn<'_>,
    conversation_id: i64,
    user_id: i64,
    seq: i64,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO conversation_members \
         (conversation_id, user_id, role, last_read_seq, joined_at, notified_seq) \
         VALUES ($1, $2, 'member', 0, $4, $3) \
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET notified_seq = \
         CASE WHEN excluded.notified_seq > conversation_members.notified_seq \
         THEN excluded.notified_seq ELSE conversation_members.notified_seq END")
        .bind(conversation_id)
        .bind(user_id)
        .bind(seq)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether `user_id` gets digests (yes, unless turned off).
pub async fn email_digest(conn: Conn<'_>, user_id: i64) -> Result<bool> {
    let enabled: Option<bool> = on!(conn, e => sqlx::query_scalar(
        "SELECT email_digest FROM notification_prefs WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(e)
        .await)?;
    Ok(enabled.unwrap_or(true))
}

pub async fn set_email_digest(conn: Conn<'_>, user_id: i64, enabled: bool) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO notification_prefs (user_id, email_digest, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET email_digest = excluded.email_digest, \
         updated_at = excluded.updated_at")
        .bind(user_id)
        .bind(enabled)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
