//! A local Stripe API for tests: localstripe (PyPI), bound to 127.0.0.1 on a free port, its
//! store kept in memory (never written to `/tmp/localstripe.pickle`). One server per
//! [`TempStripe`], stopped when it is dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::sys;

/// Environment variable: when `1`, a missing localstripe makes [`TempStripe::new`] panic.
pub const REQUIRE_STRIPE_ENV: &str = "KETNOI_REQUIRE_STRIPE";

const READY_TIMEOUT: Duration = Duration::from_secs(30);

const RUN: &str = r#"
import os, socket
import localstripe.resources as r
r.Store.dump_to_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nobody reads stdout after the port
web.run_app(app, sock=sock, print=None, access_log=None)
"#;

/// A running localstripe.
#[derive(Debug)]
pub struct TempStripe {
    child: Child,
    port: u16,
}

impl TempStripe {
    /// Starts a server. Returns `None` (after printing `SKIPPED: …`) when Python or
    /// localstripe is missing, unless `KETNOI_REQUIRE_STRIPE=1`, in which case it panics.
    pub fn new() -> Option<TempStripe> {
        let usable = Command::new("python3")
            .args(["-c", "import localstripe"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !usable {
            let reason = "python3 with localstripe is not installed (pip install localstripe)";
            if sys::env_flag(REQUIRE_STRIPE_ENV) {
                panic!("localstripe not available ({REQUIRE_STRIPE_ENV}=1): {reason}");
            }
            eprintln!("SKIPPED: localstripe not available: {reason}");
            return None;
        }
        // The server binds port 0 itself and says which port it got: a port picked here and
        // handed over could be taken by another test's listener in between.
        let mut child = Command::new("python3")
            .args(["-c", RUN])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting localstripe: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
        }
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("localstripe did not say its port: {line:?}"));
        let mut stripe = TempStripe { child, port };
        let deadline = Instant::now() + READY_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = stripe.child.try_wait() {
                panic!("localstripe exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "localstripe did not listen within {READY_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(stripe)
    }

    /// `http://127.0.0.1:<port>/`, the API base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Stripe.js as localstripe serves it.
    pub fn js_url(&self) -> String {
        format!("http://127.0.0.1:{}/js.stripe.com/v3/", self.port)
    }
}

impl Drop for TempStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
