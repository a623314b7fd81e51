//! Settings of the use cases that the binary reads from the environment.

/// The confirmation timer's steps, counted from when the order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmTimer {
    pub remind_after: chrono::Duration,
    pub escalate_after: chrono::Duration,
    pub cancel_after: chrono::Duration,
}

impl Default for ConfirmTimer {
    fn default() -> ConfirmTimer {
        ConfirmTimer {
            remind_after: chrono::Duration::hours(12),
            escalate_after: chrono::Duration::hours(24),
            cancel_after: chrono::Duration::hours(48),
        }
    }
}
