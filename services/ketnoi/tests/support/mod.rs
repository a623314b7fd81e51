//! What the backup and crash tests share: a database on either engine, the real `ketnoi serve`
//! process on it, and concurrent writers that record which writes the server acknowledged.
//!
//! The writes are listings created through the JSON API by the owners of several
//! cooperatives: no rate limit applies to them (sign-ups and messages are limited).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use ketnoi_db::Db;
use ketnoi_db::orgs::NewOrg;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_test_support::{TempPostgres, eventually};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SECRET: &str = "backup-and-crash-secret-key-0123456789-0123456789";

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh database and a directory for the program's local state (`DATA_DIR`).
pub struct Store {
    pub url: String,
    pub data: tempfile::TempDir,
    _pg: Option<TempPostgres>,
}

impl Store {
    /// `None` when the engine is PostgreSQL and it is not available (and not required by
    /// `KETNOI_REQUIRE_POSTGRES=1`, which makes `TempPostgres::new` panic instead).
    pub fn new(engine: Engine) -> Option<Store> {
        let data = tempfile::Builder::new()
            .prefix("ketnoi-store-")
            .tempdir()
            .unwrap();
        match engine {
            Engine::Sqlite => Some(Store {
                url: format!("sqlite://{}", data.path().join("ketnoi.db").display()),
                data,
                _pg: None,
            }),
            Engine::Postgres => {
                let pg = TempPostgres::new()?;
                Some(Store {
                    url: pg.url.clone(),
                    data,
                    _pg: Some(pg),
                })
            }
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// The `ketnoi` program configured for this store.
    pub fn ketnoi(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
        c.env("DATABASE_URL", &self.url)
            .env("DATA_DIR", self.data.path())
            .env("SECRET_KEY", SECRET)
            .env("RUST_LOG", "warn")
            .env("RUST_BACKTRACE", "0")
            .env_remove("MEDIA_URL")
            .env_remove("SEARCH_URL")
            .env_remove("BIND")
            .stdin(Stdio::null());
        c
    }

    pub async fn db(&self) -> Db {
        Db::connect_and_migrate(&self.url).await.unwrap()
    }

    pub fn media_dir(&self) -> std::path::PathBuf {
        self.data.path().join("media")
    }
}

/// `ketnoi serve --no-worker` on a store, killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub async fn start(store: &Store) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = store
            .ketnoi()
            .args(["serve", "--no-worker"])
            .env("BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let health = format!("{}/healthz", server.base);
        eventually("the server to answer", Duration::from_secs(60), || {
            let health = health.clone();
            async move {
                let res = reqwest::get(&health).await.ok()?;
                res.status().is_success().then_some(())
            }
        })
        .await
        .unwrap();
        server
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The owner of a cooperative, signed in (a session written straight to the database).
#[derive(Clone)]
pub struct Owner {
    pub slug: String,
    pub cookie: String,
}

/// `n` cooperatives, each with an owner.
pub async fn owners(db: &Db, n: usize) -> Vec<Owner> {
    let mut out = Vec::new();
    for i in 0..n {
        let user = ketnoi_db::users::insert(
            db.conn(),
            &NewUser {
                email: Some(&format!("chu.htx{i}@example.com")),
                phone: None,
                display_name: "Chủ nhiệm HTX",
                password_hash: "x",
                locale: Locale::Vi,
                role: PlatformRole::User,
                officer_commune_code: None,
            },
        )
        .await
        .unwrap();
        let org = ketnoi_db::orgs::upsert(
            db.conn(),
            &NewOrg {
                slug: format!("htx-gom-{i}"),
                kind: Some(OrgKind::Htx),
                name: format!("HTX Gốm {i}"),
                commune_code: Some("00577".into()),
                province_code: "01".into(),
                ..NewOrg::default()
            },
        )
        .await
        .unwrap();
        ketnoi_db::orgs::add_member(db.conn(), org.id, user.id, MemberRole::Owner)
            .await
            .unwrap();
        let token = ketnoi_web::session::create(db, user.id).await.unwrap();
        out.push(Owner {
            slug: org.slug,
            cookie: format!("{}={token}", ketnoi_web::session::SESSION_COOKIE),
        });
    }
    out
}

/// What the writers saw: each acknowledged write (a listing title) with the moment its
/// response arrived, and the responses that were not acknowledgements.
#[derive(Default)]
pub struct Log {
    pub acked: Vec<(String, Instant)>,
    pub refused: Vec<u16>,
    pub failed: usize,
}

pub struct Writers {
    pub log: Arc<Mutex<Log>>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    /// `n` concurrent writers, each creating listings for one of `owners` in turn until
    /// stopped or until the server stops answering.
    pub fn start(base: &str, owners: &[Owner], n: usize) -> Writers {
        let log = Arc::new(Mutex::new(Log::default()));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let tasks = (0..n)
            .map(|w| {
                let owner = owners[w % owners.len()].clone();
                let (http, log, stopped) = (http.clone(), log.clone(), stopped.clone());
                let url = format!("{base}/api/v1/orgs/{}/listings", owner.slug);
                tokio::spawn(async move {
                    let mut i = 0u32;
                    while !*stopped.borrow() {
                        i += 1;
                        let title = format!("Bát gốm men lam số {w}-{i}");
                        let res = http
                            .post(&url)
                            .header("cookie", &owner.cookie)
                            .json(&serde_json::json!({
                                "title_vi": title, "description_vi": "Bát gốm men rạn, nung củi",
                                "category": "gom-su", "unit": "bộ",
                                "offers": [{"kind": "retail", "price_vnd": 120000}],
                            }))
                            .send()
                            .await;
                        let now = Instant::now();
                        match res {
                            Ok(r) if r.status().is_success() || r.status().is_redirection() => {
                                log.lock().unwrap().acked.push((title, now));
                            }
                            Ok(r) => log.lock().unwrap().refused.push(r.status().as_u16()),
                            Err(_) => {
                                // The server is gone (or stopped answering): stop writing.
                                log.lock().unwrap().failed += 1;
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        Writers { log, stop, tasks }
    }

    pub fn acked(&self) -> usize {
        self.log.lock().unwrap().acked.len()
    }

    /// Waits until at least `n` writes were acknowledged.
    pub async fn wait_for(&self, n: usize) {
        let log = self.log.clone();
        eventually(
            &format!("{n} acknowledged writes"),
            Duration::from_secs(30),
            || {
                let done = log.lock().unwrap().acked.len() >= n;
                async move { done.then_some(()) }
            },
        )
        .await
        .unwrap();
    }

    /// Stops the writers and returns what they saw.
    pub async fn stop(self) -> Log {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.await.unwrap();
        }
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// Every listing title in the database.
pub async fn titles(db: &Db) -> HashSet<String> {
    let rows: Vec<String> = match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT title_vi FROM listings")
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar("SELECT title_vi FROM listings")
            .fetch_all(p)
            .await
            .unwrap(),
    };
    rows.into_iter().collect()
}

/// Asserts that every title in `acked` is among `present`.
pub fn assert_all_present<'a>(
    acked: impl IntoIterator<Item = &'a String>,
    present: &HashSet<String>,
    what: &str,
) -> usize {
    let acked: Vec<&String> = acked.into_iter().collect();
    let missing: Vec<&&String> = acked.iter().filter(|t| !present.contains(**t)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes missing {what}: {:?}",
        missing.len(),
        acked.len(),
        missing.iter().take(10).collect::<Vec<_>>()
    );
    acked.len()
}

/// `PRAGMA integrity_check` of a SQLite database file.
pub async fn integrity_check(path: &Path) -> String {
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let result: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    db.close().await;
    result
}
