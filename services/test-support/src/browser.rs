//! Browser tests: one chromedriver per test process (started lazily, stopped when
//! the process exits) and headless Chromium profiles for WebDriver sessions.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::sys::{self, StopWith, Supervisor};

/// Environment variable: when `1`, a missing browser makes [`chromedriver_url`] panic.
pub const REQUIRE_BROWSER_ENV: &str = "KETNOI_REQUIRE_BROWSER";
/// Environment variable: the Chromium binary (default `/usr/bin/chromium`).
pub const CHROME_BIN_ENV: &str = "CHROME_BIN";
/// Environment variable: the chromedriver binary (default `/usr/bin/chromedriver`).
pub const CHROMEDRIVER_ENV: &str = "CHROMEDRIVER";

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);
const START_ATTEMPTS: u32 = 3;

/// The WebDriver URL (`http://127.0.0.1:PORT`) of a chromedriver shared by the
/// whole test process; started on first call, stopped when the process exits.
///
/// Returns `None` (after printing `SKIPPED: browser not available: <reason>` to
/// stderr) when chromedriver or Chromium is missing, unless
/// `KETNOI_REQUIRE_BROWSER=1`, in which case it panics. Panics when both are
/// installed but chromedriver does not come up.
pub fn chromedriver_url() -> Option<String> {
    match DRIVER.get_or_init(start_driver) {
        DriverState::Ready(driver) => Some(format!("http://127.0.0.1:{}", driver.port)),
        DriverState::Unavailable(reason) => {
            if sys::env_flag(REQUIRE_BROWSER_ENV) {
                panic!("browser not available ({REQUIRE_BROWSER_ENV}=1): {reason}");
            }
            eprintln!("SKIPPED: browser not available: {reason}");
            None
        }
        DriverState::Failed(message) => panic!("chromedriver failed to start: {message}"),
    }
}

/// Settings for one headless Chromium WebDriver session.
///
/// `chrome_binary` is `CHROME_BIN` or `/usr/bin/chromium`; `args` are the
/// command-line switches, including a fresh `--user-data-dir` inside a temporary
/// directory that is deleted when this value is dropped — keep it alive for the
/// whole session. Put them into the `goog:chromeOptions` capability
/// (`{"binary": chrome_binary, "args": args}`), or use
/// [`BrowserProfile::capabilities_json`] which does exactly that.
#[derive(Debug)]
pub struct BrowserProfile {
    /// Path of the Chromium binary.
    pub chrome_binary: String,
    /// Chromium switches (headless, no sandbox, 412x900 window, fresh profile, ...).
    pub args: Vec<String>,
    dir: tempfile::TempDir,
}

impl BrowserProfile {
    /// A fresh profile. Panics when the temporary directory cannot be created.
    pub fn new() -> BrowserProfile {
        let dir = tempfile::Builder::new()
            .prefix("ketnoi-chrome-")
            .tempdir()
            .unwrap_or_else(|e| panic!("BrowserProfile: cannot create a temporary directory: {e}"));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=390,844",
        ]
        .map(str::to_owned)
        .to_vec();
        args.push(format!("--user-data-dir={}", dir.path().display()));
        BrowserProfile {
            chrome_binary: chrome_binary(),
            args,
            dir,
        }
    }

    /// The temporary directory used as `--user-data-dir`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// WebDriver capabilities as a JSON object string:
    /// `{"browserName":"chrome","goog:chromeOptions":{"binary":"...","args":[...]}}`.
    /// Parse it with `serde_json` to get a capabilities map (e.g. for fantoccini).
    pub fn capabilities_json(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|a| json_string(a)).collect();
        format!(
            r#"{{"browserName":"chrome","goog:chromeOptions":{{"binary":{},"args":[{}]}}}}"#,
            json_string(&self.chrome_binary),
            args.join(",")
        )
    }
}

impl Default for BrowserProfile {
    fn default() -> Self {
        BrowserProfile::new()
    }
}

/// A JSON string literal (with quotes) for `s`.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn chrome_binary() -> String {
    env_or(CHROME_BIN_ENV, "/usr/bin/chromium")
}

static DRIVER: OnceLock<DriverState> = OnceLock::new();

enum DriverState {
    Ready(Driver),
    Unavailable(String),
    Failed(String),
}

struct Driver {
    port: u16,
    /// Never dropped (it lives in a static); its stdin pipe closes at process exit.
    _supervisor: Supervisor,
}

fn start_driver() -> DriverState {
    let driver_name = env_or(CHROMEDRIVER_ENV, "/usr/bin/chromedriver");
    let Some(driver) = sys::which(&driver_name) else {
        return DriverState::Unavailable(format!(
            "chromedriver not found at {driver_name} (set {CHROMEDRIVER_ENV})"
        ));
    };
    let chrome = chrome_binary();
    if sys::which(&chrome).is_none() {
        return DriverState::Unavailable(format!(
            "chromium not found at {chrome} (set {CHROME_BIN_ENV})"
        ));
    }
    let dir = match sys::kept_temp_dir("ketnoi-chromedriver-", None) {
        Ok(dir) => dir,
        Err(e) => return DriverState::Failed(e),
    };
    match start_in(&driver, &dir) {
        Ok(driver) => DriverState::Ready(driver),
        Err(message) => {
            let _ = std::fs::remove_dir_all(&dir);
            DriverState::Failed(message)
        }
    }
}

fn start_in(driver: &Path, dir: &Path) -> Result<Driver, String> {
    let log = dir.join("chromedriver.log");
    // Under setsid, chromedriver leads its own process group, so stopping the
    // group also stops any Chromium left behind by an unfinished session.
    let setsid = sys::which("setsid");
    let stop = if setsid.is_some() {
        StopWith::Group("TERM")
    } else {
        StopWith::Pid("TERM")
    };
    let mut last_error = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let port = sys::free_port().map_err(|e| format!("cannot pick a free port: {e}"))?;
        let mut service: Vec<String> = setsid.iter().map(|p| p.display().to_string()).collect();
        service.push(driver.display().to_string());
        service.push(format!("--port={port}"));
        service.push("--allowed-ips=127.0.0.1".to_owned());
        let supervisor = Supervisor::spawn(dir, &log, stop, None, "", &service)?;
        match wait_ready(port, &supervisor) {
            Ok(()) => {
                return Ok(Driver {
                    port,
                    _supervisor: supervisor,
                });
            }
            Err((message, died)) => {
                last_error = format!("attempt {attempt} on port {port}: {message}");
                supervisor.stop_keep_dir();
                if !died {
                    break;
                }
            }
        }
    }
    Err(format!(
        "{last_error}\n--- {} (tail) ---\n{}",
        log.display(),
        sys::log_tail(&log, 40)
    ))
}

/// Polls until chromedriver answers `GET /status` with 200. The error says
/// whether the process died (worth retrying on another port).
fn wait_ready(port: u16, supervisor: &Supervisor) -> Result<(), (String, bool)> {
    let start = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        if !supervisor.service_alive() {
            return Err(("chromedriver exited during startup".to_owned(), true));
        }
        let last = match http_status(addr, "/status") {
            Ok(200) => return Ok(()),
            Ok(code) => format!("GET /status answered {code}"),
            Err(e) => e,
        };
        if start.elapsed() >= READY_TIMEOUT {
            return Err((
                format!("chromedriver not ready after {READY_TIMEOUT:?}: {last}"),
                false,
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// The status code of a plain HTTP/1.1 GET (chromedriver refuses HTTP/1.0).
fn http_status(addr: SocketAddr, path: &str) -> Result<u16, String> {
    let timeout = Duration::from_secs(2);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("socket timeouts: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while !response.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&response);
    let status_line = text.lines().next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(version), Some(Ok(code))) if version.starts_with("HTTP/") => Ok(code),
        _ => Err(format!("unexpected response: {status_line:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_has_fresh_user_data_dir() {
        let a = BrowserProfile::new();
        let b = BrowserProfile::new();
        assert!(a.args.contains(&"--headless=new".to_owned()));
        assert!(a.args.contains(&"--window-size=390,844".to_owned()));
        let flag = format!("--user-data-dir={}", a.dir().display());
        assert!(a.args.contains(&flag));
        assert_ne!(a.dir(), b.dir());
        assert!(a.dir().is_dir());
        let json = a.capabilities_json();
        assert!(json.starts_with(r#"{"browserName":"chrome","goog:chromeOptions":{"binary":""#));
        assert!(json.contains(r#""--disable-quic""#));
        let dir = a.dir().to_path_buf();
        drop(a);
        assert!(!dir.exists());
    }

    #[test]
    fn json_escaping() {
        assert_eq!(json_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(json_string("x\u{1}"), r#""x\u0001""#);
    }

    #[test]
    fn chromedriver_when_available() {
        let Some(url) = chromedriver_url() else {
            return;
        };
        assert!(url.starts_with("http://127.0.0.1:"));
        assert_eq!(chromedriver_url().as_deref(), Some(url.as_str()));
    }
}
