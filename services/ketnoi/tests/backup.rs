//! `ketnoi backup` while `ketnoi serve` runs and 8 writers create listings through the API,
//! then `ketnoi restore` into a fresh database and data directory: every write acknowledged
//! before the backup started is in the restored database (which passes `integrity_check` on
//! SQLite), and so is the media. Restore refuses existing data without --force and a backup
//! whose checksum does not match.
//!
//! PostgreSQL is skipped when it is not installed, unless `KETNOI_REQUIRE_POSTGRES=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Instant;
use support::{Engine, Server, Store, Writers};

const MEDIA_FILE: &str = "img/0000aaaa.jpg";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_under_writes_restores_every_acknowledged_write() {
    backup_under_writes(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_under_writes_restores_every_acknowledged_write() {
    backup_under_writes(Engine::Postgres).await;
}

async fn backup_under_writes(engine: Engine) {
    let Some(live) = Store::new(engine) else {
        return;
    };
    let db = live.db().await;
    let owners = support::owners(&db, 4).await;
    db.close().await;
    // A stored upload (the server never rewrites or deletes one).
    let media = live.media_dir().join(MEDIA_FILE);
    std::fs::create_dir_all(media.parent().unwrap()).unwrap();
    std::fs::write(&media, b"not really a jpeg").unwrap();

    let server = Server::start(&live).await;
    let writers = Writers::start(&server.base, &owners, 8);
    writers.wait_for(40).await;

    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("ketnoi-backup");
    let started = Instant::now();
    let out = tokio::process::Command::from(live.ketnoi())
        .arg("backup")
        .arg(&dir)
        .output()
        .await
        .unwrap();
    let during = writers.acked();
    let log = writers.stop().await;
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    let before: Vec<&String> = log
        .acked
        .iter()
        .filter(|(_, at)| *at < started)
        .map(|(t, _)| t)
        .collect();
    eprintln!(
        "{engine:?}: {} writes acknowledged before the backup, {} by its end, {} in all; refused: {:?}; {}",
        before.len(),
        during,
        log.acked.len(),
        log.refused,
        String::from_utf8_lossy(&out.stdout).trim()
    );
    assert!(before.len() >= 40);

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], 1);
    assert_eq!(
        manifest["engine"],
        if live.is_sqlite() {
            "sqlite"
        } else {
            "postgres"
        }
    );
    assert_eq!(manifest["media"]["files"], 1);
    assert!(manifest["row_counts"]["listings"].as_i64().unwrap() >= before.len() as i64);
    assert_eq!(manifest["database"]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        !dir.join("search").exists(),
        "the search index is not backed up"
    );

    // Restore into a fresh database and data directory.
    let fresh = Store::new(engine).unwrap();
    let restore = |force: bool| {
        let mut c = fresh.ketnoi();
        c.arg("restore").arg(&dir);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = restore(false);
    assert!(
        out.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = fresh.db().await;
    let restored = support::titles(&db).await;
    db.close().await;
    support::assert_all_present(before.iter().copied(), &restored, "after restore");
    assert_eq!(
        restored.len() as i64,
        manifest["row_counts"]["listings"].as_i64().unwrap(),
        "the restored database holds the listings the manifest counted"
    );
    if fresh.is_sqlite() {
        assert_eq!(
            support::integrity_check(&fresh.data.path().join("ketnoi.db")).await,
            "ok"
        );
    }
    assert_eq!(
        std::fs::read(fresh.media_dir().join(MEDIA_FILE)).unwrap(),
        b"not really a jpeg"
    );
    assert!(
        fresh.data.path().join("search").is_dir(),
        "restore rebuilt the search index"
    );

    // Existing data is not overwritten without --force.
    let again = restore(false);
    assert!(!again.status.success(), "a second restore must be refused");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--force"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let forced = restore(true);
    assert!(
        forced.status.success(),
        "restore --force failed: {}",
        String::from_utf8_lossy(&forced.stderr)
    );

    // A damaged backup is refused before anything is touched.
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let sha = manifest["database"]["sha256"].as_str().unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        text.replace(sha, &"0".repeat(64)),
    )
    .unwrap();
    let damaged = restore(true);
    assert!(
        !damaged.status.success(),
        "a damaged backup must be refused"
    );
    assert!(
        String::from_utf8_lossy(&damaged.stderr).contains("checksum mismatch"),
        "{}",
        String::from_utf8_lossy(&damaged.stderr)
    );
    let db = fresh.db().await;
    assert_eq!(
        support::titles(&db).await,
        restored,
        "the database is as restored"
    );
    db.close().await;
}
