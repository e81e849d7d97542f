//! The last `/metrics` answer, shared by the scrapes that come right after.
//!
//! A flood of `/metrics` requests would otherwise render the files once
//! per request, each waiting for a permit behind the others, and a real
//! scrape among them would wait its turn. A rendering younger than
//! [`FRESH_FOR`] is served again instead: a flood then costs about one
//! rendering per [`FRESH_FOR`], and a scrape waits at most for the one in
//! progress.
#![forbid(unsafe_code)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How long a rendering is served again.
pub const FRESH_FOR: Duration = Duration::from_millis(250);

/// The last rendering and when it was made.
#[derive(Debug, Default)]
pub struct Recent {
    last: Mutex<Option<(Instant, Bytes)>>,
}

impl Recent {
    /// The last rendering if it is younger than [`FRESH_FOR`].
    pub fn fresh(&self) -> Option<Bytes> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, bytes)| bytes.clone())
    }

    /// The last rendering if it is fresh, else a new one from `render`,
    /// kept for the scrapes that follow.
    pub fn get_or_render(&self, render: impl FnOnce() -> Vec<u8>) -> Bytes {
        if let Some(bytes) = self.fresh() {
            return bytes;
        }
        let bytes = Bytes::from(render());
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *last = Some((Instant::now(), bytes.clone()));
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_rendering_is_served_again_and_an_old_one_is_not() {
        let recent = Recent::default();
        assert!(recent.fresh().is_none());
        let mut renders = 0;
        for _ in 0..3 {
            recent.get_or_render(|| {
                renders += 1;
                b"x 1\n".to_vec()
            });
        }
        assert_eq!(renders, 1);
        std::thread::sleep(FRESH_FOR);
        assert!(recent.fresh().is_none());
        assert_eq!(&recent.get_or_render(|| b"x 2\n".to_vec())[..], b"x 2\n");
    }
}
