//! Phase stepping over the kernel's callback API.
//!
//! The kernel drives its own work and calls a [`PlanExecutor`] whenever it needs data. To let the
//! engine drive instead (the seed's Consume / PartialResult / Terminus phases), each kernel call
//! runs on a kernel thread whose executor parks every query plan in a rendezvous (the kernel's I/O
//! is answered in process before it gets there, see [`placement`]): the
//! engine reads the pending phase, executes it and hands the result back with [`Machine::step`],
//! which blocks until the kernel reaches its next phase. Kernel threads are pooled
//! ([`threads`]): a thread that finished a call waits for the next machine's. Dropping a machine
//! mid-way closes the rendezvous, so the parked executor returns an error, the kernel call unwinds
//! and the machine waits for its end: nothing outlives the machine. An engine thread interrupted
//! while it waits cancels the kernel call ([`cancel`]).
//!
//! Pure Rust: nothing here knows about JNI.

pub mod cancel;
pub mod changes;
pub mod commits;
pub mod deletion_vector;
pub mod describe;
pub mod facts;
pub mod history;
pub mod log_damage;
pub mod placement;
pub mod scan;
pub mod snapshot;
pub mod threads;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use delta_kernel::cancellation::{CancellationToken, CancellationTokenRef};
use delta_kernel::plans::{Plan, PlanResult};
use delta_kernel::{KernelError, KernelResult};
use parking_lot::Mutex;

use cancel::Cancellation;
use threads::KernelThreads;
pub use threads::{set_thread_hooks, ThreadHooks};

/// The kernel threads every machine's call runs on.
static KERNEL_THREADS: KernelThreads = KernelThreads::new("delta-ffi-kernel", 8);

/// What the kernel waits on. A machine is always in exactly one phase until it is finished.
pub enum Phase<T> {
    /// The kernel waits for the engine to run this query plan and hand back its rows.
    Consume(Plan),
    /// The kernel hands the engine a plan whose rows belong to the engine (e.g. the live `add`
    /// files of a scan), then goes on once the engine acknowledges it.
    PartialResult(Plan),
    /// The kernel call finished with this result.
    Terminus(T),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseKind {
    Consume = 0,
    PartialResult = 1,
    Terminus = 2,
}

impl<T> Phase<T> {
    pub fn kind(&self) -> PhaseKind {
        match self {
            Phase::Consume(_) => PhaseKind::Consume,
            Phase::PartialResult(_) => PhaseKind::PartialResult,
            Phase::Terminus(_) => PhaseKind::Terminus,
        }
    }

    /// One line naming the phase, for logs and the example job.
    pub fn describe(&self) -> String {
        match self {
            Phase::Consume(plan) => format!("Consume: query plan ({})", describe_plan(plan)),
            Phase::PartialResult(plan) => format!("PartialResult: plan ({})", describe_plan(plan)),
            Phase::Terminus(_) => "Terminus".to_string(),
        }
    }
}

fn describe_plan(plan: &Plan) -> String {
    let ops: Vec<String> = plan.nodes.iter().map(|n| n.op.to_string()).collect();
    ops.join(", ")
}

/// The engine's answer to a parked phase.
enum Reply {
    Result(KernelResult<PlanResult>),
    Resume,
}

fn abandoned() -> KernelError {
    KernelError::generic("the engine abandoned this kernel operation before it finished")
}

/// What the kernel thread hands the engine: its next phase (or its error), and how long it worked
/// since its start or the engine's last answer.
type Emitted<T> = (KernelResult<Phase<T>>, Duration);

/// The kernel thread's end of the rendezvous.
pub struct KernelSide<T> {
    phases: Sender<Emitted<T>>,
    replies: Mutex<Receiver<Reply>>,
    /// When the kernel thread last started working: its start, or the engine's last answer.
    busy_since: Mutex<Instant>,
    cancellation: Arc<Cancellation>,
}

impl<T: Send + 'static> KernelSide<T> {
    fn emit(&self, phase: KernelResult<Phase<T>>) -> KernelResult<()> {
        let worked = self.busy_since.lock().elapsed();
        self.phases.send((phase, worked)).map_err(|_| abandoned())
    }

    fn park(&self, phase: Phase<T>) -> KernelResult<Reply> {
        self.emit(Ok(phase))?;
        let reply = self.replies.lock().recv().map_err(|_| abandoned());
        *self.busy_since.lock() = Instant::now();
        reply
    }

    /// The token the kernel call hands its builders, so the engine's listing and reads stop once
    /// the machine is cancelled.
    pub fn cancellation(&self) -> CancellationTokenRef {
        self.cancellation.token()
    }

    /// Hands `plan` to the engine as a PartialResult phase and waits until the engine resumes.
    pub fn partial_result(&self, plan: Plan) -> KernelResult<()> {
        match self.park(Phase::PartialResult(plan))? {
            Reply::Resume => Ok(()),
            Reply::Result(_) => Err(KernelError::internal_error(
                "engine answered a PartialResult phase with data",
            )),
        }
    }
}

/// Where the kernel's query plans go: each becomes a Consume phase. (The kernel sees it behind
/// [`placement::IoInProcess`], its plan executor.)
pub struct ParkingExecutor<T> {
    side: Arc<KernelSide<T>>,
}

impl<T: Send + 'static> placement::QueryPlans for ParkingExecutor<T> {
    fn query(&self, plan: Plan) -> KernelResult<PlanResult> {
        match self.side.park(Phase::Consume(plan))? {
            Reply::Result(result) => result,
            Reply::Resume => Err(KernelError::internal_error(
                "engine resumed a Consume phase without a result",
            )),
        }
    }
}

/// A kernel call in progress, stepped by the engine.
pub struct Machine<T> {
    current: Option<Phase<T>>,
    replies: Option<Sender<Reply>>,
    phases: Receiver<Emitted<T>>,
    /// Whether the kernel call has ended (its result, or its error, was received): until then a
    /// kernel thread works on it.
    ended: bool,
    log: Vec<String>,
    /// The kernel thread's working time so far.
    kernel_time: Duration,
    cancellation: Arc<Cancellation>,
}

impl<T: Send + 'static> Machine<T> {
    /// Starts `call` on a kernel thread and waits for its first phase. `call` gets the executor to
    /// build its engine from, and the kernel side to emit PartialResult phases with; the machine
    /// sets `cancellation` (which the call's I/O engine may watch too) when it is cancelled.
    pub fn start<F>(cancellation: Arc<Cancellation>, call: F) -> KernelResult<Self>
    where
        F: FnOnce(Arc<ParkingExecutor<T>>, &KernelSide<T>) -> KernelResult<T> + Send + 'static,
    {
        let (phase_tx, phase_rx) = channel();
        let (reply_tx, reply_rx) = channel();
        let side = Arc::new(KernelSide {
            phases: phase_tx,
            replies: Mutex::new(reply_rx),
            busy_since: Mutex::new(Instant::now()),
            cancellation: cancellation.clone(),
        });
        let executor = Arc::new(ParkingExecutor { side: side.clone() });
        KERNEL_THREADS
            .run(Box::new(move |hand_back| {
                let result = catch_unwind(AssertUnwindSafe(|| call(executor, &side)))
                    .unwrap_or_else(|payload| {
                        Err(KernelError::internal_error(format!(
                            "the kernel thread panicked: {}",
                            crate::panics::report(payload.as_ref())
                        )))
                    });
                // The call has returned, and dropped all it held: the thread is free for the next
                // machine before this one learns the result.
                hand_back.now();
                // The engine may already be gone; then nobody wants the result.
                let _ = side.emit(result.map(Phase::Terminus));
            }))
            .map_err(|e| KernelError::generic(format!("cannot start kernel thread: {e}")))?;
        let mut machine = Machine {
            current: None,
            replies: Some(reply_tx),
            phases: phase_rx,
            ended: false,
            log: Vec::new(),
            kernel_time: Duration::ZERO,
            cancellation,
        };
        machine.advance()?;
        Ok(machine)
    }

    /// Waits for the kernel's next phase. A kernel error finishes the machine, and so does an
    /// interruption of the waiting engine thread: it cancels the kernel call, waits for it to
    /// stop (at its next read or phase) and fails with `Cancelled`.
    fn advance(&mut self) -> KernelResult<()> {
        let received = loop {
            match self.phases.recv_timeout(cancel::POLL) {
                Ok((phase, worked)) => {
                    self.kernel_time += worked;
                    break Some(phase);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if !self.cancellation.is_cancelled() && cancel::waiter_interrupted() {
                        tracing::debug!(
                            "the engine thread was interrupted: cancelling the kernel call"
                        );
                        self.cancellation.cancel();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break None,
            }
        };
        match received {
            Some(Ok(phase)) if !self.cancellation.is_cancelled() => {
                self.ended = matches!(phase, Phase::Terminus(_));
                self.log.push(phase.describe());
                self.current = Some(phase);
                Ok(())
            }
            Some(received) => {
                self.ended = matches!(received, Ok(Phase::Terminus(_)) | Err(_));
                self.finish();
                match received {
                    Err(error) if !self.cancellation.is_cancelled() => Err(error),
                    _ => Err(KernelError::Cancelled),
                }
            }
            None => {
                // The kernel thread catches its panics, so only a panic in a thread hook ends it
                // without a word.
                self.ended = true;
                self.finish();
                Err(KernelError::internal_error(
                    "the kernel thread ended without a result",
                ))
            }
        }
    }

    pub fn phase(&self) -> KernelResult<&Phase<T>> {
        self.current
            .as_ref()
            .ok_or_else(|| KernelError::generic("this kernel state machine has finished"))
    }

    /// Hands the result of the pending Consume phase to the kernel and waits for the next phase.
    pub fn step(&mut self, result: KernelResult<PlanResult>) -> KernelResult<()> {
        self.reply(PhaseKind::Consume, Reply::Result(result))
    }

    /// Acknowledges the pending PartialResult phase and waits for the next phase.
    pub fn resume(&mut self) -> KernelResult<()> {
        self.reply(PhaseKind::PartialResult, Reply::Resume)
    }

    fn reply(&mut self, expected: PhaseKind, reply: Reply) -> KernelResult<()> {
        let kind = self.phase()?.kind();
        if kind != expected {
            return Err(KernelError::generic(format!(
                "cannot answer a {kind:?} phase as a {expected:?} phase"
            )));
        }
        self.current = None;
        let sent = self
            .replies
            .as_ref()
            .map(|tx| tx.send(reply).is_ok())
            .unwrap_or(false);
        if !sent {
            return Err(abandoned());
        }
        self.advance()
    }

    /// Takes the result of a machine in its Terminus phase.
    pub fn take_terminus(&mut self) -> KernelResult<T> {
        match self.current.take() {
            Some(Phase::Terminus(result)) => {
                self.finish();
                Ok(result)
            }
            other => {
                let kind = other.as_ref().map(Phase::kind);
                self.current = other;
                Err(KernelError::generic(format!(
                    "the machine is not at its Terminus (current phase: {kind:?})"
                )))
            }
        }
    }

    /// The phases stepped through so far, one line each.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// How long the kernel thread has worked so far: the rest of the engine's waits on the machine
    /// is the rendezvous.
    pub fn kernel_time(&self) -> Duration {
        self.kernel_time
    }
}

impl<T> Machine<T> {
    /// Closes the rendezvous. Dropping the reply sender makes a parked executor fail, which
    /// unwinds the kernel call; a call that has not ended yet is waited for, so nothing it holds
    /// outlives the machine. (A call that ended needs no wait: it dropped what it held before it
    /// sent its result.)
    fn finish(&mut self) {
        self.current = None;
        self.replies = None;
        while !self.ended {
            match self.phases.recv() {
                // Phases the unwinding call still parks find no engine; their emission is ignored.
                Ok((Ok(Phase::Consume(_) | Phase::PartialResult(_)), _)) => {}
                Ok((Ok(Phase::Terminus(_)) | Err(_), _)) | Err(_) => self.ended = true,
            }
        }
    }
}

impl<T> Drop for Machine<T> {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;

    use delta_kernel::plans::{Plan, PlanResult};
    use delta_kernel::schema::{DataType, StructField, StructType};
    use delta_kernel::KernelError;

    use super::cancel::Cancellation;
    use super::placement::{Placement, QueryPlans, Replay};
    use super::{Machine, Phase, PhaseKind};

    fn empty_plan() -> Plan {
        Plan {
            schema: Arc::new(StructType::try_new(vec![]).unwrap()),
            nodes: vec![],
        }
    }

    /// A query plan for the engine side to run (its name only tells the phases apart).
    fn query(name: &str) -> Plan {
        Plan {
            schema: Arc::new(
                StructType::try_new(vec![StructField::nullable(name, DataType::LONG)]).unwrap(),
            ),
            nodes: vec![],
        }
    }

    fn no_rows() -> PlanResult {
        PlanResult::Data(Box::new(std::iter::empty()))
    }

    #[test]
    fn phases_come_in_kernel_order() {
        let mut machine = Machine::start(Cancellation::new(), |executor, side| {
            executor.query(query("a"))?;
            side.partial_result(empty_plan())?;
            executor.query(query("b"))?;
            Ok(42)
        })
        .unwrap();
        let mut kinds = vec![];
        loop {
            let kind = machine.phase().unwrap().kind();
            kinds.push(kind);
            match kind {
                PhaseKind::Consume => machine.step(Ok(no_rows())).unwrap(),
                PhaseKind::PartialResult => machine.resume().unwrap(),
                PhaseKind::Terminus => break,
            }
        }
        assert_eq!(
            kinds,
            [
                PhaseKind::Consume,
                PhaseKind::PartialResult,
                PhaseKind::Consume,
                PhaseKind::Terminus
            ]
        );
        assert_eq!(machine.take_terminus().unwrap(), 42);
        assert_eq!(machine.log().len(), 4);
        assert!(
            machine.log()[0].starts_with("Consume: query plan"),
            "{}",
            machine.log()[0]
        );
        assert!(machine.phase().is_err(), "a finished machine has no phase");
    }

    #[test]
    fn answering_the_wrong_phase_is_an_error_not_a_hang() {
        let mut machine = Machine::start(Cancellation::new(), |executor, _| {
            executor.query(query("a"))?;
            Ok(())
        })
        .unwrap();
        assert!(machine.resume().is_err());
        // The machine is still usable after the misuse.
        machine.step(Ok(no_rows())).unwrap();
        assert!(matches!(machine.phase().unwrap(), Phase::Terminus(())));
    }

    #[test]
    fn abandoned_machine_unwinds_the_kernel_call_before_it_is_dropped() {
        let held = Arc::new(());
        let in_call = held.clone();
        let machine = Machine::start(Cancellation::new(), move |executor, _| {
            let _held = in_call;
            loop {
                // Keeps asking until the engine goes away.
                executor.query(query("a"))?;
            }
            #[allow(unreachable_code)]
            Ok(())
        })
        .unwrap();
        assert_eq!(Arc::strong_count(&held), 2);
        drop(machine);
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "the kernel thread released what it held"
        );
    }

    #[test]
    fn engine_errors_reach_the_kernel_and_end_the_machine() {
        let mut machine = Machine::start(Cancellation::new(), |executor, _| {
            executor.query(query("a"))?;
            Ok(())
        })
        .unwrap();
        let error = machine
            .step(Err(KernelError::generic("disk on fire")))
            .unwrap_err();
        assert!(error.to_string().contains("disk on fire"));
        assert!(machine.phase().is_err());
    }

    #[test]
    fn a_panic_in_the_kernel_thread_is_an_error() {
        let result = Machine::<()>::start(Cancellation::new(), |_, _| panic!("kernel bug"));
        let error = result.err().expect("the panic must surface");
        assert!(error.to_string().contains("kernel bug"), "{error}");
    }

    /// The local file system through the kernel's Arrow engine.
    fn local_io() -> Arc<dyn delta_kernel::Engine> {
        Arc::new(
            delta_kernel_default_engine::DefaultEngine::builder(Arc::new(
                delta_kernel::object_store::local::LocalFileSystem::new(),
            ))
            .build(),
        )
    }

    #[test]
    fn snapshot_of_a_missing_table_fails_with_a_table_error_on_both_placements() {
        for replay in [Replay::InProcess, Replay::Spark] {
            let error = super::snapshot::start(
                "file:///no/such/table/".to_string(),
                super::snapshot::TimeTravel::Latest,
                Placement {
                    io: local_io(),
                    replay,
                    cancellation: Cancellation::new(),
                    checkpoints: super::log_damage::UnreadableCheckpoints::new(),
                },
            )
            .err()
            .expect("a missing local table is refused");
            assert!(
                error.to_string().to_lowercase().contains("table"),
                "{replay:?}: {error}"
            );
        }
    }
}
