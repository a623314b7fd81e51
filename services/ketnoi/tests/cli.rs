//! The `ketnoi` program as an operator uses it: help, migrate, seed, user creation, and
//! serving until SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_test_support::{TempSqlite, eventually};
use std::process::{Command, Stdio};
use std::time::Duration;

fn ketnoi(db: &TempSqlite) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
    c.env("DATABASE_URL", &db.url)
        .env("DATA_DIR", db.dir())
        .env("RUST_LOG", "warn")
        .env_remove("SECRET_KEY")
        .env_remove("BIND");
    c
}

#[test]
fn help_lists_every_configuration_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for var in [
        "DATABASE_URL",
        "BIND",
        "PUBLIC_URL",
        "SECRET_KEY",
        "DATA_DIR",
        "MAIL_DIR",
        "TRUST_PROXY",
        "MEDIA_URL",
        "SIGNIN_FREE_FAILURES",
        "SIGNUPS_PER_IP_PER_HOUR",
        "UPLOADS_PER_IP_PER_MINUTE",
        "IMAGE_DECODE_BUDGET_MIB",
        "SIGNIN_PER_IP_PER_MINUTE",
        "LOG_FORMAT",
        "SMTP_URL",
        "MAIL_FROM",
        "DIGEST_DELAY_MINUTES",
        "GROUP_MAX_MEMBERS",
        "MESSAGES_PER_MINUTE",
        "HEADER_TIMEOUT_SECONDS",
        "IDLE_TIMEOUT_SECONDS",
        "MAX_CONNECTIONS",
        "MIN_FREE_DISK_MB",
        "SMS_GATEWAY_URL",
        "SMS_API_KEY",
        "SMS_SECRET_KEY",
        "SMS_BRANDNAME",
        "SMS_TYPE",
        "ZNS_API_URL",
        "ZNS_ACCESS_TOKEN",
        "ZNS_TEMPLATES",
        "ZALO_APP_ID",
        "ZALO_OA_SECRET_KEY",
    ] {
        assert!(
            help.contains(&format!("env: {var}")),
            "{var} missing from --help:\n{help}"
        );
    }
    for cmd in ["serve", "worker", "migrate", "seed", "user"] {
        assert!(help.contains(cmd), "{cmd} missing from --help");
    }
}

/// The directories the program creates for its state, and the SQLite file, are the owner's
/// only (issue 14, item 9).
#[cfg(unix)]
#[test]
fn state_directories_and_the_database_file_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = data.join("db").join("ketnoi.db");
    let status = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .env("DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("DATA_DIR", &data)
        .env("RUST_LOG", "warn")
        .env_remove("SECRET_KEY")
        .arg("migrate")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&data), 0o700, "DATA_DIR");
    assert_eq!(mode(&data.join("db")), 0o700, "the database's directory");
    assert_eq!(mode(&file), 0o600, "the database file");
}

#[test]
fn weak_secrets_stop_the_server_before_it_listens_and_are_never_printed() {
    let db = TempSqlite::new();
    let weak = [
        ("SECRET_KEY", "a".repeat(32)),
        ("SECRET_KEY", " ".repeat(40)),
        ("BANK_WEBHOOK_SECRET", "kn-weak-1".to_owned()),
        ("BANK_WEBHOOK_SECRET", "ab".repeat(20)),
    ];
    for (var, value) in weak {
        let out = ketnoi(&db)
            .args(["serve", "--no-worker"])
            .env("BIND", "127.0.0.1:0")
            .env(var, &value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value:?} was accepted");
        let err = text(&out.stderr);
        assert!(err.contains(var), "{var}: {err}");
        if value.trim().len() > 4 {
            assert!(!err.contains(value.trim()), "the value was printed: {err}");
        }
    }
}

#[test]
fn migrate_seed_and_user_create_work_and_seeding_twice_changes_nothing() {
    let db = TempSqlite::new();
    assert!(ketnoi(&db).arg("migrate").status().unwrap().success());
    assert!(
        ketnoi(&db)
            .args(["seed", "--demo"])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        ketnoi(&db)
            .args(["seed", "--demo"])
            .status()
            .unwrap()
            .success(),
        "seeding is idempotent"
    );
    let created = ketnoi(&db)
        .args([
            "user",
            "create",
            "--login",
            "0912 345 678",
            "--name",
            "Cán bộ Hội",
            "--role",
            "union-officer",
            "--commune",
            "00577",
        ])
        .env("KETNOI_PASSWORD", "mật-khẩu-dài")
        .status()
        .unwrap();
    assert!(created.success());
    let bad_role = ketnoi(&db)
        .args([
            "user",
            "create",
            "--login",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "king",
        ])
        .env("KETNOI_PASSWORD", "mật-khẩu-dài")
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("role must be"));
    let secret = std::fs::read_to_string(db.dir().join("secret_key")).unwrap_or_default();
    assert!(secret.is_empty() || secret.len() >= 64);
}

#[tokio::test]
async fn serve_answers_with_demo_data_and_stops_cleanly_on_sigterm() {
    let db = TempSqlite::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = ketnoi(&db)
        .args(["serve", "--demo"])
        .env("BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let home = eventually(
        "the server to answer",
        Duration::from_secs(30),
        || async move {
            let res = reqwest::get(format!("http://127.0.0.1:{port}/"))
                .await
                .ok()?;
            res.text().await.ok()
        },
    )
    .await
    .unwrap();
    assert!(home.contains("<html lang=\"vi\">"));
    assert!(home.contains("<strong>45</strong>"), "demo data loaded");
    assert!(
        db.dir().join("secret_key").exists(),
        "a secret key was generated and kept"
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

// ---- Spreadsheet import and export --------------------------------------------------------

/// A database for the program, on SQLite or PostgreSQL, with a directory for its local
/// state and for the files a test writes.
struct Store {
    url: String,
    dir: TempSqlite,
    _pg: Option<ketnoi_test_support::TempPostgres>,
}

#[derive(Debug, Clone, Copy)]
enum Engine {
    Sqlite,
    Postgres,
}

const ENGINES: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

impl Store {
    /// `None` when the engine is PostgreSQL and it is not available (and not required).
    fn new(engine: Engine) -> Option<Store> {
        let dir = TempSqlite::new();
        match engine {
            Engine::Sqlite => Some(Store {
                url: dir.url.clone(),
                dir,
                _pg: None,
            }),
            Engine::Postgres => {
                let pg = ketnoi_test_support::TempPostgres::new()?;
                Some(Store {
                    url: pg.url.clone(),
                    dir,
                    _pg: Some(pg),
                })
            }
        }
    }

    fn ketnoi(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
        c.env("DATABASE_URL", &self.url)
            .env("DATA_DIR", self.dir.dir())
            .env("RUST_LOG", "warn")
            .env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0")
            .env_remove("SECRET_KEY")
            .env_remove("BIND");
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.ketnoi().args(args).output().unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.dir.dir().join(name).display().to_string()
    }

    /// (cooperatives, listings) in the database.
    async fn counts(&self) -> (i64, i64) {
        use ketnoi_domain::org::OrgKind;
        let db = ketnoi_db::Db::connect(&self.url).await.unwrap();
        let htx = ketnoi_db::orgs::count(db.conn(), Some(OrgKind::Htx))
            .await
            .unwrap();
        let tht = ketnoi_db::orgs::count(db.conn(), Some(OrgKind::Tht))
            .await
            .unwrap();
        let listings = ketnoi_db::listings::count_public(db.conn()).await.unwrap();
        db.close().await;
        (htx + tht, listings)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `ketnoi import` and checks it succeeded with the English summary line `want`.
fn imports_ok(store: &Store, kind: &str, file: &str, want: &str) {
    let out = store.run(&["import", kind, &store.path(file)]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "import {kind} {file}: {}\n{stdout}\n{}",
        out.status,
        text(&out.stderr)
    );
    assert!(stdout.contains(want), "import {kind} {file}: {stdout}");
}

/// The demo dataset as the importer's sheets, straight from the domain (no database).
fn demo_tables() -> (ketnoi_sheets::Table, ketnoi_sheets::Table) {
    use ketnoi_domain::import as rules;
    let headers = |cols: &[&str]| cols.iter().map(|c| (*c).to_owned()).collect();
    let coops =
        rules::demo_cooperatives(include_str!("../../../data/demo/cooperatives.json")).unwrap();
    let listings = rules::demo_listings(include_str!("../../../data/demo/listings.json")).unwrap();
    (
        ketnoi_sheets::Table::new(
            headers(rules::COOPERATIVE_COLUMNS),
            coops.iter().map(rules::cooperative_row).collect(),
        ),
        ketnoi_sheets::Table::new(
            headers(rules::LISTING_COLUMNS),
            listings.iter().map(rules::listing_row).collect(),
        ),
    )
}

#[test]
fn help_lists_import_and_export() {
    let out = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--help")
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("import") && help.contains("export"), "{help}");
    let out = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .args(["import", "--help"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("--skip-invalid"));
}

#[tokio::test]
async fn demo_exports_import_into_a_fresh_database_and_a_second_run_changes_nothing() {
    for engine in ENGINES {
        let Some(source) = Store::new(engine) else {
            continue;
        };
        let seeded = source.run(&["seed", "--demo"]);
        assert!(
            seeded.status.success(),
            "{engine:?}: {}",
            text(&seeded.stderr)
        );
        for (kind, format) in [
            ("cooperatives", "csv"),
            ("cooperatives", "xlsx"),
            ("listings", "csv"),
            ("listings", "xlsx"),
        ] {
            let file = source.path(&format!("{kind}.{format}"));
            let out = source.run(&["export", kind, "--format", format, "-o", &file]);
            assert!(out.status.success(), "{engine:?} export {kind} {format}");
            let bytes = std::fs::read(&file).unwrap();
            assert_eq!(
                ketnoi_sheets::Format::detect(&bytes),
                Some(if format == "csv" {
                    ketnoi_sheets::Format::Csv
                } else {
                    ketnoi_sheets::Format::Xlsx
                }),
                "{engine:?} {kind}.{format}"
            );
        }
        // Without -o the file goes to stdout.
        let stdout = source.run(&["export", "cooperatives"]);
        assert!(stdout.status.success());
        assert_eq!(
            stdout.stdout,
            std::fs::read(source.path("cooperatives.csv")).unwrap()
        );

        for format in ["csv", "xlsx"] {
            let Some(fresh) = Store::new(engine) else {
                continue;
            };
            for kind in ["cooperatives", "listings"] {
                std::fs::copy(
                    source.path(&format!("{kind}.{format}")),
                    fresh.path(&format!("{kind}.{format}")),
                )
                .unwrap();
            }
            imports_ok(
                &fresh,
                "cooperatives",
                &format!("cooperatives.{format}"),
                "60 rows — 60 created, 0 updated, 0 unchanged, 0 skipped.",
            );
            imports_ok(
                &fresh,
                "listings",
                &format!("listings.{format}"),
                "400 rows — 400 created, 0 updated, 0 unchanged, 0 skipped.",
            );
            assert_eq!(fresh.counts().await, (60, 400), "{engine:?} {format}");
            // The second run changes nothing.
            imports_ok(
                &fresh,
                "cooperatives",
                &format!("cooperatives.{format}"),
                "60 rows — 0 created, 0 updated, 60 unchanged, 0 skipped.",
            );
            imports_ok(
                &fresh,
                "listings",
                &format!("listings.{format}"),
                "400 rows — 0 created, 0 updated, 400 unchanged, 0 skipped.",
            );
            assert_eq!(fresh.counts().await, (60, 400));
            // What the fresh database exports is what it was given.
            let again = fresh.run(&["export", "listings", "--format", "csv"]);
            assert!(again.status.success());
            let left = ketnoi_sheets::read(&again.stdout).unwrap();
            let right =
                ketnoi_sheets::read(&std::fs::read(source.path("listings.csv")).unwrap()).unwrap();
            let sorted = |mut t: ketnoi_sheets::Table| {
                t.rows.sort();
                t
            };
            assert_eq!(sorted(left), sorted(right), "{engine:?} {format}");
        }
    }
}

#[tokio::test]
async fn three_broken_rows_import_nothing_and_are_named_unless_skipped() {
    for engine in ENGINES {
        let Some(store) = Store::new(engine) else {
            continue;
        };
        let (coops, mut listings) = demo_tables();
        let col = |name: &str| {
            ketnoi_domain::import::LISTING_COLUMNS
                .iter()
                .position(|c| *c == name)
                .unwrap()
        };
        listings.rows[5 - 2][col("price_vnd")] = "12,5".into();
        listings.rows[17 - 2][col("unit")] = "thùng".into();
        listings.rows[230 - 2][col("category")] = "do-dien-tu".into();
        std::fs::write(
            store.path("cooperatives.csv"),
            ketnoi_sheets::write_csv(&coops),
        )
        .unwrap();
        std::fs::write(
            store.path("listings.csv"),
            ketnoi_sheets::write_csv(&listings),
        )
        .unwrap();
        imports_ok(
            &store,
            "cooperatives",
            "cooperatives.csv",
            "60 rows — 60 created",
        );

        let out = store.run(&["import", "listings", &store.path("listings.csv")]);
        assert!(
            !out.status.success(),
            "{engine:?}: errors prevent the import"
        );
        let stderr = text(&out.stderr);
        let named: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("dòng "))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(
            named,
            vec![
                "dòng 5, cột price_vnd",
                "dòng 17, cột unit",
                "dòng 230, cột category"
            ],
            "{engine:?}: {stderr}"
        );
        assert!(stderr.contains("--skip-invalid"), "says how to go on");
        assert_eq!(
            store.counts().await,
            (60, 0),
            "{engine:?}: nothing imported"
        );

        let out = store.run(&[
            "import",
            "listings",
            &store.path("listings.csv"),
            "--skip-invalid",
        ]);
        assert!(out.status.success(), "{engine:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout)
                .contains("400 rows — 397 created, 0 updated, 0 unchanged, 3 skipped.")
        );
        assert_eq!(
            text(&out.stderr)
                .lines()
                .filter(|l| l.starts_with("dòng "))
                .count(),
            3,
            "the skipped rows are still named"
        );
        assert_eq!(store.counts().await, (60, 397));
    }
}

#[tokio::test]
async fn listings_of_unknown_cooperatives_and_unreadable_files_are_refused() {
    for engine in ENGINES {
        let Some(store) = Store::new(engine) else {
            continue;
        };
        let (_, listings) = demo_tables();
        std::fs::write(
            store.path("listings.xlsx"),
            ketnoi_sheets::write_xlsx(&listings, "Sản phẩm").unwrap(),
        )
        .unwrap();
        // No cooperatives yet: every row names an unknown one, and nothing is written.
        let out = store.run(&["import", "listings", &store.path("listings.xlsx")]);
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("dòng 2, cột cooperative: Không tìm thấy hợp tác xã"),
            "{engine:?}: {stderr}"
        );
        assert_eq!(store.counts().await, (0, 0));

        std::fs::write(store.path("renamed.xlsx"), "name,kind\nHTX A,htx\n").unwrap();
        let out = store.run(&["import", "cooperatives", &store.path("renamed.xlsx")]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("không phải bảng tính Excel"),
            "{}",
            text(&out.stderr)
        );
        std::fs::write(store.path("image.csv"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        let out = store.run(&["import", "cooperatives", &store.path("image.csv")]);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("neither an Excel workbook"));
        let out = store.run(&["import", "cooperatives", &store.path("missing.csv")]);
        assert!(!out.status.success());
    }
}

// ---- Search indexing: crash and resume ----------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn feed_state(url: &str) -> (i64, i64) {
    let db = ketnoi_db::Db::connect(url).await.unwrap();
    let pos = ketnoi_db::search_feed::position(db.conn(), ketnoi_db::search_feed::INDEXER)
        .await
        .unwrap();
    let last = ketnoi_db::search_feed::last_change(db.conn())
        .await
        .unwrap();
    db.close().await;
    (pos, last)
}

/// The indexer (inside `serve`) is killed with SIGKILL part-way through the change log; the
/// database changes while it is down; after a restart the index holds exactly what the
/// database holds.
#[tokio::test]
async fn a_killed_indexer_resumes_and_the_index_matches_the_database() {
    for engine in ENGINES {
        let Some(store) = Store::new(engine) else {
            continue;
        };
        let seeded = store.run(&["seed", "--demo", "--listings", "4000"]);
        assert!(seeded.status.success(), "{}", text(&seeded.stderr));
        let serve = || {
            store
                .ketnoi()
                .args(["serve", "--no-worker"])
                .env("BIND", format!("127.0.0.1:{}", free_port()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };

        let mut first = serve();
        let (partial, last) = eventually(
            "the indexer to be part-way through the log",
            Duration::from_secs(60),
            || async {
                let (pos, last) = feed_state(&store.url).await;
                (pos > 0).then_some((pos, last))
            },
        )
        .await
        .unwrap();
        first.kill().unwrap(); // SIGKILL: no chance to finish the batch or shut down.
        first.wait().unwrap();
        assert!(
            partial < last,
            "{engine:?}: killed part-way ({partial} of {last})"
        );

        // The database moves on while the indexer is down.
        let db = ketnoi_db::Db::connect(&store.url).await.unwrap();
        let coop = ketnoi_db::orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang")
            .await
            .unwrap()
            .unwrap();
        let own = ketnoi_db::listings::of_org(db.conn(), coop.id)
            .await
            .unwrap();
        ketnoi_db::listings::set_hidden(db.conn(), own[0].id, Some("Ảnh không đúng"), None)
            .await
            .unwrap();
        db.close().await;

        let mut second = serve();
        eventually(
            "the restarted indexer to catch up",
            Duration::from_secs(120),
            || async {
                let db = ketnoi_db::Db::connect(&store.url).await.unwrap();
                let pending =
                    ketnoi_db::search_feed::pending(db.conn(), ketnoi_db::search_feed::INDEXER)
                        .await
                        .unwrap();
                db.close().await;
                (pending == 0).then_some(())
            },
        )
        .await
        .unwrap();
        let term = Command::new("kill")
            .args(["-TERM", &second.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        assert!(second.wait().unwrap().success());

        let index =
            ketnoi_search::tantivy_index::TantivyIndex::open(&store.dir.dir().join("search"))
                .unwrap();
        let db = ketnoi_db::Db::connect(&store.url).await.unwrap();
        let want: std::collections::BTreeSet<_> = ketnoi_app::search_feed::all_keys(db.conn())
            .await
            .unwrap()
            .into_iter()
            .collect();
        db.close().await;
        let have: std::collections::BTreeSet<_> = ketnoi_search::SearchIndex::keys(&index)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            want.len(),
            4059,
            "{engine:?}: 60 cooperatives and 4,000 listings, one hidden"
        );
        assert_eq!(have, want, "{engine:?}");
    }
}
