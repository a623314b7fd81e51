//! Idle and slow connections are closed by the server, and a connection limit holds (issue
//! 14, item 2). The connection layer does not depend on the database, so these run on SQLite
//! only.

use ketnoi_domain::role::PlatformRole;
use ketnoi_tests::{Backend, TestApp};
use ketnoi_web::ConnectionConfig;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (EOF or reset); whatever it says before
/// closing (a 408) is ignored. Panics if it is still open after `within`.
async fn closed_by_server(mut s: TcpStream, within: Duration) {
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the connection is still open after {within:?}"
    );
}

fn short_timeouts(max_connections: usize) -> ConnectionConfig {
    ConnectionConfig {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_connections,
    }
}

#[tokio::test]
async fn idle_and_trickling_connections_are_closed_while_requests_are_answered() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |_| {}, short_timeouts(1000))
        .await
        .unwrap();
    let user = app.user("lan@example.com", PlatformRole::User, None).await;
    let client = app.client_as(&user).await;
    assert_eq!(client.get("/account").await.status, 200);

    // 200 connections that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // A few that trickle their headers, a byte every 200 ms, never finishing.
    let tricklers: Vec<_> = (0..5)
        .map(|_| {
            let addr = app.addr;
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                let start = Instant::now();
                s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
                let mut header = b"X-Slow: ".iter().chain(std::iter::repeat(&b'a'));
                loop {
                    let byte = [*header.next().unwrap()];
                    if s.write_all(&byte).await.is_err() {
                        break;
                    }
                    // The server closing shows as a readable EOF before writes fail.
                    let mut probe = [0u8; 256];
                    let read = Duration::from_millis(200);
                    if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(read, s.read(&mut probe)).await
                    {
                        break;
                    }
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "a trickling connection is still open after 10 s"
                    );
                }
                start.elapsed()
            })
        })
        .collect();
    // A keep-alive connection that has had its answer and then goes quiet.
    let mut kept = TcpStream::connect(app.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = kept.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));

    // Meanwhile a signed-in visitor is answered at once.
    let start = Instant::now();
    let page = client.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "a signed-in request took {:?} while idle connections were open",
        start.elapsed()
    );

    // The server closes all of them: header timeout 1 s (plus scheduling slack).
    let closing = idle
        .into_iter()
        .chain(std::iter::once(kept))
        .map(|s| tokio::spawn(closed_by_server(s, Duration::from_secs(5))));
    for c in closing {
        c.await.unwrap();
    }
    for t in tricklers {
        let lasted = t.await.unwrap();
        assert!(
            lasted < Duration::from_secs(5),
            "a trickling connection lasted {lasted:?}"
        );
    }
    // And the server still serves (on a new connection: the client's kept-alive one has
    // been idle longer than the server's idle timeout, and reusing it just as the server
    // closes it fails in the client, not in the server).
    let fresh = app.client_as(&user).await;
    assert_eq!(fresh.get("/account").await.status, 200);
}

#[tokio::test]
async fn a_request_body_that_stalls_is_cut_off_after_the_idle_timeout() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |_| {}, short_timeouts(1000))
        .await
        .unwrap();
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin=",
    )
    .await
    .unwrap();
    let start = Instant::now();
    closed_by_server(s, Duration::from_secs(8)).await;
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "closed after {:?}, before the idle timeout",
        start.elapsed()
    );
}

#[tokio::test]
async fn at_the_connection_limit_new_connections_wait_until_idle_ones_are_closed() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |_| {}, short_timeouts(20))
        .await
        .unwrap();
    let client = app.client();
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let start = Instant::now();
    let page = client.get("/healthz").await;
    let waited = start.elapsed();
    assert_eq!(page.status, 200);
    // The 21st connection is only taken once the header timeout (1 s) has closed an idle one.
    assert!(
        waited >= Duration::from_millis(500),
        "answered after {waited:?}: the limit of 20 did not hold"
    );
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
    drop(idle);
}
