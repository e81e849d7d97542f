//! [`PerThread`]: a model per thread, created on first use.
#![forbid(unsafe_code)]

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::model::{MmStats, Model, ModelOptions};

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's models, one per `PerThread` that was used here. They
    /// are dropped (and their files removed, if their options say so) when
    /// the thread ends.
    static MODELS: RefCell<Vec<(u64, Rc<dyn Any>)>> = const { RefCell::new(Vec::new()) };
}

/// Gives each thread its own model and file, like Python 0.8's
/// thread-local models: the file name template should hold `{TID}` (the
/// default one does).
///
/// A thread's model is created the first time that thread calls
/// [`get`](PerThread::get) (and again in a forked child, which gets a file
/// of its own), and dropped when the thread ends; with
/// [`remove_on_drop(true)`](ModelOptions::remove_on_drop) in the options its
/// file is deleted then.
///
/// ```
/// use mmstats::{Counter, MmStats, PerThread};
///
/// #[derive(MmStats)]
/// struct Work {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let work = PerThread::new(Work::options().path(dir.path()).remove_on_drop(true));
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             let stats = work.get().expect("stats file");
///             for _ in 0..1000 {
///                 stats.done.incr(); // this thread's own file, no sharing
///             }
///         });
///     }
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PerThread<S> {
    id: u64,
    options: ModelOptions<S>,
}

impl<S: MmStats> fmt::Debug for PerThread<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<S: MmStats> PerThread<S> {
    /// Models created with `options`, one per thread.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter, PerThread};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let work = PerThread::new(Stats::options().path(dir.path()));
    /// work.get()?.n.incr();
    /// assert_eq!(work.get()?.n.get(), 1); // the same model on this thread
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(options: ModelOptions<S>) -> PerThread<S> {
        PerThread {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            options,
        }
    }

    /// The calling thread's model, created on the first call.
    ///
    /// The returned handle cannot leave the thread. Hold on to it in a hot
    /// loop: each call looks the model up in a thread-local list.
    ///
    /// In the hottest loops, pass the handle of the field (or `&S`) to the
    /// function that does the work, rather than reaching it through the
    /// `Rc` inside the loop: a store into the mapping could, as far as the
    /// compiler can tell, change what the `Rc` points to, so it re-reads
    /// the handle after every store, while a reference that arrives as an
    /// argument is known not to change and its reads leave the loop.
    ///
    /// ```
    /// use mmstats::{Counter, MmStats, PerThread};
    ///
    /// #[derive(MmStats)]
    /// struct Work {
    ///     items: Counter,
    /// }
    ///
    /// fn process(batch: &[u32], items: &Counter) {
    ///     for _ in batch {
    ///         items.incr(); // one `inc` of the mapped word per item
    ///     }
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let work = PerThread::new(Work::options().path(dir.path()));
    /// let stats = work.get()?;
    /// process(&[1, 2, 3], &stats.items);
    /// assert_eq!(stats.items.get(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// What [`ModelOptions::create`] returns, on the first call in a thread.
    pub fn get(&self) -> Result<Rc<Model<S>>, Error> {
        let found = MODELS
            .try_with(|models| {
                models
                    .borrow()
                    .iter()
                    .find(|(id, _)| *id == self.id)
                    .map(|(_, model)| Rc::clone(model))
            })
            .ok()
            .flatten();
        if let Some(model) = found.and_then(|model| model.downcast::<Model<S>>().ok()) {
            // A forked child inherits the parent thread's models; it gets
            // its own instead.
            if !model.is_inherited() {
                return Ok(model);
            }
        }
        let model = Rc::new(self.options.clone().create()?);
        let shared: Rc<dyn Any> = model.clone();
        // While the thread is ending (another thread-local's destructor
        // calling in), the list is gone: the model then lives as long as the
        // returned handle.
        let _ = MODELS.try_with(|models| {
            let mut models = models.borrow_mut();
            models.retain(|(id, _)| *id != self.id);
            models.push((self.id, shared));
        });
        Ok(model)
    }
}
