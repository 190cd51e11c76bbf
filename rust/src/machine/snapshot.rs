//! Snapshot construction as a phase machine: the kernel's own `Snapshot` builder, run where the
//! [`Placement`] says: replay plans as Consume phases, or all in process (no phase but the
//! Terminus).

use std::sync::Arc;

use delta_kernel::cancellation::CancellationTokenRef;
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, SnapshotRef, Version};
use url::Url;

use super::placement::Placement;
use super::{history, log_damage, Machine};

/// Which snapshot of a table to build.
#[derive(Debug, Clone, Copy)]
pub enum TimeTravel {
    Latest,
    Version(Version),
    /// The latest version committed at or before this instant (milliseconds since the epoch), by
    /// delta-spark's rule (see [`history`]).
    Timestamp(i64),
}

impl std::fmt::Display for TimeTravel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeTravel::Latest => write!(f, "latest version"),
            TimeTravel::Version(version) => write!(f, "version {version}"),
            TimeTravel::Timestamp(millis) => write!(f, "as of {}", history::iso(*millis)),
        }
    }
}

/// A requested version the table does not have.
#[derive(Debug)]
pub struct VersionOutOfRange {
    pub requested: Version,
    pub latest: Version,
}

impl std::fmt::Display for VersionOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "version {} does not exist; the table's latest version is {}",
            self.requested, self.latest
        )
    }
}

impl std::error::Error for VersionOutOfRange {}

/// Starts building the snapshot of the table at `table_root`. A build that fails as an unreadable
/// checkpoint would make it fail is tried again without that checkpoint.
pub fn start(
    table_root: String,
    travel: TimeTravel,
    placement: Placement,
) -> KernelResult<Machine<SnapshotRef>> {
    let until = match travel {
        TimeTravel::Version(version) => Some(version),
        TimeTravel::Latest | TimeTravel::Timestamp(_) => None,
    };
    let checkpoints = placement.checkpoints.clone();
    start_with(placement, move |engine, cancellation| {
        log_damage::without_unreadable_checkpoints(&checkpoints, until, || {
            build(engine, cancellation.clone(), &table_root, travel)
                .and_then(log_damage::require_complete_history)
        })
        .map_err(|error| match Url::parse(&table_root) {
            Ok(root) => log_damage::name_damaged_commit(engine, &root, until, error),
            Err(_) => error,
        })
    })
}

/// Starts building the latest snapshot of `existing`'s table from `existing`: the kernel lists and
/// replays only the commits after it (and returns it as it is when there are none).
pub fn refresh(existing: SnapshotRef, placement: Placement) -> KernelResult<Machine<SnapshotRef>> {
    start_with(placement, move |engine, cancellation| {
        let root = existing.table_root().clone();
        Snapshot::builder_from(existing)
            .with_cancellation_token(cancellation)
            .build(engine)
            .and_then(log_damage::require_complete_history)
            .map_err(|error| log_damage::name_damaged_commit(engine, &root, None, error))
    })
}

/// Runs `build` on a machine thread against the engine `placement` gives and the machine's
/// cancellation.
fn start_with(
    placement: Placement,
    build: impl FnOnce(&dyn Engine, CancellationTokenRef) -> KernelResult<SnapshotRef> + Send + 'static,
) -> KernelResult<Machine<SnapshotRef>> {
    Machine::start(placement.cancellation.clone(), move |executor, side| {
        build(placement.engine(executor).as_ref(), side.cancellation())
    })
}

fn build(
    engine: &dyn Engine,
    cancellation: CancellationTokenRef,
    table_root: &str,
    travel: TimeTravel,
) -> KernelResult<SnapshotRef> {
    let builder =
        || Snapshot::builder_for(table_root).with_cancellation_token(cancellation.clone());
    match travel {
        TimeTravel::Latest => builder().build(engine),
        TimeTravel::Version(version) => match builder().at_version(version).build(engine) {
            Err(KernelError::MissingVersion(_)) => {
                // Say which versions exist: the kernel only names the one it missed.
                let latest = builder().build(engine)?.version();
                Err(KernelError::generic_err(VersionOutOfRange {
                    requested: version,
                    latest,
                }))
            }
            other => other,
        },
        TimeTravel::Timestamp(millis) => {
            let latest = builder().build(engine)?;
            let version = history::version_at(engine, &latest, millis)?;
            if version == latest.version() {
                return Ok(latest);
            }
            builder().at_version(version).build(engine)
        }
    }
}

/// The bytes of the log files a snapshot replays: its checkpoint parts (without v2 sidecars) and
/// the commits after them.
pub fn log_size_bytes(snapshot: &Snapshot) -> u64 {
    let files = &snapshot.log_segment().listed;
    files
        .checkpoint_parts
        .iter()
        .chain(&files.ascending_commit_files)
        .map(|path| path.location.size)
        .sum()
}

/// Whether the log files `snapshot` was built from are all still listed as they were (same size and
/// modification time): then the snapshot still describes its version, and a newer one can be built
/// from it by replaying only the commits after it. A table deleted and written again, a commit
/// rewritten or a log file cleaned up since makes it false.
pub fn log_unchanged(engine: &dyn Engine, snapshot: &Snapshot) -> KernelResult<bool> {
    let listed = &snapshot.log_segment().listed;
    let built_from: Vec<&delta_kernel::FileMeta> = listed
        .checkpoint_parts
        .iter()
        .chain(&listed.ascending_commit_files)
        .map(|path| &path.location)
        .collect();
    let Some(first) = listed
        .checkpoint_parts
        .first()
        .or(listed.ascending_commit_files.first())
    else {
        return Ok(false);
    };
    let log_root = snapshot.table_root().join("_delta_log/")?;
    // Listing is strictly after this name, so the first file itself is included.
    let from = log_root.join(&format!("{:020}", first.version))?;
    let mut now = std::collections::HashMap::new();
    for file in engine.storage_handler().list_from(&from)? {
        let file = file?;
        let past_snapshot = delta_kernel::path::ParsedLogPath::try_from(file.clone())?
            .is_some_and(|parsed| parsed.version > snapshot.version());
        if past_snapshot {
            break;
        }
        now.insert(file.location.clone(), (file.size, file.last_modified));
    }
    Ok(built_from
        .iter()
        .all(|file| now.get(&file.location) == Some(&(file.size, file.last_modified))))
}

/// The checkpoint a snapshot starts from (if any) and how many commit files it replays after it.
pub fn log_shape(snapshot: &Snapshot) -> (Option<Version>, usize) {
    let segment = snapshot.log_segment();
    (
        segment.checkpoint_version,
        segment.listed.ascending_commit_files.len(),
    )
}

/// Logical partition column names of a snapshot, in table order.
pub fn partition_columns(snapshot: &Arc<Snapshot>) -> Vec<String> {
    snapshot
        .table_configuration()
        .metadata()
        .partition_columns()
        .to_vec()
}
