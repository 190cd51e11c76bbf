//! The change data feed of a version range: the kernel's `TableChanges` decides which files and
//! rows form the changes (CDC files, adds and removes, deletion-vector pairs) and reads them
//! through the caller's engine (the Hadoop-backed store), on the calling thread. The driver only
//! resolves the range; each Spark task reads the changes of its own slice of commits.

use std::sync::Arc;

use delta_kernel::arrow::array::RecordBatch;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::schema::SchemaRef;
use delta_kernel::table_changes::TableChanges;
use delta_kernel::{Engine, KernelResult, Version};
use url::Url;

/// A range the kernel accepted: change data feed enabled and the same schema at both ends.
pub struct ResolvedRange {
    /// The last version, the latest one when none was asked for.
    pub end: Version,
    /// The table's columns, then `_change_type`, `_commit_version` and `_commit_timestamp`.
    pub schema: SchemaRef,
}

/// Checks the range `start..=end` (`end` absent: up to the latest version) of the table at
/// `table_root`.
pub fn resolve(
    engine: &dyn Engine,
    table_root: &str,
    start: Version,
    end: Option<Version>,
) -> KernelResult<ResolvedRange> {
    let changes = TableChanges::try_new(Url::parse(table_root)?, engine, start, end)?;
    Ok(ResolvedRange {
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
