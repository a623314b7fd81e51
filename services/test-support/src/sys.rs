//! Low-level process helpers shared by the PostgreSQL and chromedriver harnesses:
//! root detection, free ports, liveness checks and the stdin-pipe supervisor.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether an environment flag such as `KETNOI_REQUIRE_POSTGRES` is switched on.
pub(crate) fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// Whether this process runs with effective uid 0.
pub(crate) fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            // "Uid:\treal\teffective\tsaved\tfs"
            let effective = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|uid| uid.parse::<u32>().ok());
            if let Some(uid) = effective {
                return uid == 0;
            }
        }
        // Fallback: the owner of a freshly created file is our effective uid.
        tempfile::NamedTempFile::new()
            .ok()
            .and_then(|f| f.as_file().metadata().ok())
            .is_some_and(|m| m.uid() == 0)
    })
}

/// uid and gid of a local user, from /etc/passwd (falling back to `id`).
pub(crate) fn user_ids(user: &str) -> Result<(u32, u32), String> {
    if let Ok(passwd) = std::fs::read_to_string("/etc/passwd") {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() >= 4
                && fields[0] == user
                && let (Ok(uid), Ok(gid)) = (fields[2].parse(), fields[3].parse())
            {
                return Ok((uid, gid));
            }
        }
    }
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, user])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run `id {flag} {user}`: {e}"))?;
        if !out.status.success() {
            return Err(format!("user `{user}` does not exist"));
        }
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|e| format!("unexpected output of `id {flag} {user}`: {e}"))
    };
    Ok((id("-u")?, id("-g")?))
}

/// Whether `path` is an existing regular file with some execute bit set.
pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// A port that was free a moment ago (bind 127.0.0.1:0, read it, release it).
pub(crate) fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Whether `pid` is a running (non-zombie) process.
pub(crate) fn process_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) S ..." — comm may contain spaces and parentheses.
    match stat.rfind(')') {
        Some(i) => !matches!(stat[i + 1..].trim_start().chars().next(), Some('Z' | 'X')),
        None => false,
    }
}

/// The last `lines` lines of a text file (for failure messages).
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("<cannot read {}: {e}>", path.display()),
    }
}

/// Some random lowercase hex digits (std-only: SipHash with a random key).
pub(crate) fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", h.finish())
}

/// A temporary directory that is *not* deleted by Rust (the supervisor removes it).
/// When `owner` is given (we are root), the directory is created somewhere that
/// user can reach and is chowned to it.
pub(crate) fn kept_temp_dir(prefix: &str, owner: Option<(u32, u32)>) -> Result<PathBuf, String> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    let base = std::env::temp_dir();
    let dir = if owner.is_some() && !world_traversable(&base) {
        builder.tempdir_in("/tmp")
    } else {
        builder.tempdir_in(&base)
    }
    .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let path = dir.keep();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&path, Some(uid), Some(gid))
            .map_err(|e| format!("cannot chown {} to {uid}:{gid}: {e}", path.display()))?;
    }
    Ok(path)
}

/// Whether every ancestor of `path` can be traversed by other users.
fn world_traversable(path: &Path) -> bool {
    path.ancestors()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.mode() & 0o001 != 0))
}

/// Creates (or opens) a log file for appending, owned by `owner` when given.
pub(crate) fn open_log(path: &Path, owner: Option<(u32, u32)>) -> Result<File, String> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open log {}: {e}", path.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|e| format!("cannot chown {}: {e}", path.display()))?;
    }
    Ok(file)
}

/// The supervisor shell. Arguments: `$1` directory to remove at the end, `$2` log
/// file, `$3` signal to stop the service with, `$4` `pid` or `group` (signal the
/// whole process group, for services started through `setsid`), `$5` a shell
/// snippet to run first (may be empty; e.g. `initdb`), `$6...` the service
/// command line.
///
/// It runs the snippet, starts the service in the background, prints its pid
/// (or `prepare-failed`), then blocks reading stdin — a pipe whose write end
/// only the test process holds. When that process exits (however it exits,
/// even in the middle of the snippet), `read` hits EOF and the shell stops the
/// service and removes the directory. Writing `keep` instead stops the service
/// but keeps the directory (used to retry on another port).
const SUPERVISOR_SCRIPT: &str = r#"
dir=$1; log=$2; sig=$3; target=$4; prepare=$5; shift 5
# Our stdout may be a dead pipe by the time we write to it: never die of SIGPIPE.
trap '' PIPE
if [ -n "$prepare" ] && ! (eval "$prepare") >>"$log" 2>&1 </dev/null; then
  echo prepare-failed
  exec >/dev/null
  read cmd
  if [ "$cmd" != keep ]; then rm -rf "$dir"; fi
  exit 1
fi
trap - PIPE
"$@" >>"$log" 2>&1 </dev/null &
pid=$!
trap '' PIPE INT HUP TERM
echo "$pid"
exec >/dev/null
read cmd
signal_service() {
  if [ "$target" = group ]; then kill -"$1" -"$pid" 2>/dev/null; fi
  kill -"$1" "$pid" 2>/dev/null
}
signal_service "$sig"
# The service may not have installed its handlers yet (background jobs start
# with SIGINT ignored): repeat the signal every second, SIGKILL after 30 s.
(
  n=0
  while sleep 1; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then signal_service KILL; else signal_service "$sig"; fi
  done
) &
resend=$!
wait "$pid"
kill -KILL "$resend" 2>/dev/null
if [ "$cmd" != keep ]; then rm -rf "$dir"; fi
"#;

/// Quotes `s` as one word for `sh`.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A running supervisor shell (see [`SUPERVISOR_SCRIPT`]). Keep it alive for as
/// long as the service should run; it is meant to live in a `static`, never dropped.
#[derive(Debug)]
pub(crate) struct Supervisor {
    child: Child,
    stdin: ChildStdin,
    /// Pid of the supervised service.
    pub(crate) pid: u32,
}

/// How the supervised service is stopped.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StopWith {
    /// Send this signal (e.g. "INT") to the service's pid.
    Pid(&'static str),
    /// Send this signal to the service's whole process group (started via `setsid`).
    Group(&'static str),
}

impl Supervisor {
    /// Runs the `prepare` shell snippet, then starts `service` (program plus
    /// arguments), under the supervisor shell — as user `run_as` (through
    /// `runuser`) when given. Output of both goes to `log`.
    pub(crate) fn spawn(
        dir: &Path,
        log: &Path,
        stop: StopWith,
        run_as: Option<(&str, (u32, u32))>,
        prepare: &str,
        service: &[String],
    ) -> Result<Supervisor, String> {
        let stderr = open_log(log, run_as.map(|(_, ids)| ids))?;
        let mut cmd = match run_as {
            Some((user, _)) => {
                let runuser = which("runuser").ok_or("`runuser` is not installed")?;
                let mut c = Command::new(runuser);
                c.args(["-u", user, "--", "/bin/sh"]);
                c
            }
            None => Command::new("/bin/sh"),
        };
        let (sig, target) = match stop {
            StopWith::Pid(sig) => (sig, "pid"),
            StopWith::Group(sig) => (sig, "group"),
        };
        cmd.arg("-c")
            .arg(SUPERVISOR_SCRIPT)
            .arg("ketnoi-supervisor")
            .arg(dir)
            .arg(log)
            .arg(sig)
            .arg(target)
            .arg(prepare)
            .args(service)
            .current_dir(dir)
            // Own process group: a Ctrl-C or a group kill aimed at the test
            // process must not take the supervisor down before it cleans up.
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start supervisor shell: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("supervisor shell has no stdin/stdout pipe".to_owned());
        };
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        match read.map(|_| line.trim().parse::<u32>()) {
            Ok(Ok(pid)) => Ok(Supervisor { child, stdin, pid }),
            other => {
                // Read the log before closing stdin: the shell then removes the directory.
                let tail = log_tail(log, 40);
                drop(stdin);
                let status = child.wait();
                let what = if line.trim() == "prepare-failed" {
                    "preparation failed".to_owned()
                } else {
                    format!("supervisor shell did not report a pid (read: {other:?})")
                };
                Err(format!(
                    "{what} (supervisor exit: {status:?})\n--- {} (tail) ---\n{tail}",
                    log.display()
                ))
            }
        }
    }

    /// Whether the supervised service is still running.
    pub(crate) fn service_alive(&self) -> bool {
        process_alive(self.pid)
    }

    /// Stops the service but keeps the directory; waits for the supervisor to exit.
    pub(crate) fn stop_keep_dir(mut self) {
        let _ = self.stdin.write_all(b"keep\n");
        let _ = self.stdin.flush();
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// Resolves a program name the way a shell would: paths containing `/` are taken
/// as they are, bare names are looked up in `PATH` (plus the sbin directories,
/// which are often missing from non-root PATHs).
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}
