//! Deletion-vector decoding as a phase machine: the kernel parses the descriptor and the stored
//! bitmap; reading an on-disk vector is a ReadBytes Consume phase the engine answers, so executors
//! decode their own files' vectors with their own I/O.

use std::str::FromStr;

use delta_kernel::actions::deletion_vector::{DeletionVectorDescriptor, DeletionVectorStorageType};
use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::{Engine, KernelError, KernelResult};
use url::Url;

use super::Machine;

/// The fields of an `add.deletionVector` descriptor, as the Delta log stores them.
pub struct Descriptor {
    pub storage_type: String,
    pub path_or_inline_dv: String,
    pub offset: Option<i32>,
    pub size_in_bytes: i32,
    pub cardinality: i64,
}

/// Starts decoding a deletion vector of the table at `table_root`; the Terminus is the sorted
/// indexes of the deleted rows.
pub fn start(table_root: &str, descriptor: Descriptor) -> KernelResult<Machine<Vec<u64>>> {
    let table_root = Url::parse(table_root)?;
    let descriptor = DeletionVectorDescriptor {
        storage_type: DeletionVectorStorageType::from_str(&descriptor.storage_type)?,
        path_or_inline_dv: descriptor.path_or_inline_dv,
        offset: descriptor.offset,
        size_in_bytes: descriptor.size_in_bytes,
        cardinality: descriptor.cardinality,
    };
    Machine::start(move |executor, _| {
        let engine = PlanBasedEngine::new(None, executor);
        let rows = descriptor.row_indexes(engine.storage_handler(), &table_root)?;
        let expected = u64::try_from(descriptor.cardinality).unwrap_or(u64::MAX);
        if rows.len() as u64 != expected {
            return Err(KernelError::deletion_vector(format!(
                "deletion vector {} holds {} rows, its descriptor says {}",
                descriptor.path_or_inline_dv,
                rows.len(),
                descriptor.cardinality
            )));
        }
        Ok(rows)
    })
}
