//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 passes), off the async
//! threads and in a bounded pool.
//!
//! Each hash holds 19 MiB for as long as it runs, so the number running at once is capped
//! (one per core by default) and so is the queue in front of them: beyond it a caller gets
//! [`Busy`] at once (the web answers 503 with `Retry-After`) instead of piling up memory.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Hashes waiting for a worker, at most, on top of those running.
pub const QUEUE: usize = 64;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Every worker is busy and the queue is full: try again in a few seconds.
    #[error("password hashing is saturated")]
    Busy,
    #[error("argon2: {0}")]
    Internal(String),
}

impl Error {
    /// Seconds a client should wait before trying again.
    pub const RETRY_AFTER_SECS: u64 = 2;
}

struct Pool {
    workers: std::sync::Arc<Semaphore>,
    /// Admitted calls: running plus waiting.
    admitted: AtomicUsize,
    capacity: usize,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    Pool::new(
        std::thread::available_parallelism().map_or(2, usize::from),
        QUEUE,
    )
});

/// A place in a pool, given back on drop (also when the caller's future is dropped).
struct Admission<'a>(&'a Pool);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    fn new(workers: usize, queue: usize) -> Pool {
        let workers = workers.max(1);
        Pool {
            workers: std::sync::Arc::new(Semaphore::new(workers)),
            admitted: AtomicUsize::new(0),
            capacity: workers + queue,
        }
    }

    fn admit(&self) -> Result<Admission<'_>, Error> {
        let mut seen = self.admitted.load(Ordering::Relaxed);
        loop {
            if seen >= self.capacity {
                return Err(Error::Busy);
            }
            match self.admitted.compare_exchange_weak(
                seen,
                seen + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(Admission(self)),
                Err(now) => seen = now,
            }
        }
    }

    /// Runs `work` on a blocking thread once a worker is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let admission = self.admit()?;
        let permit = std::sync::Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        // The permit goes with the work: a dropped request does not free its worker
        // before the hash has really finished.
        let out = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()));
        drop(admission);
        out
    }
}

/// A real hash of a random password: verifying against it when the account does not exist
/// makes "unknown account" take as long as "wrong password".
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"ketnoi-timing-equaliser")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

pub async fn hash(password: String) -> Result<String, Error> {
    POOL.run(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(e.to_string()))
    })
    .await?
}

/// Checks `password` against a stored PHC string; `None` runs a dummy check and fails.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Error> {
    POOL.run(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = super::hash("mật khẩu dài".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            super::verify("mật khẩu dài".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!super::verify("mat khau dai".into(), Some(h)).await.unwrap());
        assert!(!super::verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_queue_callers_are_told_to_come_back() {
        static SMALL: std::sync::LazyLock<super::Pool> =
            std::sync::LazyLock::new(|| super::Pool::new(1, 3));
        let slow = || std::thread::sleep(std::time::Duration::from_millis(300));
        let calls: Vec<_> = (0..10).map(|_| tokio::spawn(SMALL.run(slow))).collect();
        let mut busy = 0;
        for c in calls {
            match c.await.unwrap() {
                Ok(()) => {}
                Err(super::Error::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(
            busy, 6,
            "one running and three waiting; the other six refused"
        );
        // Places are given back: the pool takes work again.
        assert!(SMALL.run(|| ()).await.is_ok());
    }
}
