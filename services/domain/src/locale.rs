//! The two languages of Ketnoi: Vietnamese first, English second.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Vi, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    /// Exact codes only (`vi`, `en`); use [`Locale::negotiate`] for Accept-Language.
    pub fn from_code(s: &str) -> Option<Locale> {
        match s {
            "vi" => Some(Locale::Vi),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the best supported language from an Accept-Language header, honouring q-values.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Some(locale) = Locale::from_code(primary) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn accept_language_prefers_highest_q() {
        assert_eq!(
            Locale::negotiate("en-US,en;q=0.9,vi;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::negotiate("fr-FR, vi;q=0.5, en;q=0.4"),
            Some(Locale::Vi)
        );
        assert_eq!(Locale::negotiate("fr, de"), None);
        assert_eq!(Locale::negotiate("en;q=0"), None);
        assert_eq!(Locale::negotiate(""), None);
    }
}
