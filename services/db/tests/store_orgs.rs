//! Store tests for organisations: upserts by external id, memberships and their roles, the
//! demo import, text in NFC, the directory's filters, and proxy grants with their audit
//! entries, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{coop, new_user};

use ketnoi_db::Db;
use ketnoi_db::orgs::{self, NewOrg};
use ketnoi_db::users;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::{MemberRole, Scope};

on_both_backends!(
    organisations_upsert_by_external_id_and_list_by_kind,
    memberships_carry_roles,
    demo_import_is_idempotent,
    text_round_trips_in_nfc,
    directory_filters_by_sector_commune_stars_and_badge,
    proxy_grants_and_audit_entries_are_kept,
    confirmation_medians_follow_one_rule_when_confirmed_and_when_migrated,
    the_profile_reads_in_one_statement_what_the_separate_reads_give,
);

/// `find_for_profile` reads the women managers and the badges as JSON in the
/// organisation's row (each engine with its own functions): the same values, in the same
/// order, as `managers` and `badges::of_org`, dates and times to the microsecond.
async fn the_profile_reads_in_one_statement_what_the_separate_reads_give(db: &Db) {
    use ketnoi_db::badges::{self, Claim};
    use ketnoi_domain::catalog::{BadgeKind, BadgeStatus};
    let org = orgs::upsert(db.conn(), &coop("p-1", "HTX Đan cói \"Kim Sơn\""))
        .await
        .unwrap();
    // Nothing yet: empty lists, not an error (PostgreSQL's json_agg of no rows is NULL).
    let head = orgs::find_for_profile(db.conn(), &org.slug)
        .await
        .unwrap()
        .unwrap();
    assert!(head.managers.is_empty() && head.badges.is_empty());
    assert_eq!(head.org, org);

    let mut tx = db.begin().await.unwrap();
    let list = [
        orgs::Manager {
            name: "Nguyễn Thị Hoà".into(),
            role: "chu_tich".into(),
            since_year: Some(2019),
        },
        orgs::Manager {
            name: "Lê Thị \"Mận\" <b>".into(),
            role: "ke_toan".into(),
            since_year: None,
        },
        orgs::Manager {
            name: "Trần Thị Ánh".into(),
            role: "giam_doc".into(),
            since_year: Some(2021),
        },
    ];
    orgs::replace_managers(&mut tx, org.id, &list)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ocop = badges::submit(
        db.conn(),
        &Claim {
            org_id: org.id,
            kind: Some(BadgeKind::Ocop),
            stars: Some(4),
            number: Some("OCOP-2025/17".into()),
            expires_on: chrono::NaiveDate::from_ymd_opt(2028, 12, 31),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    badges::submit(
        db.conn(),
        &Claim {
            org_id: org.id,
            kind: Some(BadgeKind::WomenManaged),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    let at = ketnoi_db::now() - chrono::Duration::microseconds(1_234_567);
    assert!(
        badges::decide(
            db.conn(),
            ocop.id,
            BadgeStatus::Verified,
            None,
            None,
            "Hội LHPN Xã Bát Tràng",
            at
        )
        .await
        .unwrap()
    );

    let head = orgs::find_for_profile(db.conn(), &org.slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        head.managers,
        orgs::managers(db.conn(), org.id).await.unwrap()
    );
    assert_eq!(head.managers, list);
    let separately = badges::of_org(db.conn(), org.id).await.unwrap();
    assert_eq!(head.badges, separately);
    assert_eq!(head.badges.len(), 2);
    assert_eq!(head.badges[1].decided_at, Some(at));
    assert!(
        orgs::find_for_profile(db.conn(), "no-such-slug")
            .await
            .unwrap()
            .is_none()
    );
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

/// The profile's "usually confirms within" figure is stored when an order is confirmed
/// (`orders::refresh_confirmation_median`) and was filled for older orders by the migration
/// that created its table: both give the middle of the last 100 waits (the mean of the two
/// middle ones for an even count), in whole seconds.
async fn confirmation_medians_follow_one_rule_when_confirmed_and_when_migrated(db: &Db) {
    use chrono::{Duration, TimeZone, Utc};
    use ketnoi_db::{Tx, orders, sqlx};
    let buyer = users::insert(db.conn(), &new_user(Some("mua@example.com"), None))
        .await
        .unwrap();
    let org = orgs::upsert(db.conn(), &coop("x-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let other = orgs::upsert(db.conn(), &coop("x-2", "HTX Mây Tre Phú Vinh"))
        .await
        .unwrap();
    assert_eq!(
        orders::median_confirmation(db.conn(), org.id)
            .await
            .unwrap(),
        None
    );
    let placed = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
    // Waits of 10 min, 1 h, 20 min and 3 h 5 s for one cooperative, one of 5 min for the
    // other, and one order never confirmed.
    let waits: [(i64, Option<Duration>); 6] = [
        (org.id, Some(Duration::minutes(10))),
        (org.id, Some(Duration::hours(1))),
        (org.id, None),
        (org.id, Some(Duration::minutes(20))),
        (other.id, Some(Duration::minutes(5))),
        (org.id, Some(Duration::seconds(3 * 3600 + 5))),
    ];
    for (i, (org_id, wait)) in waits.iter().enumerate() {
        let created = placed + Duration::hours(i as i64);
        let confirmed = wait.map(|w| created + w);
        ketnoi_db::on!(db.conn(), e => sqlx::query(
            "INSERT INTO orders (buyer_id, org_id, kind, payment, status, total, created_at, updated_at, confirmed_at) \
             VALUES ($1, $2, 'goods', 'cod', 'confirmed', 1000, $3, $3, $4)")
            .bind(buyer.id)
            .bind(*org_id)
            .bind(created)
            .bind(confirmed)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
    }
    let refresh = |org_id: i64| async move {
        let mut tx: Tx = db.begin().await.unwrap();
        orders::refresh_confirmation_median(&mut tx, org_id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    refresh(org.id).await;
    refresh(other.id).await;
    // 10 min, 20 min, 1 h, 3 h 5 s: the mean of 20 min and 1 h.
    let expected = (Some(Duration::minutes(40)), Some(Duration::minutes(5)));
    let stored = (
        orders::median_confirmation(db.conn(), org.id)
            .await
            .unwrap(),
        orders::median_confirmation(db.conn(), other.id)
            .await
            .unwrap(),
    );
    assert_eq!(stored, expected);

    // The migration's own statement, run again on an emptied table, agrees.
    let migration = match db.backend() {
        ketnoi_db::Backend::Sqlite => {
            include_str!("../migrations/sqlite/20261206000200_profile_reads.sql")
        }
        ketnoi_db::Backend::Postgres => {
            include_str!("../migrations/postgres/20261206000200_profile_reads.sql")
        }
    };
    let backfill = migration
        .split(';')
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .find(|s| {
            s.trim_start()
                .starts_with("INSERT INTO org_confirmation_times")
        })
        .expect("the migration fills the table");
    ketnoi_db::on!(db.conn(), e => sqlx::query("DELETE FROM org_confirmation_times")
        .execute(e)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    ketnoi_db::on!(db.conn(), e => sqlx::raw_sql(sqlx::AssertSqlSafe(backfill.clone()))
        .execute(e)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let migrated = (
        orders::median_confirmation(db.conn(), org.id)
            .await
            .unwrap(),
        orders::median_confirmation(db.conn(), other.id)
            .await
            .unwrap(),
    );
    assert_eq!(migrated, expected);
}
