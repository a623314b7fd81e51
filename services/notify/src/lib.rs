//! Delivers the outbox through [`Channel`]s: e-mail over SMTP ([`Smtp`], lettre) when
//! `SMTP_URL` is set, otherwise a directory of text files ([`Mailbox`], a developer's
//! mailbox). Messages to phone numbers go to the [`Phone`] channel: Zalo ZNS templates
//! ([`zns`]) and/or an SMS gateway ([`sms`]), ZNS first and SMS for whoever ZNS cannot reach;
//! a [`Mailbox`] when neither is configured. Each person's choice ([`PhoneChannel`]: Zalo
//! first, SMS only, or no phone notices) is looked up when her message comes due. A failure a
//! retry may cure is retried with the
//! outbox's backoff; one it cannot is given up and reported to the platform administrators.
//! Only a message's id and kind are logged, never its recipient, text or a provider's token.

pub mod callbacks;
pub mod forms;
pub mod sms;
pub mod zns;

use chrono::{DateTime, Utc};
use ketnoi_db::Db;
use ketnoi_db::outbox::{self, Message, NewMessage};
pub use ketnoi_domain::contact::PhoneChannel;
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

/// Why a channel could not send a message. [`ChannelError::is_permanent`] tells a failure the
/// outbox retries with backoff from one it gives up on.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("address: {0}")]
    Address(String),
    #[error("smtp: {0}")]
    Smtp(String),
    /// The provider could not take it now (timeout, 5xx, rate limit, "try later", quota):
    /// retried, not before `retry_after` when the provider said so.
    #[error("{provider}: {detail}")]
    Transient {
        provider: &'static str,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// Refused in a way a retry cannot change (unknown template, rejected parameters).
    #[error("{provider}: {detail}")]
    Permanent {
        provider: &'static str,
        detail: String,
    },
    /// This provider cannot carry it to this person (not on Zalo, an invalid number, no
    /// template for its kind): another provider may; if none can, it is given up.
    #[error("{provider}: cannot reach the recipient: {detail}")]
    Unreachable {
        provider: &'static str,
        detail: String,
    },
}

impl ChannelError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ChannelError::Permanent { .. } | ChannelError::Unreachable { .. }
        )
    }

    /// How long the provider asked us to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ChannelError::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The phone number of a recipient in the 84… form the providers take; an unreadable number
/// cannot be reached by any of them.
pub fn phone_84(provider: &'static str, recipient: &str) -> Result<String, ChannelError> {
    ketnoi_domain::contact::Phone::parse(recipient)
        .map(|p| p.as_str().trim_start_matches('+').to_owned())
        .map_err(|_| ChannelError::Unreachable {
            provider,
            detail: "not a Vietnamese mobile number".into(),
        })
}

/// The HTTP client of the phone providers: bounded waits, so a provider that hangs is a
/// retry, not a stuck worker.
fn http_client() -> Result<reqwest::Client, ChannelError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| ChannelError::Transient {
            provider: "http",
            detail: e.to_string(),
            retry_after: None,
        })
}

/// A provider that could not be reached or did not answer in time: try again later. The
/// URL is left out (it names the provider, nothing secret, but keeps logs short).
fn transport_error(provider: &'static str, e: reqwest::Error) -> ChannelError {
    ChannelError::Transient {
        provider,
        detail: e.without_url().to_string(),
        retry_after: None,
    }
}

/// A provider's answer as JSON, after its HTTP status: 408, 425, 429 and 5xx are retried
/// (after `Retry-After` seconds when given), any other non-2xx refuses the message.
async fn read_answer<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    answer: reqwest::Response,
) -> Result<T, ChannelError> {
    let status = answer.status();
    if !status.is_success() {
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(24 * 3600)));
        let detail = format!("HTTP {}", status.as_u16());
        return Err(
            if status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429) {
                ChannelError::Transient {
                    provider,
                    detail,
                    retry_after,
                }
            } else {
                ChannelError::Permanent { provider, detail }
            },
        );
    }
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| transport_error(provider, e))?;
    serde_json::from_slice(&bytes).map_err(|_| ChannelError::Transient {
        provider,
        detail: "unreadable answer".into(),
        retry_after: None,
    })
}

/// A provider's own words about a refusal, kept short for `last_error` and the report.
fn cut_detail(s: &str) -> String {
    forms::cut(&forms::one_line(s), 120)
}

/// Phone messages through ZNS first and SMS for whoever ZNS cannot reach (not on Zalo, no
/// template for the kind); either alone when only one is configured. Someone who chose SMS
/// only is never sent a ZNS message.
pub struct Phone {
    pub zns: Option<zns::Zns>,
    pub sms: Option<sms::Sms>,
}

impl Channel for Phone {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        self.send_by(m, PhoneChannel::default())
    }

    fn send_by<'a>(&'a self, m: &'a Message, way: PhoneChannel) -> SendFuture<'a> {
        Box::pin(async move {
            let first = match (&self.zns, way) {
                (_, PhoneChannel::Sms) => Err(ChannelError::Unreachable {
                    provider: "zns",
                    detail: "the recipient chose SMS only".into(),
                }),
                (Some(z), _) => z.send(m).await,
                (None, _) => Err(ChannelError::Unreachable {
                    provider: "zns",
                    detail: "not configured".into(),
                }),
            };
            match (first, &self.sms) {
                (Err(ChannelError::Unreachable { .. }), Some(s)) => {
                    if self.zns.is_some() && way != PhoneChannel::Sms {
                        tracing::info!(id = m.id, kind = %m.kind, "not reachable by ZNS; sending by SMS");
                    }
                    s.send(m).await
                }
                (Err(ChannelError::Unreachable { .. }), None) if way == PhoneChannel::Sms => {
                    Err(ChannelError::Unreachable {
                        provider: "sms",
                        detail: "not configured, and the recipient chose SMS only".into(),
                    })
                }
                (r, _) => r,
            }
        })
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ChannelError>> + Send + 'a>>;

/// A way out of the platform: e-mail, a directory, Zalo ZNS and SMS.
pub trait Channel: Send + Sync {
    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a>;

    /// Sends `m` to a phone the way its owner chose; a channel with one way of sending (a
    /// mailbox) ignores the choice.
    fn send_by<'a>(&'a self, m: &'a Message, way: PhoneChannel) -> SendFuture<'a> {
        let _ = way;
        self.send(m)
    }
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
    /// Phone numbers (a sign-up by phone): [`Phone`], or a [`Mailbox`] without a provider.
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
}

/// Messages read from the outbox at a time.
const BATCH: i64 = 50;
/// Batches in one pass at most: a pass drains a burst (a full event's confirmations, then
/// the waiting list's promotion) rather than leaving its tail to the next minute.
const BATCHES_PER_PASS: usize = 20;

fn is_phone(recipient: &str) -> bool {
    !recipient.contains('@')
}

/// A phone recipient as `users.phone` and `phone_opt_outs` store it (E.164), whichever way it
/// was written; as written when it is not a mobile number.
fn phone_key(recipient: &str) -> String {
    ketnoi_domain::contact::Phone::parse(recipient)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| recipient.to_owned())
}

/// Why a notice to a phone was not sent (`outbox.last_error`, with `failed_at` set).
pub const TURNED_OFF: &str = "not sent: the recipient turned phone notices off";

/// Sends every due message once; failures are rescheduled with backoff, or given up and
/// reported when a retry cannot help. Returns how many were sent.
pub async fn deliver_due(db: &Db, channels: &Channels) -> Result<usize, NotifyError> {
    deliver_due_at(db, channels, ketnoi_db::now()).await
}

/// [`deliver_due`] as of `now` (tests move time forward instead of waiting).
pub async fn deliver_due_at(
    db: &Db,
    channels: &Channels,
    now: DateTime<Utc>,
) -> Result<usize, NotifyError> {
    let mut sent = 0;
    for _ in 0..BATCHES_PER_PASS {
        let (tried, ok) = deliver_batch(db, channels, now).await?;
        sent += ok;
        if tried < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(sent)
}

/// One batch: (messages tried, messages sent).
async fn deliver_batch(
    db: &Db,
    channels: &Channels,
    now: DateTime<Utc>,
) -> Result<(usize, usize), NotifyError> {
    let due = outbox::due(db.conn(), now, BATCH).await?;
    let tried = due.len();
    let mut sent = 0;
    for m in due {
        let outcome = if is_phone(&m.recipient) {
            let way = outbox::phone_channel(db.conn(), &phone_key(&m.recipient)).await?;
            if way == PhoneChannel::Off && !forms::asked_for(&m.kind) {
                // Done with, not failed: nobody is alarmed and it is never tried again; the
                // reason stays on the message.
                outbox::mark_failed_permanently(db.conn(), m.id, TURNED_OFF, now).await?;
                tracing::info!(id = m.id, kind = %m.kind, "phone notices turned off by the recipient; message not sent");
                continue;
            }
            channels.phone.send_by(&m, way).await
        } else {
            channels.email.send(&m).await
        };
        match outcome {
            Ok(()) => {
                if outbox::mark_sent(db.conn(), m.id, now).await? {
                    sent += 1;
                    tracing::info!(id = m.id, kind = %m.kind, "message delivered");
                }
            }
            Err(e) if e.is_permanent() => {
                tracing::warn!(id = m.id, kind = %m.kind, error = %e, "delivery failed for good; reported");
                give_up(db, &m, &e, now).await?;
            }
            Err(e) => {
                tracing::warn!(id = m.id, kind = %m.kind, error = %e, "delivery failed; will retry");
                let retry_after = e
                    .retry_after()
                    .and_then(|d| chrono::Duration::from_std(d).ok());
                outbox::mark_failed_at(
                    db.conn(),
                    m.id,
                    m.attempts,
                    &e.to_string(),
                    now,
                    retry_after,
                )
                .await?;
            }
        }
    }
    Ok((tried, sent))
}

/// The kind of the message that tells administrators a message was given up.
pub const DELIVERY_FAILED: &str = "delivery_failed";

/// Marks a message failed for good and, in the same transaction, queues a notice to each
/// platform administrator (naming the message's id and kind and the provider's reason, not
/// its recipient or text). A failed notice is not itself reported, so failures cannot echo.
async fn give_up(
    db: &Db,
    m: &Message,
    e: &ChannelError,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    let reason = e.to_string();
    let mut tx = db.begin().await?;
    if outbox::mark_failed_permanently(tx.conn(), m.id, &reason, now).await?
        && m.kind != DELIVERY_FAILED
    {
        for (recipient, locale) in outbox::administrators(tx.conn()).await? {
            let (subject, body) = failure_notice(&locale, m, &reason);
            outbox::enqueue(
                tx.conn(),
                &NewMessage {
                    kind: DELIVERY_FAILED,
                    recipient: &recipient,
                    locale: &locale,
                    subject: &subject,
                    body: &body,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn failure_notice(locale: &str, m: &Message, reason: &str) -> (String, String) {
    if locale == "en" {
        (
            format!("Message #{} ({}) could not be delivered", m.id, m.kind),
            format!(
                "Message #{} of kind {}, queued {}, was given up after {} attempt(s) and will not be retried.\n\nReason: {reason}\n\nCheck the phone channel's configuration (templates, brandname, credentials); see docs/operations.md, \"Phone channel\".",
                m.id,
                m.kind,
                m.created_at.format("%Y-%m-%d %H:%M UTC"),
                m.attempts + 1
            ),
        )
    } else {
        (
            format!("Tin nhắn #{} ({}) không gửi được", m.id, m.kind),
            format!(
                "Tin nhắn #{} loại {}, tạo lúc {}, đã bị bỏ sau {} lần gửi và sẽ không được gửi lại.\n\nLý do: {reason}\n\nHãy kiểm tra cấu hình kênh điện thoại (mẫu ZNS, brandname, khóa truy cập); xem docs/operations.md, mục \"Phone channel\".",
                m.id,
                m.kind,
                m.created_at.format("%Y-%m-%d %H:%M UTC"),
                m.attempts + 1
            ),
        )
    }
}

/// Stops phone notices to a number (any common way of writing it); notices already queued
/// for it are not sent when they come due, what she asks for herself still is
/// ([`forms::ASKED_FOR`]). The account page's "no phone notices" writes the same record
/// (`outbox::set_phone_channel`).
pub async fn opt_out(db: &Db, phone: &str) -> Result<(), NotifyError> {
    let phone = ketnoi_domain::contact::Phone::parse(phone).map_err(|_| {
        NotifyError::Channel(ChannelError::Unreachable {
            provider: "opt-out",
            detail: "not a Vietnamese mobile number".into(),
        })
    })?;
    outbox::opt_out(db.conn(), phone.as_str()).await?;
    Ok(())
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
