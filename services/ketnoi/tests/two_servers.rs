//! Two `ketnoi serve` processes on one PostgreSQL database: a message posted through one
//! reaches a WebSocket client of the other. Nothing is shared between the two processes but
//! the database, so delivery can only go through `LISTEN`/`NOTIFY`.
//!
//! Needs PostgreSQL (see `ketnoi_test_support::TempPostgres`); skipped without it unless
//! `KETNOI_REQUIRE_POSTGRES=1`, as in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::StreamExt;
use ketnoi_db::Db;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;
use ketnoi_test_support::TempPostgres;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "two-servers-secret-key-0123456789-0123456789";

struct Server {
    child: std::process::Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(database_url: &str) -> Server {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .args(["serve", "--no-worker"])
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", data.path())
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("SECRET_KEY", SECRET)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _data: data,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{}/healthz", server.base))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

async fn user(db: &Db, email: &str) -> i64 {
    ketnoi_db::users::insert(
        db.conn(),
        &NewUser {
            email: Some(email),
            phone: None,
            display_name: "Chủ nhiệm HTX",
            password_hash: "x",
            locale: Locale::Vi,
            role: PlatformRole::User,
            officer_commune_code: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn session(db: &Db, user_id: i64) -> String {
    ketnoi_web::session::create(db, user_id).await.unwrap()
}

#[tokio::test]
async fn a_message_posted_through_one_process_reaches_a_socket_of_the_other() {
    let Some(pg) = TempPostgres::new() else {
        return;
    };
    let db = Db::connect_and_migrate(&pg.url).await.unwrap();
    let (hoa, mai) = (
        user(&db, "hoa@example.com").await,
        user(&db, "mai@example.com").await,
    );
    let conversation = ketnoi_db::network::open_direct(&db, hoa, mai)
        .await
        .unwrap();
    let (hoa_token, mai_token) = (session(&db, hoa).await, session(&db, mai).await);
    let (a, b) = tokio::join!(serve(&pg.url), serve(&pg.url));

    // Mai's page is open on server B.
    let url = format!(
        "{}/conversations/{conversation}/live?after=0",
        b.base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("{}={mai_token}", ketnoi_web::session::SESSION_COOKIE)
            .parse()
            .unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    // Mai's page has caught up with the database and is live once it shows a first message
    // (written here, straight to the database): from then on, a message can only reach it
    // through server B's listener.
    ketnoi_db::messaging::post(&db, conversation, mai, "Chị chào em", None)
        .await
        .unwrap();
    let first = next_message(&mut socket).await;
    assert_eq!(first["seq"], 1);

    // Hoa posts through server A.
    let anchor = ketnoi_web::session::random_token().unwrap();
    let csrf = ketnoi_web::csrf::token(SECRET.as_bytes(), &anchor);
    let res = reqwest::Client::new()
        .post(format!("{}/conversations/{conversation}/messages", a.base))
        .header(
            "cookie",
            format!(
                "{}={hoa_token}; {}={anchor}",
                ketnoi_web::session::SESSION_COOKIE,
                ketnoi_web::session::CSRF_COOKIE
            ),
        )
        .header("accept", "application/json")
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "Chào chị, em ở máy chủ A"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );

    let frame = next_message(&mut socket).await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["seq"], 2);
    assert_eq!(frame["body"], "Chào chị, em ở máy chủ A");
    assert_eq!(frame["sender_id"], hoa);
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next message frame, within 10 s.
async fn next_message(socket: &mut Socket) -> serde_json::Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(Frame::Text(text))) => {
                    break serde_json::from_str::<serde_json::Value>(text.as_str()).unwrap();
                }
                Some(Ok(_)) => continue,
                other => panic!("socket ended: {other:?}"),
            }
        }
    })
    .await
    .expect("a message within 10 s")
}
