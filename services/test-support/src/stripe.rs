//! A local Stripe API for tests: localstripe (PyPI), bound to 127.0.0.1 on a free port, its
//! store kept in memory (never written to `/tmp/localstripe.pickle`). One server per
//! [`TempStripe`], stopped when it is dropped.

use crate::python::{PythonServer, Spec};

/// Environment variable: when `1`, a missing localstripe makes [`TempStripe::new`] panic.
pub const REQUIRE_STRIPE_ENV: &str = "KETNOI_REQUIRE_STRIPE";

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
    server: PythonServer,
}

impl TempStripe {
    /// Starts a server. Returns `None` (after printing `SKIPPED: …`) when Python or
    /// localstripe is missing, unless `KETNOI_REQUIRE_STRIPE=1`, in which case it panics.
    pub fn new() -> Option<TempStripe> {
        let spec = Spec {
            name: "localstripe",
            module: "localstripe",
            install: "pip install localstripe",
            require_env: REQUIRE_STRIPE_ENV,
        };
        let server = PythonServer::start(&spec, RUN, &[])?;
        Some(TempStripe { server })
    }

    /// `http://127.0.0.1:<port>/`, the API base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.server.port)
    }

    /// Stripe.js as localstripe serves it.
    pub fn js_url(&self) -> String {
        format!("http://127.0.0.1:{}/js.stripe.com/v3/", self.server.port)
    }
}
