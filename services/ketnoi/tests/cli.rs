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
        "SIGNIN_PER_ACCOUNT_PER_MINUTE",
        "SIGNIN_PER_IP_PER_MINUTE",
        "LOG_FORMAT",
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
