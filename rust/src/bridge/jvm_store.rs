//! In-process log replay: the kernel's own Arrow engine (JSON and Parquet decoding, expression
//! evaluation) over an object store whose every listing and read is a call into the Java side's
//! Hadoop FileSystem. Small plans (a snapshot's log listing and protocol/metadata replay) then cost
//! a few JNI calls instead of a Spark job each, and I/O stays engine-controlled.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use delta_kernel::cancellation::CancellationToken;
use delta_kernel::object_store::path::Path;
use delta_kernel::object_store::{
    self, CopyOptions, GetOptions, GetRange, GetResult, GetResultPayload, ListResult,
    MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload,
    PutResult,
};
use delta_kernel::{Engine, KernelError, KernelResult};
use delta_kernel_default_engine::executor::tokio::TokioMultiThreadExecutor;
use delta_kernel_default_engine::DefaultEngine;
use futures::stream::{self, BoxStream, StreamExt};
use jni::objects::{JLongArray, JObject, JObjectArray, JString};
use jni::refs::Global;
use jni::{Env, JavaVM};
use once_cell::sync::OnceCell;
use url::Url;

use super::java_ids::{self, StorageIds};
use super::jvm_thread;
use super::log_files::{self, Format, LAST_CHECKPOINT, LOG_DIRECTORY};
use crate::machine::cancel::Cancellation;
use crate::machine::log_damage::UnreadableCheckpoints;

const STORE_NAME: &str = "delta-ffi Hadoop FileSystem";

/// A length `Storage.read` is not told (it reads to the end of the file).
const UNKNOWN_LENGTH: i64 = -1;

/// The runtime the engine's I/O tasks run on, shared by all engines; its threads live attached to
/// the JVM, like kernel threads.
fn io_runtime() -> KernelResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceCell<tokio::runtime::Runtime> = OnceCell::new();
    RUNTIME.get_or_try_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("delta-ffi-io")
            .on_thread_start(jvm_thread::attach_as_daemon)
            .on_thread_stop(jvm_thread::detach)
            .build()
            .map_err(|e| KernelError::generic(format!("cannot start the I/O runtime: {e}")))
    })
}

/// A kernel engine for the table at `table_root` whose I/O goes through `hadoop_io`, a
/// `dev.deltaffi.kernel.Storage` (Hadoop FileSystem in production).
pub fn in_process_engine(
    env: &mut Env,
    hadoop_io: &JObject,
    table_root: &str,
    cancellation: Arc<Cancellation>,
    checkpoints: Arc<UnreadableCheckpoints>,
) -> Result<Arc<dyn Engine>, super::Failure> {
    let mut base = Url::parse(table_root)
        .map_err(|e| super::Failure::Usage(format!("invalid table root {table_root}: {e}")))?;
    base.set_path("/");
    let ids = &java_ids::get(env)?.storage;
    ids.check(env, hadoop_io)?;
    let store = Arc::new(HadoopStore {
        io: env.new_global_ref(hadoop_io)?,
        ids,
        base,
        log_listing: parking_lot::Mutex::new(None),
        listed: parking_lot::Mutex::new(HashMap::new()),
        cancellation,
        checkpoints,
    });
    let executor = TokioMultiThreadExecutor::new(io_runtime()?.handle().clone());
    Ok(Arc::new(
        DefaultEngine::builder(store)
            .with_task_executor(Arc::new(executor))
            .build(),
    ))
}

/// A read-only object store over a Java `Storage`; object paths are taken relative to `base`
/// (the table's scheme and authority), as the kernel's engine maps URLs to store paths.
struct HadoopStore {
    /// A `Storage` (checked when the store is made, which the calls through `ids` rely on).
    io: Global<JObject<'static>>,
    ids: &'static StorageIds,
    base: Url,
    /// The log listing made to check a `_last_checkpoint` hint, kept for the kernel's listing
    /// that follows the hint's read, so checking the hint costs no request.
    log_listing: parking_lot::Mutex<Option<(Path, Vec<ObjectMeta>)>>,
    /// The status of each file the latest listing of its directory showed, so that reading a
    /// listed file asks for no status (a HEAD on an object store) first.
    listed: parking_lot::Mutex<HashMap<Path, Status>>,
    /// The cancellation of the kernel call this store serves: once set, no request reaches Java.
    cancellation: Arc<Cancellation>,
    /// The checkpoints the kernel call gave up as unreadable: its log listings leave them out.
    checkpoints: Arc<UnreadableCheckpoints>,
}

impl fmt::Debug for HadoopStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HadoopStore({})", self.base)
    }
}

impl fmt::Display for HadoopStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STORE_NAME} at {}", self.base)
    }
}

/// A file's size and modification time, in milliseconds since the epoch.
#[derive(Clone)]
struct Status {
    size: u64,
    modified_millis: i64,
}

impl HadoopStore {
    fn url(&self, location: &Path) -> String {
        let mut url = self.base.clone();
        url.set_path(&format!("/{}", location.as_ref()));
        url.to_string()
    }

    /// Runs `call` with the JVM attached; a Java exception becomes an object store error about
    /// `location` (NotFound for `java.io.FileNotFoundException`). On a log file, a failure other
    /// than NotFound is tried again, boundedly: a writer racing the read (a checksum sidecar
    /// rewritten beside `_last_checkpoint`, a flaky object store) must not fail the query.
    fn with_java<T>(
        &self,
        location: &str,
        mut call: impl FnMut(&mut Env, &JObject) -> jni::errors::Result<T>,
    ) -> object_store::Result<T> {
        const PAUSES_MILLIS: [u64; 2] = [20, 200];
        let in_log = location.contains(&format!("/{LOG_DIRECTORY}/"));
        let mut attempt = 0;
        loop {
            if self.cancellation.is_cancelled() {
                return Err(generic(format!("the read was cancelled before {location}")));
            }
            match self.with_java_once(location, &mut call) {
                Err(error @ object_store::Error::Generic { .. })
                    if in_log && attempt < PAUSES_MILLIS.len() =>
                {
                    tracing::warn!("{error}; trying again");
                    std::thread::sleep(std::time::Duration::from_millis(PAUSES_MILLIS[attempt]));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn with_java_once<T>(
        &self,
        location: &str,
        call: &mut impl FnMut(&mut Env, &JObject) -> jni::errors::Result<T>,
    ) -> object_store::Result<T> {
        let vm = JavaVM::singleton().map_err(|e| generic(e.to_string()))?;
        vm.attach_current_thread(|env| call(env, &self.io))
            .map_err(|error| match error {
                jni::errors::Error::CaughtJavaException {
                    exception,
                    name,
                    msg,
                    ..
                } => {
                    let cause = Box::new(super::JavaCause {
                        throwable: exception,
                        message: format!("{name} on {location}: {msg}"),
                    });
                    if name == "java.io.FileNotFoundException" {
                        object_store::Error::NotFound {
                            path: location.to_string(),
                            source: cause,
                        }
                    } else {
                        object_store::Error::Generic {
                            store: STORE_NAME,
                            source: cause,
                        }
                    }
                }
                other => generic(format!("JNI call on {location} failed: {other}")),
            })
    }

    fn status(&self, url: &str) -> object_store::Result<Status> {
        tracing::debug!("status of {url}");
        let values = self.with_java(url, |env, io| {
            let url = env.new_string(url)?;
            let array = self.ids.status(env, io, &url)?;
            let mut values = [0i64; 2];
            array.get_region(env, 0, &mut values)?;
            Ok(values)
        })?;
        Ok(Status {
            size: u64::try_from(values[0]).map_err(|_| generic("negative file size"))?,
            modified_millis: values[1],
        })
    }

    /// The bytes of `range` of the file at `url`, which is `file_length` bytes long, or at least
    /// as long as the range's end when the length is not known: the Java side opens the file
    /// without asking for its status (a HEAD on an object store) either way.
    fn read(&self, url: &str, range: &Range<u64>, file_length: u64) -> object_store::Result<Bytes> {
        let start = i64::try_from(range.start).map_err(|_| generic("offset too large"))?;
        let length =
            i64::try_from(range.end - range.start).map_err(|_| generic("range too large"))?;
        let file_length =
            i64::try_from(file_length.max(range.end)).map_err(|_| generic("file too large"))?;
        if length == 0 {
            return Ok(Bytes::new());
        }
        tracing::debug!("read {url} bytes {start}..{}", range.end);
        self.read_java(url, start, length, file_length)
    }

    /// The whole file at `url`, of a length not known: the Java side learns it as it opens the
    /// file, so no status is asked for first.
    fn read_whole(&self, url: &str) -> object_store::Result<Bytes> {
        tracing::debug!("read all of {url}");
        self.read_java(url, 0, UNKNOWN_LENGTH, UNKNOWN_LENGTH)
    }

    fn read_java(
        &self,
        url: &str,
        start: i64,
        length: i64,
        file_length: i64,
    ) -> object_store::Result<Bytes> {
        let bytes = self.with_java(url, |env, io| {
            let url = env.new_string(url)?;
            let array = self.ids.read(env, io, &url, start, length, file_length)?;
            env.convert_byte_array(&array)
        })?;
        Ok(Bytes::from(bytes))
    }

    /// The files directly in the directory `prefix`; in the log directory, without the
    /// checkpoints that cannot be read (see [`log_files`]) or that the call gave up.
    fn list(&self, prefix: &Path) -> object_store::Result<Vec<ObjectMeta>> {
        if prefix.filename() != Some(LOG_DIRECTORY) {
            return self.list_directory(prefix);
        }
        let kept = {
            let mut kept = self.log_listing.lock();
            match kept.take() {
                Some((path, listing)) if &path == prefix => Some(listing),
                other => {
                    *kept = other;
                    None
                }
            }
        };
        let listing = match kept {
            Some(listing) => listing,
            None => log_files::screen_checkpoints(self.list_directory(prefix)?, |meta, format| {
                self.is_sound(meta, format)
            }),
        };
        // Leave out what the call gave up; offer the kernel's next give-up the rest.
        let mut offered = std::collections::BTreeSet::new();
        let listing: Vec<ObjectMeta> = listing
            .into_iter()
            .filter(|meta| match log_files::checkpoint_name(&meta.location) {
                Some(name) if self.checkpoints.is_unreadable(name.version) => false,
                Some(name) => {
                    offered.insert(name.version);
                    true
                }
                None => true,
            })
            .collect();
        self.checkpoints.offer(offered);
        Ok(listing)
    }

    /// Whether a checkpoint file can be complete, by its last bytes (cached per file).
    fn is_sound(&self, meta: &ObjectMeta, format: Format) -> bool {
        let url = self.url(&meta.location);
        log_files::cached_soundness(url.clone(), meta, || {
            let tail = format.tail_length();
            if meta.size < tail {
                return false;
            }
            match self.read(&url, &(meta.size - tail..meta.size), meta.size) {
                Ok(bytes) => format.is_sound_tail(meta.size, &bytes),
                Err(error) => {
                    tracing::warn!("cannot read the end of checkpoint file {url}: {error}");
                    false
                }
            }
        })
    }

    /// The `_last_checkpoint` hint at `location`, or NotFound when it cannot be read or leads to
    /// no checkpoint (see [`log_files`]): the kernel then finds the checkpoint by listing.
    fn read_hint(&self, location: &Path, url: &str) -> object_store::Result<(Status, Bytes)> {
        let missing = |why: String| {
            tracing::warn!("ignoring {url}: {why}; listing the log instead");
            object_store::Error::NotFound {
                path: url.to_string(),
                source: why.into(),
            }
        };
        let read = self.read_whole(url).map(|bytes| {
            // Read with no status asked for: its modification time is not known (the epoch).
            let status = Status {
                size: bytes.len() as u64,
                modified_millis: 0,
            };
            (status, bytes)
        });
        let (status, bytes) = match read {
            Err(error @ object_store::Error::NotFound { .. }) => return Err(error),
            Err(error) => return Err(missing(format!("it cannot be read ({error})"))),
            Ok(read) => read,
        };
        // An unparsable hint is the kernel's to ignore (it does, with a warning).
        let Some(version) = log_files::hint_version(&bytes) else {
            return Ok((status, bytes));
        };
        let parts: Vec<_> = location.parts().collect();
        let directory = Path::from_iter(parts[..parts.len().saturating_sub(1)].iter().cloned());
        let listing = self.list(&directory)?;
        let found = log_files::hint_finds_checkpoint(version, &listing);
        *self.log_listing.lock() = Some((directory, listing));
        if found {
            Ok((status, bytes))
        } else {
            Err(missing(format!(
                "it names version {version}, and no readable checkpoint of that version or a later \
                 one is in the log"
            )))
        }
    }

    /// The files directly in the directory `prefix`, as the Java side lists them.
    fn list_directory(&self, prefix: &Path) -> object_store::Result<Vec<ObjectMeta>> {
        let directory = format!("{}/", self.url(prefix).trim_end_matches('/'));
        let (names, sizes, times) = self.with_java(&directory, |env, io| {
            let url = env.new_string(&directory)?;
            let listing = self.ids.list_directory(env, io, &url)?;
            let names = listing.get_element(env, 0)?;
            let names = JObjectArray::<JObject>::cast_local(env, names)?;
            let count = names.len(env)?;
            let mut sizes = vec![0i64; count];
            let mut times = vec![0i64; count];
            for (index, values) in [(1, &mut sizes), (2, &mut times)] {
                let array = listing.get_element(env, index)?;
                JLongArray::cast_local(env, array)?.get_region(env, 0, values)?;
            }
            let mut strings = Vec::with_capacity(count);
            for index in 0..count {
                let name = names.get_element(env, index)?;
                let name = JString::cast_local(env, name)?;
                strings.push(name.try_to_string(env)?);
                // A log directory may hold thousands of files: keep the local frame small.
                env.delete_local_ref(name);
            }
            Ok((strings, sizes, times))
        })?;
        tracing::debug!("listed {directory}: {} files", names.len());
        let listing = names
            .into_iter()
            .zip(sizes)
            .zip(times)
            .map(|((name, size), millis)| {
                let size = u64::try_from(size).map_err(|_| generic("negative file size"))?;
                meta(&prefix.clone().join(name.as_str()), size, millis)
            })
            .collect::<object_store::Result<Vec<_>>>()?;
        let mut listed = self.listed.lock();
        listed.retain(|location, _| !is_directly_in(location, prefix));
        listed.extend(listing.iter().map(|meta| {
            let status = Status {
                size: meta.size,
                modified_millis: meta.last_modified.timestamp_millis(),
            };
            (meta.location.clone(), status)
        }));
        Ok(listing)
    }

    /// The status the latest listing showed for `location`; never for `_last_checkpoint`, the
    /// one log file writers replace in place.
    fn listed_status(&self, location: &Path) -> Option<Status> {
        if location.filename() == Some(LAST_CHECKPOINT) {
            return None;
        }
        self.listed.lock().get(location).cloned()
    }
}

/// Whether `location` names a file directly in the directory `directory`.
fn is_directly_in(location: &Path, directory: &Path) -> bool {
    let parts: Vec<_> = location.parts().collect();
    parts.len() == directory.parts().count() + 1 && location.prefix_matches(directory)
}

/// What the store tells of a file: its size and modification time (the epoch where a read that
/// asked for no status does not know it).
fn meta(location: &Path, size: u64, modified_millis: i64) -> object_store::Result<ObjectMeta> {
    Ok(ObjectMeta {
        location: location.clone(),
        last_modified: timestamp(modified_millis)?,
        size,
        e_tag: None,
        version: None,
    })
}

fn result(meta: ObjectMeta, range: Range<u64>, bytes: Bytes) -> GetResult {
    GetResult {
        payload: GetResultPayload::Stream(stream::once(async move { Ok(bytes) }).boxed()),
        meta,
        range,
        attributes: Default::default(),
        extensions: Default::default(),
    }
}

/// Whether the get is conditional (on an ETag, a version or a modification time), which needs
/// the file's status.
fn has_preconditions(options: &GetOptions) -> bool {
    options.if_match.is_some()
        || options.if_none_match.is_some()
        || options.if_modified_since.is_some()
        || options.if_unmodified_since.is_some()
        || options.version.is_some()
}

fn generic(message: impl Into<String>) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE_NAME,
        source: message.into().into(),
    }
}

fn read_only(operation: &str) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("delta-ffi only reads tables; {operation} is not supported").into(),
    }
}

fn timestamp(millis: i64) -> object_store::Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| generic(format!("modification time {millis} out of range")))
}

#[async_trait]
impl ObjectStore for HadoopStore {
    async fn put_opts(
        &self,
        _location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(read_only("writing a file"))
    }

    async fn put_multipart_opts(
        &self,
        _location: &Path,
        _opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(read_only("writing a file"))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let url = self.url(location);
        let whole_hint = location.filename() == Some(LAST_CHECKPOINT)
            && options.range.is_none()
            && !options.head;
        // Only a HEAD, a conditional get and a range counted from the end need the file's
        // status; a listing may have given it already.
        let needs_status = options.head
            || has_preconditions(&options)
            || matches!(
                options.range,
                Some(GetRange::Offset(_) | GetRange::Suffix(_))
            );
        let (status, hint) = if whole_hint {
            let (status, bytes) = self.read_hint(location, &url)?;
            (status, Some(bytes))
        } else if let Some(status) = self.listed_status(location) {
            (status, None)
        } else if needs_status {
            (self.status(&url)?, None)
        } else {
            // A whole file or a range of one that no listing showed (a deletion vector file, a
            // commit another kernel call listed, a Parquet footer of known size): read without
            // asking for the status first. The result's metadata states what the read tells, the
            // size of a whole file or at least the end of a range; the kernel's readers look at
            // neither.
            let (range, bytes) = match &options.range {
                Some(GetRange::Bounded(range)) => {
                    (range.clone(), self.read(&url, range, range.end)?)
                }
                _ => {
                    let bytes = self.read_whole(&url)?;
                    (0..bytes.len() as u64, bytes)
                }
            };
            return Ok(result(meta(location, range.end, 0)?, range, bytes));
        };
        let meta = meta(location, status.size, status.modified_millis)?;
        options.check_preconditions(&meta)?;
        let range = match &options.range {
            Some(range) => range
                .as_range(status.size)
                .map_err(|e| generic(format!("{url}: {e}")))?,
            None => 0..status.size,
        };
        let bytes = match hint {
            Some(hint) => hint,
            None if options.head => Bytes::new(),
            None => self.read(&url, &range, status.size)?,
        };
        Ok(result(meta, range, bytes))
    }

    fn delete_stream(
        &self,
        _locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        stream::once(async { Err(read_only("deleting a file")) }).boxed()
    }

    /// Lists only the files directly under `prefix`: the kernel lists the log directory, and
    /// must not see `_delta_log/_sidecars/` or `_delta_log/_staged_commits/` files as commits.
    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let listing = HadoopStore::list(self, &prefix.cloned().unwrap_or_default());
        match listing {
            Ok(metas) => stream::iter(metas.into_iter().map(Ok)).boxed(),
            Err(error) => stream::once(async move { Err(error) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        Ok(ListResult {
            common_prefixes: Vec::new(),
            objects: HadoopStore::list(self, &prefix.cloned().unwrap_or_default())?,
            extensions: Default::default(),
        })
    }

    async fn copy_opts(
        &self,
        _from: &Path,
        _to: &Path,
        _options: CopyOptions,
    ) -> object_store::Result<()> {
        Err(read_only("copying a file"))
    }
}
