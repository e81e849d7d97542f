//! Connections whose client stops reading.
//!
//! A client that sends a request and never reads the answer would keep its
//! connection, and the answer's bytes, for as long as it liked: the header
//! timeout only covers reading requests. [`StallGuard`] wraps a connection
//! and fails a write that makes no progress for a while, which ends the
//! connection and frees what it held.
#![forbid(unsafe_code)]

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// A connection whose writes fail with [`io::ErrorKind::TimedOut`] once
/// one has waited `patience` without the client taking a byte.
#[derive(Debug)]
pub struct StallGuard<S> {
    inner: S,
    patience: Duration,
    /// Armed while a write waits for the client.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> StallGuard<S> {
    /// Guards `inner`, allowing a write to wait `patience`.
    pub fn new(inner: S, patience: Duration) -> StallGuard<S> {
        StallGuard {
            inner,
            patience,
            deadline: None,
        }
    }

    /// What a write that could not go on now becomes: still pending while
    /// the deadline is ahead, an error once it passed.
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let patience = self.patience;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(patience)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the answer for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `poll` of the inner stream, with the stall rule around it.
    fn guard<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>>
    where
        S: Unpin,
    {
        match poll(Pin::new(&mut self.inner), cx) {
            Poll::Pending => self.waiting(cx),
            ready => {
                self.deadline = None;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StallGuard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StallGuard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.guard(cx, |inner, cx| inner.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.guard(cx, |inner, cx| inner.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.guard(cx, |inner, cx| inner.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.guard(cx, |inner, cx| inner.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_write_the_reader_never_takes_fails_after_the_patience() {
        // A pipe of 64 bytes whose other end is never read.
        let (writer, _reader) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(writer, Duration::from_secs(10));
        let start = tokio::time::Instant::now();
        let err = guarded.write_all(&[7u8; 1024]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_reader_that_keeps_taking_bytes_is_never_cut_off() {
        let (writer, mut reader) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(writer, Duration::from_secs(10));
        let drain = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let mut total = 0;
            loop {
                // Slower than the patience overall, never stalled that long.
                tokio::time::sleep(Duration::from_secs(5)).await;
                match tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += n,
                }
            }
        });
        guarded.write_all(&[7u8; 640]).await.unwrap();
        drop(guarded);
        assert_eq!(drain.await.unwrap(), 640);
    }
}
