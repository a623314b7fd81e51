//! Store tests for cooperatives' periodic reports: the states a report moves through, the
//! freeze of an accepted version and its correction, and the dashboard's sums checked
//! against independent SQL on a fixture of 60 cooperatives and 2 periods, on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{coop, new_user};

use chrono::NaiveDate;
use ketnoi_db::reports::{self, Grouping, TallyQuery, Writer};
use ketnoi_db::support::{self, NewSupport};
use ketnoi_db::{Db, on, orgs, users};
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::plan::SupportKind;
use ketnoi_domain::progress::{self, Tally};
use ketnoi_domain::report::{Action, Figures, Period, Refused, State};

on_both_backends!(
    a_report_is_returned_corrected_accepted_and_then_frozen,
    the_dashboards_figures_equal_an_independent_computation,
);

fn figures(members: i64, women: i64) -> Figures {
    Figures {
        members_total: Some(members),
        members_women: Some(women),
        workers_total: Some(members + 2),
        workers_women: Some(women),
        jobs_created: Some(3),
        revenue: Some(1_250_000_000),
        groups: [Some(2), None, None, None, None],
        ..Default::default()
    }
}

async fn a_report_is_returned_corrected_accepted_and_then_frozen(db: &Db) {
    let org = orgs::upsert(db.conn(), &coop("r-1", "HTX Gốm Bát Tràng"))
        .await
        .unwrap();
    let owner = users::insert(db.conn(), &new_user(Some("lan@example.com"), None))
        .await
        .unwrap();
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap();
    let me = Writer {
        org_id: org.id,
        actor_id: Some(owner.id),
        on_behalf_of: None,
    };
    let her = Writer {
        actor_id: Some(officer.id),
        ..me
    };
    let p = Period::half(2026);
    let r = reports::file(db, &me, p, &figures(20, 15), Action::Save)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.version, r.state), (1, State::Draft));
    assert_eq!(r.submitted_at, None);
    let r = reports::file(db, &me, p, &figures(21, 15), Action::Submit)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.version, r.state), (1, State::Submitted));
    assert!(r.submitted_at.is_some());
    assert_eq!(
        reports::file(db, &me, p, &figures(22, 15), Action::Save)
            .await
            .unwrap(),
        Err(Refused::Submitted)
    );
    // An officer decides only on her cooperative's report.
    let elsewhere = Writer {
        org_id: org.id + 1000,
        ..her
    };
    assert_eq!(
        reports::decide(db, &elsewhere, r.id, Action::Accept, None)
            .await
            .unwrap(),
        Err(Refused::Changed)
    );
    let r = reports::decide(db, &her, r.id, Action::Return, Some("Thiếu số lao động nữ"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.state, State::Returned);
    assert_eq!(r.comment.as_deref(), Some("Thiếu số lao động nữ"));
    let r = reports::file(db, &me, p, &figures(21, 16), Action::Save)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.state, State::Returned, "saving keeps it returned");
    reports::file(db, &me, p, &figures(21, 16), Action::Submit)
        .await
        .unwrap()
        .unwrap();
    let accepted = reports::decide(db, &her, r.id, Action::Accept, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(accepted.state, State::Accepted);
    assert_eq!(accepted.figures.members_women, Some(16));
    // Frozen: neither the cooperative nor the officer changes it again.
    assert_eq!(
        reports::file(db, &me, p, &figures(30, 20), Action::Save)
            .await
            .unwrap(),
        Err(Refused::Accepted)
    );
    assert_eq!(
        reports::decide(db, &her, r.id, Action::Return, Some("x"))
            .await
            .unwrap(),
        Err(Refused::Accepted)
    );
    // A correction is a new version; the accepted one stays, and stays counted.
    let v2 = reports::correct(db, &me, p).await.unwrap().unwrap();
    assert_eq!((v2.version, v2.state), (2, State::Draft));
    assert_eq!(v2.figures, accepted.figures);
    reports::file(db, &me, p, &figures(30, 20), Action::Submit)
        .await
        .unwrap()
        .unwrap();
    let all = reports::versions(db.conn(), org.id, p).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1], accepted, "the accepted version is kept unchanged");
    let q = TallyQuery {
        period: p,
        phase_start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        commune: None,
        sector: None,
        kind: None,
    };
    let t = reports::tallies(db.conn(), &q, Grouping::Org)
        .await
        .unwrap();
    assert_eq!(
        t[0].1.members, 21,
        "the accepted version counts, not the draft"
    );
    let log = ketnoi_db::audit::for_entity(db.conn(), "coop_report", &v2.id.to_string(), 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 2, "correct, submit");
    let log = ketnoi_db::audit::for_entity(db.conn(), "coop_report", &r.id.to_string(), 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 6, "save, submit, return, save, submit, accept");
    assert_eq!(
        reports::of_org(db.conn(), org.id).await.unwrap()[0].version,
        2
    );
}

/// A small deterministic generator, so the fixture is the same on both engines.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n) as i64
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const UNITS: [&str; 4] = ["00577", "00004", "00008", "00010"];

/// 60 cooperatives in four wards/communes, HTX and THT, two sectors; support records of every
/// kind, some ended, some not yet begun; reports for 2025's two periods in every state, some
/// corrected (accepted twice, or a correction still in draft).
async fn fixture(db: &Db) {
    let mut g = Lcg(16);
    let officer = users::insert(db.conn(), &new_user(Some("canbo@example.com"), None))
        .await
        .unwrap();
    for i in 0..60 {
        let mut o = coop(&format!("f-{i}"), &format!("HTX Số {i}"));
        o.commune_code = Some(UNITS[i % 4].into());
        o.kind = Some(if g.next(3) == 0 {
            OrgKind::Tht
        } else {
            OrgKind::Htx
        });
        o.profile.sector = Some(["craft", "agri"][g.next(2) as usize].into());
        let org = orgs::upsert(db.conn(), &o).await.unwrap();
        for _ in 0..g.next(3) {
            let since = day(2023 + g.next(3) as i32, 1 + g.next(12) as u32, 1);
            let until = (g.next(2) == 0).then(|| since + chrono::Days::new(g.next(900) as u64));
            let kind = SupportKind::ALL[g.next(7) as usize];
            support::record(
                db,
                &NewSupport {
                    org_id: org.id,
                    kind,
                    since,
                    until,
                    note: None,
                },
                officer.id,
            )
            .await
            .unwrap();
        }
        let w = Writer {
            org_id: org.id,
            actor_id: Some(officer.id),
            on_behalf_of: None,
        };
        for p in [Period::half(2025), Period::annual(2025)] {
            let members = 5 + g.next(60);
            let mut f = figures(members, g.next(members as u64 + 1));
            f.members_vocational = Some(g.next(members as u64 + 1));
            f.members_ecommerce = Some(g.next(members as u64 + 1));
            f.chair_women = Some(g.next(2));
            f.director_women = Some(g.next(2));
            f.accountant_women = Some(g.next(3));
            f.managers_certified = Some(g.next(f.women_managers().unwrap() as u64 + 1));
            f.profit = Some(g.next(1_000_000) - 400_000);
            f.groups = [Some(g.next(3)), Some(g.next(2)), None, Some(1), Some(0)];
            let end = g.next(6);
            if end == 0 {
                continue;
            }
            let r = reports::file(db, &w, p, &f, Action::Submit)
                .await
                .unwrap()
                .unwrap();
            if end == 1 {
                reports::decide(db, &w, r.id, Action::Return, Some("Sửa lại"))
                    .await
                    .unwrap()
                    .unwrap();
                continue;
            }
            if end == 2 {
                continue;
            }
            reports::decide(db, &w, r.id, Action::Accept, None)
                .await
                .unwrap()
                .unwrap();
            if end >= 4 {
                reports::correct(db, &w, p).await.unwrap().unwrap();
                f.members_total = Some(members + 7);
                let r = reports::file(db, &w, p, &f, Action::Submit)
                    .await
                    .unwrap()
                    .unwrap();
                if end == 5 {
                    reports::decide(db, &w, r.id, Action::Accept, None)
                        .await
                        .unwrap()
                        .unwrap();
                }
            }
        }
    }
}

/// The latest accepted version of each cooperative's report for `$1`, written as a join on
/// the highest accepted version (the store uses `NOT EXISTS`).
const ACCEPTED: &str = "(SELECT r.* FROM coop_reports r JOIN (SELECT org_id, MAX(version) AS v \
     FROM coop_reports WHERE period = $1 AND state = 'accepted' GROUP BY org_id) m \
     ON m.org_id = r.org_id AND m.v = r.version WHERE r.period = $1)";

/// Cooperatives with a support record overlapping [$2, $3], as a distinct list.
const SUPPORTED: &str = "(SELECT DISTINCT org_id FROM support_records WHERE since <= $3 \
     AND (until IS NULL OR until >= $2))";

async fn independent(db: &Db, p: Period, commune: Option<&str>, sql: &str) -> i64 {
    let sql = sql
        .replace("{ACCEPTED}", ACCEPTED)
        .replace("{SUPPORTED}", SUPPORTED);
    on!(db.conn(), e => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(p.to_string())
        .bind(p.start())
        .bind(p.end())
        .bind(commune)
        .bind(day(2023, 1, 1))
        .fetch_one(e)
        .await)
    .unwrap()
}

async fn the_dashboards_figures_equal_an_independent_computation(db: &Db) {
    fixture(db).await;
    let register = ketnoi_domain::plan::shipped();
    let scope = "($4 IS NULL OR o.commune_code = $4)";
    let count = |kind: &str| {
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM organisations o WHERE o.kind = '{kind}' AND {scope} \
             AND o.id IN {{SUPPORTED}}"
        )
    };
    let jobs = |kind: &str| {
        format!(
            "SELECT CAST(COALESCE(SUM(a.workers_women), 0) AS BIGINT) FROM {{ACCEPTED}} a \
             JOIN organisations o ON o.id = a.org_id WHERE o.kind = '{kind}' AND {scope} \
             AND o.id IN {{SUPPORTED}}"
        )
    };
    let share = |part: &str, whole: &str| {
        format!(
            "SELECT CASE WHEN SUM({whole}) > 0 THEN CAST(100 * SUM({part}) AS BIGINT) / CAST(SUM({whole}) AS BIGINT) ELSE -1 END \
             FROM {{ACCEPTED}} a JOIN organisations o ON o.id = a.org_id WHERE {scope}"
        )
    };
    let managers = "COALESCE(a.chair_women, 0) + COALESCE(a.board_women, 0) + COALESCE(a.director_women, 0) \
         + COALESCE(a.supervisors_women, 0) + COALESCE(a.accountant_women, 0)";
    let expected: Vec<(&str, String)> = vec![
        ("htx-supported", count("htx")),
        ("tht-supported", count("tht")),
        ("htx-jobs", jobs("htx")),
        ("tht-jobs", jobs("tht")),
        (
            "htx-founded",
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM organisations o WHERE o.kind = 'htx' AND {scope} \
                 AND o.id IN (SELECT org_id FROM support_records WHERE kind = 'founding' \
                 AND since >= $5 AND since <= $3)"
            ),
        ),
        (
            "htx-brand-support",
            format!(
                "SELECT CASE WHEN COUNT(*) > 0 THEN CAST(100 * SUM(CASE WHEN o.id IN (SELECT org_id FROM support_records \
                   WHERE kind IN ('brand', 'traceability', 'distribution') AND since <= $3 \
                   AND (until IS NULL OR until >= $2)) THEN 1 ELSE 0 END) AS BIGINT) / CAST(COUNT(*) AS BIGINT) ELSE -1 END \
                 FROM organisations o WHERE o.kind = 'htx' AND {scope} AND o.id IN {{SUPPORTED}}"
            ),
        ),
        (
            "members-vocational",
            share("a.members_vocational", "a.members_total"),
        ),
        (
            "managers-certified",
            share("a.managers_certified", managers),
        ),
        (
            "members-ecommerce",
            share("a.members_ecommerce", "a.members_total"),
        ),
    ];
    for p in [Period::half(2025), Period::annual(2025)] {
        for commune in [None, Some("00577"), Some("00004"), Some("00010")] {
            let q = TallyQuery {
                period: p,
                phase_start: day(2023, 1, 1),
                commune: commune.map(str::to_owned),
                sector: None,
                kind: None,
            };
            let by_unit = reports::tallies(db.conn(), &q, Grouping::Unit)
                .await
                .unwrap();
            let tally: Tally = by_unit.iter().map(|(_, t)| *t).sum();
            let by_org: Tally = reports::tallies(db.conn(), &q, Grouping::Org)
                .await
                .unwrap()
                .iter()
                .map(|(_, t)| *t)
                .sum();
            assert_eq!(
                tally, by_org,
                "{p} {commune:?}: units and cooperatives add up alike"
            );
            assert_eq!(by_unit.len(), if commune.is_some() { 1 } else { 4 });
            let mut checked = 0;
            for (id, sql) in &expected {
                let want = independent(db, p, commune, sql).await;
                let ind = register.indicators.iter().find(|i| i.id == *id).unwrap();
                let got = progress::value(&ind.id, &tally).number().unwrap_or(-1);
                assert_eq!(got, want, "{id} for {p} in {commune:?}");
                checked += i64::from(want > 0);
            }
            assert!(
                checked >= 5,
                "the fixture gives most indicators a value ({checked})"
            );
            // The sums that are not indicators, but are shown and exported.
            let sum = |col: &str| {
                format!(
                    "SELECT CAST(COALESCE(SUM({col}), 0) AS BIGINT) FROM {{ACCEPTED}} a \
                     JOIN organisations o ON o.id = a.org_id WHERE {scope}"
                )
            };
            for (col, got) in [
                ("a.members_women", tally.members_women),
                ("a.jobs_created", tally.jobs_created),
                ("a.profit", tally.profit),
                ("a.poor_women", tally.groups[0]),
                ("a.land_women", tally.groups[3]),
                ("1", tally.reports_accepted),
            ] {
                assert_eq!(got, independent(db, p, commune, &sum(col)).await, "{col}");
            }
        }
    }
    // Filters: sector and kind narrow the same sums.
    let q = |sector: Option<&str>, kind: Option<&str>| TallyQuery {
        period: Period::annual(2025),
        phase_start: day(2023, 1, 1),
        commune: None,
        sector: sector.map(str::to_owned),
        kind: kind.map(str::to_owned),
    };
    let total = |v: Vec<(String, Tally)>| v.into_iter().map(|(_, t)| t).sum::<Tally>();
    let all = total(
        reports::tallies(db.conn(), &q(None, None), Grouping::Unit)
            .await
            .unwrap(),
    );
    let craft = total(
        reports::tallies(db.conn(), &q(Some("craft"), None), Grouping::Unit)
            .await
            .unwrap(),
    );
    let agri = total(
        reports::tallies(db.conn(), &q(Some("agri"), None), Grouping::Unit)
            .await
            .unwrap(),
    );
    let tht = total(
        reports::tallies(db.conn(), &q(None, Some("tht")), Grouping::Unit)
            .await
            .unwrap(),
    );
    assert_eq!(craft.members + agri.members, all.members);
    assert!(craft.members > 0 && agri.members > 0);
    assert_eq!((tht.htx, tht.tht), (0, all.tht));
}
