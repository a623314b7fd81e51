//! Test servers written in Python (aiosmtpd, localstripe): each is a short script that binds
//! port 0 on 127.0.0.1 itself and prints the port it got, so no port picked here can be taken
//! by another test's listener in between. The process is killed when dropped.

use std::ffi::OsStr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::sys;

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Python server.
#[derive(Debug)]
pub(crate) struct PythonServer {
    child: Child,
    pub(crate) port: u16,
}

/// What a server needs: its name in messages, the module it imports, how to install it and
/// the variable that makes its absence a failure.
pub(crate) struct Spec<'a> {
    pub name: &'a str,
    pub module: &'a str,
    pub install: &'a str,
    pub require_env: &'a str,
}

impl PythonServer {
    /// Runs `script` with `args` and waits until its port listens. Returns `None` (after
    /// printing `SKIPPED: …`) when Python or the module is missing, unless `require_env` is
    /// set, in which case it panics.
    pub(crate) fn start(spec: &Spec<'_>, script: &str, args: &[&OsStr]) -> Option<PythonServer> {
        let usable = Command::new("python3")
            .args(["-c", &format!("import {}", spec.module)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let name = spec.name;
        if !usable {
            let reason = format!(
                "python3 with {} is not installed ({})",
                spec.module, spec.install
            );
            if sys::env_flag(spec.require_env) {
                panic!("{name} not available ({}=1): {reason}", spec.require_env);
            }
            eprintln!("SKIPPED: {name} not available: {reason}");
            return None;
        }
        let mut child = Command::new("python3")
            .args(["-c", script])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
        }
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} did not say its port: {line:?}"));
        let mut server = PythonServer { child, port };
        let deadline = Instant::now() + READY_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{name} exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not listen within {READY_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
