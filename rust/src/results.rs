//! Turns the engine's answers (Arrow C streams) into the `PlanResult` each operation expects.
//!
//! Every answer crosses JNI the same way, as one Arrow C stream whose shape the operation fixes:
//! - file listing / head: `location: utf8, last_modified: int64, size: int64`, one row per file;
//! - read bytes: `data: binary`, one row per requested slice in order, NULL for a missing file;
//! - parquet footer: `footer: binary`, one row holding the serialized `FileMetaData`;
//! - query plan: the plan's rows, named and typed as the plan schema says.
//!
//! Batches are pulled lazily by the kernel thread, as the kernel's iterators expect.
//!
//! The other way, an in-process scan's live files go to Java as one Arrow C stream too.

use std::sync::Arc;

use delta_kernel::arrow::array::{Array, AsArray, RecordBatch, RecordBatchIterator};
use delta_kernel::arrow::datatypes::Int64Type;
use delta_kernel::arrow::datatypes::Schema;
use delta_kernel::arrow::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use delta_kernel::engine::arrow_conversion::TryFromArrow;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::parquet::arrow::parquet_to_arrow_schema;
use delta_kernel::parquet::file::metadata::ParquetMetaDataReader;
use delta_kernel::plans::{IoOperation, Operation, PlanResult};
use delta_kernel::schema::StructType;
use delta_kernel::{EngineData, FileMeta, KernelError, KernelResult, ParquetFooter};
use url::Url;

/// Takes ownership of the Arrow C stream at `address` (the exporter's struct is left released).
///
/// # Safety
/// `address` must point to a valid, initialized `FFI_ArrowArrayStream`.
pub unsafe fn import_stream(address: i64) -> KernelResult<RecordBatchStreamReader> {
    if address == 0 {
        return Err(KernelError::generic("no Arrow stream was handed over"));
    }
    RecordBatchStreamReader::from_raw(address as *mut FFI_ArrowArrayStream)
        .map_err(KernelError::from)
}

/// Writes `batches` as an Arrow C stream into the struct at `address`, which Java allocated and
/// will import (and release).
pub fn export_batches(batches: Vec<RecordBatch>, address: i64) -> KernelResult<()> {
    if address == 0 {
        return Err(KernelError::generic(
            "no Arrow stream struct to export into",
        ));
    }
    let schema = batches
        .first()
        .map(|batch| batch.schema())
        .unwrap_or_else(|| Arc::new(Schema::empty()));
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    // Safety: Java allocated an uninitialized FFI_ArrowArrayStream at `address`; writing without
    // dropping the old bytes is what initializing it means.
    unsafe { std::ptr::write(address as *mut FFI_ArrowArrayStream, stream) };
    Ok(())
}

/// Interprets the engine's stream as the result of `operation`.
pub fn plan_result(
    operation: &Operation,
    reader: RecordBatchStreamReader,
) -> KernelResult<PlanResult> {
    match operation {
        Operation::QueryPlan(_) => {
            Ok(PlanResult::Data(Box::new(reader.map(|batch| {
                Ok(Box::new(ArrowEngineData::new(batch?)) as Box<dyn EngineData>)
            }))))
        }
        Operation::IoOperation(IoOperation::FileListing { .. } | IoOperation::HeadFile { .. }) => {
            Ok(PlanResult::FileMeta(Box::new(batches(reader).flat_map(
                |batch| match batch.and_then(|b| file_metas(&b)) {
                    Ok(metas) => metas.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(error) => vec![Err(error)],
                },
            ))))
        }
        Operation::IoOperation(IoOperation::ReadBytes { files }) => {
            let urls: Vec<Url> = files.iter().map(|(url, _)| url.clone()).collect();
            Ok(PlanResult::Bytes(Box::new(ByteSlices {
                batches: Box::new(batches(reader)),
                current: None,
                row: 0,
                urls: urls.into_iter(),
            })))
        }
        Operation::IoOperation(IoOperation::ParquetFooter { file }) => {
            let footer = read_footer(reader)
                .map_err(|e| KernelError::generic(format!("{}: {e}", file.location)))?;
            Ok(PlanResult::ParquetFooter(footer))
        }
        Operation::IoOperation(other) => Err(KernelError::unsupported(format!(
            "delta-ffi is a reader and does not execute {other:?}"
        ))),
    }
}

fn batches(reader: RecordBatchStreamReader) -> impl Iterator<Item = KernelResult<RecordBatch>> {
    reader.map(|batch| batch.map_err(KernelError::from))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> KernelResult<&'a Arc<dyn Array>> {
    batch
        .column_by_name(name)
        .ok_or_else(|| KernelError::generic(format!("engine answer lacks column `{name}`")))
}

fn file_metas(batch: &RecordBatch) -> KernelResult<Vec<FileMeta>> {
    let locations = column(batch, "location")?
        .as_string_opt::<i32>()
        .ok_or_else(|| KernelError::generic("`location` must be utf8"))?;
    let modified = column(batch, "last_modified")?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| KernelError::generic("`last_modified` must be int64"))?;
    let sizes = column(batch, "size")?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| KernelError::generic("`size` must be int64"))?;
    (0..batch.num_rows())
        .map(|row| {
            Ok(FileMeta {
                location: Url::parse(locations.value(row))?,
                last_modified: modified.value(row),
                size: u64::try_from(sizes.value(row))
                    .map_err(|_| KernelError::generic("negative file size"))?,
            })
        })
        .collect()
}

/// Yields one `Bytes` per requested slice; a NULL row means the file does not exist.
struct ByteSlices {
    batches: Box<dyn Iterator<Item = KernelResult<RecordBatch>> + Send>,
    current: Option<RecordBatch>,
    row: usize,
    urls: std::vec::IntoIter<Url>,
}

impl Iterator for ByteSlices {
    type Item = KernelResult<bytes::Bytes>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = &self.current {
                if self.row < batch.num_rows() {
                    let row = self.row;
                    self.row += 1;
                    let url = self.urls.next();
                    return Some(slice_at(batch, row, url));
                }
            }
            match self.batches.next()? {
                Ok(batch) => {
                    self.current = Some(batch);
                    self.row = 0;
                }
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

fn slice_at(batch: &RecordBatch, row: usize, url: Option<Url>) -> KernelResult<bytes::Bytes> {
    let data = column(batch, "data")?
        .as_binary_opt::<i32>()
        .ok_or_else(|| KernelError::generic("`data` must be binary"))?;
    if data.is_null(row) {
        let path = url.map(|u| u.to_string()).unwrap_or_default();
        return Err(KernelError::file_not_found(path));
    }
    Ok(bytes::Bytes::copy_from_slice(data.value(row)))
}

fn read_footer(mut reader: RecordBatchStreamReader) -> KernelResult<ParquetFooter> {
    let batch = reader
        .next()
        .ok_or_else(|| KernelError::generic("empty parquet footer answer"))??;
    let footers = column(&batch, "footer")?
        .as_binary_opt::<i32>()
        .ok_or_else(|| KernelError::generic("`footer` must be binary"))?;
    if footers.is_empty() || footers.is_null(0) {
        return Err(KernelError::generic("missing parquet footer"));
    }
    let metadata = ParquetMetaDataReader::decode_metadata(footers.value(0))?;
    let file_metadata = metadata.file_metadata();
    let arrow_schema = parquet_to_arrow_schema(
        file_metadata.schema_descr(),
        file_metadata.key_value_metadata(),
    )?;
    let schema = StructType::try_from_arrow(&arrow_schema).map_err(KernelError::from)?;
    Ok(ParquetFooter {
        schema: Arc::new(schema),
    })
}
