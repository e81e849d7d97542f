//! Models: a `#[derive(MmStats)]` struct bound to its file.
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::format::{MAX_HEADER_STRING, VERSION};
use crate::layout::{file_len, layout_field, FieldLayout, FieldSpec, Layout};
use crate::live::Live;
use crate::publish;
use crate::shm::region::{BadCell, Region};
use crate::stat::{write_static, BindError, Slot, Stat};
use crate::sys;
use crate::template::{Substitutions, Template};

/// A statistics model: a struct whose fields are mmstats field types,
/// implemented by `#[derive(MmStats)]`.
///
/// ```
/// use mmstats::{Counter, MmStats, Text};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
///     #[mmstats(size = 32)]
///     user: Text,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.done.incr();
/// stats.user.set("rob");
/// assert_eq!(stats.done.get(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait MmStats: Sized + 'static {
    #[doc(hidden)]
    const __MODEL: ModelSpec;

    #[doc(hidden)]
    fn __bind(binder: &mut Binder<'_>) -> Self;

    /// Adds each field's handle to `list`, for the model's `Debug`.
    #[doc(hidden)]
    fn __debug_fields(&self, list: &mut fmt::DebugList<'_, '_>) {
        let _ = list;
    }

    /// Creates the model's file with the default options: in
    /// `$MMSTATS_PATH` (else the temporary directory), named by
    /// `$MMSTATS_FILES` (else [`FILENAME_TEMPLATE`](crate::FILENAME_TEMPLATE),
    /// `{CMD}-{PID}-{TID}-{MODEL}.mmstats`).
    ///
    /// The derive also gives the model an inherent `create()` doing the
    /// same, callable without importing this trait.
    ///
    /// # Errors
    /// See [`ModelOptions::create`].
    ///
    /// ```
    /// use mmstats::{Counter, MmStats};
    ///
    /// #[derive(MmStats)]
    /// struct Stats {
    ///     done: Counter,
    /// }
    ///
    /// let stats = <Stats as MmStats>::create()?; // or `Stats::create()`
    /// assert!(stats.path().to_string_lossy().ends_with("-Stats.mmstats") || std::env::var_os(mmstats::ENV_FILES).is_some());
    /// stats.remove()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn create() -> Result<Model<Self>, Error> {
        Self::options().create()
    }

    /// Options for creating the model's file.
    ///
    /// ```
    /// use mmstats::{Counter, MmStats};
    ///
    /// #[derive(MmStats)]
    /// struct Stats {
    ///     done: Counter,
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let stats = <Stats as MmStats>::options().path(dir.path()).create()?; // or `Stats::options()`
    /// assert!(stats.path().starts_with(dir.path()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn options() -> ModelOptions<Self> {
        ModelOptions::new()
    }
}

/// A model's fields, prefix and both layouts, as the derive computed them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    /// The struct's name as written (`{MODEL}` in file name templates).
    pub name: &'static str,
    /// The label prefix declared on the struct.
    pub label_prefix: &'static str,
    /// Whether the sys fields were appended.
    pub sys_fields: bool,
    /// All fields, sys fields last.
    pub fields: &'static [FieldSpec],
    /// Offsets of the default layout with the declared prefix.
    pub aligned: &'static [FieldLayout],
    /// Offsets of the python-exact layout with the declared prefix.
    pub python_exact: &'static [FieldLayout],
}

/// Hands each field of a model being created its place in the file.
///
/// Binding a field cannot fail: a field whose storage would not fit the
/// file (an internal error of the layout, never seen) gets detached cells
/// and the error is kept here, for [`ModelOptions::create`] to report after
/// the model was bound and discard it. Without a `?` per field, the derived
/// `__bind` has no clean-up path per field to compile, which keeps models of
/// thousands of fields quick to build.
#[doc(hidden)]
pub struct Binder<'a> {
    region: &'a Region,
    fields: &'static [FieldSpec],
    layouts: &'a [FieldLayout],
    layout: Layout,
    next: usize,
    error: Cell<Option<BindError>>,
}

impl Binder<'_> {
    /// Binds the next field, in declaration order.
    ///
    /// Never inlined: one instance per field type keeps the derived
    /// `__bind` of a model with a thousand fields a short list of calls.
    #[inline(never)]
    pub fn bind<T: Stat>(&mut self, init: Option<T::Init>) -> T {
        let index = self.next;
        self.next += 1;
        let place = match (self.fields.get(index), self.layouts.get(index)) {
            (Some(spec), Some(field)) => Some((spec, field)),
            _ => {
                self.fail(BindError::MissingField);
                None
            }
        };
        T::bind(
            Slot::new(self.region, place, self.layout, &self.error),
            init,
        )
    }

    fn fail(&self, error: BindError) {
        let first = self.error.take().unwrap_or(error);
        self.error.set(Some(first));
    }
}

/// How to create a model's file: where, under which name, with which label
/// prefix and layout. Made by [`MmStats::options`].
///
/// ```
/// use mmstats::{Counter, Layout, MmStats};
///
/// #[derive(MmStats)]
/// struct Jobs {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let jobs = Jobs::options()
///     .path(dir.path())
///     .filename("jobs-{PID}.mmstats")
///     .label_prefix("worker.")
///     .layout(Layout::Aligned)
///     .remove_on_drop(true)
///     .create()?;
/// assert!(jobs.path().ends_with(format!("jobs-{}.mmstats", std::process::id())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ModelOptions<S> {
    dir: Option<PathBuf>,
    filename: Option<String>,
    label_prefix: Option<String>,
    layout: Layout,
    mode: u32,
    remove_on_drop: bool,
    model: PhantomData<fn() -> S>,
}

impl<S> Clone for ModelOptions<S> {
    fn clone(&self) -> Self {
        ModelOptions {
            dir: self.dir.clone(),
            filename: self.filename.clone(),
            label_prefix: self.label_prefix.clone(),
            layout: self.layout,
            mode: self.mode,
            remove_on_drop: self.remove_on_drop,
            model: PhantomData,
        }
    }
}

impl<S: MmStats> fmt::Debug for ModelOptions<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelOptions")
            .field("model", &S::__MODEL.name)
            .field("dir", &self.dir)
            .field("filename", &self.filename)
            .field("label_prefix", &self.label_prefix)
            .field("layout", &self.layout)
            .field("mode", &format_args!("{:#o}", self.mode))
            .field("remove_on_drop", &self.remove_on_drop)
            .finish()
    }
}

/// What every stats file's name ends in: the tools look for `*.mmstats`.
const FILE_EXTENSION: &str = ".mmstats";

/// The permissions of a new stats file unless [`ModelOptions::mode`] says
/// otherwise: the owner reads and writes, nobody else can read.
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// use mmstats::{Counter, MmStats, DEFAULT_MODE};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// let mode = std::fs::metadata(stats.path())?.permissions().mode();
/// assert_eq!(mode & 0o777, DEFAULT_MODE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MODE: u32 = 0o600;

impl<S: MmStats> ModelOptions<S> {
    fn new() -> Self {
        ModelOptions {
            dir: None,
            filename: None,
            label_prefix: None,
            layout: Layout::Aligned,
            mode: DEFAULT_MODE,
            remove_on_drop: false,
            model: PhantomData,
        }
    }

    /// The directory for the file (default: `$MMSTATS_PATH`, else the
    /// temporary directory). `{CMD}`, `{PID}`, `{TID}` and `{MODEL}` are
    /// substituted in it as in the file name.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).create()?;
    /// assert!(stats.path().starts_with(dir.path()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The file name template (default: `$MMSTATS_FILES`, else
    /// [`FILENAME_TEMPLATE`](crate::FILENAME_TEMPLATE),
    /// `{CMD}-{PID}-{TID}-{MODEL}.mmstats`): `{CMD}` is the program's base
    /// name, `{PID}` the process id, `{TID}` the thread id, `{MODEL}` the
    /// model struct's name as written (`WorkerStats`); `{{` and `}}` are
    /// literal braces.
    ///
    /// The template names a file, not a path: a `/`, a NUL or another
    /// control character, or a leading `.` (a hidden name, which the tools
    /// skip) in the name it gives is refused with [`Error::Template`]
    /// (choose the directory with [`path`](ModelOptions::path)). The name
    /// must end in `.mmstats`, where the tools look:
    /// [`create`](ModelOptions::create) refuses any other with
    /// [`Error::Extension`]. Two live models of one process cannot share a
    /// name ([`Error::InUse`]): keep `{MODEL}` in a template for models of
    /// several types, and `{TID}` for models on several threads.
    ///
    /// ```
    /// # use mmstats::{Counter, MmStats};
    /// #[derive(MmStats)]
    /// struct WorkerStats {
    ///     done: Counter,
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let stats = WorkerStats::options()
    ///     .path(dir.path())
    ///     .filename("{CMD}-{PID}-{MODEL}.mmstats")
    ///     .create()?;
    /// let name = format!("-{}-WorkerStats.mmstats", std::process::id());
    /// assert!(stats.path().to_str().is_some_and(|path| path.ends_with(&name)));
    ///
    /// let err = WorkerStats::options().path(dir.path()).filename("{CMD}").create().unwrap_err();
    /// assert!(matches!(err, mmstats::Error::Extension { .. }));
    /// let err = WorkerStats::options()
    ///     .path(dir.path())
    ///     .filename("../{CMD}.mmstats")
    ///     .create()
    ///     .unwrap_err();
    /// assert!(matches!(err, mmstats::Error::Template { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filename(mut self, template: impl Into<String>) -> Self {
        self.filename = Some(template.into());
        self
    }

    /// A label prefix replacing the one the model declares; it is prepended
    /// to every label, the sys fields' included.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).label_prefix("web.").create()?;
    /// assert_eq!(stats.label_prefix(), "web.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn label_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.label_prefix = Some(prefix.into());
        self
    }

    /// The byte layout (default: [`Layout::Aligned`]).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter, Layout};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).layout(Layout::PythonExact).create()?;
    /// assert_eq!(stats.layout(), Layout::PythonExact);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// The file's permission bits (default [`DEFAULT_MODE`], `0o600`); the
    /// umask does not apply. Use `0o644` to let other users' tools read it.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// use std::os::unix::fs::PermissionsExt;
    /// let stats = Stats::options().path(dir.path()).mode(0o644).create()?;
    /// assert_eq!(std::fs::metadata(stats.path())?.permissions().mode() & 0o777, 0o644);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode & 0o777;
        self
    }

    /// Whether dropping the model deletes its file (default: no, so the
    /// last values stay readable after the process ends).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).remove_on_drop(true).create()?;
    /// let path = stats.path().to_owned();
    /// drop(stats);
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_on_drop(mut self, remove: bool) -> Self {
        self.remove_on_drop = remove;
        self
    }

    /// Creates the file and binds the model's fields to it.
    ///
    /// The file is built under a temporary name and renamed into place when
    /// complete, so readers never see it half-written.
    ///
    /// # Errors
    /// [`Error::Template`] for a malformed template or one that gives no
    /// plain file name (see [`filename`](ModelOptions::filename)),
    /// [`Error::LabelTooLong`]
    /// when the label prefix makes a label exceed 65535 bytes,
    /// [`Error::Extension`] when the file name does not end in `.mmstats`
    /// (the tools would never find the file), [`Error::Create`] when the
    /// directory is missing or not writable or the disk is full,
    /// [`Error::InUse`] when a live model of this process has the file's
    /// name (choose another with [`filename`](ModelOptions::filename)), and
    /// [`Error::Occupied`] when something other than a stale stats file of
    /// this user has it (it is left untouched).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.incr();
    /// // The name is taken while the model lives.
    /// let again = Stats::options().path(dir.path()).create();
    /// assert!(matches!(again, Err(mmstats::Error::InUse { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(self) -> Result<Model<S>, Error> {
        let spec = S::__MODEL;
        let subs = Substitutions::current(spec.name);
        let dir_template = match &self.dir {
            Some(dir) => DirTemplate::from_path(dir)?,
            None => DirTemplate::from_path(&crate::defaults::default_path())?,
        };
        let filename_source = self
            .filename
            .clone()
            .unwrap_or_else(crate::defaults::default_filename);
        // Errors about the template say where it came from.
        let shown_template = match (&self.filename, std::env::var_os(crate::ENV_FILES)) {
            (None, Some(_)) => format!("${}={filename_source}", crate::ENV_FILES),
            _ => filename_source.clone(),
        };
        let filename = Template::parse(&filename_source).map_err(|err| match err {
            Error::Template { reason, .. } => Error::Template {
                template: shown_template.clone(),
                reason,
            },
            other => other,
        })?;
        let name = filename.expand(&subs);
        if let Err(reason) = crate::template::check_file_name(&name) {
            return Err(Error::Template {
                template: shown_template,
                reason,
            });
        }
        if !name.ends_with(FILE_EXTENSION) {
            return Err(Error::Extension {
                template: shown_template,
                name,
            });
        }
        let dir = dir_template.expand(&subs);
        let path = dir.join(name);

        let prefix = self.label_prefix.as_deref().unwrap_or(spec.label_prefix);
        let layouts = field_layouts(&spec, prefix, self.layout)?;
        let end = layouts.last().map_or(1, |field| field.end);
        let len = file_len(end);

        let (file, temp) = publish::create_temp(&path, self.mode, len)?;
        // Locked from the start: a cleaner leaves a locked temporary file
        // alone, even if it cannot see this process.
        publish::lock(&file, &path)?;
        // The mapping keeps the file: a model holds one descriptor.
        let region = Region::map(file, len).map_err(|error| Error::Create {
            path: path.clone(),
            error,
        })?;
        // Registered from the start (the inode keeps its identity through
        // the rename): another model of this process that wants the name
        // while this one is published is told that this process holds it.
        let live = Live::register(region.file());
        let bind_err = |err: BindError| Error::Create {
            path: path.clone(),
            error: std::io::Error::other(err.to_string()),
        };
        write_headers(&region, &spec, prefix, &layouts)
            .map_err(|e| bind_err(BindError::Cell(e)))?;
        let mut binder = Binder {
            region: &region,
            fields: spec.fields,
            layouts: &layouts,
            layout: self.layout,
            next: 0,
            error: Cell::new(None),
        };
        let stats = S::__bind(&mut binder);
        if let Some(error) = binder.error.take() {
            // The handles may hold detached cells: discard the model.
            drop(stats);
            return Err(bind_err(error));
        }
        if spec.sys_fields {
            write_sys_values(&region, &spec, &layouts, &subs.cmd)
                .map_err(|e| bind_err(BindError::Cell(e)))?;
        }
        publish::publish(temp, &path)?;
        Ok(Model {
            stats,
            file: ModelFile {
                region,
                _live: live,
                path,
                dir,
                filename,
                subs,
                layout: self.layout,
                label_prefix: prefix.to_owned(),
                remove_on_drop: self.remove_on_drop,
                removed: false,
                generation: crate::shm::mappings::fork_generation(),
            },
        })
    }
}

/// A `path` option: a template when it is UTF-8, used as is otherwise.
enum DirTemplate {
    Template(Template),
    Literal(PathBuf),
}

impl DirTemplate {
    fn from_path(dir: &Path) -> Result<DirTemplate, Error> {
        match dir.to_str() {
            Some(text) => Ok(DirTemplate::Template(Template::parse(text)?)),
            None => Ok(DirTemplate::Literal(dir.to_owned())),
        }
    }

    fn expand(&self, subs: &Substitutions) -> PathBuf {
        match self {
            DirTemplate::Template(template) => PathBuf::from(template.expand(subs)),
            DirTemplate::Literal(dir) => dir.clone(),
        }
    }
}

/// The compile-time layout when the prefix is the declared one, otherwise
/// the same computation at run time.
fn field_layouts(
    spec: &ModelSpec,
    prefix: &str,
    layout: Layout,
) -> Result<Cow<'static, [FieldLayout]>, Error> {
    for field in spec.fields {
        let len = prefix.len() + field.label.len();
        if len > MAX_HEADER_STRING {
            let mut label = format!("{prefix}{}", field.label);
            if label.len() > 80 {
                let cut = (0..=80)
                    .rev()
                    .find(|&i| label.is_char_boundary(i))
                    .unwrap_or(0);
                label.truncate(cut);
                label.push('…');
            }
            return Err(Error::LabelTooLong { label, len });
        }
    }
    if prefix == spec.label_prefix {
        return Ok(Cow::Borrowed(match layout {
            Layout::Aligned => spec.aligned,
            Layout::PythonExact => spec.python_exact,
        }));
    }
    let mut out = Vec::with_capacity(spec.fields.len());
    let mut at = 1;
    for field in spec.fields {
        let placed = layout_field(field, at, prefix.len() + field.label.len(), layout);
        at = placed.end;
        out.push(placed);
    }
    Ok(Cow::Owned(out))
}

fn write_headers(
    region: &Region,
    spec: &ModelSpec,
    prefix: &str,
    layouts: &[FieldLayout],
) -> Result<(), BadCell> {
    region.write_bytes(0, &[VERSION])?;
    for (field, placed) in spec.fields.iter().zip(layouts) {
        let mut header = Vec::with_capacity(5 + placed.label_len + placed.sig.len());
        // Both lengths were checked to fit in u16 (labels above, signatures
        // by construction: at most MAX_SIGNATURE bytes).
        header.extend_from_slice(&(placed.label_len as u16).to_ne_bytes());
        header.extend_from_slice(prefix.as_bytes());
        header.extend_from_slice(field.label.as_bytes());
        header.extend_from_slice(&(placed.sig.len() as u16).to_ne_bytes());
        header.extend_from_slice(placed.sig.as_bytes());
        header.push(placed.write_buffer);
        region.write_bytes(placed.record, &header)?;
    }
    Ok(())
}

fn write_sys_values(
    region: &Region,
    spec: &ModelSpec,
    layouts: &[FieldLayout],
    cmd: &str,
) -> Result<(), BadCell> {
    let first_sys = spec.fields.len().saturating_sub(sys::SYS_FIELDS.len());
    let values = sys::values(cmd);
    for ((field, placed), value) in spec.fields[first_sys..]
        .iter()
        .zip(&layouts[first_sys..])
        .zip(values.iter())
    {
        write_static(region, field, placed, value)?;
    }
    Ok(())
}

/// A model bound to its file: dereferences to the model's fields.
///
/// A model has one writer: it is `Send` (it may move to another thread) but
/// not `Sync` (two threads cannot write it at once). Give each thread its own
/// model, or use [`PerThread`](crate::PerThread).
///
/// ```compile_fail
/// use mmstats::{Counter, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// let stats = Stats::create().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(|| stats.done.incr()); // error: `Stats` cannot be shared between threads
/// });
/// ```
///
/// The file stays on disk when the model is dropped (so the last values can
/// be read after the process is gone) unless
/// [`remove_on_drop`](ModelOptions::remove_on_drop) was set; [`Model::remove`]
/// deletes it.
pub struct Model<S> {
    // Field order matters: the handles in `stats` point into `file.region`
    // and are dropped first.
    stats: S,
    file: ModelFile,
}

/// A model's file: its mapping (which owns the model's one descriptor of
/// it) and what `remove` needs to know.
struct ModelFile {
    region: Region,
    /// This model's entry in the process's list of live files.
    _live: Live,
    path: PathBuf,
    dir: PathBuf,
    filename: Template,
    subs: Substitutions,
    layout: Layout,
    label_prefix: String,
    remove_on_drop: bool,
    removed: bool,
    /// The fork generation the model was created in (see
    /// [`Model::is_inherited`]).
    generation: u64,
}

impl<S> Deref for Model<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.stats
    }
}

/// The model's path, layout, and each field's handle (kind, label and
/// value): `Model { path: "/tmp/app-1-1-Stats.mmstats", layout: Aligned,
/// fields: [Counter { label: "done", value: 1 }] }`.
impl<S: MmStats> fmt::Debug for Model<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("path", &self.file.path)
            .field("layout", &self.file.layout)
            .field("fields", &Fields(&self.stats))
            .finish()
    }
}

/// A model's handles as a `Debug` list.
struct Fields<'a, S>(&'a S);

impl<S: MmStats> fmt::Debug for Fields<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.0.__debug_fields(&mut list);
        list.finish()
    }
}

impl<S> Model<S> {
    /// The file's path.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert!(stats.path().starts_with(dir.path()));
    /// assert!(stats.path().extension().is_some_and(|ext| ext == "mmstats"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// The file's size in bytes (a whole number of pages).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.len() % mmstats::format::PAGE_SIZE, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.file.region.len()
    }

    /// Always false: a stats file holds at least its version byte.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert!(!stats.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The layout the file was written in.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.layout(), mmstats::Layout::Aligned);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layout(&self) -> Layout {
        self.file.layout
    }

    /// The label prefix in effect.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # #[mmstats(label_prefix = "app.")]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.label_prefix(), "app.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn label_prefix(&self) -> &str {
        &self.file.label_prefix
    }

    /// Writes the mapping back to disk and waits for it (`msync(MS_SYNC)`).
    /// Readers never need this; it matters only for a machine crash.
    ///
    /// # Errors
    /// [`Error::Flush`] when the kernel reports a write-back error.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.incr();
    /// stats.flush()?; // on disk now, should the machine crash
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flush(&self) -> Result<(), Error> {
        self.file.region.flush().map_err(|error| Error::Flush {
            path: self.file.path.clone(),
            error,
        })
    }

    /// Starts writing the mapping back to disk without waiting
    /// (`msync(MS_ASYNC)`).
    ///
    /// # Errors
    /// [`Error::Flush`] when the kernel refuses.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.incr();
    /// stats.flush_async()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flush_async(&self) -> Result<(), Error> {
        self.file
            .region
            .flush_async()
            .map_err(|error| Error::Flush {
                path: self.file.path.clone(),
                error,
            })
    }

    /// Whether this process got the model through `fork()` rather than
    /// creating it.
    ///
    /// The file belongs to the process that created the model. In a forked
    /// child the model's mapping is private (copy on write): the child reads
    /// what the parent had written before the fork and its own writes since,
    /// but none of its writes reach the file, and the child never removes
    /// the file (not on drop, and [`remove`](Model::remove) refuses). A
    /// child that publishes stats creates its own model;
    /// [`PerThread`](crate::PerThread) does so by itself.
    ///
    /// ```
    /// # use mmstats::{Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// let stats = Stats::options().path(dir.path()).create()?;
    /// assert!(!stats.is_inherited());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_inherited(&self) -> bool {
        self.file.is_inherited()
    }

    /// Deletes the file and unmaps it. When the file name template holds
    /// both `{PID}` and `{TID}`, the files this template gave other threads
    /// of this process for the same model type are deleted too (stats files
    /// of this user only), as Python 0.8 did.
    ///
    /// # Errors
    /// [`Error::Remove`] when a file cannot be deleted; the model is
    /// unmapped all the same. [`Error::Inherited`] in a forked child: the
    /// file is the parent's (see [`is_inherited`](Model::is_inherited)).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// let path = stats.path().to_owned();
    /// stats.remove()?;
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(mut self) -> Result<(), Error> {
        let file = &mut self.file;
        file.removed = true;
        if file.is_inherited() {
            return Err(Error::Inherited {
                path: file.path.clone(),
            });
        }
        publish::remove_own(&file.path, file.region.file())?;
        if file.filename.has_pid() && file.filename.has_tid() {
            publish::remove_thread_files(&file.dir, &file.filename, &file.subs)?;
        }
        Ok(())
    }
}

impl ModelFile {
    fn is_inherited(&self) -> bool {
        self.generation != crate::shm::mappings::fork_generation()
    }
}

impl Drop for ModelFile {
    fn drop(&mut self) {
        if self.remove_on_drop && !self.removed && !self.is_inherited() {
            let _ = publish::remove_own(&self.path, self.region.file());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::StatKind;
    use crate::{Counter, Text};

    #[test]
    fn a_field_that_does_not_fit_is_detached_and_reported() {
        let file = tempfile::tempfile().unwrap();
        file.set_len(64).unwrap();
        let region = Region::map(file.try_clone().unwrap(), 64).unwrap();
        static SPECS: [FieldSpec; 2] = [
            FieldSpec::new("c", StatKind::Counter, None, None),
            FieldSpec::new("t", StatKind::Text, Some(8), None),
        ];
        // Places the layout would never produce: past the end of the file.
        let mut layouts = crate::layout::layout_fields(&SPECS, 0, Layout::Aligned);
        for field in &mut layouts {
            field.value += 4096;
            field.seq = field.seq.map(|seq| seq + 4096);
        }
        let mut binder = Binder {
            region: &region,
            fields: &SPECS,
            layouts: &layouts,
            layout: Layout::Aligned,
            next: 0,
            error: Cell::new(None),
        };
        let counter: Counter = binder.bind(Some(5));
        let text: Text = binder.bind(Some("abc".into()));
        let extra: Counter = binder.bind(None);
        // Detached handles work and touch nothing in the file.
        counter.incr();
        text.set("hello");
        extra.incr();
        assert_eq!(text.get(), "");
        let error = binder.error.take().expect("the first error is kept");
        assert!(error.to_string().contains("does not fit"), "{error}");
        let mut bytes = [1u8; 64];
        std::io::Read::read_exact(&mut &file, &mut bytes).unwrap();
        assert_eq!(bytes, [0u8; 64]);
    }
}
