//! Image decoding in a bounded pool: a memory budget shared by every decode in the process.
//!
//! A 127 KB PNG can claim 8000×5000 pixels and take 120 MB once decoded, so the cost of a
//! picture is read from its header first (nothing is decoded) and the decode waits until
//! that much of the budget is free. At most a fixed number of uploads wait; beyond that the
//! caller gets [`MediaError::Busy`] at once, to be answered with 503 and `Retry-After`.

use crate::MediaError;
use crate::process::{self, Limits, ProcessedFile, ProcessedImage};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

const MIB: u64 = 1024 * 1024;

/// Runs [`process::process_image`] and [`process::process_evidence`] within a memory budget.
#[derive(Clone)]
pub struct DecodePool(Arc<Inner>);

struct Inner {
    /// One permit per MiB of decoded pixels.
    budget: Arc<Semaphore>,
    budget_mib: u32,
    /// Decodes admitted (running plus waiting), and how many may be.
    admitted: AtomicUsize,
    max_admitted: usize,
}

struct Admission<'a>(&'a Inner);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl DecodePool {
    /// `budget_mib` of decoded pixels at once; `max_waiting` decodes may wait for room.
    pub fn new(budget_mib: u32, max_waiting: usize) -> DecodePool {
        let budget_mib = budget_mib.max(1);
        DecodePool(Arc::new(Inner {
            budget: Arc::new(Semaphore::new(budget_mib as usize)),
            budget_mib,
            admitted: AtomicUsize::new(0),
            max_admitted: max_waiting + 1,
        }))
    }

    /// Checks, cleans and re-encodes a picture (see [`process::process_image`]).
    pub async fn process_image(
        &self,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<ProcessedImage, MediaError> {
        self.run(bytes, limits, process::process_image).await
    }

    /// Checks badge evidence (see [`process::process_evidence`]).
    pub async fn process_evidence(
        &self,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<ProcessedFile, MediaError> {
        self.run(bytes, limits, process::process_evidence).await
    }

    async fn run<T: Send + 'static>(
        &self,
        bytes: Vec<u8>,
        limits: Limits,
        work: fn(&[u8], &Limits) -> Result<T, MediaError>,
    ) -> Result<T, MediaError> {
        // Header only: refuses what is not a picture or too large before taking a place.
        let cost = process::decoded_cost(&bytes, &limits)?;
        let _admission = self.admit()?;
        let mib = u32::try_from(cost.div_ceil(MIB))
            .unwrap_or(u32::MAX)
            .clamp(1, self.0.budget_mib);
        let permits = Arc::clone(&self.0.budget)
            .acquire_many_owned(mib)
            .await
            .map_err(|_| MediaError::Busy)?;
        // The permits go with the work: if the request is dropped (timeout, client gone)
        // the decode still runs to its end, and its memory stays counted until then.
        tokio::task::spawn_blocking(move || {
            let out = work(&bytes, &limits);
            drop(permits);
            out
        })
        .await
        .map_err(|e| MediaError::Corrupt(format!("decoder stopped: {e}")))?
    }

    fn admit(&self) -> Result<Admission<'_>, MediaError> {
        let inner = &*self.0;
        let mut seen = inner.admitted.load(Ordering::Relaxed);
        loop {
            if seen >= inner.max_admitted {
                return Err(MediaError::Busy);
            }
            match inner.admitted.compare_exchange_weak(
                seen,
                seen + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(Admission(inner)),
                Err(now) => seen = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x ^ y) % 239) as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_waiting_places_a_picture_is_refused_as_busy_not_decoded() {
        // 1 MiB of budget: every picture below needs all of it, so one decodes at a time.
        let pool = DecodePool::new(1, 1);
        let bytes = png(1200, 900);
        let calls: Vec<_> = (0..6)
            .map(|_| {
                let pool = pool.clone();
                let bytes = bytes.clone();
                tokio::spawn(async move { pool.process_image(bytes, Limits::default()).await })
            })
            .collect();
        let mut done = 0;
        let mut busy = 0;
        for c in calls {
            match c.await.unwrap() {
                Ok(p) => {
                    assert_eq!((p.width, p.height), (1200, 900));
                    done += 1;
                }
                Err(MediaError::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(
            (done, busy),
            (2, 4),
            "one decoding, one waiting, four refused"
        );
        // The places are given back.
        assert!(pool.process_image(bytes, Limits::default()).await.is_ok());
    }

    #[tokio::test]
    async fn a_picture_too_large_is_refused_from_its_header_before_taking_a_place() {
        let pool = DecodePool::new(1, 0);
        let limits = Limits {
            max_pixels: 1000,
            ..Limits::default()
        };
        let err = pool.process_image(png(100, 100), limits).await.unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::TooManyPixels {
                    width: 100,
                    height: 100
                }
            ),
            "{err}"
        );
    }
}
