//! Polling helpers for async tests: wait until a condition holds, with a timeout.

use std::future::Future;
use std::time::Duration;

const POLL: Duration = Duration::from_millis(50);

/// Polls `f` (every 50 ms) until it returns `Some(value)`, then returns the value.
/// Errs with "timed out after ... waiting for {what}" once `timeout` has passed.
/// `f` is always called at least once, and once more right at the deadline.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = tokio::time::Instant::now();
    loop {
        if let Some(value) = f().await {
            return Ok(value);
        }
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            anyhow::bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(POLL.min(timeout - elapsed)).await;
    }
}

/// [`eventually`] for boolean conditions: `Ok(())` once `f` returns `true`.
pub async fn eventually_true<F, Fut>(what: &str, timeout: Duration, mut f: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually(what, timeout, || {
        let condition = f();
        async move { condition.await.then_some(()) }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn returns_value_once_condition_holds() {
        let calls = Arc::new(AtomicU32::new(0));
        let value = eventually("third call", Duration::from_secs(5), || {
            let calls = calls.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                (n >= 3).then_some(n * 10)
            }
        })
        .await
        .unwrap();
        assert_eq!(value, 30);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn errs_after_timeout() {
        let start = std::time::Instant::now();
        let err = eventually::<(), _, _>("the impossible", Duration::from_millis(200), || async {
            None
        })
        .await
        .unwrap_err();
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        let message = err.to_string();
        assert!(message.contains("the impossible"), "{message}");
        assert!(message.contains("timed out"), "{message}");
    }

    #[tokio::test]
    async fn boolean_variant() {
        let mut n = 0;
        eventually_true("n reaches 2", Duration::from_secs(5), || {
            n += 1;
            let done = n >= 2;
            async move { done }
        })
        .await
        .unwrap();
        assert_eq!(n, 2);
        let err = eventually_true("never", Duration::from_millis(60), || async { false }).await;
        assert!(err.is_err());
    }
}
