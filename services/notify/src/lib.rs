//! Delivers the outbox. Until e-mail, Zalo and SMS exist, the sink writes each message to a
//! file in a directory (a developer's mailbox) and logs only its id and kind, so links with
//! secrets in them never reach the logs.

use ketnoi_db::Db;
use ketnoi_db::outbox::{self, Message};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Db(#[from] ketnoi_db::DbError),
    #[error("sink: {0}")]
    Sink(#[from] std::io::Error),
}

/// Where messages go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// One `<id>.txt` file per message in this directory.
    Directory(PathBuf),
}

impl Sink {
    async fn send(&self, m: &Message) -> Result<(), std::io::Error> {
        match self {
            Sink::Directory(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let text = format!(
                    "To: {}\nSubject: {}\nKind: {}\n\n{}\n",
                    m.recipient, m.subject, m.kind, m.body
                );
                tokio::fs::write(dir.join(format!("{:08}.txt", m.id)), text).await
            }
        }
    }
}

/// Sends every due message once; failures are rescheduled with backoff. Returns how many
/// were sent.
pub async fn deliver_due(db: &Db, sink: &Sink) -> Result<usize, NotifyError> {
    let due = outbox::due(db.conn(), ketnoi_db::now(), 50).await?;
    let mut sent = 0;
    for m in due {
        match sink.send(&m).await {
            Ok(()) => {
                if outbox::mark_sent(db.conn(), m.id, ketnoi_db::now()).await? {
                    sent += 1;
                    tracing::info!(id = m.id, kind = %m.kind, "message delivered");
                }
            }
            Err(e) => {
                tracing::warn!(id = m.id, error = %e, "delivery failed; will retry");
                outbox::mark_failed(db.conn(), m.id, m.attempts, &e.to_string()).await?;
            }
        }
    }
    Ok(sent)
}

/// Delivers the outbox every `every` until `stop` resolves.
pub async fn run(db: Db, sink: Sink, every: Duration, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = deliver_due(&db, &sink).await {
            tracing::error!(error = %e, "outbox delivery failed");
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
