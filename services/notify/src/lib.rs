//! Delivers the outbox through [`Channel`]s: e-mail over SMTP ([`Smtp`], lettre) when
//! `SMTP_URL` is set, otherwise a directory of text files ([`Mailbox`], a developer's
//! mailbox). Messages to phone numbers go to the phone channel, a [`Mailbox`] until a Zalo or
//! SMS provider is added behind the same trait. Only a message's id and kind are logged, so
//! links with secrets in them never reach the logs.

use ketnoi_db::Db;
use ketnoi_db::outbox::{self, Message};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Db(#[from] ketnoi_db::DbError),
    #[error("channel: {0}")]
    Channel(#[from] ChannelError),
}

/// Why a channel could not send a message (it is retried later, with backoff).
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("address: {0}")]
    Address(String),
    #[error("smtp: {0}")]
    Smtp(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ChannelError>> + Send + 'a>>;

/// A way out of the platform: e-mail, a directory, later Zalo or SMS.
pub trait Channel: Send + Sync {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a>;
}

/// One `<id>.txt` file per message in a directory.
#[derive(Debug, Clone)]
pub struct Mailbox(pub PathBuf);

impl Channel for Mailbox {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            // Messages hold password-reset links: the directory and files are the owner's only.
            let mut dir = tokio::fs::DirBuilder::new();
            dir.recursive(true);
            #[cfg(unix)]
            dir.mode(0o700);
            dir.create(&self.0).await?;
            let text = format!(
                "To: {}\nSubject: {}\nKind: {}\n\n{}\n",
                m.recipient, m.subject, m.kind, m.body
            );
            let mut file = tokio::fs::OpenOptions::new();
            file.write(true).create(true).truncate(true);
            #[cfg(unix)]
            file.mode(0o600);
            let mut file = file.open(self.0.join(format!("{:08}.txt", m.id))).await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, text.as_bytes()).await?;
            tokio::io::AsyncWriteExt::flush(&mut file).await?;
            Ok(())
        })
    }
}

/// E-mail over SMTP (lettre). `url`: `smtp://host:port` (plain, a local relay),
/// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host` (TLS).
pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> Result<Smtp, ChannelError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| ChannelError::Smtp(e.to_string()))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| ChannelError::Address(e.to_string()))?;
        Ok(Smtp { transport, from })
    }
}

impl Channel for Smtp {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        use lettre::AsyncTransport;
        Box::pin(async move {
            let to = m
                .recipient
                .parse()
                .map_err(|e: lettre::address::AddressError| ChannelError::Address(e.to_string()))?;
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&m.subject)
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .header(ContentLanguage(m.locale.clone()))
                .body(m.body.clone())
                .map_err(|e| ChannelError::Smtp(e.to_string()))?;
            self.transport
                .send(email)
                .await
                .map_err(|e| ChannelError::Smtp(e.to_string()))?;
            Ok(())
        })
    }
}

/// `Content-Language`, so a mail client knows a Vietnamese message from an English one.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The channel for each kind of recipient.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn Channel>,
    /// Phone numbers (a sign-up by phone): no provider yet.
    pub phone: Arc<dyn Channel>,
}

impl Channels {
    /// Everything into one directory (development, tests).
    pub fn mailbox(dir: PathBuf) -> Channels {
        let mailbox: Arc<dyn Channel> = Arc::new(Mailbox(dir));
        Channels {
            email: mailbox.clone(),
            phone: mailbox,
        }
    }

    fn for_recipient(&self, recipient: &str) -> &dyn Channel {
        if recipient.contains('@') {
            self.email.as_ref()
        } else {
            self.phone.as_ref()
        }
    }
}

/// Messages read from the outbox at a time.
const BATCH: i64 = 50;
/// Batches in one pass at most: a pass drains a burst (a full event's confirmations, then
/// the waiting list's promotion) rather than leaving its tail to the next minute.
const BATCHES_PER_PASS: usize = 20;

/// Sends every due message once; failures are rescheduled with backoff. Returns how many
/// were sent.
pub async fn deliver_due(db: &Db, channels: &Channels) -> Result<usize, NotifyError> {
    let mut sent = 0;
    for _ in 0..BATCHES_PER_PASS {
        let (tried, ok) = deliver_batch(db, channels).await?;
        sent += ok;
        if tried < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(sent)
}

/// One batch: (messages tried, messages sent).
async fn deliver_batch(db: &Db, channels: &Channels) -> Result<(usize, usize), NotifyError> {
    let due = outbox::due(db.conn(), ketnoi_db::now(), BATCH).await?;
    let tried = due.len();
    let mut sent = 0;
    for m in due {
        match channels.for_recipient(&m.recipient).send(&m).await {
            Ok(()) => {
                if outbox::mark_sent(db.conn(), m.id, ketnoi_db::now()).await? {
                    sent += 1;
                    tracing::info!(id = m.id, kind = %m.kind, "message delivered");
                }
            }
            Err(e) => {
                tracing::warn!(id = m.id, kind = %m.kind, error = %e, "delivery failed; will retry");
                outbox::mark_failed(db.conn(), m.id, m.attempts, &e.to_string()).await?;
            }
        }
    }
    Ok((tried, sent))
}

/// Delivers the outbox every `every` until `stop` resolves.
pub async fn run(
    db: Db,
    channels: Channels,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = deliver_due(&db, &channels).await {
            tracing::error!(error = %e, "outbox delivery failed");
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn mailbox_files_and_their_directory_are_the_owners_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data").join("mail");
        let message = Message {
            id: 7,
            kind: "password_reset".into(),
            recipient: "lan@example.com".into(),
            locale: "vi".into(),
            subject: "Đặt lại mật khẩu".into(),
            body: "https://ketnoi.example/reset/secret-token".into(),
            attempts: 0,
            created_at: chrono::Utc::now(),
            sent_at: None,
        };
        Mailbox(dir.clone()).send(&message).await.unwrap();
        let file = dir.join("00000007.txt");
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("secret-token")
        );
        assert_eq!(mode(&file), 0o600, "message file");
        assert_eq!(mode(&dir), 0o700, "mail directory");
        assert_eq!(
            mode(&tmp.path().join("data")),
            0o700,
            "parent created with it"
        );
    }
}
