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

impl Descriptor {
    fn kernel(&self) -> KernelResult<DeletionVectorDescriptor> {
        Ok(DeletionVectorDescriptor {
            storage_type: DeletionVectorStorageType::from_str(&self.storage_type)?,
            path_or_inline_dv: self.path_or_inline_dv.clone(),
            offset: self.offset,
            size_in_bytes: self.size_in_bytes,
            cardinality: self.cardinality,
        })
    }

    /// Where the vector is stored, for errors: its file's URL as the kernel resolves it against
    /// `table_root`, or the descriptor's own text (an inline vector, or one that does not resolve).
    pub fn location(&self, table_root: &str) -> String {
        let file = Url::parse(table_root)
            .ok()
            .and_then(|root| self.kernel().ok()?.absolute_path(&root).ok()?);
        match file {
            Some(file) => file.to_string(),
            None => format!("{} ({})", self.path_or_inline_dv, self.storage_type),
        }
    }
}

/// The sorted indexes of the rows the deletion vector deletes from its file of the table at
/// `table_root`; a vector holding another number of rows than its descriptor says is an error.
pub fn deleted_rows(
    engine: &dyn Engine,
    table_root: &str,
    descriptor: &Descriptor,
) -> KernelResult<Vec<u64>> {
    let table_root = Url::parse(table_root)?;
    let descriptor = descriptor.kernel()?;
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
