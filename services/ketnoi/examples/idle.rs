//! Measures issue 14's acceptance criterion against a running server: open and hold N idle
//! connections (default 5,000), and report how long the server takes to close all of them
//! and how fast a signed-in request made meanwhile is answered.
//!
//! `cargo run --release -p ketnoi --example idle -- http://127.0.0.1:8080 [N]`; the demo
//! account `nguoimua@example.com` / `ketnoi-demo` signs in (`serve --demo`). Run by
//! `infra/bench/idle.sh`, which also starts the server.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

const LOGIN: &str = "nguoimua@example.com";
const PASSWORD: &str = "ketnoi-demo";
/// Give up waiting for the server to close connections after this long.
const GIVE_UP: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5000);
    let fd_limit = ketnoi_web::raise_fd_limit();
    println!("client open-file limit: {fd_limit:?}");
    let addr: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()?;

    // A signed-in visitor whose every request opens a new connection (as a new visitor's
    // would, and so it has to be accepted past the idle ones).
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()?;
    let form = client
        .get(format!("{base}/signin"))
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf\" value=\"";
    let start = form
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?
        + marker.len();
    let csrf = form[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let signed_in = client
        .post(format!("{base}/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", LOGIN),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        signed_in.status() == 303,
        "sign-in answered {}",
        signed_in.status()
    );
    let account = |client: reqwest::Client| {
        let url = format!("{base}/account");
        async move {
            let t = Instant::now();
            let res = client.get(url).send().await;
            (t.elapsed(), res.map(|r| r.status().as_u16()))
        }
    };
    let (baseline, status) = account(client.clone()).await;
    println!("signed-in GET /account before: {status:?} in {baseline:?}");

    // Open and hold n idle connections; each task reports when the server closed it.
    let opening = Instant::now();
    let mut held = Vec::with_capacity(n);
    let mut failed = 0usize;
    for _ in 0..n {
        match TcpStream::connect(addr).await {
            Ok(s) => held.push(s),
            Err(_) => failed += 1,
        }
    }
    let opened = opening.elapsed();
    println!(
        "opened {} idle connections in {opened:?} ({failed} failed to connect)",
        held.len()
    );
    let t0 = Instant::now();
    let waiters: Vec<_> = held
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut buf = [0u8; 512];
                let closed = tokio::time::timeout(GIVE_UP, async {
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                    }
                })
                .await;
                closed.ok().map(|()| t0.elapsed())
            })
        })
        .collect();

    // Signed-in requests while they are held: one at once, then one a second for 5 s.
    let mut latencies = Vec::new();
    for i in 0..6 {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let (took, status) = account(client.clone()).await;
        println!(
            "signed-in GET /account at +{:.1} s: {status:?} in {took:?}",
            t0.elapsed().as_secs_f64()
        );
        latencies.push(took);
    }

    let mut closed_after = Vec::new();
    let mut still_open = 0usize;
    for w in waiters {
        match w.await? {
            Some(d) => closed_after.push(d),
            None => still_open += 1,
        }
    }
    closed_after.sort();
    let last = closed_after.last().copied().unwrap_or_default();
    let first = closed_after.first().copied().unwrap_or_default();
    println!(
        "closed by the server: {} of {}; first after {:.2} s, all after {:.2} s (counted from when all were open; {:.2} s from the first connect); still open after {GIVE_UP:?}: {still_open}",
        closed_after.len(),
        closed_after.len() + still_open,
        first.as_secs_f64(),
        last.as_secs_f64(),
        (last + opened).as_secs_f64(),
    );
    let worst = latencies.iter().max().copied().unwrap_or_default();
    println!(
        "signed-in requests meanwhile: {} made, slowest {:.1} ms",
        latencies.len(),
        worst.as_secs_f64() * 1000.0
    );
    let (after, status) = account(client).await;
    println!("signed-in GET /account after: {status:?} in {after:?}");
    Ok(())
}
