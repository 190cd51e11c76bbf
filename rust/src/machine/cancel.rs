//! Cancelling a kernel call from the engine's side.
//!
//! Every machine carries a [`Cancellation`], the kernel's cooperative cancellation token: the
//! snapshot and scan builders hand it to the engine's listing and reads, which fail with
//! `KernelError::Cancelled` once it is set. The engine thread that waits on the machine sets it
//! when it is interrupted: while it waits it asks the installed [`set_interrupt_check`] (the JNI
//! bridge: "is the waiting Java thread interrupted?") every [`POLL`]. An engine that stops between
//! phases (a cancelled Spark job) just drops the machine, which unwinds the kernel call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use delta_kernel::cancellation::{CancellationToken, CancellationTokenRef, CancelledFuture};
use once_cell::sync::OnceCell;
use tokio::sync::Notify;

/// How often a waiting engine thread asks whether it was interrupted. A wait shorter than this
/// (most phase steps) asks nothing.
pub const POLL: Duration = Duration::from_millis(20);

static INTERRUPT_CHECK: OnceCell<fn() -> bool> = OnceCell::new();

/// Installs the check a waiting engine thread runs to learn whether it was interrupted; the first
/// installation wins. Without one (Rust tests), a wait is never interrupted.
pub fn set_interrupt_check(check: fn() -> bool) {
    let _ = INTERRUPT_CHECK.set(check);
}

/// Whether the engine thread running this was interrupted, by the installed check.
pub(super) fn waiter_interrupted() -> bool {
    INTERRUPT_CHECK.get().is_some_and(|check| check())
}

/// A machine's cancellation: set once, never reset.
#[derive(Default)]
pub struct Cancellation {
    cancelled: AtomicBool,
    /// Wakes the engine's reads that race their I/O against [`CancellationToken::cancelled_future`].
    notify: Notify,
}

impl Cancellation {
    pub fn new() -> Arc<Self> {
        Arc::new(Cancellation::default())
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// This cancellation as the kernel's token.
    pub fn token(self: &Arc<Self>) -> CancellationTokenRef {
        self.clone()
    }
}

impl CancellationToken for Cancellation {
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn cancelled_future(&self) -> CancelledFuture<'_> {
        Box::pin(async move {
            loop {
                // Register before checking, so a cancel between the check and the wait still wakes.
                let mut notified = std::pin::pin!(self.notify.notified());
                notified.as_mut().enable();
                if self.is_cancelled() {
                    return;
                }
                notified.await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use delta_kernel::cancellation::CancellationToken;

    use super::Cancellation;

    #[test]
    fn the_future_resolves_when_cancelled_from_another_thread() {
        let cancellation = Cancellation::new();
        let canceller = cancellation.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            canceller.cancel();
        });
        runtime.block_on(cancellation.cancelled_future());
        assert!(cancellation.is_cancelled());
        thread.join().unwrap();
    }
}
