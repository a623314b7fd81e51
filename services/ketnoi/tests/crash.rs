//! After SIGKILL under 8 concurrent writers, every acknowledged write is there: `ketnoi serve`
//! is killed mid-load while 8 writers create listings through the API, restarted on the same
//! database, and every write it acknowledged (2xx/3xx) before dying is found (and the SQLite
//! file passes `integrity_check`).
//!
//! PostgreSQL is skipped when it is not installed, unless `KETNOI_REQUIRE_POSTGRES=1` (as in CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Engine, Server, Store, Writers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_after_sigkill() {
    sigkill_under_writes(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_after_sigkill() {
    sigkill_under_writes(Engine::Postgres).await;
}

async fn sigkill_under_writes(engine: Engine) {
    let Some(store) = Store::new(engine) else {
        return;
    };
    let db = store.db().await;
    let owners = support::owners(&db, 8).await;
    db.close().await;

    let mut server = Server::start(&store).await;
    let writers = Writers::start(&server.base, &owners, 8);
    // Mid-load: the writers are busy, requests are in flight when the process dies.
    writers.wait_for(60).await;
    server.kill();
    let log = writers.stop().await;
    eprintln!(
        "{engine:?}: {} writes acknowledged before SIGKILL, {} writers cut off, refused: {:?}",
        log.acked.len(),
        log.failed,
        log.refused
    );
    assert!(log.acked.len() >= 60);
    assert!(
        log.failed > 0,
        "the server died with requests in flight or to come"
    );

    if store.is_sqlite() {
        // The file as the crash left it (opening it replays the WAL, as the server's restart would).
        assert_eq!(
            support::integrity_check(&store.data.path().join("ketnoi.db")).await,
            "ok"
        );
    }
    // The server starts again on the same database (and search index directory).
    let server = Server::start(&store).await;
    let db = store.db().await;
    let present = support::titles(&db).await;
    db.close().await;
    support::assert_all_present(
        log.acked.iter().map(|(t, _)| t),
        &present,
        "after SIGKILL and restart",
    );
    // The restarted server takes writes again.
    let writers = Writers::start(&server.base, &owners[..1], 1);
    writers.wait_for(1).await;
    let after = writers.stop().await;
    assert!(after.refused.is_empty(), "{:?}", after.refused);
}
