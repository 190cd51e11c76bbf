//! Scan construction as a phase machine: the kernel's `ScanBuilder`, then the live files, found
//! one of two ways:
//!
//! - on Spark: the scan's pre-flight I/O (checkpoint shape discovery) is answered in process, and
//!   the declarative metadata plan is handed to the engine as a PartialResult phase. The engine
//!   runs that plan as a distributed job and keeps its live `add` rows (path, size, deletion
//!   vector, kernel-parsed partition values), as the kernel's docs recommend for results the
//!   connector owns;
//! - in process, for small logs: the kernel replays the log itself with the engine it is given and
//!   the machine's Terminus carries the live files' scan rows as Arrow batches.
//!
//! The Terminus's `Scan` gives the logical and physical schemas and the physical predicate, and,
//! in process, what the kernel's replay counted (its `ScanMetadataCompleted` metrics): no second
//! replay is needed to say what the predicate pruned.

use std::sync::Arc;

use delta_kernel::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch, StructArray};
use delta_kernel::arrow::compute::filter_record_batch;
use delta_kernel::cancellation::CancellationTokenRef;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::expressions::Predicate;
use delta_kernel::scan::{PartitionValuesOptions, Scan, StatsOptions};
use delta_kernel::schema::StructType;
use delta_kernel::{Engine, KernelError, KernelResult, Snapshot, SnapshotRef};

use super::placement::{Placement, Replay};
use super::{log_damage, Machine};
use crate::logging;

/// A planned scan, and its live files when the log was replayed in process.
pub struct PlannedScan {
    pub scan: Scan,
    /// The partition columns with their physical names, as `partitionValues_parsed` types them
    /// (empty when unpartitioned): the one source of the partition schema on every placement.
    pub partition_schema: Arc<StructType>,
    pub files: Option<ScanFiles>,
    /// What the kernel's replay counted, when it ran in process; a Spark-run metadata plan
    /// reports no kernel metrics (its rows are the kept files alone).
    pub counts: Option<FileCounts>,
}

/// The kernel's own count of an in-process replay (its `ScanMetadataCompleted` metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCounts {
    /// `add` actions the replay looked at, before pruning and deduplication: checkpoint and
    /// commit adds (a file added then removed counts; checkpoint row groups the kernel skipped by
    /// their statistics are never seen).
    pub seen: u64,
    /// Live files kept: the files to read.
    pub kept: u64,
    /// `add` actions the predicate pruned, by partition values and by statistics alike (the kernel
    /// evaluates both in one skipping predicate and counts them together).
    pub pruned: u64,
}

/// The live-files contract: the columns, in this order, every placement hands Java for each live
/// file, whatever the kernel's internal scan-row layout (`partitionValues_parsed` is an empty
/// struct when unpartitioned). Java's one decoder (LiveFiles.java) reads them by these names; a
/// Spark-run metadata plan is projected to the same columns of its `add` struct.
pub const LIVE_FILE_COLUMNS: [&str; 7] = [
    "path",
    "size",
    "modificationTime",
    "deletionVector",
    "partitionValues_parsed",
    "baseRowId",
    "defaultRowCommitVersion",
];

/// The live files of an in-process scan, laid out as [`LIVE_FILE_COLUMNS`].
pub struct ScanFiles {
    pub batches: Vec<RecordBatch>,
}

/// Starts planning a scan of `columns` (logical top-level names; `None` reads all columns). With
/// a `predicate` the kernel prunes partitions and skips files by their statistics.
pub fn start(
    snapshot: SnapshotRef,
    columns: Option<Vec<String>>,
    predicate: Option<Predicate>,
    placement: Placement,
) -> KernelResult<Machine<PlannedScan>> {
    Machine::start(placement.cancellation.clone(), move |executor, side| {
        let request = ScanRequest {
            schema: columns
                .map(|names| project(&snapshot.schema(), &names))
                .transpose()?,
            predicate: predicate.map(Arc::new),
            cancellation: side.cancellation(),
        };
        let scan = request.build(&snapshot)?;
        let engine = placement.engine(executor);
        let partition_schema = physical_partition_schema(&snapshot)?;
        match placement.replay {
            Replay::Spark => {
                if let Some(plan) = scan.declarative_metadata_scan_plan(engine.as_ref())? {
                    side.partial_result(plan)?;
                }
                tracing::debug!(
                    "scan of {} version {}: metadata plan handed to Spark",
                    snapshot.table_root(),
                    snapshot.version()
                );
                Ok(PlannedScan {
                    partition_schema,
                    scan,
                    files: None,
                    counts: None,
                })
            }
            Replay::InProcess => {
                // The first replay uses the planned scan; one tried again after an unreadable
                // checkpoint, a snapshot rebuilt without it (the snapshot's checkpoint is the
                // first to give up: this call has listed no log yet).
                placement.checkpoints.offer(
                    snapshot
                        .log_segment()
                        .checkpoint_version
                        .into_iter()
                        .collect(),
                );
                let mut planned = Some(scan);
                let (replayed, metrics) = logging::capture_scan_metrics(|| {
                    log_damage::without_unreadable_checkpoints(
                        &placement.checkpoints,
                        Some(snapshot.version()),
                        || {
                            let scan = match planned.take() {
                                Some(scan) => scan,
                                None => request.build(&rebuilt(
                                    &snapshot,
                                    &request,
                                    engine.as_ref(),
                                )?)?,
                            };
                            let files = live_files(&scan, engine.as_ref())?;
                            Ok((scan, files))
                        },
                    )
                });
                let (scan, files) = replayed.map_err(|error| {
                    log_damage::name_damaged_commit(
                        engine.as_ref(),
                        snapshot.table_root(),
                        Some(snapshot.version()),
                        error,
                    )
                })?;
                let counts = metrics.map(|m| FileCounts {
                    seen: m.num_add_files_seen,
                    kept: m.num_selected_add_files,
                    pruned: m.num_predicate_filtered,
                });
                tracing::debug!(
                    "scan of {} version {} replayed in process: {counts:?}",
                    snapshot.table_root(),
                    snapshot.version()
                );
                Ok(PlannedScan {
                    partition_schema,
                    scan,
                    files: Some(files),
                    counts,
                })
            }
        }
    })
}

/// What a scan reads: its columns, its predicate, and the machine's cancellation.
struct ScanRequest {
    schema: Option<Arc<StructType>>,
    predicate: Option<Arc<Predicate>>,
    cancellation: CancellationTokenRef,
}

impl ScanRequest {
    fn build(&self, snapshot: &SnapshotRef) -> KernelResult<Scan> {
        // Statistics are only worth reading when there is a predicate to skip files with.
        let stats = if self.predicate.is_some() {
            StatsOptions::all_struct()
        } else {
            StatsOptions::none()
        };
        snapshot
            .clone()
            .scan_builder()
            .with_schema_opt(self.schema.clone())
            .with_predicate(self.predicate.clone())
            .with_stats(stats)
            .with_partition_values(PartitionValuesOptions::with_struct())
            .with_cancellation_token(self.cancellation.clone())
            .build()
    }
}

/// `snapshot` built again at its version, from what the engine's log listing now offers.
fn rebuilt(
    snapshot: &SnapshotRef,
    request: &ScanRequest,
    engine: &dyn Engine,
) -> KernelResult<SnapshotRef> {
    Snapshot::builder_for(snapshot.table_root().as_str())
        .at_version(snapshot.version())
        .with_cancellation_token(request.cancellation.clone())
        .build(engine)
        .and_then(log_damage::require_complete_history)
}

/// Replays the log for the scan's live files with `engine`, keeping only the rows the kernel
/// selects (live files that survive partition pruning and data skipping).
fn live_files(scan: &Scan, engine: &dyn Engine) -> KernelResult<ScanFiles> {
    let mut batches = Vec::new();
    for metadata in scan.scan_metadata(engine)? {
        let metadata = metadata?;
        let (data, selection) = metadata.scan_files.into_parts();
        let batch = ArrowEngineData::try_from_engine_data(data)?
            .record_batch()
            .clone();
        // Rows past the end of the selection vector are selected.
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|row| Some(selection.get(row).copied().unwrap_or(true)))
            .collect();
        let kept = filter_record_batch(&batch, &keep)?;
        if kept.num_rows() > 0 {
            batches.push(live_file_columns(&kept)?);
        }
    }
    Ok(ScanFiles { batches })
}

/// The kernel's scan rows as [`LIVE_FILE_COLUMNS`]: the row tracking values come out of
/// `fileConstantValues`, and an unpartitioned table gets an empty partition struct.
fn live_file_columns(rows: &RecordBatch) -> KernelResult<RecordBatch> {
    let column = |batch: &RecordBatch, name: &str| {
        batch.column_by_name(name).cloned().ok_or_else(|| {
            KernelError::internal_error(format!("the kernel's scan rows lack `{name}`"))
        })
    };
    let constants = column(rows, "fileConstantValues")?;
    let constants = constants
        .as_struct_opt()
        .ok_or_else(|| KernelError::internal_error("`fileConstantValues` is not a struct"))?;
    let constant = |name: &str| {
        constants.column_by_name(name).cloned().ok_or_else(|| {
            KernelError::internal_error(format!("`fileConstantValues` lacks `{name}`"))
        })
    };
    let partition_values: ArrayRef = match rows.column_by_name("partitionValues_parsed") {
        Some(values) => values.clone(),
        None => Arc::new(StructArray::new_empty_fields(rows.num_rows(), None)),
    };
    let columns: [ArrayRef; 7] = [
        column(rows, "path")?,
        column(rows, "size")?,
        column(rows, "modificationTime")?,
        column(rows, "deletionVector")?,
        partition_values,
        constant("baseRowId")?,
        constant("defaultRowCommitVersion")?,
    ];
    Ok(RecordBatch::try_from_iter(
        LIVE_FILE_COLUMNS.into_iter().zip(columns),
    )?)
}

#[cfg(test)]
impl ScanFiles {
    fn kept_files(&self) -> u64 {
        self.batches
            .iter()
            .map(|batch| batch.num_rows() as u64)
            .sum()
    }
}

/// The partition columns with their physical names, as `partitionValues_parsed` types them.
pub(crate) fn physical_partition_schema(snapshot: &SnapshotRef) -> KernelResult<Arc<StructType>> {
    let configuration = snapshot.table_configuration();
    let schema = snapshot.schema();
    let fields = configuration
        .metadata()
        .partition_columns()
        .iter()
        .map(|name| {
            schema
                .field(name)
                .ok_or_else(|| {
                    KernelError::generic(format!("partition column `{name}` is not in the schema"))
                })?
                .make_physical(configuration.column_mapping_mode())
        })
        .collect::<KernelResult<Vec<_>>>()?;
    Ok(Arc::new(StructType::try_new(fields)?))
}

/// Parses a predicate in the kernel's own serialized form (its serde JSON encoding).
pub fn parse_predicate(json: &str) -> KernelResult<Predicate> {
    serde_json::from_str(json).map_err(|e| KernelError::generic(format!("invalid predicate: {e}")))
}

/// The table schema restricted to `names`, in table order; an unknown name is an error.
fn project(schema: &StructType, names: &[String]) -> KernelResult<Arc<StructType>> {
    if let Some(missing) = names
        .iter()
        .find(|name| schema.field(name.as_str()).is_none())
    {
        return Err(KernelError::generic(format!(
            "column `{missing}` is not in the table schema"
        )));
    }
    let fields = schema
        .fields()
        .filter(|field| names.iter().any(|name| name == field.name()))
        .cloned();
    Ok(Arc::new(StructType::try_new(fields)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use delta_kernel::expressions::{column_expr, Expression, Predicate, Scalar};

    use super::parse_predicate;

    /// The Java side writes predicates in this encoding (see KernelPredicates.java).
    #[test]
    fn predicates_parse_from_the_kernel_serde_encoding() {
        let expected = Predicate::and(
            Predicate::gt(column_expr!("a.b"), Expression::literal(Scalar::Long(5))),
            Predicate::not(Predicate::is_null(column_expr!("c"))),
        );
        let json = serde_json::to_string(&expected).unwrap();
        println!("{json}");
        assert_eq!(parse_predicate(&json).unwrap(), expected);
        assert!(parse_predicate("{\"Nope\":1}").is_err());
    }
}

#[cfg(test)]
mod in_process_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::Path;
    use std::sync::Arc;

    use delta_kernel::expressions::{column_expr, Expression, Predicate};
    use delta_kernel::object_store::local::LocalFileSystem;
    use delta_kernel::schema::DataType;
    use delta_kernel::SnapshotRef;
    use delta_kernel_default_engine::DefaultEngine;
    use url::Url;

    use super::super::placement::{Placement, Replay};
    use super::super::snapshot::{self, TimeTravel};
    use super::super::Phase;
    use super::{start, FileCounts, PlannedScan, ScanFiles};

    fn in_process() -> Placement {
        Placement {
            io: Arc::new(DefaultEngine::builder(Arc::new(LocalFileSystem::new())).build()),
            replay: Replay::InProcess,
            cancellation: crate::machine::cancel::Cancellation::new(),
            checkpoints: crate::machine::log_damage::UnreadableCheckpoints::new(),
        }
    }

    fn sample_table() -> SnapshotRef {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/sample-table");
        let root = Url::from_directory_path(dir.canonicalize().unwrap()).unwrap();
        let mut machine =
            snapshot::start(root.to_string(), TimeTravel::Latest, in_process()).unwrap();
        // In process, the kernel needs nothing from the engine: the first phase is the Terminus.
        assert!(matches!(machine.phase().unwrap(), Phase::Terminus(_)));
        machine.take_terminus().unwrap()
    }

    fn planned(snapshot: &SnapshotRef, predicate: Option<Predicate>) -> PlannedScan {
        let mut machine = start(snapshot.clone(), None, predicate, in_process()).unwrap();
        assert!(matches!(machine.phase().unwrap(), Phase::Terminus(_)));
        machine.take_terminus().unwrap()
    }

    fn files(snapshot: &SnapshotRef, predicate: Option<Predicate>) -> (ScanFiles, FileCounts) {
        let planned = planned(snapshot, predicate);
        let counts = planned.counts.expect("the kernel's scan metrics");
        (planned.files.expect("in-process files"), counts)
    }

    #[test]
    fn in_process_scan_keeps_pruned_files_out_and_counts_them() {
        let snapshot = sample_table();
        let partition_schema = planned(&snapshot, None).partition_schema;
        let partition = partition_schema.field("country").expect("partition column");
        assert_eq!(partition.data_type(), &DataType::STRING);
        let (all, all_counts) = files(&snapshot, None);
        let columns: Vec<String> = all.batches[0]
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(columns, super::LIVE_FILE_COLUMNS, "the live-files contract");
        // Two appends of a file per country, then an overwrite with two per country: 12 adds in
        // the log, 6 live.
        let all_seen = FileCounts {
            seen: 12,
            kept: 6,
            pruned: 0,
        };
        assert_eq!(all_counts, all_seen, "removed files count as seen");
        assert_eq!(all_counts.kept, all.kept_files());
        let germany = Predicate::eq(column_expr!("country"), Expression::literal("DE"));
        let (pruned, counts) = files(&snapshot, Some(germany));
        assert!(pruned.kept_files() > 0 && pruned.kept_files() < all.kept_files());
        // The 8 non-DE adds are pruned; of the 4 DE adds, the 2 removed ones fall to deduplication.
        assert_eq!(
            counts,
            FileCounts {
                seen: 12,
                kept: 2,
                pruned: 8,
            },
            "the kernel's own counts, from the one replay"
        );
        assert_eq!(counts.kept, pruned.kept_files());
        for batch in &pruned.batches {
            let path = batch.column_by_name("path").expect("path column");
            let paths = delta_kernel::arrow::array::AsArray::as_string::<i32>(path);
            assert!(paths.iter().all(|p| p.unwrap().starts_with("country=DE/")));
        }
    }
}
