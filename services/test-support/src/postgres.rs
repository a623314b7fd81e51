//! Throwaway PostgreSQL for tests: one cluster per test process (started lazily,
//! removed when the process exits), one fresh database per [`TempPostgres`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::sys::{self, StopWith, Supervisor};

/// Environment variable: when `1`, a missing PostgreSQL makes [`TempPostgres::new`] panic.
pub const REQUIRE_POSTGRES_ENV: &str = "KETNOI_REQUIRE_POSTGRES";
/// Environment variable: directory holding `initdb`, `postgres`, `pg_isready`, `createdb`.
pub const PG_BIN_DIR_ENV: &str = "PG_BIN_DIR";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);
const START_ATTEMPTS: u32 = 3;

/// A fresh PostgreSQL database (`CREATE DATABASE` with a unique name) in a
/// throwaway cluster shared by the whole test process.
///
/// The cluster is started on first use and stopped, with its directory removed,
/// when the test process exits (a supervisor shell notices its stdin pipe
/// closing). The database itself is never dropped explicitly: it goes away with
/// the cluster.
#[derive(Debug)]
pub struct TempPostgres {
    /// `postgres://postgres@127.0.0.1:PORT/DBNAME`
    pub url: String,
    name: String,
    port: u16,
}

impl TempPostgres {
    /// Creates a new database in the shared cluster.
    ///
    /// Returns `None` (after printing `SKIPPED: PostgreSQL not available: <reason>`
    /// to stderr) when the PostgreSQL binaries are not installed, unless
    /// `KETNOI_REQUIRE_POSTGRES=1`, in which case it panics. Panics when the
    /// binaries exist but the cluster or the database cannot be created.
    pub fn new() -> Option<TempPostgres> {
        let cluster = match CLUSTER.get_or_init(start_cluster) {
            ClusterState::Ready(cluster) => cluster,
            ClusterState::Unavailable(reason) => {
                if sys::env_flag(REQUIRE_POSTGRES_ENV) {
                    panic!("PostgreSQL not available ({REQUIRE_POSTGRES_ENV}=1): {reason}");
                }
                eprintln!("SKIPPED: PostgreSQL not available: {reason}");
                return None;
            }
            ClusterState::Failed(message) => {
                panic!("PostgreSQL test cluster failed to start: {message}")
            }
        };
        let name = format!(
            "t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &sys::random_hex()[..8]
        )
        .to_ascii_lowercase();
        cluster.create_database(&name);
        Some(TempPostgres {
            url: format!("postgres://postgres@127.0.0.1:{}/{name}", cluster.port),
            name,
            port: cluster.port,
        })
    }

    /// The database name (`t_<pid>_<counter>_<hex>`).
    pub fn database_name(&self) -> &str {
        &self.name
    }

    /// The TCP port of the shared cluster (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A [`Command`] for a PostgreSQL program (`psql`, `pg_dump`, ...) from the
    /// cluster's bin directory, run as user `postgres` through `runuser` when
    /// the test process is root. Add the arguments (e.g. [`TempPostgres::url`]).
    pub fn command(&self, program: &str) -> Command {
        match CLUSTER.get() {
            Some(ClusterState::Ready(cluster)) => cluster.tools.command(program),
            // Unreachable: a TempPostgres only exists once the cluster is ready.
            _ => Command::new(program),
        }
    }
}

static CLUSTER: OnceLock<ClusterState> = OnceLock::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

enum ClusterState {
    Ready(Cluster),
    /// PostgreSQL is not installed (or cannot be used here): tests skip.
    Unavailable(String),
    /// PostgreSQL is installed but failed to start: tests fail.
    Failed(String),
}

struct Cluster {
    tools: PgTools,
    port: u16,
    /// Never dropped (it lives in a static); its stdin pipe closes at process exit.
    _supervisor: Supervisor,
}

/// How to run PostgreSQL programs: absolute paths, as user `postgres` when root.
#[derive(Debug, Clone)]
struct PgTools {
    bin_dir: PathBuf,
    /// `runuser` path and the postgres uid/gid, when running as root.
    as_postgres: Option<(PathBuf, (u32, u32))>,
    /// Working directory (the cluster directory, reachable by user `postgres`).
    work_dir: PathBuf,
}

impl PgTools {
    fn command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        let exe = if sys::is_executable(&exe) {
            exe
        } else {
            sys::which(program).unwrap_or(exe)
        };
        let mut cmd = match &self.as_postgres {
            Some((runuser, _)) => {
                let mut c = Command::new(runuser);
                c.args(["-u", "postgres", "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.current_dir(&self.work_dir).stdin(Stdio::null());
        cmd
    }

    fn owner(&self) -> Option<(u32, u32)> {
        self.as_postgres.as_ref().map(|(_, ids)| *ids)
    }
}

impl Cluster {
    fn create_database(&self, name: &str) {
        let mut last = String::new();
        for _ in 0..5 {
            let out = self
                .tools
                .command("createdb")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                ])
                .arg(name)
                .output();
            match out {
                Ok(out) if out.status.success() => return,
                Ok(out) => last = describe_output(&out),
                Err(e) => last = format!("cannot run createdb: {e}"),
            }
            // e.g. "source database template1 is being accessed by other users".
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("createdb {name} failed on 127.0.0.1:{}: {last}", self.port);
    }
}

fn describe_output(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout).trim_end(),
        String::from_utf8_lossy(&out.stderr).trim_end()
    )
}

/// Finds the PostgreSQL bin directory: `PG_BIN_DIR`, else the highest version
/// under /usr/lib/postgresql/*/bin.
fn find_bin_dir() -> Result<PathBuf, String> {
    const NEEDED: [&str; 4] = ["initdb", "postgres", "pg_isready", "createdb"];
    let complete = |dir: &Path| NEEDED.iter().all(|b| sys::is_executable(&dir.join(b)));
    if let Some(dir) = std::env::var_os(PG_BIN_DIR_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return if complete(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{PG_BIN_DIR_ENV}={} does not contain all of {NEEDED:?}",
                dir.display()
            ))
        };
    }
    let root = Path::new("/usr/lib/postgresql");
    let entries =
        std::fs::read_dir(root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for entry in entries.flatten() {
        let version: Option<Vec<u32>> = entry
            .file_name()
            .to_string_lossy()
            .split('.')
            .map(|part| part.parse().ok())
            .collect();
        let bin = entry.path().join("bin");
        if let Some(version) = version
            && complete(&bin)
            && best.as_ref().is_none_or(|(v, _)| version > *v)
        {
            best = Some((version, bin));
        }
    }
    best.map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "no /usr/lib/postgresql/<version>/bin with all of {NEEDED:?} (set {PG_BIN_DIR_ENV})"
        )
    })
}

fn start_cluster() -> ClusterState {
    let bin_dir = match find_bin_dir() {
        Ok(dir) => dir,
        Err(reason) => return ClusterState::Unavailable(reason),
    };
    let as_postgres = if sys::is_root() {
        // initdb refuses to run as root.
        let ids = match sys::user_ids("postgres") {
            Ok(ids) => ids,
            Err(e) => {
                return ClusterState::Unavailable(format!(
                    "running as root and cannot use user postgres: {e}"
                ));
            }
        };
        let Some(runuser) = sys::which("runuser") else {
            return ClusterState::Unavailable(
                "running as root and `runuser` is not installed".to_owned(),
            );
        };
        Some((runuser, ids))
    } else {
        None
    };
    let owner = as_postgres.as_ref().map(|(_, ids)| *ids);
    let dir = match sys::kept_temp_dir("ketnoi-pg-", owner) {
        Ok(dir) => dir,
        Err(e) => return ClusterState::Failed(e),
    };
    let tools = PgTools {
        bin_dir,
        as_postgres,
        work_dir: dir.clone(),
    };
    match init_and_start(&tools, &dir) {
        Ok(cluster) => ClusterState::Ready(cluster),
        Err(message) => {
            let _ = std::fs::remove_dir_all(&dir);
            ClusterState::Failed(message)
        }
    }
}

fn init_and_start(tools: &PgTools, dir: &Path) -> Result<Cluster, String> {
    let data = dir.join("data");
    // initdb runs inside the supervisor, so that the directory is removed even
    // when the test process dies during initdb. Skipped on retries.
    let prepare = {
        let initdb = sys::sh_quote(&tools.bin_dir.join("initdb").display().to_string());
        let data = sys::sh_quote(&data.display().to_string());
        let common = format!("{initdb} -D {data} -U postgres --auth=trust -E UTF8");
        format!(
            "if [ ! -f {data}/PG_VERSION ]; then \
               {common} --locale=C.UTF-8 || {{ echo 'initdb: retrying with --no-locale'; rm -rf {data}; {common} --no-locale; }}; \
             fi"
        )
    };
    let log = dir.join("postgres.log");
    let postgres = tools.bin_dir.join("postgres");
    let run_as = tools.owner().map(|ids| ("postgres", ids));
    let mut last_error = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let port = sys::free_port().map_err(|e| format!("cannot pick a free port: {e}"))?;
        let mut service = vec![postgres.display().to_string()];
        service.extend(["-D".to_owned(), data.display().to_string()]);
        service.extend(["-p".to_owned(), port.to_string()]);
        service.extend(["-k".to_owned(), dir.display().to_string()]);
        for setting in [
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=300",
        ] {
            service.extend(["-c".to_owned(), setting.to_owned()]);
        }
        let supervisor =
            Supervisor::spawn(dir, &log, StopWith::Pid("INT"), run_as, &prepare, &service)?;
        match wait_ready(tools, port, &supervisor) {
            Ok(()) => {
                return Ok(Cluster {
                    tools: tools.clone(),
                    port,
                    _supervisor: supervisor,
                });
            }
            Err((message, died)) => {
                last_error = format!("attempt {attempt} on port {port}: {message}");
                supervisor.stop_keep_dir();
                if !died {
                    break; // still running but never ready: another port won't help
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

/// Polls `pg_isready` until the server accepts connections. The error says
/// whether the postmaster died (worth retrying on another port).
fn wait_ready(tools: &PgTools, port: u16, supervisor: &Supervisor) -> Result<(), (String, bool)> {
    let start = Instant::now();
    let port_arg = port.to_string();
    loop {
        let ready = tools
            .command("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", &port_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let alive = supervisor.service_alive();
        if ready && alive {
            return Ok(());
        }
        if !alive {
            return Err(("postgres exited during startup".to_owned(), true));
        }
        if start.elapsed() >= READY_TIMEOUT {
            return Err((format!("postgres not ready after {READY_TIMEOUT:?}"), false));
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_databases_on_one_cluster() {
        let Some(a) = TempPostgres::new() else {
            return;
        };
        let b = TempPostgres::new().expect("cluster is already running");
        assert_ne!(a.url, b.url);
        assert_ne!(a.database_name(), b.database_name());
        assert_eq!(
            a.port(),
            b.port(),
            "both databases live on the same cluster"
        );
        for db in [&a, &b] {
            assert!(
                db.url
                    .starts_with(&format!("postgres://postgres@127.0.0.1:{}/", db.port()))
            );
            assert!(db.url.ends_with(db.database_name()));
            let out = db
                .command("psql")
                .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                .arg(&db.url)
                .args(["-c", "select 1"])
                .output()
                .expect("run psql");
            assert!(
                out.status.success(),
                "psql failed: {}",
                describe_output(&out)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
        }
    }

    #[test]
    fn concurrent_databases_are_distinct() {
        let handles: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(TempPostgres::new))
            .collect();
        let mut urls: Vec<String> = handles
            .into_iter()
            .filter_map(|h| h.join().expect("TempPostgres::new panicked"))
            .map(|db| db.url)
            .collect();
        let created = urls.len();
        urls.sort();
        urls.dedup();
        assert_eq!(urls.len(), created);
    }
}
