//! Native handles: ids into one registry, so a stale, double-freed or mistyped handle is a clear
//! error instead of undefined behaviour, and tests can count what is still alive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use delta_kernel::scan::Scan;
use delta_kernel::SnapshotRef;
use once_cell::sync::Lazy;
use parking_lot::Mutex;

use super::Failure;
use crate::machine::scan::{FileCounts, PlannedScan, ScanFiles};
use crate::machine::{Machine, Phase};

/// What a handle owns.
pub enum Handle {
    /// A kernel call in progress; `context` names its table and version for error messages.
    Machine {
        stepper: Mutex<Box<dyn Stepper>>,
        context: String,
    },
    Snapshot {
        snapshot: SnapshotRef,
        log: Vec<String>,
    },
    Scan {
        scan: Scan,
        /// The live files of an in-process scan, until Java takes them.
        files: Mutex<Option<ScanFiles>>,
        /// The partition columns as the live files' `partitionValues_parsed` types them.
        partition_schema: delta_kernel::schema::SchemaRef,
        /// The kernel's counts of its replay, when it ran in process.
        counts: Option<FileCounts>,
        log: Vec<String>,
    },
}

/// A machine with its result type erased, so snapshot and scan machines share every native.
pub trait Stepper: Send {
    fn phase(&self) -> delta_kernel::KernelResult<PhaseView<'_>>;
    fn step(
        &mut self,
        result: delta_kernel::KernelResult<delta_kernel::plans::PlanResult>,
    ) -> delta_kernel::KernelResult<()>;
    fn resume(&mut self) -> delta_kernel::KernelResult<()>;
    /// Takes the terminus as the handle that will own it.
    fn terminus(&mut self) -> delta_kernel::KernelResult<Handle>;
    /// How long the kernel thread has worked so far.
    fn kernel_time(&self) -> std::time::Duration;
}

/// The pending phase, without its result type.
pub enum PhaseView<'a> {
    Consume(&'a delta_kernel::plans::Plan),
    PartialResult(&'a delta_kernel::plans::Plan),
    Terminus,
}

/// A machine result that a handle can own.
pub trait IntoHandle {
    fn into_handle(self, log: Vec<String>) -> Handle;
}

impl IntoHandle for SnapshotRef {
    fn into_handle(self, log: Vec<String>) -> Handle {
        Handle::Snapshot {
            snapshot: self,
            log,
        }
    }
}

impl IntoHandle for PlannedScan {
    fn into_handle(self, log: Vec<String>) -> Handle {
        Handle::Scan {
            counts: self.counts,
            scan: self.scan,
            files: Mutex::new(self.files),
            partition_schema: self.partition_schema,
            log,
        }
    }
}

impl<T: IntoHandle + Send + 'static> Stepper for Machine<T> {
    fn phase(&self) -> delta_kernel::KernelResult<PhaseView<'_>> {
        Ok(match Machine::phase(self)? {
            Phase::Consume(plan) => PhaseView::Consume(plan),
            Phase::PartialResult(plan) => PhaseView::PartialResult(plan),
            Phase::Terminus(_) => PhaseView::Terminus,
        })
    }

    fn step(
        &mut self,
        result: delta_kernel::KernelResult<delta_kernel::plans::PlanResult>,
    ) -> delta_kernel::KernelResult<()> {
        Machine::step(self, result)
    }

    fn resume(&mut self) -> delta_kernel::KernelResult<()> {
        Machine::resume(self)
    }

    fn terminus(&mut self) -> delta_kernel::KernelResult<Handle> {
        let log = self.log().to_vec();
        Ok(self.take_terminus()?.into_handle(log))
    }

    fn kernel_time(&self) -> std::time::Duration {
        Machine::kernel_time(self)
    }
}

static REGISTRY: Lazy<Mutex<HashMap<i64, Arc<Handle>>>> = Lazy::new(Default::default);
static NEXT_ID: AtomicI64 = AtomicI64::new(1);

pub fn register(handle: Handle) -> i64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    REGISTRY.lock().insert(id, Arc::new(handle));
    id
}

pub fn get(id: i64) -> Result<Arc<Handle>, Failure> {
    REGISTRY
        .lock()
        .get(&id)
        .cloned()
        .ok_or_else(|| Failure::Usage(format!("native handle {id} is unknown or already released")))
}

/// Releases a handle; what it owns is dropped once no native call still uses it.
pub fn release(id: i64) -> Result<(), Failure> {
    let removed = REGISTRY.lock().remove(&id);
    match removed {
        // Drop outside the registry lock: dropping a machine joins its kernel thread.
        Some(handle) => {
            drop(handle);
            Ok(())
        }
        None => Err(Failure::Usage(format!(
            "native handle {id} is unknown or already released"
        ))),
    }
}

pub fn live_count() -> i64 {
    i64::try_from(REGISTRY.lock().len()).unwrap_or(i64::MAX)
}
