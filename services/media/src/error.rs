//! The one error type of the media crate, with the Fluent ids the web layer shows users.

/// Why an upload was refused or a stored object could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The content is not a JPEG, PNG or WebP picture (whatever the file was called).
    #[error("not an accepted image (JPEG, PNG or WebP)")]
    NotAnImage,
    /// Evidence that is neither a PDF nor an accepted picture.
    #[error("not an accepted file (PDF, JPEG, PNG or WebP)")]
    NotAcceptedFile,
    #[error("file larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    #[error("image of {width}x{height} pixels is too large")]
    TooManyPixels { width: u32, height: u32 },
    /// Every place in the decoding pool is taken: try again in a few seconds.
    #[error("image decoding is saturated")]
    Busy,
    #[error("image could not be decoded: {0}")]
    Corrupt(String),
    #[error("object store: {0}")]
    Store(String),
    /// The store URL from the configuration is unusable; an operator error, not a user one.
    #[error("bad media store URL: {0}")]
    BadUrl(String),
}

impl MediaError {
    /// Fluent message id explaining the refusal to the person who uploaded.
    ///
    /// `BadUrl` only happens at start-up, so users would only ever see it as a storage failure.
    pub fn message_key(&self) -> &'static str {
        match self {
            MediaError::NotAnImage => "err-media-not-image",
            MediaError::NotAcceptedFile => "err-media-not-accepted",
            MediaError::TooLarge { .. } => "err-media-too-large",
            MediaError::TooManyPixels { .. } => "err-media-too-many-pixels",
            MediaError::Corrupt(_) => "err-media-corrupt",
            MediaError::Busy => "err-busy",
            MediaError::Store(_) | MediaError::BadUrl(_) => "err-media-store",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_message_id() {
        let all = [
            MediaError::NotAnImage,
            MediaError::NotAcceptedFile,
            MediaError::TooLarge { max_bytes: 1 },
            MediaError::TooManyPixels {
                width: 1,
                height: 1,
            },
            MediaError::Corrupt(String::new()),
            MediaError::Store(String::new()),
            MediaError::BadUrl(String::new()),
        ];
        for e in &all {
            assert!(e.message_key().starts_with("err-media-"), "{e:?}");
        }
    }
}
