//! What a stream reads after its last offset: the commits from a version to a snapshot's, each
//! with the files it added (`dataChange` adds, in the commit's order), whether it removed data,
//! the files its change data feed reads, and the schema it set. The kernel's `CommitRange` lists and validates the commits and checks
//! each commit's protocol; the added files come out in the live-files contract, their partition
//! values parsed by the kernel's own `MapToStruct`. The range lists the log itself: a snapshot's
//! own listing starts at its checkpoint, and a stream may lag behind it.

use std::sync::Arc;

use delta_kernel::actions::Metadata;
use delta_kernel::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch, StructArray};
use delta_kernel::arrow::compute::{and, filter_record_batch, is_not_null};
use delta_kernel::arrow::datatypes::Int64Type;
use delta_kernel::commit_range::{CommitRange, DeltaAction};
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::engine::arrow_expression::evaluate_expression::evaluate_expression;
use delta_kernel::expressions::{column_expr, Expression, MapToStructOptions};
use delta_kernel::schema::{DataType, StructType};
use delta_kernel::{Engine, KernelError, KernelResult, SnapshotRef, Version};

use super::scan::{physical_partition_schema, LIVE_FILE_COLUMNS};

/// One commit as a stream sees it.
#[derive(Debug)]
pub struct Commit {
    pub version: Version,
    /// Milliseconds since the epoch (the in-commit timestamp when enabled, else the file's time).
    pub timestamp: i64,
    /// The number of `dataChange` files it added: its rows in [`Commits::files`].
    pub added: usize,
    /// Whether it removed a file with `dataChange` (a DELETE, UPDATE, MERGE or overwrite).
    pub removes_data: bool,
    /// Whether it recorded its changes in `cdc` files.
    pub has_cdc_files: bool,
    /// The files a change data feed reads for it (its `cdc` files when it has any, else its
    /// `dataChange` adds and removes) and their bytes: what a stream admits it by.
    pub change_files: usize,
    pub change_bytes: i64,
    /// The table schema it set, when it has a metadata action.
    pub schema: Option<StructType>,
    /// Whether it has a metadata action that leaves the change data feed off.
    pub change_data_feed_off: bool,
}

/// The commits of a range and, commit after commit, the files they added as
/// [`LIVE_FILE_COLUMNS`].
pub struct Commits {
    pub commits: Vec<Commit>,
    pub files: Vec<RecordBatch>,
}

/// The commits from version `from` to `snapshot`'s version (none when `from` is past it).
pub fn read(
    engine: Arc<dyn Engine>,
    snapshot: &SnapshotRef,
    from: Version,
) -> KernelResult<Commits> {
    let mut read = Commits {
        commits: Vec::new(),
        files: Vec::new(),
    };
    if from > snapshot.version() {
        return Ok(read);
    }
    let partition_type = DataType::from(physical_partition_schema(snapshot)?.as_ref().clone());
    let range = CommitRange::builder_for(snapshot.table_root(), from)
        .with_end_version(snapshot.version())
        .build(engine.as_ref())?;
    let actions = [
        DeltaAction::Add,
        DeltaAction::Remove,
        DeltaAction::Cdc,
        DeltaAction::Metadata,
    ];
    for commit in range.commits(engine.clone(), None, &actions)? {
        let commit = commit?;
        let mut summary = Commit {
            version: commit.version(),
            timestamp: commit.timestamp(),
            added: 0,
            removes_data: false,
            has_cdc_files: false,
            change_files: 0,
            change_bytes: 0,
            schema: None,
            change_data_feed_off: false,
        };
        let (mut cdc, mut adds_and_removes) = (Tally::default(), Tally::default());
        for batch in commit.get_actions(engine.as_ref())? {
            let data = batch?;
            if let Some(metadata) = Metadata::try_new_from_data(data.as_ref())? {
                summary.schema = Some(metadata.parse_schema()?);
                summary.change_data_feed_off =
                    metadata.parse_table_properties().enable_change_data_feed != Some(true);
            }
            let batch = ArrowEngineData::try_from_engine_data(data)?
                .record_batch()
                .clone();
            let removed = changes_data(&batch, "remove")?;
            summary.removes_data |= removed.true_count() > 0;
            adds_and_removes.add(&batch, "remove", &removed)?;
            cdc.add(&batch, "cdc", &is_not_null(struct_column(&batch, "cdc")?)?)?;
            let adds = changes_data(&batch, "add")?;
            adds_and_removes.add(&batch, "add", &adds)?;
            let added = filter_record_batch(&batch, &adds)?;
            if added.num_rows() > 0 {
                summary.added += added.num_rows();
                read.files.push(live_file_columns(&added, &partition_type)?);
            }
        }
        summary.has_cdc_files = cdc.files > 0;
        let change = if summary.has_cdc_files {
            cdc
        } else {
            adds_and_removes
        };
        (summary.change_files, summary.change_bytes) = (change.files, change.bytes);
        read.commits.push(summary);
    }
    Ok(read)
}

/// A count of file actions and their sizes (a missing size counts as 0).
#[derive(Default, Clone, Copy)]
struct Tally {
    files: usize,
    bytes: i64,
}

impl Tally {
    /// Counts the `action` structs of `batch` in the rows `selected` holds.
    fn add(
        &mut self,
        batch: &RecordBatch,
        action: &str,
        selected: &BooleanArray,
    ) -> KernelResult<()> {
        let sizes = struct_column(batch, action)?
            .column_by_name("size")
            .and_then(|column| column.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| KernelError::internal_error(format!("`{action}.size` is missing")))?;
        for (size, selected) in sizes.iter().zip(selected.iter()) {
            if selected == Some(true) {
                self.files += 1;
                self.bytes += size.unwrap_or(0);
            }
        }
        Ok(())
    }
}

/// Which rows hold an `action` (`add` or `remove`) with `dataChange` set.
fn changes_data(batch: &RecordBatch, action: &str) -> KernelResult<BooleanArray> {
    let actions = struct_column(batch, action)?;
    let data_change = actions
        .column_by_name("dataChange")
        .and_then(|column| column.as_boolean_opt())
        .ok_or_else(|| KernelError::internal_error(format!("`{action}.dataChange` is missing")))?;
    let present = is_not_null(actions)?;
    // A null `dataChange` is false: `and` would keep it null, which a filter drops too.
    Ok(and(&present, data_change)?)
}

fn struct_column<'a>(batch: &'a RecordBatch, name: &str) -> KernelResult<&'a StructArray> {
    batch
        .column_by_name(name)
        .and_then(|column| column.as_struct_opt())
        .ok_or_else(|| KernelError::internal_error(format!("commit rows lack the struct `{name}`")))
}

/// Added files as [`LIVE_FILE_COLUMNS`]; `partition_type` is the physical partition struct
/// (empty when unpartitioned) the kernel parses `add.partitionValues` into.
fn live_file_columns(added: &RecordBatch, partition_type: &DataType) -> KernelResult<RecordBatch> {
    let add = struct_column(added, "add")?;
    let field = |name: &str| {
        add.column_by_name(name)
            .cloned()
            .ok_or_else(|| KernelError::internal_error(format!("`add.{name}` is missing")))
    };
    let unpartitioned =
        matches!(partition_type, DataType::Struct(fields) if fields.num_fields() == 0);
    // Arrow builds no struct of no fields without its length, which the expression cannot give.
    let partition_values: ArrayRef = if unpartitioned {
        Arc::new(StructArray::new_empty_fields(added.num_rows(), None))
    } else {
        evaluate_expression(
            &Expression::map_to_struct(
                column_expr!("add.partitionValues"),
                MapToStructOptions::default(),
            ),
            added,
            Some(partition_type),
        )?
    };
    let columns: [ArrayRef; 7] = [
        field("path")?,
        field("size")?,
        field("modificationTime")?,
        field("deletionVector")?,
        partition_values,
        field("baseRowId")?,
        field("defaultRowCommitVersion")?,
    ];
    Ok(RecordBatch::try_from_iter(
        LIVE_FILE_COLUMNS.into_iter().zip(columns),
    )?)
}
