//! The accept loop: HTTP/1.1 connections served by hyper with timeouts that close idle and
//! slow connections, and a limit on how many are open at once (see `docs/operations.md`,
//! "Connections and timeouts").
//!
//! - **Header timeout** (`header_timeout`): hyper's `header_read_timeout`. Hyper starts this
//!   timer whenever a connection waits for a request head: right after accept (so a
//!   connection that never sends a byte is closed), while headers trickle in, and while a
//!   keep-alive connection waits for its next request (so it also bounds idle keep-alive).
//! - **Idle timeout** (`idle_timeout`): no byte read or written for this long in the middle of
//!   a request (a body that stalls, a client that stops reading its response) closes the
//!   connection. A connection upgraded to a WebSocket is exempt: live pages are quiet for long
//!   stretches by design.
//! - **Connection limit** (`max_connections`): a semaphore permit travels with each
//!   connection's socket (also after a WebSocket upgrade); at the limit the loop stops
//!   accepting, so new connections wait in the kernel's backlog instead of failing with
//!   "Too many open files".

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How connections are kept in check.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Time to send a complete request head, from connect or from the previous response.
    pub header_timeout: Duration,
    /// Time without a byte either way in the middle of a request or response.
    pub idle_timeout: Duration,
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// How long the loop waits before accepting again after an error such as EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts connections on `listener` and serves `app` on each until `shutdown` completes;
/// then stops accepting, asks open connections to finish their request in flight and close,
/// and returns when they have.
pub(crate) async fn run(
    listener: TcpListener,
    app: Router,
    config: ConnectionConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limit = Arc::new(Semaphore::new(config.max_connections.max(1)));
    // Each connection task holds a sender; all dropped means all connections are done.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    let mut at_limit_logged = false;
    let mut accept_error_logged = false;
    loop {
        let permit = match Arc::clone(&limit).try_acquire_owned() {
            Ok(p) => {
                at_limit_logged = false;
                p
            }
            Err(_) => {
                if !at_limit_logged {
                    tracing::warn!(
                        max_connections = config.max_connections,
                        "connection limit reached; new connections wait until others close"
                    );
                    at_limit_logged = true;
                }
                tokio::select! {
                    p = Arc::clone(&limit).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => {
                accept_error_logged = false;
                c
            }
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                // EMFILE/ENFILE/ENOBUFS: retrying at once would spin on the same error.
                if !accept_error_logged {
                    tracing::error!(
                        error = %e,
                        "accept failed; retrying every {} ms until it works (logged once)",
                        ACCEPT_BACKOFF.as_millis()
                    );
                    accept_error_logged = true;
                }
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            Arc::clone(&builder),
            config.idle_timeout,
            permit,
            stop_rx.clone(),
            open_tx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_tx);
    let _ = open_rx.recv().await;
    Ok(())
}

/// Errors about one incoming connection (it went away before we took it), not the listener.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[allow(clippy::too_many_arguments)]
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    builder: Arc<hyper::server::conn::http1::Builder>,
    idle_timeout: Duration,
    permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
    _open: mpsc::Sender<()>,
) {
    let exempt = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(IdleIo::new(
        stream,
        idle_timeout,
        permit,
        Arc::clone(&exempt),
    ));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let conn = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let stopping = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let result = tokio::select! {
        r = conn.as_mut() => r,
        () = stopping => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    // Finished, or handed over to a WebSocket (which then owns the socket and the permit).
    exempt.store(true, Ordering::Relaxed);
    if let Err(e) = result {
        tracing::debug!(error = %e, %peer, "connection closed with an error");
    }
}

/// A socket that fails its pending read or write with `TimedOut` once no byte has moved
/// either way for `timeout` (unless `exempt` is set), and that holds a connection permit for
/// as long as it is open.
struct IdleIo {
    inner: TcpStream,
    timeout: Duration,
    last_activity: Instant,
    read_deadline: Pin<Box<Sleep>>,
    write_deadline: Pin<Box<Sleep>>,
    exempt: Arc<AtomicBool>,
    _permit: OwnedSemaphorePermit,
}

impl IdleIo {
    fn new(
        inner: TcpStream,
        timeout: Duration,
        permit: OwnedSemaphorePermit,
        exempt: Arc<AtomicBool>,
    ) -> IdleIo {
        let now = Instant::now();
        IdleIo {
            inner,
            timeout,
            last_activity: now,
            read_deadline: Box::pin(tokio::time::sleep_until(now + timeout)),
            write_deadline: Box::pin(tokio::time::sleep_until(now + timeout)),
            exempt,
            _permit: permit,
        }
    }

    /// Whether the connection has been idle too long; if not, arranges to be woken when it
    /// would be. Separate timers for reads and writes: each remembers only its last waker.
    fn expired(&mut self, write: bool, cx: &mut Context<'_>) -> bool {
        if self.exempt.load(Ordering::Relaxed) {
            return false;
        }
        let due = self.last_activity + self.timeout;
        let deadline = if write {
            &mut self.write_deadline
        } else {
            &mut self.read_deadline
        };
        if deadline.deadline() != due {
            deadline.as_mut().reset(due);
        }
        deadline.as_mut().poll(cx).is_ready()
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle")
}

impl AsyncRead for IdleIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.last_activity = Instant::now();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.expired(false, cx) => Poll::Ready(Err(idle_error())),
            other => other,
        }
    }
}

impl IdleIo {
    /// A write's outcome: bytes written count as activity; a write still pending after the
    /// idle time ends the connection.
    fn wrote(
        &mut self,
        polled: Poll<io::Result<usize>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.last_activity = Instant::now();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending if self.expired(true, cx) => Poll::Ready(Err(idle_error())),
            other => other,
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        this.wrote(polled, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The file descriptors this process may open: the soft `RLIMIT_NOFILE`, first raised to
/// the hard limit when it is lower. `None` when the platform does not say.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if let (Some(soft), hard) = (limit.current, limit.maximum)
            && hard.is_none_or(|h| h > soft)
        {
            // Linux refuses more than fs.nr_open even with an infinite hard limit.
            let target = hard.unwrap_or(1 << 20);
            match setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(target),
                    maximum: hard,
                },
            ) {
                Ok(()) => tracing::info!(from = soft, to = target, "raised the open-file limit"),
                Err(e) => tracing::warn!(error = %e, soft, "could not raise the open-file limit"),
            }
        }
        getrlimit(Resource::Nofile).current.or(Some(u64::MAX))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// File descriptors kept back from connections: the database pool, the search index's
/// segment files, media and mail files, logs.
pub const RESERVED_FDS: u64 = 512;

/// The default connection limit for a process allowed `fd_limit` open files: a quarter (at
/// least [`RESERVED_FDS`]) is kept back for everything else, and at most 65,536.
pub fn default_max_connections(fd_limit: Option<u64>) -> usize {
    match fd_limit {
        None => ConnectionConfig::default().max_connections,
        Some(n) => {
            let reserve = (n / 4).max(RESERVED_FDS);
            let available = n.saturating_sub(reserve).clamp(32, 65_536);
            usize::try_from(available).unwrap_or(65_536)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_leaves_room_for_other_files() {
        assert_eq!(default_max_connections(Some(4096)), 3072);
        assert_eq!(default_max_connections(Some(1024)), 512);
        assert_eq!(default_max_connections(Some(256)), 32);
        assert_eq!(default_max_connections(Some(1 << 20)), 65_536);
        assert_eq!(default_max_connections(None), 1024);
    }
}
