//! The media boundary: object storage on local disk by default, S3-compatible when
//! configured; uploads are checked by content. Implementations arrive with the catalogue issue.

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("not an accepted image")]
    NotAnImage,
}

/// Keys of stored objects are content-addressed: the same bytes get the same key.
pub trait ObjectStore: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError>;
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, MediaError>;
}
