//! The women leaders' network: who belongs (join requests approved by Union officers), the
//! members' directory with contact details each member chooses to show, groups members join
//! and leave, direct conversations between two members, and blocks.
//!
//! Groups and direct conversations are [`crate::messaging`] conversations (kinds `group` and
//! `direct`): messages, unread counts and live delivery work the same for every kind.

use crate::messaging::{self, Conversation};
use crate::{Conn, Db, DbError, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::role::Scope;

/// A leader's place in the network, or her request for one.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NetworkMember {
    pub user_id: i64,
    pub org_id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub intro: Option<String>,
    pub show_phone: bool,
    pub show_email: bool,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl NetworkMember {
    pub fn is_approved(&self) -> bool {
        self.status == "approved"
    }
}

/// A line of the directory. Phone and e-mail are there only when the member chose to show
/// them: the query itself leaves them out otherwise.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DirectoryEntry {
    pub user_id: i64,
    pub display_name: String,
    pub org_name: String,
    pub org_slug: String,
    pub org_kind: String,
    pub commune_code: Option<String>,
    pub intro: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A join request as an officer sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JoinRequest {
    pub user_id: i64,
    pub display_name: String,
    pub org_name: String,
    pub org_slug: String,
    pub commune_code: Option<String>,
    pub intro: Option<String>,
    pub requested_at: DateTime<Utc>,
}

/// What a member-to-be fills in.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    pub intro: Option<&'a str>,
    pub show_phone: bool,
    pub show_email: bool,
}

pub async fn member(conn: Conn<'_>, user_id: i64) -> Result<Option<NetworkMember>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT user_id, org_id, status, intro, show_phone, show_email, requested_at, decided_at \
         FROM network_members WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(e)
        .await)?)
}

/// Whether `user_id` is an approved member.
pub async fn is_member(conn: Conn<'_>, user_id: i64) -> Result<bool> {
    Ok(member(conn, user_id)
        .await?
        .is_some_and(|m| m.is_approved()))
}

/// Asks to join for the cooperative `org_id` (the caller checks she leads it). A new or
/// rejected request becomes pending again; an approved member's profile is updated and she
/// stays approved.
pub async fn request_join(
    conn: Conn<'_>,
    user_id: i64,
    org_id: i64,
    profile: Profile<'_>,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO network_members \
         (user_id, org_id, status, intro, show_phone, show_email, requested_at) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6) \
         ON CONFLICT (user_id) DO UPDATE SET org_id = excluded.org_id, intro = excluded.intro, \
         show_phone = excluded.show_phone, show_email = excluded.show_email, \
         status = CASE WHEN network_members.status = 'approved' THEN 'approved' ELSE 'pending' END, \
         requested_at = CASE WHEN network_members.status = 'approved' \
           THEN network_members.requested_at ELSE excluded.requested_at END")
        .bind(user_id)
        .bind(org_id)
        .bind(profile.intro)
        .bind(profile.show_phone)
        .bind(profile.show_email)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Pending requests from cooperatives in an officer's scope, oldest first.
pub async fn pending(conn: Conn<'_>, scope: &Scope) -> Result<Vec<JoinRequest>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT n.user_id, u.display_name, o.name AS org_name, o.slug AS org_slug, \
         o.commune_code, n.intro, n.requested_at \
         FROM network_members n JOIN users u ON u.id = n.user_id \
         JOIN organisations o ON o.id = n.org_id \
         WHERE n.status = 'pending' AND ($1 IS NULL OR o.commune_code = $1) \
         ORDER BY n.requested_at, n.user_id LIMIT 500")
        .bind(scope.commune())
        .fetch_all(e)
        .await)?)
}

/// An officer's decision on a pending request from a cooperative in her scope. Returns
/// whether a request was decided: `false` when there is no such pending request in that
/// scope.
pub async fn decide(
    conn: Conn<'_>,
    user_id: i64,
    officer_id: i64,
    scope: &Scope,
    approve: bool,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE network_members SET status = $3, decided_by = $4, decided_at = $5 \
         WHERE user_id = $1 AND status = 'pending' AND org_id IN \
           (SELECT id FROM organisations WHERE $2 IS NULL OR commune_code = $2)")
        .bind(user_id)
        .bind(scope.commune())
        .bind(if approve { "approved" } else { "rejected" })
        .bind(officer_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Approved members, by name; `commune` narrows to one ward/commune.
pub async fn directory(conn: Conn<'_>, commune: Option<&str>) -> Result<Vec<DirectoryEntry>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT n.user_id, u.display_name, o.name AS org_name, o.slug AS org_slug, \
         o.kind AS org_kind, o.commune_code, n.intro, \
         CASE WHEN n.show_phone THEN u.phone END AS phone, \
         CASE WHEN n.show_email THEN u.email END AS email \
         FROM network_members n JOIN users u ON u.id = n.user_id \
         JOIN organisations o ON o.id = n.org_id \
         WHERE n.status = 'approved' AND ($1 IS NULL OR o.commune_code = $1) \
         ORDER BY u.display_name, n.user_id LIMIT 2000")
        .bind(commune)
        .fetch_all(e)
        .await)?)
}

// -- blocks ----------------------------------------------------------------------------------

pub async fn block(conn: Conn<'_>, blocker_id: i64, blocked_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (blocker_id, blocked_id) DO NOTHING")
        .bind(blocker_id)
        .bind(blocked_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn unblock(conn: Conn<'_>, blocker_id: i64, blocked_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2")
        .bind(blocker_id)
        .bind(blocked_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether `blocker_id` has blocked `blocked_id`.
pub async fn has_blocked(conn: Conn<'_>, blocker_id: i64, blocked_id: i64) -> Result<bool> {
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2")
        .bind(blocker_id)
        .bind(blocked_id)
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

/// Whether someone on the other side of a one-to-one conversation (a direct conversation's
/// other member; an inquiry's buyer or its cooperative's owners and managers) has blocked
/// `sender_id`. Groups and announcement channels are not one-to-one: a block does not
/// silence a member there.
pub async fn blocked_in(conn: Conn<'_>, c: &Conversation, sender_id: i64) -> Result<bool> {
    if !matches!(c.kind.as_str(), "direct" | "inquiry") {
        return Ok(false);
    }
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_blocks b WHERE b.blocked_id = $2 AND b.blocker_id <> $2 AND \
         (b.blocker_id IN (SELECT user_id FROM conversation_members WHERE conversation_id = $1) \
          OR b.blocker_id IN (SELECT m.user_id FROM memberships m JOIN conversations c \
            ON c.org_id = m.org_id WHERE c.id = $1 AND m.role IN ('owner', 'manager')))")
        .bind(c.id)
        .bind(sender_id)
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

// -- direct conversations and groups ---------------------------------------------------------

/// The direct conversation of `a` and `b`: the existing one, else a new one. Returns its id.
pub async fn open_direct(db: &Db, a: i64, b: i64) -> Result<i64> {
    let key = format!("{}:{}", a.min(b), a.max(b));
    let mut tx = db.begin().await?;
    let now = crate::now();
    // One per pair, even when both open it at once: the unique key decides.
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO conversations (kind, created_by, direct_key, last_seq, created_at) \
         VALUES ('direct', $1, $2, 0, $3) ON CONFLICT (direct_key) DO NOTHING")
        .bind(a)
        .bind(&key)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT id FROM conversations WHERE direct_key = $1")
        .bind(&key)
        .fetch_one(e)
        .await)?;
    for user in [a, b] {
        messaging::add_member(tx.conn(), id, user, "member", now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A network group, with its creator as its first admin. Returns its id.
pub async fn create_group(
    db: &Db,
    creator_id: i64,
    title: &str,
    description: Option<&str>,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let now = crate::now();
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO conversations (kind, title, description, created_by, last_seq, created_at) \
         VALUES ('group', $1, $2, $3, 0, $4) RETURNING id")
        .bind(title)
        .bind(description)
        .bind(creator_id)
        .bind(now)
        .fetch_one(e)
        .await)?;
    messaging::add_member(tx.conn(), id, creator_id, "admin", now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A group as the groups page lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub members: i64,
    /// The viewer's role in it (`member`, `admin`), if she has joined.
    pub role: Option<String>,
}

/// Every group, with its size and the viewer's role, most members first.
pub async fn groups(conn: Conn<'_>, viewer_id: i64) -> Result<Vec<Group>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT c.id, c.title, c.description, \
         (SELECT COUNT(*) FROM conversation_members a WHERE a.conversation_id = c.id) AS members, \
         me.role AS role \
         FROM conversations c \
         LEFT JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = $1 \
         WHERE c.kind = 'group' ORDER BY members DESC, c.id LIMIT 500")
        .bind(viewer_id)
        .fetch_all(e)
        .await)?)
}

/// The outcome of [`join_group`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    Joined,
    AlreadyMember,
    /// The group has `max_members` already.
    Full,
}

/// Adds `user_id` to the group, unless it already has `max_members`. The size is checked
/// while the group's row is locked, so concurrent joins cannot pass the limit together.
pub async fn join_group(db: &Db, group_id: i64, user_id: i64, max_members: i64) -> Result<Joined> {
    let mut tx = db.begin().await?;
    let locked = on!(tx.conn(), e => sqlx::query(
        "UPDATE conversations SET last_seq = last_seq WHERE id = $1 AND kind = 'group'")
        .bind(group_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if locked == 0 {
        return Err(DbError::NotFound);
    }
    let (members, mine): (i64, i64) = on!(tx.conn(), e => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM conversation_members WHERE conversation_id = $1")
        .bind(group_id)
        .bind(user_id)
        .fetch_one(e)
        .await)?;
    let outcome = if mine > 0 {
        Joined::AlreadyMember
    } else if members >= max_members {
        Joined::Full
    } else {
        // New members start with what is already there read: the unread count is about
        // what happens after joining.
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO conversation_members \
             (conversation_id, user_id, role, last_read_seq, joined_at) \
             SELECT id, $2, 'member', last_seq, $3 FROM conversations WHERE id = $1")
            .bind(group_id)
            .bind(user_id)
            .bind(crate::now())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
        Joined::Joined
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Takes `user_id` out of the group. Returns whether she was in it.
pub async fn leave_group(conn: Conn<'_>, group_id: i64, user_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "DELETE FROM conversation_members WHERE user_id = $2 AND conversation_id = \
         (SELECT id FROM conversations WHERE id = $1 AND kind = 'group')")
        .bind(group_id)
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Makes a group member an admin (or a plain member again). Returns whether she is a member.
pub async fn set_role(conn: Conn<'_>, group_id: i64, user_id: i64, admin: bool) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .bind(if admin { "admin" } else { "member" })
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A conversation's members by name: `(user id, name, role)`.
pub async fn members_of(
    conn: Conn<'_>,
    conversation_id: i64,
) -> Result<Vec<(i64, String, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT cm.user_id, u.display_name, cm.role FROM conversation_members cm \
         JOIN users u ON u.id = cm.user_id WHERE cm.conversation_id = $1 \
         ORDER BY cm.role, u.display_name, cm.user_id LIMIT 5000")
        .bind(conversation_id)
        .fetch_all(e)
        .await)?)
}

// -- mentoring ---------------------------------------------------------------------------------

/// A mentoring request, with both names.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Mentoring {
    pub id: i64,
    pub mentee_id: i64,
    pub mentee_name: String,
    pub mentor_id: i64,
    pub mentor_name: String,
    pub topic: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub conversation_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// `mentee_id` asks `mentor_id` for guidance on `topic`. Returns the request's id.
pub async fn ask_mentoring(
    conn: Conn<'_>,
    mentee_id: i64,
    mentor_id: i64,
    topic: &str,
) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO mentoring_requests (mentee_id, mentor_id, topic, status, created_at) \
         VALUES ($1, $2, $3, 'pending', $4) RETURNING id")
        .bind(mentee_id)
        .bind(mentor_id)
        .bind(topic)
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// Requests `user_id` made or received, newest first.
pub async fn mentoring_of(conn: Conn<'_>, user_id: i64) -> Result<Vec<Mentoring>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT r.id, r.mentee_id, a.display_name AS mentee_name, r.mentor_id, \
         b.display_name AS mentor_name, r.topic, r.status, r.conversation_id, r.created_at \
         FROM mentoring_requests r JOIN users a ON a.id = r.mentee_id \
         JOIN users b ON b.id = r.mentor_id \
         WHERE r.mentee_id = $1 OR r.mentor_id = $1 ORDER BY r.id DESC LIMIT 100")
        .bind(user_id)
        .fetch_all(e)
        .await)?)
}

/// The mentor answers a pending request addressed to her. Accepting opens (or reuses) the
/// direct conversation of the two, which gets the request's topic as a message from the
/// mentee. Returns the conversation (accepted), or `None` (declined); `NotFound` when there
/// is no such pending request for this mentor.
pub async fn answer_mentoring(
    db: &Db,
    request_id: i64,
    mentor_id: i64,
    accept: bool,
) -> Result<Option<messaging::Message>> {
    // Claimed by one answer only, even when two arrive at once.
    let claimed: Option<(i64, String)> = on!(db.conn(), e => sqlx::query_as(
        "UPDATE mentoring_requests SET status = $3, decided_at = $4 \
         WHERE id = $1 AND mentor_id = $2 AND status = 'pending' RETURNING mentee_id, topic")
        .bind(request_id)
        .bind(mentor_id)
        .bind(if accept { "accepted" } else { "declined" })
        .bind(crate::now())
        .fetch_optional(e)
        .await)?;
    let (mentee_id, topic) = claimed.ok_or(DbError::NotFound)?;
    if !accept {
        return Ok(None);
    }
    let conversation = open_direct(db, mentee_id, mentor_id).await?;
    let first = messaging::post(db, conversation, mentee_id, &topic, None).await?;
    on!(db.conn(), e => sqlx::query(
        "UPDATE mentoring_requests SET conversation_id = $2 WHERE id = $1")
        .bind(request_id)
        .bind(conversation)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(Some(first))
}
