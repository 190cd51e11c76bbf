//! Snapshot construction as a phase machine: the kernel's own `Snapshot` builder, run either
//! against a plan-based engine whose every listing, read and replay plan becomes a Consume phase,
//! or against an engine the caller provides, which replays the log in process (no phase but the
//! Terminus).

use std::sync::Arc;

use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::history_manager::{get_earliest_commit, latest_version_as_of, HistoryCommitType};
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, SnapshotRef, Version};

use super::Machine;

/// Which snapshot of a table to build.
#[derive(Debug, Clone, Copy)]
pub enum TimeTravel {
    Latest,
    Version(Version),
    /// The latest version committed at or before this instant (milliseconds since the epoch),
    /// using in-commit timestamps where the table has them.
    Timestamp(i64),
}

impl std::fmt::Display for TimeTravel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeTravel::Latest => write!(f, "latest version"),
            TimeTravel::Version(version) => write!(f, "version {version}"),
            TimeTravel::Timestamp(millis) => write!(f, "as of timestamp {millis} ms"),
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

/// A requested timestamp outside the table's history; times are milliseconds since the epoch.
#[derive(Debug)]
pub struct TimestampOutOfRange {
    pub requested: i64,
    /// The earliest version that can be read and its commit time, when the request is before it.
    pub earliest_at: Option<(Version, i64)>,
    pub latest_at: (Version, i64),
}

impl std::fmt::Display for TimestampOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (latest, latest_ms) = self.latest_at;
        match self.earliest_at {
            Some((earliest, earliest_ms)) => write!(
                f,
                "timestamp {} ms is before the earliest readable commit: versions {earliest} \
                 (committed at {earliest_ms} ms) to {latest} (committed at {latest_ms} ms) exist",
                self.requested
            ),
            None => write!(
                f,
                "timestamp {} ms is after the latest commit: version {latest}, committed at \
                 {latest_ms} ms",
                self.requested
            ),
        }
    }
}

impl std::error::Error for TimestampOutOfRange {}

/// Where the kernel's log replay runs.
pub enum Replay {
    /// Every operation is a Consume phase for the engine to execute.
    Phases,
    /// This engine executes everything itself.
    InProcess(Arc<dyn Engine>),
}

/// Starts building the snapshot of the table at `table_root`.
pub fn start(
    table_root: String,
    travel: TimeTravel,
    replay: Replay,
) -> KernelResult<Machine<SnapshotRef>> {
    Machine::start(move |executor, _| {
        let engine: Arc<dyn Engine> = match replay {
            Replay::Phases => Arc::new(PlanBasedEngine::new(None, executor)),
            Replay::InProcess(engine) => engine,
        };
        build(engine.as_ref(), &table_root, travel)
    })
}

fn build(engine: &dyn Engine, table_root: &str, travel: TimeTravel) -> KernelResult<SnapshotRef> {
    let builder = Snapshot::builder_for(table_root);
    match travel {
        TimeTravel::Latest => builder.build(engine),
        TimeTravel::Version(version) => match builder.at_version(version).build(engine) {
            Err(KernelError::MissingVersion(_)) => {
                // Say which versions exist: the kernel only names the one it missed.
                let latest = Snapshot::builder_for(table_root).build(engine)?.version();
                Err(KernelError::generic_err(VersionOutOfRange {
                    requested: version,
                    latest,
                }))
            }
            other => other,
        },
        TimeTravel::Timestamp(millis) => {
            let latest = builder.build(engine)?;
            let latest_at = (latest.version(), latest.get_timestamp(engine)?);
            let out_of_range = |earliest_at| {
                KernelError::generic_err(TimestampOutOfRange {
                    requested: millis,
                    earliest_at,
                    latest_at,
                })
            };
            // Like Delta, a timestamp after the latest commit is an error, not the latest.
            if millis > latest_at.1 {
                return Err(out_of_range(None));
            }
            let commit =
                match latest_version_as_of(&latest, engine, millis, HistoryCommitType::Recreatable)
                {
                    Err(KernelError::LogHistory(_)) => {
                        let log_root = latest.table_root().join("_delta_log/")?;
                        let earliest = get_earliest_commit(
                            engine,
                            &log_root,
                            None,
                            HistoryCommitType::Recreatable,
                        )?;
                        let earliest_at = Snapshot::builder_for(table_root)
                            .at_version(earliest)
                            .build(engine)?
                            .get_timestamp(engine)?;
                        return Err(out_of_range(Some((earliest, earliest_at))));
                    }
                    other => other?,
                };
            if commit.version == latest.version() {
                return Ok(latest);
            }
            Snapshot::builder_for(table_root)
                .at_version(commit.version)
                .build(engine)
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

/// Logical partition column names of a snapshot, in table order.
pub fn partition_columns(snapshot: &Arc<Snapshot>) -> Vec<String> {
    snapshot
        .table_configuration()
        .metadata()
        .partition_columns()
        .to_vec()
}
