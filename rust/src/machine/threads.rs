//! Kernel threads, reused across machines.
//!
//! A kernel call runs on a kernel thread (see the module above). Starting a thread per machine,
//! attaching it to the JVM, then detaching and joining it at the Terminus costs far more than a
//! phase step, so finished threads wait, idle, for the next machine's call. Each thread runs the
//! [`ThreadHooks`] once: at its start, and when it ends (when enough threads are idle already, or
//! a job's panic escaped it).

use std::cell::Cell;
use std::sync::mpsc::{channel, Receiver, Sender};

use once_cell::sync::OnceCell;
use parking_lot::Mutex;

/// Functions every kernel thread runs when it starts and just before it ends. The JNI bridge uses
/// them to attach the thread to the JVM once for its whole life: the engine's results are pulled
/// on this thread through callbacks into Java, which would otherwise attach and detach it (and
/// create a `java.lang.Thread`) on every call.
#[derive(Clone, Copy)]
pub struct ThreadHooks {
    pub start: fn(),
    pub end: fn(),
}

static THREAD_HOOKS: OnceCell<ThreadHooks> = OnceCell::new();

/// Installs the hooks for kernel threads started from now on; the first installation wins.
pub fn set_thread_hooks(hooks: ThreadHooks) {
    let _ = THREAD_HOOKS.set(hooks);
}

/// Runs the end hook when the kernel thread finishes, even by a panic.
struct HookedThread(Option<ThreadHooks>);

impl HookedThread {
    fn enter() -> Self {
        let hooks = THREAD_HOOKS.get().copied();
        if let Some(hooks) = hooks {
            (hooks.start)();
        }
        HookedThread(hooks)
    }
}

impl Drop for HookedThread {
    fn drop(&mut self) {
        if let Some(hooks) = self.0 {
            (hooks.end)();
        }
    }
}

/// Work for a kernel thread. It gets the means to hand its thread back to the pool (at the latest
/// when it returns), so it can do so before it tells anyone it is done.
pub type Job = Box<dyn for<'r> FnOnce(HandBack<'r>) + Send>;

/// Hands the running kernel thread back to its pool, where the next job finds it waiting; the
/// thread runs that job once the current one has returned.
pub struct HandBack<'r> {
    pool: &'static KernelThreads,
    mailbox: &'r Sender<Job>,
    kept: &'r Cell<Option<bool>>,
}

impl HandBack<'_> {
    pub fn now(self) {
        drop(self);
    }
}

impl Drop for HandBack<'_> {
    fn drop(&mut self) {
        if self.kept.get().is_none() {
            self.kept.set(Some(self.pool.keep(self.mailbox)));
        }
    }
}

/// A pool of kernel threads.
pub struct KernelThreads {
    /// The mailboxes of the idle threads.
    idle: Mutex<Vec<Sender<Job>>>,
    /// How many threads may wait idle; a thread handed back beyond that ends.
    max_idle: usize,
    name: &'static str,
}

impl KernelThreads {
    pub const fn new(name: &'static str, max_idle: usize) -> Self {
        KernelThreads {
            idle: parking_lot::const_mutex(Vec::new()),
            max_idle,
            name,
        }
    }

    /// Runs `job` on an idle thread, or on a new one when none is idle.
    pub fn run(&'static self, mut job: Job) -> std::io::Result<()> {
        loop {
            let idle = self.idle.lock().pop();
            match idle {
                Some(mailbox) => match mailbox.send(job) {
                    Ok(()) => return Ok(()),
                    // That thread ended (a job's panic escaped it): try the next one.
                    Err(returned) => job = returned.0,
                },
                None => break,
            }
        }
        std::thread::Builder::new()
            .name(self.name.to_string())
            .spawn(move || self.work(job))
            .map(drop)
    }

    /// How many threads wait idle.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().len()
    }

    fn keep(&self, mailbox: &Sender<Job>) -> bool {
        let mut idle = self.idle.lock();
        let kept = idle.len() < self.max_idle;
        if kept {
            idle.push(mailbox.clone());
        }
        kept
    }

    fn work(&'static self, first: Job) {
        let _hooked = HookedThread::enter();
        let (mailbox, jobs): (Sender<Job>, Receiver<Job>) = channel();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            let kept = Cell::new(None);
            job(HandBack {
                pool: self,
                mailbox: &mailbox,
                kept: &kept,
            });
            if kept.get() != Some(true) {
                break;
            }
            next = jobs.recv().ok();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::mpsc::channel;
    use std::thread::ThreadId;

    use super::KernelThreads;

    fn pool(max_idle: usize) -> &'static KernelThreads {
        Box::leak(Box::new(KernelThreads::new("test-kernel", max_idle)))
    }

    /// Runs a job that reports its thread after handing it back.
    fn thread_of_job(pool: &'static KernelThreads) -> ThreadId {
        let (tx, rx) = channel();
        pool.run(Box::new(move |hand_back| {
            hand_back.now();
            let _ = tx.send(std::thread::current().id());
        }))
        .unwrap();
        rx.recv().unwrap()
    }

    #[test]
    fn a_thread_handed_back_runs_the_next_job() {
        let pool = pool(1);
        let first = thread_of_job(pool);
        // The thread went idle before it reported, so the next job finds it.
        assert_eq!(pool.idle_count(), 1);
        assert_eq!(thread_of_job(pool), first);
    }

    #[test]
    fn threads_beyond_the_idle_limit_end() {
        let pool = pool(0);
        let first = thread_of_job(pool);
        assert_eq!(pool.idle_count(), 0);
        assert_ne!(thread_of_job(pool), first);
    }

    #[test]
    fn a_job_that_never_hands_back_its_thread_returns_it_when_it_ends() {
        let pool = pool(1);
        let (tx, rx) = channel();
        pool.run(Box::new(move |_| {
            let _ = tx.send(());
        }))
        .unwrap();
        rx.recv().unwrap();
        // The job ended right after its send: its thread is idle once the pool's lock is free.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while pool.idle_count() == 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(pool.idle_count(), 1);
    }
}
