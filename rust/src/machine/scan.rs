//! Scan construction as a phase machine: the kernel's `ScanBuilder`, its pre-flight operations
//! (checkpoint shape discovery) as Consume phases, and the declarative metadata plan handed to the
//! engine as a PartialResult phase. The engine runs that plan natively and keeps its live `add`
//! rows (path, size, deletion vector, kernel-parsed partition values), as the kernel's docs
//! recommend for results the connector owns. The Terminus is the `Scan` (logical and physical
//! schemas, physical predicate).

use std::sync::Arc;

use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::scan::{PartitionValuesOptions, Scan, StatsOptions};
use delta_kernel::schema::StructType;
use delta_kernel::{KernelError, KernelResult, SnapshotRef};

use super::Machine;

/// Starts planning a scan of `columns` (logical top-level names; `None` reads all columns).
pub fn start(snapshot: SnapshotRef, columns: Option<Vec<String>>) -> KernelResult<Machine<Scan>> {
    Machine::start(move |executor, side| {
        let engine = PlanBasedEngine::new(None, executor);
        let schema = columns
            .map(|names| project(&snapshot.schema(), &names))
            .transpose()?;
        let scan = snapshot
            .scan_builder()
            .with_schema_opt(schema)
            .with_stats(StatsOptions::none())
            .with_partition_values(PartitionValuesOptions::with_struct())
            .build()?;
        if let Some(plan) = scan.declarative_metadata_scan_plan(&engine)? {
            side.partial_result(plan)?;
        }
        Ok(scan)
    })
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
