//! Digests of unread messages. The worker calls [`enqueue_due`] every minute: each person
//! with messages left unread for `delay` (and in no earlier digest) gets one message, in her
//! language, listing those conversations with a link to each: by e-mail, or on the phone
//! channel for an account made with a phone (its SMS is the subject and the first link).
//! The message goes into the outbox in the same transaction that records what it mentioned,
//! so a digest is neither lost nor sent twice; the outbox delivers it with retries.

use crate::i18n;
use ketnoi_db::digests::{self, Unread};
use ketnoi_db::outbox::{self, NewMessage};
use ketnoi_db::{Db, Result};
use ketnoi_domain::Locale;

/// How many conversations one pass looks at (the rest wait for the next pass).
const PASS_LIMIT: i64 = 2000;
/// Characters of the last message a digest quotes.
const EXCERPT_CHARS: usize = 140;

/// Queues the digests that are due; returns how many.
pub async fn enqueue_due(db: &Db, public_url: &str, delay: std::time::Duration) -> Result<usize> {
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    let cutoff = ketnoi_db::now()
        .checked_sub_signed(delay)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let due = digests::due(db.conn(), cutoff, PASS_LIMIT).await?;
    let mut queued = 0;
    for person in due.chunk_by(|a, b| a.user_id == b.user_id) {
        let Some(first) = person.first() else {
            continue;
        };
        let locale = Locale::from_code(&first.locale).unwrap_or_default();
        let (subject, body) = compose(locale, public_url, person);
        let mut tx = db.begin().await?;
        outbox::enqueue(
            tx.conn(),
            &NewMessage {
                kind: "digest",
                recipient: &first.contact,
                locale: locale.code(),
                subject: &subject,
                body: &body,
            },
        )
        .await?;
        for c in person {
            digests::mark_notified(tx.conn(), c.conversation_id, c.user_id, c.last_seq).await?;
        }
        tx.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out.replace(['\r', '\n'], " ")
}

/// The digest's subject and plain-text body.
fn compose(locale: Locale, public_url: &str, conversations: &[Unread]) -> (String, String) {
    let total: i64 = conversations.iter().map(|c| c.unread.max(1)).sum();
    let subject = i18n::t_args(locale, "digest-subject", &[("count", total.to_string())]);
    let base = public_url.trim_end_matches('/');
    let mut body = i18n::t(locale, "digest-intro");
    body.push_str("\n\n");
    for c in conversations {
        let title = c
            .title
            .clone()
            .unwrap_or_else(|| i18n::t(locale, "msg-conversation"));
        body.push_str(&i18n::t_args(
            locale,
            "digest-line",
            &[("title", title), ("count", c.unread.max(1).to_string())],
        ));
        body.push('\n');
        let sender = c.last_sender.clone().unwrap_or_default();
        body.push_str(&format!("  {sender}: “{}”\n", excerpt(&c.last_body)));
        body.push_str(&format!("  {base}/conversations/{}\n\n", c.conversation_id));
    }
    body.push_str(&i18n::t_args(
        locale,
        "digest-footer",
        &[("link", format!("{base}/account"))],
    ));
    body.push('\n');
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_and_kept_on_one_line() {
        let long = "Mật ong hoa nhãn\n".repeat(20);
        let e = excerpt(&long);
        assert!(e.ends_with('…'));
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(!e.contains('\n'));
        assert_eq!(excerpt("Chào chị"), "Chào chị");
    }
}
