//! Store tests for accounts: users found by email and phone, unique emails and phones refused
//! by name, sessions, password reset tokens, and the mail outbox, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::new_user;

use chrono::Duration;
use ketnoi_db::users;
use ketnoi_db::{Db, now, outbox, password_resets, sessions};
use ketnoi_domain::role::PlatformRole;

on_both_backends!(
    users_are_found_by_email_and_phone,
    a_second_account_with_the_same_email_is_refused_by_name,
    sessions_expire_and_can_be_ended,
    a_reset_token_is_used_at_most_once,
    outbox_messages_are_delivered_once_and_retried_later,
    the_session_query_counts_unread_messages_like_the_inbox,
);

async fn users_are_found_by_email_and_phone(db: &Db) {
    let a = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    let b = users::insert(db.conn(), &new_user(None, Some("+84912345678")))
        .await
        .unwrap();
    assert_eq!(
        users::find_by_email(db.conn(), "lan@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(a.id)
    );
    assert_eq!(
        users::find_by_phone(db.conn(), "+84912345678")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(b.id)
    );
    assert!(
        users::find_by_email(db.conn(), "nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let found = users::find(db.conn(), a.id).await.unwrap().unwrap();
    assert_eq!(
        found, a,
        "a user reads back exactly as written, timestamps included"
    );
    users::set_role(db.conn(), b.id, PlatformRole::UnionOfficer, Some("00577"))
        .await
        .unwrap();
    let b2 = users::find(db.conn(), b.id).await.unwrap().unwrap();
    assert_eq!(
        (b2.role, b2.officer_commune_code.as_deref()),
        (PlatformRole::UnionOfficer, Some("00577"))
    );
}

async fn a_second_account_with_the_same_email_is_refused_by_name(db: &Db) {
    users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    let err = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap_err();
    assert_eq!(err.unique_index(), Some("users_email_key"));
    users::insert(db.conn(), &new_user(None, Some("+84912345678")))
        .await
        .unwrap();
    let err = users::insert(db.conn(), &new_user(None, Some("+84912345678")))
        .await
        .unwrap_err();
    assert_eq!(err.unique_index(), Some("users_phone_key"));
}

async fn sessions_expire_and_can_be_ended(db: &Db) {
    let u = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    let t = now();
    sessions::create(db.conn(), "live", u.id, t + Duration::days(1))
        .await
        .unwrap();
    sessions::create(db.conn(), "old", u.id, t - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        sessions::user_id(db.conn(), "live", t).await.unwrap(),
        Some(u.id)
    );
    assert_eq!(sessions::user_id(db.conn(), "old", t).await.unwrap(), None);
    assert_eq!(sessions::delete_expired(db.conn(), t).await.unwrap(), 1);
    sessions::delete(db.conn(), "live").await.unwrap();
    assert_eq!(sessions::user_id(db.conn(), "live", t).await.unwrap(), None);
}

async fn a_reset_token_is_used_at_most_once(db: &Db) {
    let u = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    let t = now();
    password_resets::create(db.conn(), "tok", u.id, t + Duration::hours(1))
        .await
        .unwrap();
    password_resets::create(db.conn(), "expired", u.id, t - Duration::minutes(1))
        .await
        .unwrap();
    assert!(password_resets::is_live(db.conn(), "tok", t).await.unwrap());
    assert!(
        !password_resets::is_live(db.conn(), "expired", t)
            .await
            .unwrap()
    );
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        password_resets::consume(tx.conn(), "tok", t).await.unwrap(),
        Some(u.id)
    );
    tx.commit().await.unwrap();
    assert_eq!(
        password_resets::consume(db.conn(), "tok", t).await.unwrap(),
        None
    );
    assert_eq!(
        password_resets::consume(db.conn(), "expired", t)
            .await
            .unwrap(),
        None
    );
}

async fn outbox_messages_are_delivered_once_and_retried_later(db: &Db) {
    let m = outbox::NewMessage {
        kind: "test",
        recipient: "lan@example.com",
        locale: "vi",
        subject: "Chào",
        body: "Nội dung",
    };
    let a = outbox::enqueue(db.conn(), &m).await.unwrap();
    let b = outbox::enqueue(db.conn(), &m).await.unwrap();
    let due = outbox::due(db.conn(), now(), 10).await.unwrap();
    assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a, b]);
    assert!(outbox::mark_sent(db.conn(), a, now()).await.unwrap());
    assert!(
        !outbox::mark_sent(db.conn(), a, now()).await.unwrap(),
        "a second worker does not send it again"
    );
    outbox::mark_failed(db.conn(), b, 0, "smtp down")
        .await
        .unwrap();
    assert!(
        outbox::due(db.conn(), now(), 10).await.unwrap().is_empty(),
        "the failed one waits for its backoff"
    );
    let later = outbox::due(db.conn(), now() + Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(
        later.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(),
        vec![(b, 1)]
    );
}

/// `find_by_session_with_unread` (the header of every signed-in page) gives the user of the
/// session and the same unread total as `messaging::unread_total`, through messages sent,
/// read, a conversation the user is a member of and one of a cooperative they manage; and
/// whether she acts for an organisation (a membership or, see `proxy_grants_…`, a grant).
async fn the_session_query_counts_unread_messages_like_the_inbox(db: &Db) {
    use ketnoi_db::{messaging, orgs};
    use ketnoi_domain::role::MemberRole;
    let buyer = users::insert(db.conn(), &new_user(Some("mua@example.com"), None))
        .await
        .unwrap();
    let manager = users::insert(db.conn(), &new_user(Some("htx@example.com"), None))
        .await
        .unwrap();
    let stranger = users::insert(db.conn(), &new_user(Some("khac@example.com"), None))
        .await
        .unwrap();
    let org = orgs::upsert(db.conn(), &common::coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    orgs::add_member(db.conn(), org.id, manager.id, MemberRole::Manager)
        .await
        .unwrap();
    let expires = now() + Duration::days(1);
    for (hash, user) in [
        ("s-buyer", &buyer),
        ("s-manager", &manager),
        ("s-stranger", &stranger),
    ] {
        sessions::create(db.conn(), hash, user.id, expires)
            .await
            .unwrap();
    }
    let check = |hash: &'static str, user_id: i64| async move {
        let users::SessionUser {
            user,
            unread,
            acts_for_orgs,
            partner_staff,
        } = users::find_by_session_with_unread(db.conn(), hash, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.id, user_id);
        // Only the manager belongs to an organisation (no one here holds a proxy grant).
        assert_eq!(acts_for_orgs, user_id == manager.id, "{hash}");
        assert!(!partner_staff, "{hash}: nobody here works for a partner");
        assert_eq!(
            Some(user),
            users::find_by_session(db.conn(), hash, now())
                .await
                .unwrap()
        );
        let expected = messaging::unread_total(db.conn(), user_id).await.unwrap();
        assert_eq!(unread, expected, "{hash}");
        unread
    };
    assert_eq!(check("s-buyer", buyer.id).await, 0);
    assert_eq!(check("s-manager", manager.id).await, 0);

    // The buyer asks; the manager is not a member of the thread, only of its cooperative.
    let c = messaging::open_inquiry(db, buyer.id, org.id, None)
        .await
        .unwrap();
    messaging::post(db, c, buyer.id, "Chào chị", None)
        .await
        .unwrap();
    messaging::post(db, c, buyer.id, "Còn hàng không?", None)
        .await
        .unwrap();
    assert_eq!(
        check("s-buyer", buyer.id).await,
        0,
        "the sender has read them"
    );
    assert_eq!(check("s-manager", manager.id).await, 2);
    assert_eq!(check("s-stranger", stranger.id).await, 0);

    // The manager answers (and so has read everything), the buyer has one to read.
    messaging::post(db, c, manager.id, "Còn ạ", None)
        .await
        .unwrap();
    assert_eq!(check("s-manager", manager.id).await, 0);
    assert_eq!(check("s-buyer", buyer.id).await, 1);
    let last = messaging::post(db, c, manager.id, "Chị cần bao nhiêu?", None)
        .await
        .unwrap();
    assert_eq!(check("s-buyer", buyer.id).await, 2);
    messaging::mark_read(db.conn(), c, buyer.id, last.seq)
        .await
        .unwrap();
    assert_eq!(check("s-buyer", buyer.id).await, 0);

    // A second cooperative thread, from the stranger: counted for the manager only.
    let d = messaging::open_inquiry(db, stranger.id, org.id, None)
        .await
        .unwrap();
    messaging::post(db, d, stranger.id, "Xin chào", None)
        .await
        .unwrap();
    assert_eq!(check("s-manager", manager.id).await, 1);
    assert_eq!(check("s-buyer", buyer.id).await, 0);

    // An unknown or expired session is nobody, as with `find_by_session`.
    assert!(
        users::find_by_session_with_unread(db.conn(), "s-none", now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::find_by_session_with_unread(db.conn(), "s-buyer", expires + Duration::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
}
