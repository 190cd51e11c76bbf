//! The change data feed of a version range: the kernel's `TableChanges` decides which files and
//! rows form the changes (CDC files, adds and removes, deletion-vector pairs) and reads them
//! through the caller's engine (the Hadoop-backed store), on the calling thread. The driver only
//! resolves the range; each Spark task reads the changes of its own slice of commits.

use std::sync::Arc;

use delta_kernel::arrow::array::RecordBatch;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::schema::SchemaRef;
use delta_kernel::table_changes::TableChanges;
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, Version};

use super::history;
use url::Url;

/// One end of a change feed's range, as the user gave it.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// The latest version (an end only).
    Latest,
    Version(Version),
    /// Milliseconds since the epoch: from the first commit at or after it (a start), up to the
    /// last commit at or before it (an end), by delta-spark's commit times; a time after the
    /// latest commit is an error either way, as in delta-spark.
    Timestamp(i64),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Latest => write!(f, "the latest version"),
            Bound::Version(version) => write!(f, "version {version}"),
            Bound::Timestamp(millis) => write!(f, "timestamp {}", history::iso(*millis)),
        }
    }
}

/// A range the kernel accepted: change data feed enabled and the same schema at both ends.
pub struct ResolvedRange {
    pub start: Version,
    /// The last version, the latest one when none was asked for.
    pub end: Version,
    /// The table's columns, then `_change_type`, `_commit_version` and `_commit_timestamp`.
    pub schema: SchemaRef,
}

/// Resolves `start` (not [`Bound::Latest`]) and `end` to versions of the table at `table_root`
/// and checks the range.
pub fn resolve(
    engine: &dyn Engine,
    table_root: &str,
    start: Bound,
    end: Bound,
) -> KernelResult<ResolvedRange> {
    let table_root = Url::parse(table_root)?;
    let latest = match (start, end) {
        (Bound::Timestamp(_), _) | (_, Bound::Timestamp(_)) => {
            Some(Snapshot::builder_for(table_root.as_str()).build(engine)?)
        }
        _ => None,
    };
    let start = match (start, &latest) {
        (Bound::Version(version), _) => version,
        (Bound::Timestamp(millis), Some(latest)) => {
            history::first_version_from(engine, latest, millis)?
        }
        _ => return Err(KernelError::generic("a change feed needs a start")),
    };
    let end = match (end, &latest) {
        (Bound::Latest, _) => None,
        (Bound::Version(version), _) => Some(version),
        (Bound::Timestamp(millis), Some(latest)) => {
            Some(history::version_at(engine, latest, millis)?)
        }
        (Bound::Timestamp(_), None) => return Err(KernelError::internal_error("no snapshot")),
    };
    if let Some(end) = end.filter(|&end| end < start) {
        return Err(KernelError::generic(format!(
            "the range resolves to start version {start} after end version {end}: no commit lies \
             between its bounds"
        )));
    }
    let changes = TableChanges::try_new(table_root, engine, start, end)?;
    Ok(ResolvedRange {
        start,
        end: changes.end_version(),
        schema: Arc::new(changes.schema().clone()),
    })
}

/// The changes of the commits `start..=end`, with only `columns` (names of the feed's schema).
/// Every intermediate commit is checked as the kernel replays it (change data recorded, schema
/// compatible).
pub fn read(
    engine: Arc<dyn Engine>,
    table_root: &str,
    start: Version,
    end: Version,
    columns: &[String],
) -> KernelResult<Vec<RecordBatch>> {
    let changes =
        TableChanges::try_new(Url::parse(table_root)?, engine.as_ref(), start, Some(end))?;
    let schema = changes.schema().project(columns)?;
    let scan = Arc::new(changes)
        .scan_builder()
        .with_schema(schema)
        .build()?;
    scan.execute(engine)?
        .map(|data| {
            Ok(ArrowEngineData::try_from_engine_data(data?)?
                .record_batch()
                .clone())
        })
        .collect()
}
