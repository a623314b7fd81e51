//! The phone form of every message the product sends: which kinds exist ([`PHONE_FORMS`],
//! checked against the code that queues them by `tests/phone_forms.rs`), which of them
//! someone asked for herself ([`ASKED_FOR`], sent even when she turned phone notices off),
//! the SMS text of a message (at most [`SMS_MAX_CHARS`] characters, cut on a word boundary,
//! its link kept), and the pieces a Zalo template's parameters are filled from.

use ketnoi_db::outbox::Message;

/// The most characters an SMS (and a ZNS template) carries.
pub const SMS_MAX_CHARS: usize = 400;

/// How a kind of message reads as an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsForm {
    /// The subject and the message's first link: for messages whose point is the link
    /// (confirm a sign-up, reset a password, read the digest on the site).
    SubjectAndLink,
    /// The subject and the body, cut to fit, with the first link kept at the end.
    SubjectAndBody,
}

/// Every kind of message queued in the outbox, with its SMS form. A kind queued in the code
/// but missing here fails `tests/phone_forms.rs`; `ZNS_TEMPLATES` must map each of them.
pub const PHONE_FORMS: &[(&str, SmsForm)] = &[
    ("signup_confirm", SmsForm::SubjectAndLink),
    ("signup_exists", SmsForm::SubjectAndLink),
    ("password_reset", SmsForm::SubjectAndLink),
    ("digest", SmsForm::SubjectAndLink),
    ("order", SmsForm::SubjectAndBody),
    ("event_confirmed", SmsForm::SubjectAndBody),
    ("event_waitlisted", SmsForm::SubjectAndBody),
    ("event_promoted", SmsForm::SubjectAndBody),
    ("b2b_agenda", SmsForm::SubjectAndLink),
    ("plan_reminder", SmsForm::SubjectAndBody),
    ("case_update", SmsForm::SubjectAndBody),
    ("case_reminder", SmsForm::SubjectAndBody),
    ("delivery_failed", SmsForm::SubjectAndBody),
    ("rfq", SmsForm::SubjectAndBody),
    ("quote", SmsForm::SubjectAndBody),
];

/// Kinds a person asked for herself (she signed up, she asked to reset her password): they
/// reach her phone even when she turned phone notices off. Every other kind is a notice.
pub const ASKED_FOR: &[&str] = &["signup_confirm", "signup_exists", "password_reset"];

/// Whether she asked for a message of this kind herself (see [`ASKED_FOR`]).
pub fn asked_for(kind: &str) -> bool {
    ASKED_FOR.contains(&kind)
}

/// The kinds [`PHONE_FORMS`] knows.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    PHONE_FORMS.iter().map(|(k, _)| *k)
}

/// The SMS form of a kind; a kind added without one reads as subject and body.
pub fn sms_form(kind: &str) -> SmsForm {
    PHONE_FORMS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(SmsForm::SubjectAndBody, |(_, f)| *f)
}

/// The text of `m` as an SMS: at most [`SMS_MAX_CHARS`] characters, its first link whole.
pub fn sms_text(m: &Message) -> String {
    let subject = one_line(&m.subject);
    let link = first_link(&m.body);
    let text = match (sms_form(&m.kind), link) {
        (SmsForm::SubjectAndLink, Some(_)) => subject,
        _ => {
            let body = match link {
                Some(l) => m.body.replace(l, ""),
                None => m.body.clone(),
            };
            format!("{subject}: {}", one_line(&body))
        }
    };
    match link {
        Some(l) if l.chars().count() < SMS_MAX_CHARS / 2 => {
            let room = SMS_MAX_CHARS - l.chars().count() - 1;
            format!("{} {l}", cut(&text, room))
        }
        _ => cut(&text, SMS_MAX_CHARS),
    }
}

/// Whitespace runs (line breaks included) as one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` in at most `max` characters: whole if it fits, else cut at the last space that leaves
/// room for "…" (mid-word only when one word is longer than `max`).
pub fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let head: String = s.chars().take(max - 1).collect();
    let word_ends_here = s.chars().nth(max - 1).is_some_and(char::is_whitespace);
    let kept = match head.rfind(char::is_whitespace) {
        _ if word_ends_here => head.trim_end(),
        Some(i) if i > 0 => head[..i].trim_end(),
        _ => head.as_str(),
    };
    let kept = kept.trim_end_matches([',', ';', ':', '-', '–']);
    format!("{kept}…")
}

/// The first `http://` or `https://` link in a text.
pub fn first_link(text: &str) -> Option<&str> {
    let start = [text.find("https://"), text.find("http://")]
        .into_iter()
        .flatten()
        .min()?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || ['<', '>', '"', ')'].contains(&c))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches(['.', ',', ';', '!', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, subject: &str, body: &str) -> Message {
        Message {
            id: 1,
            kind: kind.into(),
            recipient: "+84904555560".into(),
            locale: "vi".into(),
            subject: subject.into(),
            body: body.into(),
            attempts: 0,
            created_at: chrono::Utc::now(),
            sent_at: None,
        }
    }

    #[test]
    fn a_long_text_is_cut_on_a_word_boundary_with_an_ellipsis() {
        assert_eq!(cut("Chè Thái Nguyên loại một", 13), "Chè Thái…");
        assert_eq!(cut("ngắn", 10), "ngắn");
        assert_eq!(cut("abcdefghij", 5), "abcd…");
        assert_eq!(cut("một, hai ba", 6), "một…");
    }

    #[test]
    fn the_first_link_is_found_without_trailing_punctuation() {
        assert_eq!(
            first_link("Xem tại https://ketnoi.vn/orders/7. Cảm ơn"),
            Some("https://ketnoi.vn/orders/7")
        );
        assert_eq!(first_link("không có liên kết"), None);
    }

    #[test]
    fn an_sms_keeps_its_link_whole_and_stays_within_400_characters() {
        let body = format!(
            "{} Xem đơn: https://ketnoi.vn/orders/42 {}",
            "Đơn hàng của chị đã được xác nhận. ".repeat(20),
            "Cảm ơn chị.".repeat(10)
        );
        let text = sms_text(&message("order", "Đơn hàng #42", &body));
        assert!(text.chars().count() <= SMS_MAX_CHARS, "{text}");
        assert!(text.ends_with(" https://ketnoi.vn/orders/42"), "{text}");
        assert!(text.starts_with("Đơn hàng #42: Đơn hàng"), "{text}");
        assert!(text.contains('…'));
    }

    #[test]
    fn a_link_message_is_its_subject_and_link() {
        let m = message(
            "password_reset",
            "Đặt lại mật khẩu",
            "Chào chị,\n\nMở https://ketnoi.vn/reset?token=abc trong 2 giờ.",
        );
        assert_eq!(
            sms_text(&m),
            "Đặt lại mật khẩu https://ketnoi.vn/reset?token=abc"
        );
    }
}
