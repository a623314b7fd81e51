//! Live messaging benchmark against a real `ketnoi serve` process (SQLite):
//!
//! 1. fan-out: the 1,000 members of one network group (an officer who opened it and 999
//!    leaders who joined it) each hold a WebSocket; the officer posts `BENCH_MESSAGES`
//!    messages through the site (one every 100 ms); for every message and member, the time
//!    from sending the POST to the frame's arrival (the sender's own page included);
//! 2. capacity: connections are added up to `BENCH_CONNECTIONS` (10 per recipient), and the
//!    server's resident memory is read from `/proc/<pid>/status`.
//!
//! ```sh
//! cargo bench -p ketnoi --bench live
//! ```
//!
//! Not a test: it prints a Markdown report for `docs/benchmarks.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use futures::{SinkExt, StreamExt};
use ketnoi_db::Db;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::role::PlatformRole;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "bench-secret-key-bench-secret-key-0123456789";

#[path = "common/mod.rs"]
mod common;
use common::{env_usize, percentile};

async fn session(db: &Db, user_id: i64) -> String {
    ketnoi_web::session::create(db, user_id).await.unwrap()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(base: &str, conversation: i64, token: &str) -> Socket {
    let url = format!(
        "{}/conversations/{conversation}/live?after=0",
        base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("{}={token}", ketnoi_web::session::SESSION_COOKIE)
            .parse()
            .unwrap(),
    );
    loop {
        match tokio_tungstenite::connect_async(request.clone()).await {
            Ok((ws, _)) => return ws,
            Err(e) => {
                eprintln!("connect failed ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Reads a connection's frames, reporting `(seq, arrival)` of each message.
fn drain(mut ws: Socket, tx: Option<mpsc::UnboundedSender<(i64, Instant)>>) {
    tokio::spawn(async move {
        while let Some(Ok(frame)) = ws.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                if let Some(tx) = &tx {
                    let v: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                    let _ = tx.send((v["seq"].as_i64().unwrap_or(0), Instant::now()));
                }
            } else if let tokio_tungstenite::tungstenite::Message::Ping(p) = frame {
                let _ = ws
                    .send(tokio_tungstenite::tungstenite::Message::Pong(p))
                    .await;
            }
        }
    });
}

#[tokio::main]
async fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let members = env_usize("BENCH_MEMBERS", if benching { 1_000 } else { 20 });
    let connections = env_usize("BENCH_CONNECTIONS", if benching { 10_000 } else { 40 });
    let messages = env_usize("BENCH_MESSAGES", if benching { 20 } else { 2 });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("live.db").display());
    let db = Db::connect_and_migrate(&url).await.unwrap();

    let user = |email: &str, role: PlatformRole| {
        let email = email.to_owned();
        let db = db.clone();
        async move {
            ketnoi_db::users::insert(
                db.conn(),
                &NewUser {
                    email: Some(&email),
                    phone: None,
                    display_name: "Chủ nhiệm HTX",
                    password_hash: "x",
                    locale: Locale::Vi,
                    role,
                    officer_commune_code: None,
                },
            )
            .await
            .unwrap()
        }
    };
    let officer = user("officer@example.com", PlatformRole::UnionOfficer).await;
    let channel = ketnoi_db::network::create_group(&db, officer.id, "Nhóm thử tải", None)
        .await
        .unwrap();
    let mut tokens = Vec::with_capacity(members);
    let officer_token = session(&db, officer.id).await;
    tokens.push(officer_token.clone());
    for i in 1..members {
        let id = user(&format!("leader{i}@example.com"), PlatformRole::User)
            .await
            .id;
        let joined = ketnoi_db::network::join_group(&db, channel, id, members as i64)
            .await
            .unwrap();
        assert_eq!(joined, ketnoi_db::network::Joined::Joined);
        tokens.push(session(&db, id).await);
    }
    db.close().await;

    // The server: the release binary of this package, as a separate process.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .args(["serve", "--no-worker"])
        .env("DATA_DIR", dir.path())
        .env("DATABASE_URL", &url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("SECRET_KEY", SECRET)
        .env("MESSAGES_PER_MINUTE", "100000")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    // Stopped however this ends, a failed assertion included.
    let server = KillOnDrop(server);
    let pid = server.0.id().to_string();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = common::status_mib(&pid, "VmRSS:");

    // 1. Fan-out to one connection per member.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let t = Instant::now();
    for chunk in tokens.chunks(100) {
        let opened =
            futures::future::join_all(chunk.iter().map(|tok| connect(&base, channel, tok))).await;
        for ws in opened {
            drain(ws, Some(tx.clone()));
        }
    }
    let open_members = t.elapsed();
    let anchor = ketnoi_web::session::random_token().unwrap();
    let csrf = ketnoi_web::csrf::token(SECRET.as_bytes(), &anchor);
    let cookie = format!(
        "{}={officer_token}; {}={anchor}",
        ketnoi_web::session::SESSION_COOKIE,
        ketnoi_web::session::CSRF_COOKIE
    );
    let mut latencies = Vec::with_capacity(members * messages);
    let mut post_times = Vec::with_capacity(messages);
    for i in 0..messages {
        let sent = Instant::now();
        let res = http
            .post(format!("{base}/conversations/{channel}/messages"))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .form(&[
                ("csrf", csrf.as_str()),
                ("body", &format!("Thông báo số {i}")),
            ])
            .send()
            .await
            .unwrap();
        post_times.push(sent.elapsed());
        assert_eq!(
            res.status(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let seq = i as i64 + 1;
        let mut got = 0;
        while got < members {
            let (s, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("every member gets the message within 10 s")
                .unwrap();
            if s == seq {
                latencies.push(at - sent);
                got += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    latencies.sort();
    post_times.sort();

    // 2. Up to `connections` connections (the members again, several times each).
    let t = Instant::now();
    let extra = connections.saturating_sub(members);
    let mut opened_extra = 0;
    while opened_extra < extra {
        let n = 200.min(extra - opened_extra);
        let batch = futures::future::join_all((0..n).map(|k| {
            let tok = &tokens[(opened_extra + k) % tokens.len()];
            connect(&base, channel, tok)
        }))
        .await;
        for ws in batch {
            drain(ws, None);
        }
        opened_extra += n;
    }
    let open_all = t.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_now = common::status_mib(&pid, "VmRSS:");
    let rss_peak = common::status_mib(&pid, "VmHWM:");

    println!(
        "ketnoi serve (release, SQLite), one network group of {members} members, {} UTC",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    println!();
    println!(
        "Fan-out: {messages} messages posted through the site (one every 100 ms), each to {members} open connections; latency from sending the POST to the frame's arrival ({} deliveries)",
        latencies.len()
    );
    println!();
    println!("| p50 | p90 | p99 | max | POST answered (p50 / max) |");
    println!("|---:|---:|---:|---:|---:|");
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| {} | {} | {} | {} | {} / {} |",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
        ms(percentile(&post_times, 0.5)),
        ms(*post_times.last().unwrap()),
    );
    println!();
    println!(
        "Capacity: {} connections open (first {members} in {:.1} s, the other {extra} in {:.1} s); server RSS idle {rss_idle:.0} MiB, with every connection open {rss_now:.0} MiB, peak {rss_peak:.0} MiB",
        members + extra,
        open_members.as_secs_f64(),
        open_all.as_secs_f64(),
    );
    drop(server);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
