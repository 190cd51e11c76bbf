//! Where the kernel's work runs, and the one I/O bridge.
//!
//! Every I/O request the kernel makes is answered in process by the caller's engine (the kernel's
//! Arrow engine over the Hadoop-backed object store), on every placement. What differs is who
//! replays the log: that engine itself, in process, or Spark, which runs each replay plan as a job.
//! Only those plans are parked for the engine side as Consume phases.

use std::sync::Arc;

use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::plans::{IoOperation, Operation, Plan, PlanExecutor, PlanResult};
use delta_kernel::{Engine, KernelError, KernelResult};

use super::cancel::Cancellation;
use super::log_damage::UnreadableCheckpoints;
use super::ParkingExecutor;

/// Who replays the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The I/O engine replays it itself: no phase but the Terminus.
    InProcess,
    /// Each replay plan is a phase the engine side runs (on Spark).
    Spark,
}

/// Where a kernel call runs: its I/O engine and who replays the log.
pub struct Placement {
    pub io: Arc<dyn Engine>,
    pub replay: Replay,
    /// The call's cancellation, set by its machine; `io` stops reading once it is set (the
    /// kernel passes its token to some reads only).
    pub cancellation: Arc<Cancellation>,
    /// The checkpoints the call gave up as unreadable; `io`'s log listings leave them out.
    pub checkpoints: Arc<UnreadableCheckpoints>,
}

impl Placement {
    /// The engine the kernel call uses: the I/O engine, or a plan-based engine whose plans are
    /// parked on `executor` and whose I/O is answered by the I/O engine.
    pub fn engine<T: Send + 'static>(&self, executor: Arc<ParkingExecutor<T>>) -> Arc<dyn Engine> {
        match self.replay {
            Replay::InProcess => self.io.clone(),
            Replay::Spark => Arc::new(PlanBasedEngine::new(
                None,
                Arc::new(IoInProcess::new(self.io.clone(), executor)),
            )),
        }
    }
}

/// Runs the query plans the I/O bridge lets through.
pub trait QueryPlans: Send + Sync {
    fn query(&self, plan: Plan) -> KernelResult<PlanResult>;
}

/// A [`PlanExecutor`] that answers I/O with `io` and hands query plans to `plans`.
pub struct IoInProcess<P> {
    io: Arc<dyn Engine>,
    plans: Arc<P>,
}

impl<P> IoInProcess<P> {
    pub fn new(io: Arc<dyn Engine>, plans: Arc<P>) -> Self {
        IoInProcess { io, plans }
    }
}

impl<P: QueryPlans + 'static> PlanExecutor for IoInProcess<P> {
    fn execute_op(&self, op: Operation) -> KernelResult<PlanResult> {
        match op {
            Operation::IoOperation(request) => execute(self.io.as_ref(), request),
            Operation::QueryPlan(plan) => self.plans.query(plan),
        }
    }
}

/// Answers `request` with `engine`'s storage and Parquet handlers. The reader never writes.
fn execute(engine: &dyn Engine, request: IoOperation) -> KernelResult<PlanResult> {
    let storage = engine.storage_handler();
    Ok(match request {
        IoOperation::FileListing { url } => PlanResult::FileMeta(storage.list_from(&url)?),
        IoOperation::ReadBytes { files } => PlanResult::Bytes(storage.read_files(files)?),
        IoOperation::HeadFile { url } => {
            PlanResult::FileMeta(Box::new(std::iter::once(storage.head(&url))))
        }
        IoOperation::ParquetFooter { file } => {
            PlanResult::ParquetFooter(engine.parquet_handler().read_parquet_footer(&file)?)
        }
        IoOperation::WriteBytes { url, .. } => {
            return Err(KernelError::unsupported(format!(
                "delta-ffi is read-only: the kernel asked to write {url}"
            )))
        }
        IoOperation::AtomicCopy { destination, .. } => {
            return Err(KernelError::unsupported(format!(
                "delta-ffi is read-only: the kernel asked to copy to {destination}"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;

    use delta_kernel::object_store::memory::InMemory;
    use delta_kernel::object_store::path::Path;
    use delta_kernel::object_store::ObjectStoreExt;
    use delta_kernel::plans::{IoOperation, Operation, Plan, PlanExecutor, PlanResult};
    use delta_kernel::{KernelError, KernelResult};
    use delta_kernel_default_engine::DefaultEngine;
    use url::Url;

    use super::{IoInProcess, QueryPlans};

    /// Counts the operations that get past the I/O bridge.
    #[derive(Default)]
    struct Plans(std::sync::atomic::AtomicUsize);

    impl QueryPlans for Plans {
        fn query(&self, _: Plan) -> KernelResult<PlanResult> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(PlanResult::Unit)
        }
    }

    #[test]
    fn io_is_answered_in_process_and_only_plans_pass() {
        let store = Arc::new(InMemory::new());
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime
            .block_on(store.put(&Path::from("t/_delta_log/0.json"), "{}".into()))
            .unwrap();
        let engine = Arc::new(DefaultEngine::builder(store).build());
        let plans = Arc::new(Plans::default());
        let executor = IoInProcess::new(engine, plans.clone());
        let listing = executor
            .execute_op(Operation::IoOperation(IoOperation::file_listing(
                Url::parse("memory:///t/_delta_log/").unwrap(),
            )))
            .unwrap();
        let PlanResult::FileMeta(files) = listing else {
            panic!("a listing answers file metadata");
        };
        let names: Vec<String> = files.map(|f| f.unwrap().location.to_string()).collect();
        assert_eq!(names, ["memory:///t/_delta_log/0.json"]);
        assert_eq!(plans.0.load(std::sync::atomic::Ordering::SeqCst), 0);
        let write = executor.execute_op(Operation::IoOperation(IoOperation::WriteBytes {
            url: Url::parse("memory:///t/x").unwrap(),
            data: "x".into(),
            overwrite: true,
        }));
        assert!(matches!(write, Err(KernelError::Unsupported(_))));
    }
}
