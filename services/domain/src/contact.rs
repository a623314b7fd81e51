//! E-mail addresses and Vietnamese mobile numbers, the two ways to identify an account, and
//! how someone chose to be reached on her phone.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A lower-cased, syntactically plausible e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

/// A Vietnamese mobile number in E.164 form, e.g. `+84904555560`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("invalid e-mail address")]
    InvalidEmail,
    #[error("invalid Vietnamese mobile number")]
    InvalidPhone,
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, ContactError> {
        let s = s.trim().to_lowercase();
        let (local, domain) = s.split_once('@').ok_or(ContactError::InvalidEmail)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Email(s))
        } else {
            Err(ContactError::InvalidEmail)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Phone {
    /// Accepts the ways people write Vietnamese mobiles: `0904 555 560`, `0904.555.560`,
    /// `+84 904 555 560`, `84904555560`. Mobile prefixes are 03, 05, 07, 08 and 09.
    pub fn parse(s: &str) -> Result<Phone, ContactError> {
        let digits: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = digits.strip_prefix("+84") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_owned()
        } else {
            return Err(ContactError::InvalidPhone);
        };
        let valid = national.len() == 9
            && national.chars().all(|c| c.is_ascii_digit())
            && matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9');
        if valid {
            Ok(Phone(format!("+84{national}")))
        } else {
            Err(ContactError::InvalidPhone)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The national form people read: `0904 555 560`.
    pub fn national(&self) -> String {
        let n = &self.0[3..];
        format!("0{} {} {}", &n[0..3], &n[3..6], &n[6..9])
    }
}

/// A stored phone (E.164) as people read it (`0904 555 560`); anything that is not one is
/// shown as stored.
pub fn national(stored: &str) -> String {
    Phone::parse(stored)
        .map(|p| p.national())
        .unwrap_or_else(|_| stored.to_owned())
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How someone identifies themselves when signing in: by e-mail or by mobile number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Email(Email),
    Phone(Phone),
}

impl Login {
    /// An `@` means e-mail; anything else must be a Vietnamese mobile number.
    pub fn parse(s: &str) -> Result<Login, ContactError> {
        if s.contains('@') {
            Email::parse(s).map(Login::Email)
        } else {
            Phone::parse(s).map(Login::Phone)
        }
    }
    /// The key rate limits and logs use; never the raw input.
    pub fn key(&self) -> &str {
        match self {
            Login::Email(e) => e.as_str(),
            Login::Phone(p) => p.as_str(),
        }
    }
}

/// How the messages the product sends to someone's phone reach her, as she chose on her
/// account page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneChannel {
    /// Zalo ZNS, and SMS when Zalo cannot reach her.
    #[default]
    Zalo,
    /// SMS only, never Zalo.
    Sms,
    /// No notices by phone. What she asks for herself (a sign-up link, a password reset)
    /// still comes.
    Off,
}

impl PhoneChannel {
    pub const ALL: [PhoneChannel; 3] = [PhoneChannel::Zalo, PhoneChannel::Sms, PhoneChannel::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            PhoneChannel::Zalo => "zalo",
            PhoneChannel::Sms => "sms",
            PhoneChannel::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<PhoneChannel> {
        PhoneChannel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_common_spellings_normalise_to_e164() {
        for s in [
            "0904 555 560",
            "0904.555.560",
            "+84 904 555 560",
            "84904555560",
            "0904555560",
        ] {
            assert_eq!(
                Phone::parse(s).map(|p| p.0),
                Ok("+84904555560".to_owned()),
                "{s}"
            );
        }
        assert_eq!(
            Phone::parse("0904555560").map(|p| p.national()),
            Ok("0904 555 560".into())
        );
    }

    #[test]
    fn landlines_and_garbage_are_not_mobiles() {
        for s in [
            "024 3825 1234",
            "0104555560",
            "12345",
            "09045555601",
            "09a4555560",
            "",
        ] {
            assert_eq!(Phone::parse(s), Err(ContactError::InvalidPhone), "{s}");
        }
    }

    #[test]
    fn email_is_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Lan@Example.COM ").map(|e| e.0),
            Ok("lan@example.com".into())
        );
        for s in [
            "lan",
            "lan@",
            "@example.com",
            "lan@example",
            "l an@example.com",
            "a@b@c.d",
        ] {
            assert_eq!(Email::parse(s), Err(ContactError::InvalidEmail), "{s}");
        }
    }

    #[test]
    fn login_chooses_by_at_sign() {
        assert!(matches!(Login::parse("a@example.com"), Ok(Login::Email(_))));
        assert!(matches!(Login::parse("0912345678"), Ok(Login::Phone(_))));
    }
}
