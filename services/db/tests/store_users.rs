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
