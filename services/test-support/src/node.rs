//! Independent checkers that run on Node.js: npm packages pinned under `tests/<name>` (GS1's
//! Digital Link toolkit and EPCIS validator, a VietQR decoder), installed by `.ci/run` with
//! `npm ci`. A test finds its checker, or is skipped with a `SKIPPED:` line — or fails, when
//! `KETNOI_REQUIRE_NODE=1` says the checker must be there (as in CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Set to `1` to make a missing Node.js or checker package a failure instead of a skip.
pub const REQUIRE_NODE_ENV: &str = "KETNOI_REQUIRE_NODE";

/// A checker's directory, with Node.js and its npm package present.
#[derive(Debug, Clone)]
pub struct NodeChecker {
    dir: PathBuf,
}

impl NodeChecker {
    /// The checker in `tests/<name>` whose `node_modules/<package>` is installed; `None` (said
    /// on stderr) without it or without `node`, unless `KETNOI_REQUIRE_NODE=1` (then a panic).
    pub fn find(name: &str, package: &str) -> Option<NodeChecker> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests")
            .join(name);
        let installed = dir
            .join("node_modules")
            .join(package)
            .join("package.json")
            .exists();
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if installed && node {
            return Some(NodeChecker { dir });
        }
        let reason = format!("Node.js and `npm ci --prefix tests/{name}` are needed");
        if std::env::var(REQUIRE_NODE_ENV).as_deref() == Ok("1") {
            panic!("the checker {package} is not available ({REQUIRE_NODE_ENV}=1): {reason}");
        }
        eprintln!("SKIPPED: the checker {package} is not available: {reason}");
        None
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `node <script>` in the checker's directory with `input` on its standard input
    /// (written from another thread, so a large answer cannot block it).
    pub fn run(&self, script: &str, input: &[u8]) -> std::io::Result<Output> {
        let mut child = Command::new("node")
            .arg(script)
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output()?;
        writer
            .join()
            .map_err(|_| std::io::Error::other("the writer panicked"))??;
        Ok(out)
    }
}
