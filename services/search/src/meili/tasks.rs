//! Meilisearch's tasks, waited for, and its errors as [`SearchError`]s.

use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;

use crate::{Result, SearchError};

const TASK_POLL: Duration = Duration::from_millis(25);

fn is_unavailable(e: &MeiliError) -> bool {
    match e {
        // The SDK's HTTP client failed: no connection, timeout, broken body.
        MeiliError::HttpError(_) => true,
        // A proxy in front of Meilisearch (502/503/504), or Meilisearch without an answer.
        MeiliError::MeilisearchCommunication(c) => c.status_code >= 500,
        // Its task queue did not get to our write in time.
        MeiliError::Timeout => true,
        _ => false,
    }
}

pub(super) fn meili_err(e: MeiliError) -> SearchError {
    if is_unavailable(&e) {
        SearchError::Unavailable(format!("meilisearch: {e}"))
    } else {
        SearchError::Index(format!("meilisearch: {e}"))
    }
}

pub(super) fn is_code(e: &MeiliError, code: ErrorCode) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == code)
}

/// Waits until a task has finished (`Unavailable` when it takes longer than `timeout`).
pub(super) async fn wait_task(client: &Client, task: TaskInfo, timeout: Duration) -> Result<Task> {
    task.wait_for_completion(client, Some(TASK_POLL), Some(timeout))
        .await
        .map_err(meili_err)
}

/// Waits for a task; a failed task is an `Index` error with Meilisearch's message and code.
pub(super) async fn wait(client: &Client, task: TaskInfo, timeout: Duration) -> Result<()> {
    check(wait_task(client, task, timeout).await?)
}

/// `Ok` for a task that succeeded.
pub(super) fn check(task: Task) -> Result<()> {
    match task {
        Task::Succeeded { .. } => Ok(()),
        Task::Failed { content } => Err(SearchError::Index(format!(
            "meilisearch task {} failed: {} ({})",
            content.task.uid,
            content.error.error_message,
            serde_json::to_value(&content.error.error_code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{:?}", content.error.error_code)),
        ))),
        Task::Enqueued { .. } | Task::Processing { .. } => Err(SearchError::Unavailable(
            "meilisearch task did not finish in time".into(),
        )),
    }
}
