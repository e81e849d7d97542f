//! The stats-file mappings of this process, and the two process-wide
//! hazards they are guarded against.
//!
//! - **A file that shrinks while it is mapped.** Touching a page of a
//!   mapping past the end of its file raises `SIGBUS`, which kills the
//!   process: a reader whose file another process truncated (Python 0.8
//!   re-creates its files with `O_TRUNC`), or a writer whose file was cut
//!   under it. A `SIGBUS` handler replaces such a page of one of these
//!   mappings with a page of zeros and marks the mapping as
//!   [shrunk](Registration::shrunk), so the access that faulted completes;
//!   readers check the mark after every field and report the file as
//!   having shrunk instead of trusting the zeros. A fault anywhere else goes
//!   to the handler that was installed before, by default the one that
//!   ends the process, as if this one were not there.
//! - **`fork()`.** A child inherits its parent's shared mappings, so writes
//!   through a model it inherited would land in the parent's file. A
//!   `pthread_atfork` handler remaps each writable mapping in the child
//!   privately, copy on write from the same file: the child still reads what
//!   the parent had written, and its own writes stay in its own memory.
//!   The handler also advances the [fork generation](fork_generation), by
//!   which a model knows it was inherited.
//!
//! Both handlers are installed once, when the first mapping is registered.
//! A `SIGBUS` handler installed later by the application replaces this one.
//!
//! ## Safety
//!
//! The handlers run where almost nothing is allowed: in a signal handler,
//! and in the child of a fork of a possibly multi-threaded process before
//! it returns from `fork`. They load and store atomics, walk a list whose
//! nodes are never freed, and make the `mmap` and `sigaction` system
//! calls; they take no lock and allocate nothing. A mapping is registered
//! after it is created and unregistered before it is unmapped (the owners
//! keep their [`Registration`] in a field that drops before the mapping),
//! so the handlers never touch an address range that is not one of these
//! mappings.

use core::ffi::{c_int, c_void};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

/// One mapping's entry. Nodes are never freed: a node whose mapping is gone
/// is reused by the next one.
struct Node {
    /// Whether a [`Registration`] owns the node.
    claimed: AtomicBool,
    /// The mapping's first address; 0 while the node describes no live
    /// mapping. Stored last when registering (release), first when not.
    start: AtomicUsize,
    len: AtomicUsize,
    /// The mapped file, for writable mappings; -1 otherwise.
    fd: AtomicI32,
    writable: AtomicBool,
    /// Set by the `SIGBUS` handler when it replaced a page of the mapping.
    shrunk: AtomicBool,
    /// The next node; set once, before the node is published.
    next: AtomicPtr<Node>,
}

/// The first node of the list; nodes are only ever pushed in front.
static HEAD: AtomicPtr<Node> = AtomicPtr::new(ptr::null_mut());

/// How many times this process is a forked child of a process that had
/// mappings registered.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The page size, read once when the handlers are installed.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(4096);

/// The `SIGBUS` action that was in place before ours.
static PREVIOUS_SIGBUS: OnceLock<libc::sigaction> = OnceLock::new();

static INSTALL: Once = Once::new();

/// A mapping's place in the list, for as long as the mapping lives; drop
/// it before unmapping.
#[derive(Debug)]
pub(crate) struct Registration {
    node: &'static Node,
}

impl core::fmt::Debug for Node {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Node")
            .field("start", &self.start.load(Ordering::Relaxed))
            .field("len", &self.len.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// Registers the mapping of `len` bytes at `start`. `fd` is the mapped
    /// file for a `writable` mapping (it must stay open while the
    /// registration lives), ignored otherwise.
    pub(crate) fn new(start: *const u8, len: usize, fd: c_int, writable: bool) -> Registration {
        install_handlers();
        let node = claim_node();
        node.len.store(len, Ordering::Relaxed);
        node.fd
            .store(if writable { fd } else { -1 }, Ordering::Relaxed);
        node.writable.store(writable, Ordering::Relaxed);
        node.shrunk.store(false, Ordering::Relaxed);
        node.start.store(start as usize, Ordering::Release);
        Registration { node }
    }

    /// Whether a page of the mapping was past the end of its file and was
    /// replaced with zeros.
    #[inline(always)]
    pub(crate) fn shrunk(&self) -> bool {
        self.node.shrunk.load(Ordering::Acquire)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.node.start.store(0, Ordering::Release);
        self.node.claimed.store(false, Ordering::Release);
    }
}

/// The number of forks this process descends from since its first mapping
/// was registered (0 in the process that registered it). A model created
/// in one generation and used in a later one was inherited through `fork`.
#[inline]
pub(crate) fn fork_generation() -> u64 {
    FORK_GENERATION.load(Ordering::Relaxed)
}

/// A free node, claimed; a new one if none is free.
fn claim_node() -> &'static Node {
    for node in nodes() {
        if node
            .claimed
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return node;
        }
    }
    let node: &'static Node = Box::leak(Box::new(Node {
        claimed: AtomicBool::new(true),
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        fd: AtomicI32::new(-1),
        writable: AtomicBool::new(false),
        shrunk: AtomicBool::new(false),
        next: AtomicPtr::new(ptr::null_mut()),
    }));
    let mut head = HEAD.load(Ordering::Acquire);
    loop {
        node.next.store(head, Ordering::Relaxed);
        let new = ptr::from_ref(node).cast_mut();
        match HEAD.compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return node,
            Err(current) => head = current,
        }
    }
}

/// Every node, newest first.
fn nodes() -> impl Iterator<Item = &'static Node> {
    let mut next = HEAD.load(Ordering::Acquire);
    core::iter::from_fn(move || {
        // SAFETY: every pointer in the list comes from `Box::leak` in
        // `claim_node` and is never freed, so it is valid for 'static.
        let node: &'static Node = unsafe { next.as_ref() }?;
        next = node.next.load(Ordering::Acquire);
        Some(node)
    })
}

/// The live mapping that holds `addr`, if any.
fn mapping_of(addr: usize) -> Option<&'static Node> {
    nodes().find(|node| {
        let start = node.start.load(Ordering::Acquire);
        start != 0 && addr >= start && addr - start < node.len.load(Ordering::Relaxed)
    })
}

fn install_handlers() {
    INSTALL.call_once(|| {
        PAGE_SIZE.store(rustix::param::page_size(), Ordering::Relaxed);
        install_sigbus_handler();
        // SAFETY: `in_forked_child` is an `extern "C" fn()` that stays valid
        // for the life of the process (it is a function of this crate).
        // Failure (ENOMEM) leaves children unprotected, nothing worse.
        unsafe { libc::pthread_atfork(None, None, Some(in_forked_child)) };
    });
}

fn install_sigbus_handler() {
    // SAFETY: an all-zero `sigaction` is a valid value (SIG_DFL, an empty
    // mask, no flags), which `sigaction` then overwrites.
    let mut previous: libc::sigaction = unsafe { core::mem::zeroed() };
    // SAFETY: reading the current action into a valid, writable struct.
    if unsafe { libc::sigaction(libc::SIGBUS, ptr::null(), &mut previous) } != 0 {
        return;
    }
    // Stored before the handler that reads it is installed.
    let _ = PREVIOUS_SIGBUS.set(previous);
    // SAFETY: as above, a valid starting value.
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = on_sigbus as *const () as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: `sa_mask` is a valid, writable signal set.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: installs a handler with the SA_SIGINFO signature; it stays
    // valid for the life of the process. On failure the default action
    // stays, as without this module.
    unsafe { libc::sigaction(libc::SIGBUS, &action, ptr::null_mut()) };
}

/// The `SIGBUS` handler: see the module documentation.
extern "C" fn on_sigbus(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t (or
    // null, which `as_ref` turns into None).
    let addr = match unsafe { info.as_ref() } {
        // SAFETY: for SIGBUS, si_addr is the field the kernel filled in
        // (the faulting address; meaningless, but readable, for a SIGBUS
        // sent by `kill`, whose address then matches no mapping or is 0).
        Some(info) => (unsafe { info.si_addr() }) as usize,
        None => 0,
    };
    if let Some(node) = mapping_of(addr) {
        let page = PAGE_SIZE.load(Ordering::Relaxed);
        let page_start = addr & !(page - 1);
        let protection = if node.writable.load(Ordering::Relaxed) {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: the page lies inside a live mapping of this crate (the
        // registry says so, and a mapping is unregistered before it is
        // unmapped); replacing it with private zeros changes what its
        // owner reads, never memory Rust code holds references to (the
        // mappings are only accessed through raw pointers and atomics).
        let replaced = unsafe {
            libc::mmap(
                page_start as *mut c_void,
                page,
                protection,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if replaced != libc::MAP_FAILED {
            node.shrunk.store(true, Ordering::Release);
            return;
        }
    }
    forward_sigbus(signal, info, context);
}

/// Hands a `SIGBUS` that is not ours to the action in place before ours.
fn forward_sigbus(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let handler = PREVIOUS_SIGBUS
        .get()
        .map_or(libc::SIG_DFL, |previous| previous.sa_sigaction);
    let flags = PREVIOUS_SIGBUS
        .get()
        .map_or(0, |previous| previous.sa_flags);
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Put the old action back and raise the signal again: it is
        // blocked until this handler returns, then the old action takes it
        // (ending the process, for the default), as it would have.
        match PREVIOUS_SIGBUS.get() {
            // SAFETY: reinstalling an action the kernel gave us.
            Some(previous) => unsafe { libc::sigaction(libc::SIGBUS, previous, ptr::null_mut()) },
            None => {
                // SAFETY: a zeroed sigaction is SIG_DFL with no flags.
                let default: libc::sigaction = unsafe { core::mem::zeroed() };
                // SAFETY: installs the default action.
                unsafe { libc::sigaction(libc::SIGBUS, &default, ptr::null_mut()) }
            }
        };
        // SAFETY: raise is async-signal-safe.
        unsafe { libc::raise(signal) };
        return;
    }
    if flags & libc::SA_SIGINFO != 0 {
        // SAFETY: installed with SA_SIGINFO, the handler has this signature
        // and expects these arguments.
        let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { core::mem::transmute::<libc::sighandler_t, _>(handler) };
        handler(signal, info, context);
    } else {
        // SAFETY: installed without SA_SIGINFO, the handler has this
        // signature.
        let handler: extern "C" fn(c_int) =
            unsafe { core::mem::transmute::<libc::sighandler_t, _>(handler) };
        handler(signal);
    }
}

/// The `pthread_atfork` child handler: see the module documentation.
extern "C" fn in_forked_child() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
    for node in nodes() {
        let start = node.start.load(Ordering::Acquire);
        if start == 0 || !node.writable.load(Ordering::Relaxed) {
            continue;
        }
        let len = node.len.load(Ordering::Relaxed);
        let fd = node.fd.load(Ordering::Relaxed);
        let flags = libc::MAP_PRIVATE | libc::MAP_FIXED;
        let protection = libc::PROT_READ | libc::PROT_WRITE;
        // SAFETY: [start, start + len) is a live writable mapping of `fd`
        // (registered, so not yet unmapped, and its file still open); the
        // child's handles keep pointing at the same addresses, now backed
        // by private copy-on-write pages of the same file.
        let remapped = unsafe { libc::mmap(start as *mut c_void, len, protection, flags, fd, 0) };
        if remapped == libc::MAP_FAILED {
            // Never the parent's file: private zeros, if not its content.
            // SAFETY: as above; anonymous memory over the same range.
            unsafe {
                libc::mmap(
                    start as *mut c_void,
                    len,
                    protection,
                    flags | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
        }
    }
}
