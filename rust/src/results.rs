//! Turns the engine's answers (Arrow C streams) into the `PlanResult` each operation expects.
//!
//! Every answer to a query plan crosses JNI as one Arrow C stream of the plan's rows, named and
//! typed as the plan schema says. (I/O never crosses: it is answered in process.)
//!
//! Batches are pulled lazily by the kernel thread, as the kernel's iterators expect.
//!
//! The other way, an in-process scan's live files go to Java as one Arrow C stream too.

use std::sync::Arc;

use delta_kernel::arrow::array::{RecordBatch, RecordBatchIterator};
use delta_kernel::arrow::datatypes::Schema;
use delta_kernel::arrow::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::plans::PlanResult;
use delta_kernel::{EngineData, KernelError, KernelResult};

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

/// The engine's stream as the result of a Consume phase's query plan: its rows.
pub fn plan_rows(reader: RecordBatchStreamReader) -> PlanResult {
    PlanResult::Data(Box::new(reader.map(|batch| {
        Ok(Box::new(ArrowEngineData::new(batch?)) as Box<dyn EngineData>)
    })))
}
