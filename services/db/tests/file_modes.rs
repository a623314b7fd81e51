//! The SQLite database holds password hashes and sessions: its file and the `-wal` and `-shm`
//! files SQLite makes next to it are the owner's only (issue 14, item 9).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_db::Db;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Opens `file`, writes (migrations), and checks the three files while the pool is open.
async fn assert_private_after_open(file: &Path) {
    let db = Db::connect_and_migrate(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    ketnoi_db::health::write_probe(&db).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", file.display());
        assert_eq!(mode(Path::new(&path)), 0o600, "{path}");
    }
    db.close().await;
}

#[tokio::test]
async fn a_new_database_file_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    assert_private_after_open(&dir.path().join("new.db")).await;
}

#[tokio::test]
async fn an_existing_readable_database_file_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.db");
    std::fs::File::create(&file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_private_after_open(&file).await;
}
