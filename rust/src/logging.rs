//! One `tracing` subscriber for the whole library, installed once: it forwards the kernel's events
//! and the project's own to a sink (the JVM's logging, see `bridge/jvm_log.rs`) behind a level gate
//! the Java side sets, and turns the kernel's metric spans into the scan metrics a machine reports.
//!
//! - The gate: one level per Java logger (`dev.deltaffi.kernel` for the kernel's events,
//!   `dev.deltaffi.native` for this crate's), pushed from Java into atomics. An event below its
//!   logger's level is refused by the subscriber's `enabled` check, before it is formatted or any
//!   JNI call made.
//! - The metrics: the kernel reports `ScanMetadataCompleted` when a scan's replay iterator is
//!   exhausted, as a span closed on the thread that exhausted it. [`capture_scan_metrics`] arms a
//!   thread-local slot around a replay, so concurrent scans (each on its machine's kernel thread)
//!   never see each other's counts.
//!
//! Pure Rust: nothing here knows about JNI.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Once};

use delta_kernel::metrics::{
    MetricEvent, MetricsReporter, ReportGeneratorLayer, ScanMetadataCompleted,
};
use once_cell::sync::OnceCell;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{dynamic_filter_fn, filter_fn};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// The Java logger an event goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logger {
    /// `dev.deltaffi.kernel`: the kernel crates' events (and any other dependency's).
    Kernel = 0,
    /// `dev.deltaffi.native`: this crate's own events.
    Native = 1,
}

impl Logger {
    pub fn of(target: &str) -> Logger {
        if target.starts_with(env!("CARGO_CRATE_NAME")) {
            Logger::Native
        } else {
            Logger::Kernel
        }
    }
}

/// Levels as ranks, shared with Java (`NativeLog`): 0 off, 1 error, 2 warn, 3 info, 4 debug,
/// 5 trace. A logger at rank `r` takes the events of rank `<= r`.
///
/// The kernel's own INFO events (a dozen per snapshot: segment summaries, hints, replay notes) are
/// detail to an operator, whose INFO is one line per snapshot and per scan: the kernel's levels
/// below WARN map one down (INFO to DEBUG, DEBUG to TRACE).
pub fn rank(logger: Logger, level: &Level) -> u8 {
    match (*level, logger) {
        (Level::ERROR, _) => 1,
        (Level::WARN, _) => 2,
        (Level::INFO, Logger::Native) => 3,
        (Level::INFO, Logger::Kernel) | (Level::DEBUG, Logger::Native) => 4,
        (Level::DEBUG, Logger::Kernel) | (Level::TRACE, _) => 5,
    }
}

/// Off until Java says otherwise: nothing is formatted before a sink and its levels exist.
static LEVELS: [AtomicU8; 2] = [AtomicU8::new(0), AtomicU8::new(0)];

/// Sets the ranks of the two loggers (see [`rank`]).
pub fn set_levels(kernel: u8, native: u8) {
    LEVELS[Logger::Kernel as usize].store(kernel, Ordering::Relaxed);
    LEVELS[Logger::Native as usize].store(native, Ordering::Relaxed);
}

/// Whether an event of `level` from `target` reaches its logger now.
pub fn enabled(target: &str, level: &Level) -> bool {
    let logger = Logger::of(target);
    rank(logger, level) <= LEVELS[logger as usize].load(Ordering::Relaxed)
}

/// Where enabled events go: (level rank, the event's target, its formatted message).
pub type Sink = fn(u8, &str, &str);

static SINK: OnceCell<Sink> = OnceCell::new();

/// Sets the sink events go to; the first one wins. Installs the subscriber.
pub fn set_sink(sink: Sink) {
    let _ = SINK.set(sink);
    install();
}

/// Installs the library's subscriber as the global default, once. Every thread then has a real
/// subscriber (the kernel's metric callsites are never cached as uninteresting), and events reach
/// the sink only when their logger's level takes them.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let metrics = ReportGeneratorLayer::new(Arc::new(ThreadScanMetrics))
            // The metrics layer needs only the kernel's metric spans and the events with an
            // `error` field that flip them to failures; everything else skips it.
            .with_filter(filter_fn(|meta: &Metadata<'_>| {
                let key = if meta.is_span() { "report" } else { "error" };
                meta.fields().field(key).is_some()
            }));
        let forward = Forward.with_filter(dynamic_filter_fn(|meta: &Metadata<'_>, _| {
            meta.is_event() && enabled(meta.target(), meta.level())
        }));
        let subscriber = tracing_subscriber::registry().with(metrics).with(forward);
        // Fails only when someone set a global subscriber before (a test harness): keep theirs.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// Forwards each enabled event, formatted as its message then its other fields, to the sink.
struct Forward;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Forward {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let Some(sink) = SINK.get() else { return };
        let meta = event.metadata();
        let mut message = Message::default();
        event.record(&mut message);
        message.text.push_str(&message.fields);
        let level = rank(Logger::of(meta.target()), meta.level());
        sink(level, meta.target(), &message.text);
    }
}

/// An event's `message` field, and its other fields as ` name=value`.
#[derive(Default)]
struct Message {
    text: String,
    fields: String,
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.text.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

thread_local! {
    /// `Some` while [`capture_scan_metrics`] runs on this thread: the last scan metrics reported.
    static SCAN_METRICS: RefCell<Option<Option<ScanMetadataCompleted>>> = const { RefCell::new(None) };
}

/// Keeps the kernel's scan metrics for the thread that armed the capture; drops everything else.
#[derive(Debug)]
struct ThreadScanMetrics;

impl MetricsReporter for ThreadScanMetrics {
    fn report(&self, event: MetricEvent) {
        if let MetricEvent::ScanMetadataCompleted(completed) = event {
            SCAN_METRICS.with(|slot| {
                if let Some(armed) = slot.borrow_mut().as_mut() {
                    *armed = Some(completed);
                }
            });
        }
    }
}

/// Runs `replay` and returns what it returned with the scan metrics the kernel reported on this
/// thread meanwhile (`None` when it reported none: the replay failed or did not finish).
pub fn capture_scan_metrics<T>(replay: impl FnOnce() -> T) -> (T, Option<ScanMetadataCompleted>) {
    install();
    SCAN_METRICS.with(|slot| *slot.borrow_mut() = Some(None));
    let result = replay();
    let metrics = SCAN_METRICS.with(|slot| slot.borrow_mut().take().flatten());
    (result, metrics)
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::{enabled, rank, Logger};

    #[test]
    fn targets_map_to_the_two_loggers_and_levels_gate_by_rank() {
        assert_eq!(Logger::of("delta_kernel::scan"), Logger::Kernel);
        assert_eq!(Logger::of("delta_ffi::machine::scan"), Logger::Native);
        assert_eq!(Logger::of("object_store"), Logger::Kernel);
        assert_eq!(rank(Logger::Native, &Level::INFO), 3);
        assert_eq!(
            rank(Logger::Kernel, &Level::INFO),
            4,
            "the kernel's INFO is our DEBUG"
        );
        assert_eq!(rank(Logger::Kernel, &Level::WARN), 2);
        super::set_levels(4, 4);
        assert!(enabled("delta_kernel::snapshot", &Level::INFO));
        assert!(!enabled("delta_kernel::snapshot", &Level::DEBUG));
        assert!(enabled("delta_kernel::snapshot", &Level::WARN));
        assert!(enabled("delta_ffi::io", &Level::DEBUG));
        assert!(!enabled("delta_ffi::io", &Level::TRACE));
        super::set_levels(3, 3);
        assert!(!enabled("delta_kernel::snapshot", &Level::INFO));
        assert!(enabled("delta_ffi::machine", &Level::INFO));
        super::set_levels(0, 0);
        assert!(!enabled("delta_kernel::snapshot", &Level::ERROR));
    }
}
