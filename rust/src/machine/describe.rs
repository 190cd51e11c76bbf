//! What `DESCRIBE HISTORY` and `DESCRIBE DETAIL` show of a table, as delta-spark shows them.
//!
//! History: one row per commit file, newest first, with the commit's `commitInfo` read by the
//! engine's JSON handler in delta-spark's column layout, and its timestamp by delta-spark's rule:
//! the in-commit timestamp for commits at or after their enablement, else the file's modification
//! time, made strictly increasing over the listed commits. Detail: the snapshot's metadata and
//! protocol, with the table features a legacy protocol implies.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use delta_kernel::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Int64Array, RecordBatch, StructArray,
    TimestampMicrosecondArray, UInt64Array,
};
use delta_kernel::arrow::compute::{concat, take};
use delta_kernel::arrow::datatypes::{DataType as ArrowDataType, Field, Int64Type, Schema};
use delta_kernel::engine::arrow_conversion::TryIntoArrow as _;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::path::{LogPathFileType, ParsedLogPath};
use delta_kernel::schema::{DataType, MapType, SchemaRef, StructField, StructType};
use delta_kernel::{Engine, FileMeta, KernelError, KernelResult, Snapshot, Version};

use super::history;

/// The `commitInfo` fields history shows, in delta-spark's column order (after `version` and
/// `timestamp`).
const SHOWN: [&str; 13] = [
    "userId",
    "userName",
    "operation",
    "operationParameters",
    "job",
    "notebook",
    "clusterId",
    "readVersion",
    "isolationLevel",
    "isBlindAppend",
    "operationMetrics",
    "userMetadata",
    "engineInfo",
];

const IN_COMMIT_TIMESTAMP: &str = "inCommitTimestamp";

/// `{commitInfo: ...}`: the shown fields and the in-commit timestamp.
static COMMIT_INFO_READ_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let strings = |names: &[&str]| {
        StructType::new_unchecked(
            names
                .iter()
                .map(|name| StructField::nullable(*name, DataType::STRING)),
        )
    };
    let string_map = || MapType::new(DataType::STRING, DataType::STRING, true);
    let commit_info = StructType::new_unchecked([
        StructField::nullable("userId", DataType::STRING),
        StructField::nullable("userName", DataType::STRING),
        StructField::nullable("operation", DataType::STRING),
        StructField::nullable("operationParameters", string_map()),
        StructField::nullable(
            "job",
            strings(&[
                "jobId",
                "jobName",
                "jobRunId",
                "runId",
                "jobOwnerId",
                "triggerType",
            ]),
        ),
        StructField::nullable("notebook", strings(&["notebookId"])),
        StructField::nullable("clusterId", DataType::STRING),
        StructField::nullable("readVersion", DataType::LONG),
        StructField::nullable("isolationLevel", DataType::STRING),
        StructField::nullable("isBlindAppend", DataType::BOOLEAN),
        StructField::nullable("operationMetrics", string_map()),
        StructField::nullable("userMetadata", DataType::STRING),
        StructField::nullable("engineInfo", DataType::STRING),
        StructField::nullable(IN_COMMIT_TIMESTAMP, DataType::LONG),
    ]);
    Arc::new(StructType::new_unchecked([StructField::nullable(
        "commitInfo",
        commit_info,
    )]))
});

/// The table's history up to `snapshot`, newest first: all commit files, or the latest `limit`.
pub fn history(
    engine: &dyn Engine,
    snapshot: &Snapshot,
    limit: Option<u64>,
) -> KernelResult<RecordBatch> {
    let latest = snapshot.version();
    let from = limit.map_or(0, |n| latest.saturating_sub(n.saturating_sub(1)));
    let commits = commit_files(engine, snapshot, from, latest)?;
    let mut infos: Vec<ArrayRef> = Vec::with_capacity(commits.len());
    for commit in &commits {
        infos.push(commit_info(engine, commit)?);
    }
    let infos = if infos.is_empty() {
        new_null_array(&commit_info_arrow_type()?, 0)
    } else {
        concat(&infos.iter().map(|a| a.as_ref()).collect::<Vec<_>>())?
    };
    let infos = infos.as_struct();
    let millis = timestamps(snapshot, &commits, infos)?;

    // Newest first.
    let newest_first = UInt64Array::from_iter_values((0..commits.len() as u64).rev());
    let take =
        |array: &dyn Array| -> KernelResult<ArrayRef> { Ok(take(array, &newest_first, None)?) };
    let versions = Int64Array::from_iter_values(
        commits
            .iter()
            .map(|c| i64::try_from(c.version).unwrap_or(i64::MAX)),
    );
    let times = TimestampMicrosecondArray::from_iter_values(
        millis.iter().map(|ms| ms.saturating_mul(1_000)),
    )
    .with_timezone("UTC");
    let mut fields = vec![
        Field::new("version", ArrowDataType::Int64, true),
        Field::new("timestamp", times.data_type().clone(), true),
    ];
    let mut columns = vec![take(&versions)?, take(&times)?];
    for name in SHOWN {
        let column = infos
            .column_by_name(name)
            .ok_or_else(|| KernelError::internal_error(format!("commitInfo has no {name}")))?;
        fields.push(Field::new(name, column.data_type().clone(), true));
        columns.push(take(column.as_ref())?);
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// The commit files of versions `from..=until`, ascending (a missing one is left out, as
/// delta-spark leaves it out).
fn commit_files(
    engine: &dyn Engine,
    snapshot: &Snapshot,
    from: Version,
    until: Version,
) -> KernelResult<Vec<ParsedLogPath>> {
    let log_root = snapshot.table_root().join("_delta_log/")?;
    // Listing is strictly after this name, so `<from>.json` itself is included.
    let start = log_root.join(&format!("{from:020}"))?;
    let mut commits = Vec::new();
    for file in engine.storage_handler().list_from(&start)? {
        let Some(parsed) = ParsedLogPath::try_from(file?)? else {
            continue;
        };
        if parsed.version > until {
            break;
        }
        if parsed.version >= from && matches!(parsed.file_type, LogPathFileType::Commit) {
            commits.push(parsed);
        }
    }
    Ok(commits)
}

/// The commit's `commitInfo` as a one-row struct array (null when it has none).
fn commit_info(engine: &dyn Engine, commit: &ParsedLogPath) -> KernelResult<ArrayRef> {
    let files: [FileMeta; 1] = [commit.location.clone()];
    for data in
        engine
            .json_handler()
            .read_json_files(&files, COMMIT_INFO_READ_SCHEMA.clone(), None)?
    {
        let batch = ArrowEngineData::try_from_engine_data(data?)?
            .record_batch()
            .clone();
        let infos = batch.column(0);
        if let Some(row) = (0..infos.len()).find(|&i| infos.is_valid(i)) {
            return Ok(infos.slice(row, 1));
        }
    }
    Ok(new_null_array(&commit_info_arrow_type()?, 1))
}

fn commit_info_arrow_type() -> KernelResult<ArrowDataType> {
    let field = COMMIT_INFO_READ_SCHEMA
        .field("commitInfo")
        .ok_or_else(|| KernelError::internal_error("no commitInfo field"))?;
    Ok(field.data_type().try_into_arrow()?)
}

/// Each commit's time in milliseconds: its in-commit timestamp from the enablement on, else its
/// file time, monotonized over the commits before the enablement.
fn timestamps(
    snapshot: &Snapshot,
    commits: &[ParsedLogPath],
    infos: &StructArray,
) -> KernelResult<Vec<i64>> {
    let properties = snapshot.table_properties();
    let in_commit_from = (properties.enable_in_commit_timestamps == Some(true)).then(|| {
        properties
            .in_commit_timestamp_enablement_version
            .unwrap_or(0)
    });
    let in_commit = infos
        .column_by_name(IN_COMMIT_TIMESTAMP)
        .ok_or_else(|| KernelError::internal_error("commitInfo has no inCommitTimestamp"))?
        .as_primitive::<Int64Type>();
    let file_times: Vec<history::Commit> = commits
        .iter()
        .filter(|c| in_commit_from.is_none_or(|from| c.version < from))
        .map(|c| history::Commit {
            version: c.version,
            millis: c.location.last_modified,
        })
        .collect();
    let file_times = history::monotonize(file_times);
    commits
        .iter()
        .enumerate()
        .map(|(i, commit)| match in_commit_from {
            Some(from) if commit.version >= from => {
                if in_commit.is_valid(i) {
                    Ok(in_commit.value(i))
                } else {
                    Err(KernelError::generic(format!(
                        "commit {} has no inCommitTimestamp though in-commit timestamps are \
                         enabled from version {from}",
                        commit.version
                    )))
                }
            }
            _ => Ok(file_times[i].millis),
        })
        .collect()
}

/// What `DESCRIBE DETAIL` shows of a snapshot (besides file counts, which a scan gives), as JSON
/// `{id, name, description, createdAt, lastModified, partitionColumns, clusteringColumns, properties,
/// minReaderVersion, minWriterVersion, tableFeatures}` (times in milliseconds since the epoch).
pub fn detail(engine: &dyn Engine, snapshot: &Snapshot) -> KernelResult<String> {
    let configuration = snapshot.table_configuration();
    let metadata = configuration.metadata();
    let protocol = configuration.protocol();
    let features = table_features(
        protocol.min_reader_version(),
        protocol.min_writer_version(),
        [protocol.reader_features(), protocol.writer_features()]
            .into_iter()
            .flatten()
            .flatten()
            .map(|f| f.as_ref().to_string()),
    );
    let properties: std::collections::BTreeMap<&String, &String> =
        metadata.configuration().iter().collect();
    let clustering: Vec<String> = snapshot
        .get_clustering_column_infos(engine)?
        .unwrap_or_default()
        .iter()
        .map(|info| info.logical_column.to_string())
        .collect();
    Ok(serde_json::json!({
        "id": metadata.id(),
        "name": metadata.name(),
        "description": metadata.description(),
        "createdAt": metadata.created_time(),
        "lastModified": last_modified(engine, snapshot)?,
        "partitionColumns": metadata.partition_columns(),
        "clusteringColumns": clustering,
        "properties": properties,
        "minReaderVersion": protocol.min_reader_version(),
        "minWriterVersion": protocol.min_writer_version(),
        "tableFeatures": features,
    })
    .to_string())
}

/// The table's properties as delta-spark's table states them: the metadata's configuration, the
/// protocol versions (`delta.minReaderVersion`, `delta.minWriterVersion`) and each feature the
/// protocol names (`delta.feature.<name>` = `supported`), sorted by key.
pub fn table_properties(snapshot: &Snapshot) -> Vec<(String, String)> {
    let configuration = snapshot.table_configuration();
    let protocol = configuration.protocol();
    let mut properties: std::collections::BTreeMap<String, String> = configuration
        .metadata()
        .configuration()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    properties.insert(
        "delta.minReaderVersion".into(),
        protocol.min_reader_version().to_string(),
    );
    properties.insert(
        "delta.minWriterVersion".into(),
        protocol.min_writer_version().to_string(),
    );
    for explicit in [protocol.reader_features(), protocol.writer_features()]
        .into_iter()
        .flatten()
    {
        for feature in explicit {
            properties.insert(
                format!("delta.feature.{}", feature.as_ref()),
                "supported".into(),
            );
        }
    }
    properties.into_iter().collect()
}

/// The features a protocol supports, as delta-spark lists them: those a legacy protocol's versions
/// imply, and those it names.
fn table_features(
    reader_version: i32,
    writer_version: i32,
    named: impl Iterator<Item = String>,
) -> BTreeSet<String> {
    let mut features: BTreeSet<String> = named.collect();
    if writer_version < 7 {
        features.extend(
            LEGACY_WRITER_FEATURES
                .iter()
                .filter(|(version, _)| *version <= writer_version)
                .map(|(_, name)| name.to_string()),
        );
    }
    if reader_version == 2 {
        features.insert("columnMapping".to_string());
    }
    features
}

/// When the table was last modified, as delta-spark's detail says: the latest commit file's
/// modification time (not its in-commit timestamp).
fn last_modified(engine: &dyn Engine, snapshot: &Snapshot) -> KernelResult<i64> {
    let latest = snapshot.version();
    match commit_files(engine, snapshot, latest, latest)?.first() {
        Some(commit) => Ok(commit.location.last_modified),
        None => Err(KernelError::MissingVersion(latest)),
    }
}

/// The features a legacy writer version (below 7) implies, by the version that brought each.
const LEGACY_WRITER_FEATURES: [(i32, &str); 7] = [
    (2, "appendOnly"),
    (2, "invariants"),
    (3, "checkConstraints"),
    (4, "changeDataFeed"),
    (4, "generatedColumns"),
    (5, "columnMapping"),
    (6, "identityColumns"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(features: &BTreeSet<String>) -> Vec<&str> {
        features.iter().map(String::as_str).collect()
    }

    #[test]
    fn legacy_protocols_imply_their_features_and_table_features_name_theirs() {
        let none = std::iter::empty;
        assert_eq!(
            names(&table_features(1, 2, none())),
            ["appendOnly", "invariants"]
        );
        assert_eq!(
            names(&table_features(2, 5, none())),
            [
                "appendOnly",
                "changeDataFeed",
                "checkConstraints",
                "columnMapping",
                "generatedColumns",
                "invariants"
            ]
        );
        let named = ["deletionVectors", "appendOnly"]
            .map(String::from)
            .into_iter();
        assert_eq!(
            names(&table_features(3, 7, named)),
            ["appendOnly", "deletionVectors"]
        );
    }
}
