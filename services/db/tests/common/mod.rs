//! What every store test file shares: a fresh, migrated database per test on each engine,
//! `on_both_backends!`, which runs one test body on SQLite and on PostgreSQL, and the rows
//! several files start from (a user, a cooperative).

use ketnoi_db::Db;
use ketnoi_db::orgs::NewOrg;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::PlatformRole;
use ketnoi_test_support::{TempPostgres, TempSqlite};

/// A fresh, migrated database and the guard that keeps it alive.
pub struct Fresh {
    pub db: Db,
    _sqlite: Option<TempSqlite>,
    _pg: Option<TempPostgres>,
}

pub async fn sqlite() -> Fresh {
    let t = TempSqlite::new();
    let db = Db::connect_and_migrate(&t.url).await.expect("sqlite");
    Fresh {
        db,
        _sqlite: Some(t),
        _pg: None,
    }
}

/// `None` when PostgreSQL is not installed (and `KETNOI_REQUIRE_POSTGRES` is not set).
pub async fn postgres() -> Option<Fresh> {
    let t = TempPostgres::new()?;
    let db = Db::connect_and_migrate(&t.url).await.expect("postgres");
    Some(Fresh {
        db,
        _sqlite: None,
        _pg: Some(t),
    })
}

/// `on_both_backends!(a, b)` where `async fn a(db: &Db)`: one test per engine.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let f = $crate::common::sqlite().await;
                super::$name(&f.db).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(f) = $crate::common::postgres().await {
                    super::$name(&f.db).await;
                }
            }
        }
    )*};
}

/// A user with this email or phone (or both).
#[allow(dead_code)]
pub fn new_user<'a>(email: Option<&'a str>, phone: Option<&'a str>) -> NewUser<'a> {
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

/// A cooperative (HTX) in commune 00577, its slug made from its name.
#[allow(dead_code)]
pub fn coop(external_id: &str, name: &str) -> NewOrg {
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

/// A partner organisation of `kind`, named after its slug.
#[allow(dead_code)]
pub async fn partner(db: &Db, slug: &str, kind: ketnoi_domain::cases::PartnerKind) -> i64 {
    ketnoi_db::cases::create_partner(
        db.conn(),
        &ketnoi_db::cases::NewPartner {
            slug: slug.into(),
            name: format!("Đối tác {slug}"),
            kind,
            phone: None,
            email: None,
        },
    )
    .await
    .expect("partner")
}

/// A credit case of `amount` đồng opened for `applicant` in commune 00577.
#[allow(dead_code)]
pub async fn credit_case(db: &Db, applicant: ketnoi_db::cases::Applicant, amount: i64) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = ketnoi_db::cases::open(
        &mut tx,
        &ketnoi_db::cases::NewCase {
            kind: ketnoi_domain::cases::CaseKind::Credit,
            applicant,
            commune_code: Some("00577".into()),
            amount_vnd: Some(amount),
            purpose: Some("Mua máy sấy".into()),
            term_months: Some(24),
            opened_by: None,
            due_at: None,
            at: ketnoi_db::now(),
        },
    )
    .await
    .expect("open");
    tx.commit().await.expect("commit");
    id
}
