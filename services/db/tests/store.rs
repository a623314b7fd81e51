//! Store tests: every query module against SQLite and PostgreSQL, and a check that the two
//! migration sets describe the same schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{postgres, sqlite};

use chrono::Duration;
use ketnoi_db::orgs::{self, NewOrg};
use ketnoi_db::users::{self, NewUser};
use ketnoi_db::{Db, now, outbox, password_resets, sessions};
use ketnoi_domain::Locale;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::{MemberRole, PlatformRole, Scope};
use std::collections::BTreeMap;

on_both_backends!(
    users_are_found_by_email_and_phone,
    a_second_account_with_the_same_email_is_refused_by_name,
    sessions_expire_and_can_be_ended,
    a_reset_token_is_used_at_most_once,
    outbox_messages_are_delivered_once_and_retried_later,
    organisations_upsert_by_external_id_and_list_by_kind,
    memberships_carry_roles,
    demo_import_is_idempotent,
    text_round_trips_in_nfc,
    demo_import_brings_listings_managers_and_verified_badges,
    saving_the_same_rows_twice_changes_nothing,
    expired_and_unverified_badges_do_not_show,
    hidden_and_draft_listings_are_not_public,
    directory_filters_by_sector_commune_stars_and_badge,
    proxy_grants_and_audit_entries_are_kept,
);

fn new_user<'a>(email: Option<&'a str>, phone: Option<&'a str>) -> NewUser<'a> {
    NewUser {
        email,
        phone,
        display_name: "Nguyễn Thị Lan",
        password_hash: "$argon2id$fake",
        locale: Locale::Vi,
        role: PlatformRole::User,
        officer_commune_code: None,
    }
}

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

fn coop(external_id: &str, name: &str) -> NewOrg {
    NewOrg {
        external_id: Some(external_id.into()),
        slug: ketnoi_domain::text::slugify(name),
        kind: Some(OrgKind::Htx),
        name: name.into(),
        commune_code: Some("00577".into()),
        province_code: "01".into(),
        ..NewOrg::default()
    }
}

async fn organisations_upsert_by_external_id_and_list_by_kind(db: &Db) {
    let first = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let again = orgs::upsert(
        db.conn(),
        &NewOrg {
            name: "HTX Gốm sứ Bát Tràng".into(),
            ..coop("x-1", "HTX Gốm Bát Tràng")
        },
    )
    .await
    .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.name, "HTX Gốm sứ Bát Tràng");
    orgs::upsert(
        db.conn(),
        &NewOrg {
            kind: Some(OrgKind::Tht),
            ..coop("x-2", "THT Mây tre Phú Vinh")
        },
    )
    .await
    .unwrap();
    assert_eq!(orgs::count(db.conn(), None).await.unwrap(), 2);
    assert_eq!(orgs::count(db.conn(), Some(OrgKind::Tht)).await.unwrap(), 1);
    let htx = orgs::list(db.conn(), Some(OrgKind::Htx), 10, 0)
        .await
        .unwrap();
    assert_eq!(
        htx.iter()
            .map(|o| o.external_id.as_deref())
            .collect::<Vec<_>>(),
        vec![Some("x-1")]
    );
    assert_eq!(
        orgs::cooperatives_in(db.conn(), &Scope::Commune("00577".into()), 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        orgs::cooperatives_in(db.conn(), &Scope::Commune("00004".into()), 10)
            .await
            .unwrap()
            .len(),
        0
    );
    let dup = orgs::upsert(db.conn(), &coop("x-3", "HTX Gốm Bát Tràng"))
        .await
        .unwrap_err();
    assert_eq!(dup.unique_index(), Some("organisations_slug_key"));
}

async fn memberships_carry_roles(db: &Db) {
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let u = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    assert_eq!(
        orgs::member_role(db.conn(), org.id, u.id).await.unwrap(),
        None
    );
    orgs::add_member(db.conn(), org.id, u.id, MemberRole::Member)
        .await
        .unwrap();
    orgs::add_member(db.conn(), org.id, u.id, MemberRole::Manager)
        .await
        .unwrap();
    assert_eq!(
        orgs::member_role(db.conn(), org.id, u.id).await.unwrap(),
        Some(MemberRole::Manager)
    );
    let mine = orgs::of_user(db.conn(), u.id).await.unwrap();
    assert_eq!(
        mine.iter().map(|(o, r)| (o.id, *r)).collect::<Vec<_>>(),
        vec![(org.id, MemberRole::Manager)]
    );
    assert_eq!(orgs::members(db.conn(), org.id).await.unwrap().len(), 1);
    assert!(orgs::remove_member(db.conn(), org.id, u.id).await.unwrap());
    assert!(!orgs::remove_member(db.conn(), org.id, u.id).await.unwrap());
}

async fn demo_import_is_idempotent(db: &Db) {
    let n = ketnoi_db::demo::import(db).await.unwrap();
    assert_eq!(n, 100);
    ketnoi_db::demo::import(db).await.unwrap();
    assert_eq!(orgs::count(db.conn(), None).await.unwrap(), 100);
    assert_eq!(
        orgs::count(db.conn(), Some(OrgKind::Htx)).await.unwrap(),
        45
    );
    let bt = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        bt.external_id.as_deref(),
        Some("htx-gom-su-men-lam-bat-trang")
    );
    assert_eq!(bt.commune_code.as_deref(), Some("00577"));
    assert_eq!(bt.street.as_deref(), Some("Số 18, xóm 5, thôn Bát Tràng"));
    assert_eq!(bt.phone.as_deref(), Some("+84904555560"));
}

async fn text_round_trips_in_nfc(db: &Db) {
    let name = ketnoi_domain::text::clean("Go\u{302}\u{301}m Ba\u{301}t Tra\u{300}ng");
    let o = orgs::upsert(db.conn(), &coop("x-9", &name)).await.unwrap();
    let back = orgs::find_by_slug(db.conn(), &o.slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.name, "Gốm Bát Tràng");
    assert_eq!(back.slug, "gom-bat-trang");
}

/// Column: (type class, nullable). Per table: columns, primary key, foreign keys, unique indexes.
#[derive(Debug, PartialEq, Default)]
struct Table {
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    foreign_keys: Vec<(String, String, String)>,
    unique: Vec<(String, Vec<String>)>,
}

fn type_class(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "int8" | "int4" => "integer",
        "text" | "character varying" => "text",
        "datetime" | "timestamp with time zone" | "timestamptz" => "timestamp",
        "boolean" | "bool" => "boolean",
        "jsonb" | "json" => "json",
        "real" | "double precision" => "real",
        "date" => "date",
        other => return format!("other:{other}"),
    }
    .to_owned()
}

async fn sqlite_schema(db: &Db) -> BTreeMap<String, Table> {
    let Db::Sqlite(p) = db else {
        panic!("not sqlite")
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, bool, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (name, ty, notnull, pkpos) in cols {
            // SQLite lets PRIMARY KEY columns be NULL unless declared otherwise; an INTEGER
            // PRIMARY KEY is the rowid and never NULL.
            let nullable = !notnull && pkpos == 0;
            table
                .columns
                .insert(name.clone(), (type_class(&ty), nullable));
            if pkpos > 0 {
                pk.push((pkpos, name));
            }
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let fks: Vec<(String, String, String)> =
            sqlx::query_as("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        table.foreign_keys = fks;
        table.foreign_keys.sort();
        let idx: Vec<(String, bool, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        for (name, unique, origin) in idx {
            if !unique || origin == "pk" {
                continue;
            }
            let cols: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(p)
                    .await
                    .unwrap();
            table.unique.push((name, cols));
        }
        table.unique.sort();
        out.insert(t, table);
    }
    out
}

async fn postgres_schema(db: &Db) -> BTreeMap<String, Table> {
    let Db::Postgres(p) = db else {
        panic!("not postgres")
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        for (name, ty, nullable) in cols {
            table
                .columns
                .insert(name, (type_class(&ty), nullable == "YES"));
        }
        table.primary_key = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let mut fks: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT kcu.column_name::text, ccu.table_name::text, ccu.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public' AND tc.table_name = $1",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        fks.sort();
        table.foreign_keys = fks;
        let idx: Vec<(String, Vec<String>)> = sqlx::query_as(
            "SELECT ic.relname::text, array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisunique AND NOT i.indisprimary GROUP BY ic.relname",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        table.unique = idx;
        table.unique.sort();
        out.insert(t, table);
    }
    out
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_are_equivalent() {
    let Some(pg) = postgres().await else { return };
    let lite = sqlite().await;
    let a = sqlite_schema(&lite.db).await;
    let b = postgres_schema(&pg.db).await;
    assert!(
        a.len() >= 6,
        "expected the foundation tables, found {:?}",
        a.keys()
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (name, table) in &a {
        assert_eq!(
            Some(table),
            b.get(name),
            "table {name} differs (left SQLite, right PostgreSQL)"
        );
    }
}

#[test]
fn both_backends_have_the_same_migration_files() {
    let list = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

async fn demo_import_brings_listings_managers_and_verified_badges(db: &Db) {
    ketnoi_db::demo::import(db).await.unwrap();
    let today = ketnoi_domain::time::today_hanoi();
    assert_eq!(
        ketnoi_db::listings::count_public(db.conn()).await.unwrap(),
        400
    );
    let bt = orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orgs::managers(db.conn(), bt.id).await.unwrap().len(), 3);
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), bt.id, today)
            .await
            .unwrap(),
        Some(5)
    );
    let l = ketnoi_db::listings::find_by_external_id(db.conn(), "lst-0002")
        .await
        .unwrap()
        .unwrap();
    let offers = ketnoi_db::listings::offers(db.conn(), l.id).await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].tiers.len(), 3);
    assert_eq!(offers[0].tiers[0].price, ketnoi_domain::Vnd(315_000));
    assert_eq!(l.min_price, ketnoi_domain::Vnd(270_000));
}

async fn saving_the_same_rows_twice_changes_nothing(db: &Db) {
    use ketnoi_db::import::{Outcome, save_cooperative};
    let coops = ketnoi_domain::import::demo_cooperatives(include_str!(
        "../../../data/demo/cooperatives.json"
    ))
    .unwrap();
    let listings =
        ketnoi_domain::import::demo_listings(include_str!("../../../data/demo/listings.json"))
            .unwrap();
    for round in 0..2 {
        let mut tx = db.begin().await.unwrap();
        for c in coops.iter().take(5) {
            let (_, outcome) = save_cooperative(&mut tx, c).await.unwrap();
            assert_eq!(
                outcome,
                if round == 0 {
                    Outcome::Created
                } else {
                    Outcome::Unchanged
                }
            );
        }
        for l in listings.iter().filter(|l| {
            coops
                .iter()
                .take(5)
                .any(|c| c.external_id.as_deref() == Some(&l.cooperative))
        }) {
            let outcome = save_listing_by_key(&mut tx, l).await;
            assert_eq!(
                outcome,
                Some(if round == 0 {
                    Outcome::Created
                } else {
                    Outcome::Unchanged
                }),
                "{:?}",
                l.external_id
            );
        }
        tx.commit().await.unwrap();
    }
    let mut changed = coops[0].clone();
    changed.members_total = Some(99);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        save_cooperative(&mut tx, &changed).await.unwrap().1,
        Outcome::Updated
    );
    let mut orphan = listings[0].clone();
    orphan.cooperative = "khong-ton-tai".into();
    assert_eq!(save_listing_by_key(&mut tx, &orphan).await, None);
    tx.commit().await.unwrap();
}

async fn expired_and_unverified_badges_do_not_show(db: &Db) {
    use ketnoi_domain::catalog::{BadgeKind, BadgeStatus};
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let claim = |stars, expires| ketnoi_db::badges::Claim {
        org_id: org.id,
        kind: Some(BadgeKind::Ocop),
        stars: Some(stars),
        expires_on: expires,
        ..Default::default()
    };
    let pending = ketnoi_db::badges::submit(db.conn(), &claim(5, None), None)
        .await
        .unwrap();
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), org.id, today)
            .await
            .unwrap(),
        None
    );
    let expired = ketnoi_db::badges::submit(
        db.conn(),
        &claim(4, chrono::NaiveDate::from_ymd_opt(2026, 11, 25)),
        None,
    )
    .await
    .unwrap();
    let valid = ketnoi_db::badges::submit(
        db.conn(),
        &claim(3, chrono::NaiveDate::from_ymd_opt(2026, 11, 26)),
        None,
    )
    .await
    .unwrap();
    for b in [&expired, &valid] {
        assert!(
            ketnoi_db::badges::decide(
                db.conn(),
                b.id,
                BadgeStatus::Verified,
                None,
                None,
                "Hội LHPN",
                now()
            )
            .await
            .unwrap()
        );
    }
    assert!(
        !ketnoi_db::badges::decide(
            db.conn(),
            valid.id,
            BadgeStatus::Rejected,
            Some("x"),
            None,
            "Hội LHPN",
            now()
        )
        .await
        .unwrap(),
        "decided once"
    );
    assert_eq!(
        ketnoi_db::badges::org_ocop_stars(db.conn(), org.id, today)
            .await
            .unwrap(),
        Some(3)
    );
    let pending_list = ketnoi_db::badges::pending(db.conn(), &Scope::Commune("00577".into()), 10)
        .await
        .unwrap();
    assert_eq!(
        pending_list
            .iter()
            .map(|(b, _, _)| b.id)
            .collect::<Vec<_>>(),
        vec![pending.id]
    );
    assert!(
        ketnoi_db::badges::pending(db.conn(), &Scope::Commune("00004".into()), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn draft(title: &str) -> ketnoi_db::listings::Draft {
    use ketnoi_domain::catalog::{Months, OfferKind, PriceTier};
    ketnoi_db::listings::Draft {
        title_vi: title.into(),
        title_en: None,
        description_vi: "Mô tả".into(),
        description_en: None,
        category_id: "gom-su".into(),
        unit: "bộ".into(),
        stock: None,
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![ketnoi_db::listings::Offer {
            kind: OfferKind::Wholesale,
            price: ketnoi_domain::Vnd(300_000),
            case_size: Some(6),
            min_order_qty: Some(30),
            duration_hours: None,
            max_group_size: None,
            tiers: vec![
                PriceTier {
                    min_qty: 30,
                    price: ketnoi_domain::Vnd(300_000),
                },
                PriceTier {
                    min_qty: 100,
                    price: ketnoi_domain::Vnd(280_000),
                },
            ],
        }],
    }
}

async fn hidden_and_draft_listings_are_not_public(db: &Db) {
    use ketnoi_db::listings::{self, Filter};
    use ketnoi_domain::catalog::ListingStatus;
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = listings::create(
        &mut tx,
        org.id,
        None,
        &draft("Bộ ấm chén"),
        ListingStatus::Draft,
    )
    .await
    .unwrap();
    let b = listings::create(
        &mut tx,
        org.id,
        None,
        &draft("Bình hoa"),
        ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let today = ketnoi_domain::time::today_hanoi();
    let public = |f: Filter| async move {
        listings::public_cards(db.conn(), &f, today, 10, 0)
            .await
            .unwrap()
    };
    assert_eq!(
        public(Filter::default())
            .await
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![b.id]
    );
    assert!(
        listings::set_status(db.conn(), a.id, ListingStatus::Published)
            .await
            .unwrap()
    );
    assert!(
        listings::find(db.conn(), a.id)
            .await
            .unwrap()
            .unwrap()
            .published_at
            .is_some()
    );
    assert!(
        listings::set_hidden(db.conn(), b.id, Some("Ảnh không đúng sản phẩm"), None)
            .await
            .unwrap()
    );
    assert_eq!(
        public(Filter::default())
            .await
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![a.id]
    );
    assert_eq!(
        public(Filter {
            group: Some("thu-cong".into()),
            ..Filter::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        public(Filter {
            category: Some("tra-do-uong".into()),
            ..Filter::default()
        })
        .await
        .len(),
        0
    );
    assert_eq!(
        public(Filter {
            kind: Some(ketnoi_domain::catalog::OfferKind::Retail),
            ..Filter::default()
        })
        .await
        .len(),
        0
    );
    let mut tx = db.begin().await.unwrap();
    listings::set_photos(&mut tx, a.id, &["k1".into(), "k2".into()])
        .await
        .unwrap_err();
    drop(tx);
    ketnoi_db::media::record(
        db.conn(),
        &ketnoi_db::media::Media {
            storage_key: "k1".into(),
            content_type: "image/jpeg".into(),
            width: Some(1),
            height: Some(1),
            byte_size: 1,
            org_id: Some(org.id),
        },
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    listings::set_photos(&mut tx, a.id, &["k1".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        public(Filter::default()).await[0].photo.as_deref(),
        Some("k1")
    );
    let mut tx = db.begin().await.unwrap();
    let current = listings::current_draft(
        &mut tx,
        &listings::find(db.conn(), a.id).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        current,
        draft("Bộ ấm chén"),
        "offers and tiers read back as written"
    );
}

async fn directory_filters_by_sector_commune_stars_and_badge(db: &Db) {
    use ketnoi_db::orgs::DirectoryFilter;
    ketnoi_db::demo::import(db).await.unwrap();
    let today = ketnoi_domain::time::today_hanoi();
    let all = orgs::directory(db.conn(), &DirectoryFilter::default(), today, 100, 0)
        .await
        .unwrap();
    assert_eq!(all.len(), 60, "buyers are not in the directory");
    let gom = orgs::directory(
        db.conn(),
        &DirectoryFilter {
            sector: Some("gom_su".into()),
            ..Default::default()
        },
        today,
        100,
        0,
    )
    .await
    .unwrap();
    assert!(!gom.is_empty() && gom.iter().all(|c| c.sector.as_deref() == Some("gom_su")));
    let bt = orgs::directory(
        db.conn(),
        &DirectoryFilter {
            commune_code: Some("00577".into()),
            ..Default::default()
        },
        today,
        100,
        0,
    )
    .await
    .unwrap();
    assert!(
        bt.iter()
            .all(|c| c.commune_code.as_deref() == Some("00577"))
    );
    let five = orgs::directory(
        db.conn(),
        &DirectoryFilter {
            min_stars: Some(5),
            ..Default::default()
        },
        today,
        100,
        0,
    )
    .await
    .unwrap();
    assert!(!five.is_empty() && five.iter().all(|c| c.ocop_stars == Some(5)));
    let vietgap = orgs::directory(
        db.conn(),
        &DirectoryFilter {
            badge: Some(ketnoi_domain::catalog::BadgeKind::Vietgap),
            ..Default::default()
        },
        today,
        100,
        0,
    )
    .await
    .unwrap();
    assert!(!vietgap.is_empty() && vietgap.len() < 60);
    assert_eq!(all.iter().map(|c| c.listing_count).sum::<i64>(), 400);
}

async fn proxy_grants_and_audit_entries_are_kept(db: &Db) {
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap();
    assert!(
        !orgs::has_proxy(db.conn(), org.id, officer.id)
            .await
            .unwrap()
    );
    orgs::grant_proxy(db.conn(), org.id, officer.id, officer.id)
        .await
        .unwrap();
    orgs::grant_proxy(db.conn(), org.id, officer.id, officer.id)
        .await
        .unwrap();
    assert!(
        orgs::has_proxy(db.conn(), org.id, officer.id)
            .await
            .unwrap()
    );
    assert_eq!(orgs::proxies(db.conn(), org.id).await.unwrap().len(), 1);
    ketnoi_db::audit::record(
        db.conn(),
        &ketnoi_db::audit::Entry {
            org_id: Some(org.id),
            actor_id: Some(officer.id),
            on_behalf_of: Some(org.id),
            entity: "organisation",
            entity_id: org.id.to_string(),
            action: "update",
            before: Some("{\"name\":\"a\"}".into()),
            after: Some("{\"name\":\"b\"}".into()),
        },
    )
    .await
    .unwrap();
    let log = ketnoi_db::audit::for_org(db.conn(), org.id, 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor_name.as_deref(), Some("Nguyễn Thị Lan"));
    assert!(
        orgs::revoke_proxy(db.conn(), org.id, officer.id)
            .await
            .unwrap()
    );
}

/// Saves a listing row into the cooperative it names; `None` when there is no such
/// cooperative (what the importer reports as an unknown cooperative).
async fn save_listing_by_key(
    tx: &mut ketnoi_db::Tx,
    r: &ketnoi_domain::catalog::ListingRecord,
) -> Option<ketnoi_db::import::Outcome> {
    let org = ketnoi_db::import::cooperative_by_key(tx, &r.cooperative)
        .await
        .unwrap()?;
    Some(
        ketnoi_db::import::save_listing(tx, &org, r)
            .await
            .unwrap()
            .1,
    )
}
