//! Panics as errors with their story: a hook records each panic's message, location and backtrace
//! on the panicking thread, so the code that catches it (a JNI entry point, a machine's kernel
//! thread) can hand all of it to Java instead of a bare message.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::RefCell;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the recording hook (once per process; the JVM loads the library once), keeping the
/// previous hook's report on stderr.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let report = format!("{info}\n{}", Backtrace::force_capture());
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(report));
        previous(info);
    }));
}

/// What a caught panic says: the hook's record from this thread (message, location, backtrace),
/// or without the hook the payload's message.
pub fn report(payload: &(dyn Any + Send)) -> String {
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| message(payload))
}

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]

    #[test]
    fn a_caught_panic_reports_its_location_and_backtrace_with_the_hook() {
        super::install_hook();
        let payload = std::panic::catch_unwind(|| panic!("kernel bug")).err();
        let report = super::report(payload.as_deref().unwrap_or(&()));
        assert!(report.contains("kernel bug"), "{report}");
        assert!(report.contains("panics.rs"), "the location: {report}");
        assert!(report.lines().count() > 1, "a backtrace follows: {report}");
        // The record is taken: a later panic without the hook's record falls back to the payload.
        assert_eq!(super::report(&"plain"), "plain");
    }
}
