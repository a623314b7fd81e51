//! What a use case can fail with, and the messages it reports: a Fluent key with its
//! arguments ([`Msg`]), collected per field ([`FieldErrors`]). Pages render them beside the
//! inputs, the API in its error envelope, imports as row and column errors.

use crate::i18n;
use ketnoi_db::DbError;
use ketnoi_domain::Locale;
use ketnoi_domain::text::TextError;
use std::collections::BTreeMap;

/// One message about one field: a Fluent key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }
    pub fn render(&self, locale: Locale) -> String {
        i18n::t_args(locale, self.key, &self.args)
    }
}

impl From<TextError> for Msg {
    fn from(e: TextError) -> Msg {
        match e {
            TextError::Required => Msg::new("err-required"),
            TextError::TooLong { max } => Msg {
                key: "err-too-long",
                args: vec![("max", max.to_string())],
            },
            TextError::ControlCharacters => Msg::new("err-control-chars"),
        }
    }
}

/// Messages per field name; `_form` holds messages about the form as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, Vec<Msg>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, msg: impl Into<Msg>) {
        self.0.entry(field.to_owned()).or_default().push(msg.into());
    }
    pub fn single(field: &str, msg: impl Into<Msg>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, msg);
        e
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Keeps the value of `r` when it is `Ok`, records its error against `field` otherwise.
    pub fn check<T, E: Into<Msg>>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }
    /// The messages for one field in the page's language; templates show them by the input.
    pub fn of(&self, field: &str, t: &i18n::Tr) -> Vec<String> {
        self.for_field(field, t.locale)
    }

    /// The messages for one field, translated.
    pub fn for_field(&self, field: &str, locale: Locale) -> Vec<String> {
        self.0
            .get(field)
            .map(|v| v.iter().map(|m| m.render(locale)).collect())
            .unwrap_or_default()
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record does not exist, or the actor may not know it does.
    #[error("not found")]
    NotFound,
    /// The actor may not do this to this record (outside her scope).
    #[error("forbidden")]
    Forbidden,
    /// The input is wrong; each field says why.
    #[error("invalid input")]
    Validation(FieldErrors),
    /// The input is fine but the record's state refuses it (someone else changed it).
    #[error("conflict")]
    Conflict(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
