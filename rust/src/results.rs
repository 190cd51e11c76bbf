//! Turns the engine's answers (Arrow C streams) into the `PlanResult` each operation expects.
//!
//! Every answer to a query plan crosses JNI as one Arrow C stream of the plan's rows, named and
//! typed as the plan schema says. (I/O never crosses: it is answered in process.)
//!
//! Batches are pulled lazily by the kernel thread, as the kernel's iterators expect.
//!
//! The other way, an in-process scan's live files go to Java as one Arrow C stream too.

use std::sync::Arc;

use std::collections::HashMap;
use std::ffi::CStr;

use delta_kernel::arrow::array::{
    RecordBatch, RecordBatchIterator, RecordBatchOptions, StructArray,
};
use delta_kernel::arrow::datatypes::{DataType as ArrowDataType, Schema, SchemaRef};
use delta_kernel::arrow::ffi::{from_ffi_and_data_type, FFI_ArrowArray, FFI_ArrowSchema};
use delta_kernel::arrow::ffi_stream::FFI_ArrowArrayStream;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::plans::PlanResult;
use delta_kernel::schema::StructType;
use delta_kernel::{EngineData, KernelError, KernelResult};
use once_cell::sync::Lazy;
use parking_lot::Mutex;

use crate::schema_key::SchemaKey;

/// The Arrow schema the engine reported for each plan schema it answered. The engine writes a
/// plan's rows laid out by the plan's schema, the same way every time, so its `get_schema`
/// callback (an export of every field, in Java) is asked once per distinct schema.
static REPORTED_SCHEMAS: Lazy<Mutex<HashMap<SchemaKey, SchemaRef>>> = Lazy::new(Default::default);

/// Bounds [`REPORTED_SCHEMAS`]; beyond it the cache starts over.
const REPORTED_SCHEMAS_KEPT: usize = 512;

/// Takes ownership of the Arrow C stream at `address` (the exporter's struct is left released).
///
/// # Safety
/// `address` must point to a valid, initialized `FFI_ArrowArrayStream`.
pub unsafe fn take_stream(address: i64) -> KernelResult<FFI_ArrowArrayStream> {
    if address == 0 {
        return Err(KernelError::generic("no Arrow stream was handed over"));
    }
    // SAFETY: the caller guarantees a valid stream; `from_raw` leaves the original released.
    Ok(unsafe { FFI_ArrowArrayStream::from_raw(address as *mut FFI_ArrowArrayStream) })
}

/// The engine's stream as the result of a Consume phase whose query plan has schema
/// `plan_schema`: its rows, pulled lazily by the kernel.
///
/// # Safety
/// Every array of `stream` must be laid out as the engine lays out rows of `plan_schema`.
pub unsafe fn plan_rows(
    mut stream: FFI_ArrowArrayStream,
    plan_schema: &StructType,
) -> KernelResult<PlanResult> {
    let key = SchemaKey::of(plan_schema);
    let known = REPORTED_SCHEMAS.lock().get(&key).cloned();
    let schema = match known {
        Some(schema) => schema,
        None => {
            let reported = reported_schema(&mut stream)?;
            let mut cache = REPORTED_SCHEMAS.lock();
            if cache.len() >= REPORTED_SCHEMAS_KEPT {
                cache.clear();
            }
            cache.insert(key, reported.clone());
            reported
        }
    };
    let rows = PlanRows { stream, schema };
    Ok(PlanResult::Data(Box::new(rows.map(|batch| {
        Ok(Box::new(ArrowEngineData::new(batch?)) as Box<dyn EngineData>)
    }))))
}

/// The stream's schema, as its `get_schema` callback reports it.
fn reported_schema(stream: &mut FFI_ArrowArrayStream) -> KernelResult<SchemaRef> {
    let get_schema = stream
        .get_schema()
        .ok_or_else(|| KernelError::generic("the engine's Arrow stream has no get_schema"))?;
    let mut schema = FFI_ArrowSchema::empty();
    // SAFETY: the callback is invoked with the stream it was read from.
    let code = unsafe { get_schema(stream, &mut schema) };
    if code != 0 {
        return Err(stream_error(stream, "get_schema", code));
    }
    let schema = Schema::try_from(&schema)?;
    Ok(Arc::new(schema))
}

/// The producer's message for a failed call on `stream`.
fn stream_error(stream: &mut FFI_ArrowArrayStream, call: &str, code: i32) -> KernelError {
    let message = stream.get_last_error().and_then(|get_last_error| {
        // SAFETY: the last call on this unreleased stream failed, as `get_last_error` requires;
        // the string stays the producer's, copied before the next call.
        let text = unsafe { get_last_error(stream) };
        (!text.is_null()).then(|| {
            unsafe { CStr::from_ptr(text) }
                .to_string_lossy()
                .into_owned()
        })
    });
    KernelError::generic(format!(
        "the engine's Arrow stream failed in {call} (code {code}): {}",
        message.as_deref().unwrap_or("no message")
    ))
}

/// The engine's rows: the stream's arrays, read with the schema it reported for this plan schema.
/// (Arrow's own `RecordBatchStreamReader` always asks the stream for its schema first.)
struct PlanRows {
    stream: FFI_ArrowArrayStream,
    schema: SchemaRef,
}

impl Iterator for PlanRows {
    type Item = KernelResult<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(get_next) = self.stream.get_next() else {
            return Some(Err(KernelError::generic(
                "the engine's Arrow stream has no get_next",
            )));
        };
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: the callback is invoked with the stream it was read from.
        let code = unsafe { get_next(&mut self.stream, &mut array) };
        if code != 0 {
            return Some(Err(stream_error(&mut self.stream, "get_next", code)));
        }
        if array.is_released() {
            return None;
        }
        let fields = self.schema.fields().clone();
        // SAFETY: the engine lays out every array of this stream as the schema it reported for
        // the same plan schema.
        let data = unsafe { from_ffi_and_data_type(array, ArrowDataType::Struct(fields)) };
        Some(
            data.and_then(|data| {
                let rows = data.len();
                RecordBatch::try_new_with_options(
                    self.schema.clone(),
                    StructArray::from(data).into_parts().1,
                    &RecordBatchOptions::new().with_row_count(Some(rows)),
                )
            })
            .map_err(KernelError::from),
        )
    }
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
