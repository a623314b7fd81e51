//! Slowing down password guessing without locking the owner out.
//!
//! Failed sign-ins are counted per (client address, account) pair. The first
//! [`SignInThrottle::free`] failures cost nothing; after that each failure doubles the wait
//! before that pair may try again (1 s, 2 s, 4 s, … up to [`MAX_WAIT`]). A success clears the
//! pair. Because the key includes the address, someone guessing from one address never
//! delays the owner signing in from another: there is no account lockout to abuse.
//! Guessing across many addresses is held back by the per-address limit on all sign-ins
//! and by the cost of Argon2id.
//!
//! Counts live in memory (bounded, forgotten after an hour without failures): several
//! server processes each keep their own.

use moka::sync::Cache;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The longest wait imposed between two attempts of one pair.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    not_before: Instant,
}

pub struct SignInThrottle {
    free: u32,
    failures: Cache<(IpAddr, String), Failures>,
}

impl SignInThrottle {
    /// `free` failures per pair before waits begin.
    pub fn new(free: u32) -> SignInThrottle {
        SignInThrottle {
            free,
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
        }
    }

    /// `Err(wait)` when this pair must wait before trying again.
    pub fn check(&self, ip: IpAddr, account: &str) -> Result<(), Duration> {
        self.check_at(ip, account, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, account: &str, now: Instant) -> Result<(), Duration> {
        match self.failures.get(&(ip, account.to_owned())) {
            Some(f) if f.not_before > now => Err(f.not_before - now),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the wait now imposed on the pair (zero while free).
    pub fn failed(&self, ip: IpAddr, account: &str) -> Duration {
        self.failed_at(ip, account, Instant::now())
    }

    fn failed_at(&self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        let key = (ip, account.to_owned());
        let count = self.failures.get(&key).map_or(0, |f| f.count) + 1;
        let wait = self.wait_after(count);
        self.failures.insert(
            key,
            Failures {
                count,
                not_before: now + wait,
            },
        );
        wait
    }

    /// Forgets the pair's failures (after a successful sign-in).
    pub fn succeeded(&self, ip: IpAddr, account: &str) {
        self.failures.invalidate(&(ip, account.to_owned()));
    }

    fn wait_after(&self, count: u32) -> Duration {
        if count <= self.free {
            return Duration::ZERO;
        }
        let doublings = (count - self.free - 1).min(20);
        Duration::from_secs(1u64 << doublings).min(MAX_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 9));

    #[test]
    fn waits_double_after_the_free_failures_and_stop_at_the_cap() {
        let t = SignInThrottle::new(3);
        let now = Instant::now();
        let waits: Vec<u64> = (0..8)
            .map(|_| t.failed_at(A, "chi@example.com", now).as_secs())
            .collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16]);
        for _ in 0..40 {
            t.failed_at(A, "chi@example.com", now);
        }
        assert_eq!(t.check_at(A, "chi@example.com", now), Err(MAX_WAIT));
    }

    #[test]
    fn another_address_or_account_is_not_held_back_and_success_clears() {
        let t = SignInThrottle::new(2);
        let now = Instant::now();
        for _ in 0..50 {
            t.failed_at(A, "chi@example.com", now);
        }
        assert!(t.check_at(A, "chi@example.com", now).is_err());
        assert_eq!(t.check_at(B, "chi@example.com", now), Ok(()));
        assert_eq!(t.check_at(A, "lan@example.com", now), Ok(()));
        // Once the wait is over the pair may try again; a success forgets everything.
        assert_eq!(t.check_at(A, "chi@example.com", now + MAX_WAIT), Ok(()));
        t.succeeded(A, "chi@example.com");
        assert_eq!(t.check_at(A, "chi@example.com", now), Ok(()));
    }
}
