//! Deletion-vector decoding where the data is read (on executors): the kernel parses the
//! descriptor and the stored bitmap, reading an on-disk vector through the caller's engine (the
//! Hadoop-backed store), on the calling thread.

use std::str::FromStr;

use delta_kernel::actions::deletion_vector::{DeletionVectorDescriptor, DeletionVectorStorageType};
use delta_kernel::{Engine, KernelError, KernelResult};
use url::Url;

/// The fields of an `add.deletionVector` descriptor, as the Delta log stores them.
pub struct Descriptor {
    pub storage_type: String,
    pub path_or_inline_dv: String,
    pub offset: Option<i32>,
    pub size_in_bytes: i32,
    pub cardinality: i64,
}

/// The sorted indexes of the rows the deletion vector deletes from its file of the table at
/// `table_root`; a vector holding another number of rows than its descriptor says is an error.
pub fn deleted_rows(
    engine: &dyn Engine,
    table_root: &str,
    descriptor: Descriptor,
) -> KernelResult<Vec<u64>> {
    let table_root = Url::parse(table_root)?;
    let descriptor = DeletionVectorDescriptor {
        storage_type: DeletionVectorStorageType::from_str(&descriptor.storage_type)?,
        path_or_inline_dv: descriptor.path_or_inline_dv,
        offset: descriptor.offset,
        size_in_bytes: descriptor.size_in_bytes,
        cardinality: descriptor.cardinality,
    };
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
}
