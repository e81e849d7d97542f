//! How many bytes of built answers wait to be sent.
//!
//! An answer is built whole before it is written, and a client may read it
//! slowly (or, until the stall guard ends it, not at all): every such answer
//! holds its bytes meanwhile. So a built answer takes a share of a fixed
//! budget of bytes, its size, given back when the answer is sent or its
//! connection ends; an answer that finds no room within the request's wait
//! is answered `503` like a request that found no permit to read.
#![forbid(unsafe_code)]

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The default budget: built answers waiting to be sent, in all.
pub const DEFAULT_BYTES: usize = 128 << 20;

/// The unit of the budget's permits.
const UNIT: usize = 1024;

/// The bytes of answers built and not yet sent, bounded.
#[derive(Debug)]
pub struct AnswerBudget {
    units: Arc<Semaphore>,
    total_units: u32,
}

impl AnswerBudget {
    /// A budget of `bytes` (rounded up to a KiB, at least one).
    pub fn new(bytes: usize) -> AnswerBudget {
        let total_units = u32::try_from(bytes.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX >> 3);
        AnswerBudget {
            units: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
        }
    }

    /// Takes room for `body` within `wait`; the body holds it until it is
    /// dropped (sent, or its connection gone). An answer larger than the
    /// whole budget waits for all of it.
    ///
    /// # Errors
    ///
    /// `body` back if no room came within `wait`.
    pub async fn reserve(&self, body: Bytes, wait: Duration) -> Result<BudgetedBody, Bytes> {
        let units = u32::try_from(body.len().div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_units);
        let acquire = Arc::clone(&self.units).acquire_many_owned(units);
        match tokio::time::timeout(wait, acquire).await {
            Ok(Ok(permit)) => Ok(BudgetedBody {
                bytes: Some(body),
                _room: permit,
            }),
            _ => Err(body),
        }
    }
}

/// A whole answer's bytes, holding their room in the budget.
#[derive(Debug)]
pub struct BudgetedBody {
    bytes: Option<Bytes>,
    _room: OwnedSemaphorePermit,
}

impl Body for BudgetedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.bytes.take().map(|bytes| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.bytes.as_ref().map_or(0, |b| b.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn room_comes_back_when_a_body_goes() {
        let budget = AnswerBudget::new(4 * UNIT);
        let wait = Duration::from_millis(10);
        let first = budget
            .reserve(Bytes::from(vec![0; 3 * UNIT]), wait)
            .await
            .unwrap();
        // No room for two more KiB while the first is held.
        let refused = budget.reserve(Bytes::from(vec![0; 2 * UNIT]), wait).await;
        assert_eq!(refused.unwrap_err().len(), 2 * UNIT);
        drop(first);
        assert!(budget
            .reserve(Bytes::from(vec![0; 2 * UNIT]), wait)
            .await
            .is_ok());
        // An answer larger than the whole budget takes all of it.
        assert!(budget
            .reserve(Bytes::from(vec![0; 9 * UNIT]), wait)
            .await
            .is_ok());
    }
}
