//! A real SMTP server for tests: Python's aiosmtpd (from PyPI), storing every message it
//! receives in a Maildir that the test reads back. One server per [`TempSmtp`], stopped
//! when it is dropped.

use std::path::PathBuf;

use crate::python::{PythonServer, Spec};

/// Environment variable: when `1`, a missing aiosmtpd makes [`TempSmtp::new`] panic.
pub const REQUIRE_SMTP_ENV: &str = "KETNOI_REQUIRE_SMTP";

/// aiosmtpd storing into the Maildir named by the first argument, on a port of its choosing,
/// which it prints.
const RUN: &str = r#"
import asyncio, os, sys
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Mailbox(sys.argv[1])), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    await server.serve_forever()
asyncio.run(main())
"#;

/// A running aiosmtpd on 127.0.0.1.
#[derive(Debug)]
pub struct TempSmtp {
    server: PythonServer,
    dir: tempfile::TempDir,
}

impl TempSmtp {
    /// Starts a server. Returns `None` (after printing `SKIPPED: …`) when Python or aiosmtpd
    /// is missing, unless `KETNOI_REQUIRE_SMTP=1`, in which case it panics.
    pub fn new() -> Option<TempSmtp> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let maildir = dir.path().join("maildir");
        let spec = Spec {
            name: "SMTP server",
            module: "aiosmtpd",
            install: "pip install aiosmtpd",
            require_env: REQUIRE_SMTP_ENV,
        };
        let server = PythonServer::start(&spec, RUN, &[maildir.as_os_str()])?;
        Some(TempSmtp { server, dir })
    }

    /// `smtp://127.0.0.1:<port>` (no TLS, no login).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.server.port)
    }

    /// Every message received so far, as raw text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.dir.path().join("maildir").join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
            .collect()
    }
}
