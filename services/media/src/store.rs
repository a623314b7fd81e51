//! Where processed media lives: memory in tests, a local directory by default, S3 in production.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::{MediaError, ProcessedFile, ProcessedImage};

/// Handle on the object store holding media; cloning it is cheap (one `Arc`).
#[derive(Debug, Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

/// Path of a stored picture: `img/{key}.{extension}`.
pub fn image_path(key: &str, extension: &str) -> String {
    format!("img/{key}.{extension}")
}

/// Path of a stored thumbnail: `img/{key}-{size}.jpg`.
pub fn thumb_path(key: &str, size: u32) -> String {
    format!("img/{key}-{size}.jpg")
}

/// Path of a stored document (badge evidence): `doc/{key}.{extension}`.
pub fn file_path(key: &str, extension: &str) -> String {
    format!("doc/{key}.{extension}")
}

/// Content type to serve a stored object with, from its extension.
pub fn content_type_for(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

impl MediaStore {
    /// Opens the store named by `url`:
    ///
    /// - `memory://` — in memory, lost on exit (tests);
    /// - `file:///absolute/path`, or a plain path such as `data/media` — a local directory,
    ///   created if missing;
    /// - `s3://bucket` or `s3://bucket/prefix`, optionally followed by
    ///   `?endpoint=http://minio:9000&region=garage&allow_http=true` — an S3-compatible bucket.
    ///   Credentials and other settings come from the standard `AWS_*` environment variables
    ///   (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`…); the query
    ///   string overrides them. An `http://` endpoint implies `allow_http=true` unless the URL
    ///   says otherwise. Query values may be percent-encoded.
    ///
    /// S3 goes through rustls with the aws-lc-rs provider: the process must have a rustls
    /// `CryptoProvider` installed (the binary installs aws-lc-rs at start-up) before the
    /// first request.
    pub fn from_url(url: &str) -> Result<MediaStore, MediaError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(MediaError::BadUrl("empty media store URL".into()));
        }
        if let Some(rest) = url.strip_prefix("memory://") {
            if !rest.is_empty() {
                return Err(MediaError::BadUrl(format!(
                    "{url}: memory:// takes nothing after it"
                )));
            }
            return Ok(MediaStore::in_memory());
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            return s3(rest);
        }
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(MediaError::BadUrl(format!(
                    "{url}: a file URL needs an absolute path, as in file:///var/lib/ketnoi/media"
                )));
            }
            return local(path);
        }
        if url.contains("://") {
            return Err(MediaError::BadUrl(format!(
                "{url}: unsupported scheme (memory://, file://, s3:// or a plain path)"
            )));
        }
        local(url)
    }

    /// A fresh, empty store in memory, for tests.
    pub fn in_memory() -> MediaStore {
        MediaStore {
            inner: Arc::new(InMemory::new()),
        }
    }

    /// Writes `bytes` at `path`, replacing what was there.
    pub async fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), MediaError> {
        let location = Path::parse(path).map_err(store_error)?;
        self.inner
            .put(&location, PutPayload::from(bytes))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Reads the object at `path`; `None` when there is none.
    ///
    /// Paths that could never have been stored (empty, `..` segments…) are `None` too, since
    /// they usually come straight from a request URL.
    pub async fn get(&self, path: &str) -> Result<Option<Bytes>, MediaError> {
        let Some(location) = Path::parse(path).ok().filter(|p| !p.is_root()) else {
            return Ok(None);
        };
        match self.inner.get(&location).await {
            Ok(found) => found.bytes().await.map(Some).map_err(store_error),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Removes the object at `path`; removing what is not there is not an error.
    pub async fn delete(&self, path: &str) -> Result<(), MediaError> {
        let location = Path::parse(path).map_err(store_error)?;
        match self.inner.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Stores a picture at [`image_path`] and its thumbnails at [`thumb_path`].
    ///
    /// Idempotent: keys are content hashes, so storing the same picture again rewrites the
    /// same bytes.
    pub async fn store_image(&self, img: &ProcessedImage) -> Result<(), MediaError> {
        // Thumbnails first: once the original is visible, every thumbnail of it is too.
        for thumb in &img.thumbs {
            self.put(&thumb_path(&img.key, thumb.size), thumb.bytes.clone())
                .await?;
        }
        self.put(&image_path(&img.key, img.extension), img.original.clone())
            .await
    }

    /// Stores a document at [`file_path`]; idempotent like [`MediaStore::store_image`].
    pub async fn store_file(&self, f: &ProcessedFile) -> Result<(), MediaError> {
        self.put(&file_path(&f.key, f.extension), f.bytes.clone())
            .await
    }
}

fn store_error(e: impl std::fmt::Display) -> MediaError {
    MediaError::Store(e.to_string())
}

fn local(dir: &str) -> Result<MediaStore, MediaError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| MediaError::BadUrl(format!("cannot create media directory {dir}: {e}")))?;
    let fs = LocalFileSystem::new_with_prefix(dir)
        .map_err(|e| MediaError::BadUrl(format!("media directory {dir}: {e}")))?;
    Ok(MediaStore {
        inner: Arc::new(fs),
    })
}

/// `rest` is what follows `s3://`: `bucket[/prefix][?query]`.
fn s3(rest: &str) -> Result<MediaStore, MediaError> {
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
    if bucket.is_empty() {
        return Err(MediaError::BadUrl("s3:// URL without a bucket".into()));
    }
    let mut builder = AmazonS3Builder::from_env().with_url(format!("s3://{bucket}"));
    let mut allow_http = None;
    let mut http_endpoint = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value)?;
        match name {
            "endpoint" => {
                http_endpoint = value.starts_with("http://");
                builder = builder.with_endpoint(value);
            }
            "region" => builder = builder.with_region(value),
            "allow_http" => allow_http = Some(parse_bool(&value)?),
            // A typo would otherwise silently talk to the wrong place.
            other => {
                return Err(MediaError::BadUrl(format!(
                    "unknown s3 URL parameter {other:?} (endpoint, region, allow_http)"
                )));
            }
        }
    }
    if let Some(allow) = allow_http.or(http_endpoint.then_some(true)) {
        builder = builder.with_allow_http(allow);
    }
    let s3 = builder
        .build()
        .map_err(|e| MediaError::BadUrl(format!("s3://{location}: {e}")))?;

    let prefix = prefix.trim_matches('/');
    let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        let prefix = Path::parse(prefix)
            .map_err(|e| MediaError::BadUrl(format!("s3 prefix {prefix:?}: {e}")))?;
        Arc::new(PrefixStore::new(s3, prefix))
    };
    Ok(MediaStore { inner })
}

fn parse_bool(value: &str) -> Result<bool, MediaError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(MediaError::BadUrl(format!(
            "allow_http={other}: expected true or false"
        ))),
    }
}

fn percent_decode(value: &str) -> Result<String, MediaError> {
    let bad = || MediaError::BadUrl(format!("bad percent-encoding in {value:?}"));
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(bad());
            }
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::tests::jpeg;
    use crate::{Limits, process_evidence, process_image};

    #[tokio::test]
    async fn memory_store_round_trip() {
        let store = MediaStore::from_url("memory://").unwrap();
        let img = process_image(&jpeg(1600, 800, 1), &Limits::default()).unwrap();
        store.store_image(&img).await.unwrap();
        // Storing twice is fine: same key, same bytes.
        store.store_image(&img).await.unwrap();

        let original = store
            .get(&image_path(&img.key, img.extension))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(original.as_ref(), img.original.as_slice());
        for thumb in &img.thumbs {
            let bytes = store
                .get(&thumb_path(&img.key, thumb.size))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(bytes.as_ref(), thumb.bytes.as_slice());
        }
        assert_eq!(
            store
                .get(&format!("img/{}-320.jpg", img.key))
                .await
                .unwrap()
                .map(|b| b.len()),
            Some(img.thumbs[0].bytes.len())
        );
    }

    #[tokio::test]
    async fn missing_and_impossible_paths_are_none() {
        let store = MediaStore::from_url("memory://").unwrap();
        assert_eq!(store.get("img/nothing.jpg").await.unwrap(), None);
        assert_eq!(store.get("").await.unwrap(), None);
        assert_eq!(store.get("img/../secret").await.unwrap(), None);
        store.delete("img/nothing.jpg").await.unwrap();
    }

    #[tokio::test]
    async fn put_get_delete() {
        let store = MediaStore::in_memory();
        store.put("a/b.png", b"x".to_vec()).await.unwrap();
        assert_eq!(
            store.get("a/b.png").await.unwrap(),
            Some(Bytes::from_static(b"x"))
        );
        store.delete("a/b.png").await.unwrap();
        assert_eq!(store.get("a/b.png").await.unwrap(), None);
        assert!(matches!(
            store.put("a/../b", Vec::new()).await,
            Err(MediaError::Store(_))
        ));
    }

    #[tokio::test]
    async fn clones_share_the_store() {
        let store = MediaStore::in_memory();
        let other = store.clone();
        store.put("k", b"v".to_vec()).await.unwrap();
        assert!(other.get("k").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn local_directory_store() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("media");
        let plain = root.to_str().unwrap();

        // The directory does not exist yet: from_url creates it.
        let store = MediaStore::from_url(plain).unwrap();
        let img = process_image(&jpeg(100, 50, 2), &Limits::default()).unwrap();
        store.store_image(&img).await.unwrap();
        assert!(root.join(image_path(&img.key, "jpg")).is_file());
        assert!(root.join(thumb_path(&img.key, 800)).is_file());

        let doc = process_evidence(b"%PDF-1.4\n%%EOF\n", &Limits::default()).unwrap();
        store.store_file(&doc).await.unwrap();

        // The same directory through a file:// URL sees the same objects.
        let again = MediaStore::from_url(&format!("file://{plain}")).unwrap();
        let got = again
            .get(&file_path(&doc.key, "pdf"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.as_ref(), doc.bytes.as_slice());
        assert_eq!(again.get("img/missing.jpg").await.unwrap(), None);
        assert_eq!(again.get("img").await.unwrap(), None);
        again.delete(&file_path(&doc.key, "pdf")).await.unwrap();
        assert_eq!(store.get(&file_path(&doc.key, "pdf")).await.unwrap(), None);
    }

    #[test]
    fn bad_urls_are_refused() {
        for url in [
            "",
            "memory://x",
            "file://relative/path",
            "ftp://example.com/media",
            "s3://",
            "s3:///prefix",
            "s3://bucket?endpont=http://localhost:9000",
            "s3://bucket?allow_http=maybe",
            "s3://bucket?endpoint=http%3",
        ] {
            assert!(
                matches!(MediaStore::from_url(url), Err(MediaError::BadUrl(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn s3_urls_build_without_network() {
        for url in [
            "s3://ketnoi-media",
            "s3://ketnoi-media/uploads/prod?region=ap-southeast-1",
            "s3://ketnoi-media?endpoint=http%3A%2F%2Fminio%3A9000&region=garage&allow_http=true",
        ] {
            assert!(MediaStore::from_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("http%3A%2F%2Fminio%3a9000").unwrap(),
            "http://minio:9000"
        );
        assert!(percent_decode("%+f").is_err());
        assert!(percent_decode("%é").is_err());
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type_for("img/abc.jpg"), "image/jpeg");
        assert_eq!(content_type_for("img/abc-320.JPEG"), "image/jpeg");
        assert_eq!(content_type_for("img/abc.png"), "image/png");
        assert_eq!(content_type_for("doc/abc.pdf"), "application/pdf");
        assert_eq!(content_type_for("doc/abc.svg"), "application/octet-stream");
        assert_eq!(
            content_type_for("some.dir/noext"),
            "application/octet-stream"
        );
    }
}
