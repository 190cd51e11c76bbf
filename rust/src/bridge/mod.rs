//! JNI glue with no Delta logic: one wrapper around every native entry point (panics caught,
//! errors turned into typed Java exceptions), and the table of native handles.

pub mod handles;
pub mod java_ids;
pub mod jvm_log;
pub mod jvm_store;
mod jvm_thread;
mod log_files;

use std::panic::{catch_unwind, AssertUnwindSafe};

use delta_kernel::KernelError;

use crate::machine::history::TimestampOutOfRange;
use crate::machine::log_damage::{DamagedCommit, MissingHistory};
use crate::machine::snapshot::VersionOutOfRange;
use java_ids::Thrown;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JObject, JThrowable, JValue};
use jni::refs::Global;
use jni::strings::JNIString;
use jni::{Env, EnvUnowned};

/// A Java exception carried through the kernel as the source of its error (a plan that failed on
/// Spark, an `IOException` of Hadoop I/O), so it reaches Java again as the cause of the exception
/// the failure becomes.
pub struct JavaCause {
    pub throwable: Global<JThrowable<'static>>,
    pub message: String,
}

impl std::fmt::Debug for JavaCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JavaCause({})", self.message)
    }
}

impl std::fmt::Display for JavaCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JavaCause {}

/// The first Java exception in an error's source chain.
fn java_cause<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e JavaCause> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(cause) = error.downcast_ref::<JavaCause>() {
            return Some(cause);
        }
        current = error.source();
    }
    None
}

/// Why a native call failed.
#[derive(Debug)]
pub enum Failure {
    /// A kernel error, with the table and version it concerns.
    Kernel { error: KernelError, context: String },
    /// A Java exception is already pending (e.g. thrown by a visitor callback): let it propagate.
    JavaPending,
    /// A misuse of the native API (unknown handle, wrong phase, bad argument).
    Usage(String),
}

impl From<jni::errors::Error> for Failure {
    fn from(error: jni::errors::Error) -> Self {
        match error {
            jni::errors::Error::JavaException => Failure::JavaPending,
            other => Failure::Usage(format!("JNI call failed: {other}")),
        }
    }
}

impl From<KernelError> for Failure {
    fn from(error: KernelError) -> Self {
        Failure::Kernel {
            error,
            context: String::new(),
        }
    }
}

impl Failure {
    /// Names the table and version a kernel error concerns.
    pub fn in_context(self, context: &str) -> Self {
        match self {
            Failure::Kernel { error, .. } => Failure::Kernel {
                error,
                context: context.to_string(),
            },
            other => other,
        }
    }
}

/// The Java exception for a kernel error, by what the user can do about it.
fn exception_class(error: &KernelError) -> Thrown {
    use KernelError as E;
    match error {
        E::Cancelled => Thrown::Cancelled,
        // A missing table lists no log (EmptyLog); a file its log names that is gone is not that.
        E::FileNotFound(_) => Thrown::MissingFile,
        E::EmptyLog | E::InvalidTableLocation(_) => Thrown::TableNotFound,
        E::MissingVersion(_) | E::LogHistory(_) => Thrown::VersionNotFound,
        E::GenericError { source }
            if source.is::<VersionOutOfRange>() || source.is::<TimestampOutOfRange>() =>
        {
            Thrown::VersionNotFound
        }
        E::GenericError { source }
            if source.is::<DamagedCommit>() || source.is::<MissingHistory>() =>
        {
            Thrown::InvalidTable
        }
        E::Unsupported(_)
        | E::InvalidProtocol(_)
        | E::InvalidColumnMappingMode(_)
        | E::ChangeDataFeedUnsupported(_) => Thrown::UnsupportedTableFeature,
        E::MalformedJson(_)
        | E::MissingMetadata
        | E::MissingProtocol
        | E::MissingMetadataAndProtocol
        | E::InvalidLogSegment(_)
        | E::InvalidCheckpoint(_)
        | E::InvalidLogPath(_)
        | E::ParseError(..)
        | E::InvalidPartitionValues(_) => Thrown::InvalidTable,
        _ => Thrown::DeltaKernel,
    }
}

fn throw(env: &mut Env, failure: Failure) {
    // A throw that fails leaves its own exception pending, which is what the caller sees then.
    let _ = match failure {
        Failure::JavaPending => Ok(()),
        Failure::Kernel { error, context } => {
            let message = if context.is_empty() {
                user_message(&error)
            } else {
                format!("{context}: {}", user_message(&error))
            };
            let cause = java_cause(&error).map(|cause| cause.throwable.as_ref());
            throw_new(env, exception_class(&error), &message, cause)
        }
        Failure::Usage(message) => throw_new(env, Thrown::IllegalState, &message, None),
    };
}

/// The kernel's account of an error without its internal category: the exception class already
/// says what kind it is, so "Generic error: " and the like would only be noise.
fn user_message(error: &KernelError) -> String {
    match error.without_backtrace() {
        KernelError::GenericError { source } => source.to_string(),
        KernelError::Generic(message) | KernelError::Unsupported(message) => message.clone(),
        KernelError::Cancelled => {
            "planning was cancelled: the thread waiting on it was interrupted".to_string()
        }
        other => other.to_string(),
    }
}

/// Throws a new `thrown(message)`, or `thrown(message, cause)`.
fn throw_new(
    env: &mut Env,
    thrown: Thrown,
    message: &str,
    cause: Option<&JThrowable>,
) -> jni::errors::Result<()> {
    let ids = match java_ids::get(env) {
        Ok(ids) => ids,
        Err(_) => {
            // The classes could not be resolved: throw by name what the failure is about.
            env.exception_clear();
            return env.throw_new(thrown.class_name(), JNIString::from(message));
        }
    };
    let class = ids.exceptions.get(thrown);
    let Some(cause) = cause else {
        return env.throw_new(&class.class, JNIString::from(message));
    };
    let message = env.new_string(message)?;
    let args = [
        JValue::Object(&message).as_jni(),
        JValue::Object(cause.as_ref()).as_jni(),
    ];
    // Safety: `with_cause` is the class's (String, Throwable) constructor, called with those.
    let exception: JObject =
        unsafe { env.new_object_unchecked(&class.class, class.with_cause, &args) }?;
    let exception = JThrowable::cast_local(env, exception)?;
    env.throw(exception)
}

/// Runs a native entry point: a panic or error becomes a Java exception and `T::default()` is
/// returned to the JVM, so nothing unwinds across JNI.
pub fn entry<'local, T: Default>(
    unowned: &mut EnvUnowned<'local>,
    body: impl FnOnce(&mut Env<'local>) -> Result<T, Failure>,
) -> T {
    unowned
        .with_env(|env| -> Result<T, jni::errors::Error> {
            match catch_unwind(AssertUnwindSafe(|| body(env))) {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(failure)) => {
                    throw(env, failure);
                    Ok(T::default())
                }
                Err(payload) => {
                    let message = crate::panics::report(payload.as_ref());
                    let _ = throw_new(
                        env,
                        Thrown::DeltaKernel,
                        &format!("internal error in delta-ffi native code (panic): {message}"),
                        None,
                    );
                    Ok(T::default())
                }
            }
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}

#[cfg(test)]
mod tests {
    use delta_kernel::KernelError as E;

    use super::{exception_class, user_message};
    use crate::machine::history::{Commit, TimestampOutOfRange};
    use crate::machine::snapshot::VersionOutOfRange;

    /// What a user can do about a failure decides its exception class.
    #[test]
    fn kernel_errors_map_to_the_exception_a_user_can_act_on() {
        let commit = Commit {
            version: 3,
            millis: 0,
        };
        let cases = [
            (E::FileNotFound("f".into()), "MissingFileException"),
            (E::Cancelled, "ReadCancelledException"),
            (E::EmptyLog, "TableNotFoundException"),
            (
                E::InvalidTableLocation("t".into()),
                "TableNotFoundException",
            ),
            (E::MissingVersion(4), "VersionNotFoundException"),
            (
                E::generic_err(VersionOutOfRange {
                    requested: 9,
                    latest: 3,
                }),
                "VersionNotFoundException",
            ),
            (
                E::generic_err(TimestampOutOfRange::AfterLatest {
                    requested: 1,
                    latest: commit,
                }),
                "VersionNotFoundException",
            ),
            (
                E::Unsupported("f".into()),
                "UnsupportedTableFeatureException",
            ),
            (
                E::InvalidProtocol("p".into()),
                "UnsupportedTableFeatureException",
            ),
            (
                E::ChangeDataFeedUnsupported(3),
                "UnsupportedTableFeatureException",
            ),
            (E::MissingMetadata, "InvalidTableException"),
            (E::InvalidCheckpoint("c".into()), "InvalidTableException"),
            (E::generic("anything else"), "DeltaKernelException"),
        ];
        for (error, class) in cases {
            let mapped = exception_class(&error).class_name().to_str().to_string();
            assert_eq!(mapped, format!("dev/deltaffi/kernel/{class}"), "{error}");
        }
    }

    /// Messages keep the kernel's account, not its internal category.
    #[test]
    fn messages_drop_the_kernels_category() {
        let out_of_range = E::generic_err(VersionOutOfRange {
            requested: 9,
            latest: 3,
        });
        assert!(out_of_range.to_string().starts_with("Generic error: "));
        assert_eq!(
            user_message(&out_of_range),
            VersionOutOfRange {
                requested: 9,
                latest: 3
            }
            .to_string()
        );
        assert_eq!(user_message(&E::generic("plain words")), "plain words");
        assert_eq!(
            user_message(&E::unsupported("Feature 'x' is not supported")),
            "Feature 'x' is not supported"
        );
        assert_eq!(
            user_message(&E::MissingVersion(4)),
            E::MissingVersion(4).to_string()
        );
    }
}
