//! A real SMTP server for tests: Python's aiosmtpd (from PyPI), storing every message it
//! receives in a Maildir that the test reads back. One server per [`TempSmtp`], stopped
//! when it is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::sys;

/// Environment variable: when `1`, a missing aiosmtpd makes [`TempSmtp::new`] panic.
pub const REQUIRE_SMTP_ENV: &str = "KETNOI_REQUIRE_SMTP";

const READY_TIMEOUT: Duration = Duration::from_secs(20);

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
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl TempSmtp {
    /// Starts a server. Returns `None` (after printing `SKIPPED: …`) when Python or aiosmtpd
    /// is missing, unless `KETNOI_REQUIRE_SMTP=1`, in which case it panics.
    pub fn new() -> Option<TempSmtp> {
        let usable = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !usable {
            let reason = "python3 with aiosmtpd is not installed (pip install aiosmtpd)";
            if sys::env_flag(REQUIRE_SMTP_ENV) {
                panic!("SMTP server not available ({REQUIRE_SMTP_ENV}=1): {reason}");
            }
            eprintln!("SKIPPED: SMTP server not available: {reason}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        // The server binds port 0 itself and says which port it got: a port picked here and
        // handed over could be taken by another test's listener in between.
        let mut child = Command::new("python3")
            .args(["-c", RUN])
            .arg(dir.path().join("maildir"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting aiosmtpd: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
        }
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aiosmtpd did not say its port: {line:?}"));
        let mut smtp = TempSmtp { child, port, dir };
        let deadline = Instant::now() + READY_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = smtp.child.try_wait() {
                panic!("aiosmtpd exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen within {READY_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(smtp)
    }

    /// `smtp://127.0.0.1:<port>` (no TLS, no login).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
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

impl Drop for TempSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
