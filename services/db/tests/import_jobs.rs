//! Import jobs against SQLite and PostgreSQL: created running, progress moves, the report is
//! written once, and a finished job is not changed by a late progress write.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ketnoi_db::import_jobs::{self, JobStatus, NewJob, Summary};
use ketnoi_db::users::{self, NewUser};
use ketnoi_db::{Db, now};
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;

on_both_backends!(
    a_job_runs_reports_and_is_listed,
    a_failed_job_keeps_its_reason_and_refuses_a_report,
    a_job_outlives_the_officer_who_started_it,
);

async fn officer(db: &Db) -> i64 {
    users::insert(
        db.conn(),
        &NewUser {
            email: Some("canbo@example.com"),
            phone: None,
            display_name: "Cán bộ Hội",
            password_hash: "$argon2id$fake",
            locale: Locale::Vi,
            role: PlatformRole::UnionOfficer,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap()
    .id
}

fn new_job(kind: &str, by: Option<i64>) -> NewJob<'_> {
    NewJob {
        kind,
        file_name: Some("Danh sách HTX.xlsx"),
        skip_invalid: true,
        total_rows: 400,
        created_by: by,
    }
}

async fn a_job_runs_reports_and_is_listed(db: &Db) {
    let by = officer(db).await;
    let before = now();
    let job = import_jobs::create(db.conn(), &new_job("listings", Some(by)))
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Running);
    assert_eq!((job.done_rows, job.total_rows), (0, 400));
    assert!(job.skip_invalid && !job.imported);
    assert_eq!(job.file_name.as_deref(), Some("Danh sách HTX.xlsx"));
    assert!(job.created_at >= before && job.finished_at.is_none());
    assert_eq!(
        import_jobs::find(db.conn(), job.id).await.unwrap(),
        Some(job.clone()),
        "a job reads back exactly as written"
    );

    assert!(
        import_jobs::set_progress(db.conn(), job.id, 120, 397)
            .await
            .unwrap()
    );
    let moving = import_jobs::find(db.conn(), job.id).await.unwrap().unwrap();
    assert_eq!((moving.done_rows, moving.total_rows), (120, 397));

    let summary = Summary {
        total_rows: 400,
        created: 390,
        updated: 5,
        unchanged: 2,
        skipped: 3,
        imported: true,
        errors_json: r#"[{"row":5,"column":"price_vnd","message_vi":"Giá","message_en":"Price"}]"#
            .into(),
    };
    assert!(
        import_jobs::finish(db.conn(), job.id, &summary)
            .await
            .unwrap()
    );
    let done = import_jobs::find(db.conn(), job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(
        (
            done.total_rows,
            done.done_rows,
            done.created,
            done.updated,
            done.unchanged,
            done.skipped
        ),
        (400, 397, 390, 5, 2, 3)
    );
    assert!(done.imported);
    assert_eq!(done.errors_json, Some(summary.errors_json.clone()));
    assert!(done.finished_at.is_some_and(|t| t >= done.created_at));

    // A progress write arriving after the report changes nothing; nor does a second report.
    assert!(
        !import_jobs::set_progress(db.conn(), job.id, 1, 1)
            .await
            .unwrap()
    );
    assert!(
        !import_jobs::finish(db.conn(), job.id, &Summary::default())
            .await
            .unwrap()
    );
    assert_eq!(
        import_jobs::find(db.conn(), job.id).await.unwrap(),
        Some(done)
    );

    let second = import_jobs::create(db.conn(), &new_job("cooperatives", None))
        .await
        .unwrap();
    let recent = import_jobs::recent(db.conn(), 10).await.unwrap();
    assert_eq!(
        recent.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![second.id, job.id],
        "newest first"
    );
    assert_eq!(import_jobs::recent(db.conn(), 1).await.unwrap().len(), 1);
    assert_eq!(
        import_jobs::find(db.conn(), second.id + 100).await.unwrap(),
        None
    );
}

async fn a_failed_job_keeps_its_reason_and_refuses_a_report(db: &Db) {
    let job = import_jobs::create(db.conn(), &new_job("cooperatives", None))
        .await
        .unwrap();
    assert!(
        import_jobs::fail(db.conn(), job.id, "database error: disk full")
            .await
            .unwrap()
    );
    assert!(
        !import_jobs::finish(db.conn(), job.id, &Summary::default())
            .await
            .unwrap()
    );
    assert!(!import_jobs::fail(db.conn(), job.id, "again").await.unwrap());
    let failed = import_jobs::find(db.conn(), job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.failure.as_deref(), Some("database error: disk full"));
    assert!(failed.finished_at.is_some() && !failed.imported);
}

async fn a_job_outlives_the_officer_who_started_it(db: &Db) {
    let by = officer(db).await;
    let job = import_jobs::create(db.conn(), &new_job("listings", Some(by)))
        .await
        .unwrap();
    let deleted =
        ketnoi_db::on!(db.conn(), e => ketnoi_db::sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(by)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
    assert_eq!(deleted, 1);
    let job = import_jobs::find(db.conn(), job.id).await.unwrap().unwrap();
    assert_eq!(job.created_by, None, "ON DELETE SET NULL");
}
