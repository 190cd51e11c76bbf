//! Snapshot construction as a phase machine: the kernel's own `Snapshot` builder, run against a
//! plan-based engine whose every listing, read and replay plan becomes a Consume phase.

use std::sync::Arc;

use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::{KernelResult, Snapshot, SnapshotRef, Version};

use super::Machine;

/// Starts building the snapshot of the table at `table_root` (latest, or at `version`).
pub fn start(table_root: String, version: Option<Version>) -> KernelResult<Machine<SnapshotRef>> {
    Machine::start(move |executor, _| {
        let engine = PlanBasedEngine::new(None, executor);
        let builder = Snapshot::builder_for(&table_root);
        let builder = match version {
            Some(version) => builder.at_version(version),
            None => builder,
        };
        builder.build(&engine)
    })
}

/// Logical partition column names of a snapshot, in table order.
pub fn partition_columns(snapshot: &Arc<Snapshot>) -> Vec<String> {
    snapshot
        .table_configuration()
        .metadata()
        .partition_columns()
        .to_vec()
}
