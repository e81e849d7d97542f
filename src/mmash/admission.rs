//! How many requests read stats files at once.
//!
//! Reading files and building an answer costs CPU and memory in proportion
//! to the files served; run for every client at once, a flood of requests
//! makes threads and memory grow with the number of clients and starves
//! everyone, the scraper included. So each request that reads files first
//! takes a permit of its class, held until its answer is built:
//!
//! - [`Class::Scrape`] (`/metrics`) and [`Class::Api`] (the JSON API and
//!   the page's snapshots) have permits of their own, so a flood of one
//!   never keeps the other waiting;
//! - a request that gets no permit within its class' wait is answered
//!   `503 Service Unavailable` with `Retry-After: 1`, and holds nothing
//!   while it waits.
//!
//! Memory is then bounded by the permits times the largest answer, and the
//! blocking threads that read files by the permits.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The kind of request a permit is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `/metrics`.
    Scrape,
    /// Every other request that reads files.
    Api,
}

/// How many requests of each class read files at once, and how long one
/// waits for its turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Requests of one class reading files at once.
    pub reads_per_class: usize,
    /// How long a `/metrics` request waits for a permit (under
    /// Prometheus' default scrape timeout of 10 s).
    pub scrape_wait: Duration,
    /// How long any other request waits for a permit.
    pub api_wait: Duration,
}

/// The permits of both classes.
#[derive(Debug)]
pub struct Admission {
    scrape: Arc<Semaphore>,
    api: Arc<Semaphore>,
    limits: AdmissionLimits,
}

/// No permit came within the wait: the server is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    /// The class that was busy.
    pub class: Class,
    /// How long the request waited.
    pub waited: Duration,
}

impl Admission {
    /// Permits for `limits`.
    pub fn new(limits: AdmissionLimits) -> Admission {
        Admission {
            scrape: Arc::new(Semaphore::new(limits.reads_per_class)),
            api: Arc::new(Semaphore::new(limits.reads_per_class)),
            limits,
        }
    }

    /// How long a request of `class` waits for its turn.
    pub fn wait(&self, class: Class) -> Duration {
        match class {
            Class::Scrape => self.limits.scrape_wait,
            Class::Api => self.limits.api_wait,
        }
    }

    /// Waits for a permit of `class`; the permit is returned when dropped.
    ///
    /// # Errors
    ///
    /// [`Busy`] when none came within the class' wait.
    pub async fn admit(&self, class: Class) -> Result<OwnedSemaphorePermit, Busy> {
        let permits = match class {
            Class::Scrape => &self.scrape,
            Class::Api => &self.api,
        };
        let waited = self.wait(class);
        match tokio::time::timeout(waited, Arc::clone(permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out, or (never) closed.
            Ok(Err(_)) | Err(_) => Err(Busy { class, waited }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> AdmissionLimits {
        AdmissionLimits {
            reads_per_class: 1,
            scrape_wait: Duration::from_millis(20),
            api_wait: Duration::from_millis(20),
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_busy_class_refuses_after_its_wait_and_leaves_the_other_free() {
        let admission = Admission::new(limits());
        let held = admission.admit(Class::Api).await.unwrap();
        assert_eq!(
            admission.admit(Class::Api).await.unwrap_err(),
            Busy {
                class: Class::Api,
                waited: Duration::from_millis(20)
            }
        );
        // The scrape class has its own permit.
        let scrape = admission.admit(Class::Scrape).await.unwrap();
        drop(scrape);
        drop(held);
        assert!(admission.admit(Class::Api).await.is_ok());
    }
}
