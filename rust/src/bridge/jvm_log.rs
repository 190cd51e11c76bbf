//! The sink of [`crate::logging`]: each enabled event is one call of the static Java method
//! `dev.deltaffi.kernel.NativeLog.log(int level, String target, String message)`, which logs it
//! through SLF4J. The class and method are resolved once, when Java first pushes its levels; the
//! level gate itself is on the Rust side, so a disabled event costs no JNI call.

use jni::objects::{JClass, JValue};
use jni::refs::Global;
use jni::signature::{JavaType, Primitive};
use jni::{jni_sig, jni_str, Env, JavaVM};
use once_cell::sync::OnceCell;

/// `NativeLog` and its `log` method.
struct Target {
    class: Global<JClass<'static>>,
    log: jni::objects::JStaticMethodID,
}

static TARGET: OnceCell<Target> = OnceCell::new();

/// Resolves `NativeLog.log` from a thread of the Java side (its class loader finds the class) and
/// makes it the logging sink; later calls only update nothing.
pub fn register(env: &mut Env) -> jni::errors::Result<()> {
    if TARGET.get().is_none() {
        let class = env.find_class(jni_str!("dev/deltaffi/kernel/NativeLog"))?;
        let log = env.get_static_method_id(
            &class,
            jni_str!("log"),
            jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
        )?;
        let class = env.new_global_ref(class)?;
        let _ = TARGET.set(Target { class, log });
    }
    crate::logging::set_sink(sink);
    Ok(())
}

/// Calls `NativeLog.log` on this thread, attaching it to the JVM if it is not (kernel and I/O
/// threads already are). Never fails the caller: a logging failure drops the event.
fn sink(level: u8, target: &str, message: &str) {
    let Some(java) = TARGET.get() else { return };
    let Ok(vm) = JavaVM::singleton() else { return };
    let _ = vm.attach_current_thread(|env| -> jni::errors::Result<()> {
        if env.exception_check() {
            // An exception on its way to Java: a JNI call now would be undefined; drop the event.
            return Ok(());
        }
        let target = env.new_string(target)?;
        let message = env.new_string(message)?;
        let args = [
            JValue::Int(i32::from(level)).as_jni(),
            JValue::Object(&target).as_jni(),
            JValue::Object(&message).as_jni(),
        ];
        // Safety: `log` is the id of `NativeLog.log(int, String, String)`, resolved on `class`,
        // and the arguments match that signature.
        let result = unsafe {
            env.call_static_method_unchecked(
                &java.class,
                java.log,
                JavaType::Primitive(Primitive::Void),
                &args,
            )
        };
        if result.is_err() && env.exception_check() {
            env.exception_clear();
        }
        env.delete_local_ref(target);
        env.delete_local_ref(message);
        Ok(())
    });
}
