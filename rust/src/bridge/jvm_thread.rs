//! Kernel threads live attached to the JVM: attached as daemons when they start (a stuck kernel
//! thread never holds the JVM open), detached just before they end. And a Java thread waiting on
//! a machine learns here whether it was interrupted.

use std::ffi::{c_void, CString};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

use jni::sys::{jint, JavaVM, JavaVMAttachArgs, JNI_VERSION_1_8};

use crate::machine::cancel::set_interrupt_check;
use crate::machine::{set_thread_hooks, ThreadHooks};

use super::java_ids;

static VM: AtomicPtr<JavaVM> = AtomicPtr::new(null_mut());

/// Called by the JVM when it loads this library: remembers the VM for the kernel-thread hooks and
/// installs the panic hook.
#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: *mut JavaVM, _reserved: *mut c_void) -> jint {
    VM.store(vm, Ordering::Release);
    crate::panics::install_hook();
    set_thread_hooks(ThreadHooks {
        start: attach_as_daemon,
        end: detach,
    });
    set_interrupt_check(current_java_thread_interrupted);
    JNI_VERSION_1_8
}

/// Whether the current thread, a Java thread inside a native call, was interrupted. A failing
/// check says no: the wait goes on as if nobody had asked.
fn current_java_thread_interrupted() -> bool {
    let Ok(vm) = jni::JavaVM::singleton() else {
        return false;
    };
    vm.attach_current_thread(|env| {
        let ids = java_ids::get(env)?;
        ids.threads.current_is_interrupted(env)
    })
    .unwrap_or(false)
}

/// Attaches the current thread under its Rust name (`delta-ffi-kernel`, `delta-ffi-io`), so
/// thread dumps and Java's thread list say whose it is.
pub(super) fn attach_as_daemon() {
    let vm = VM.load(Ordering::Acquire);
    if vm.is_null() {
        return;
    }
    let name = std::thread::current()
        .name()
        .and_then(|name| CString::new(name).ok());
    let mut args = JavaVMAttachArgs {
        version: JNI_VERSION_1_8,
        name: name
            .as_ref()
            .map_or(null_mut(), |name| name.as_ptr().cast_mut()),
        group: null_mut(),
    };
    let mut env: *mut c_void = null_mut();
    // Safety: `vm` is the JavaVM the JVM handed to JNI_OnLoad; it outlives this library, and
    // `args` (with the name it points to) outlives the call. A failed attach leaves the thread as
    // before: each callback into Java then attaches it itself.
    unsafe {
        ((**vm).v1_4.AttachCurrentThreadAsDaemon)(
            vm,
            &mut env,
            (&mut args as *mut JavaVMAttachArgs).cast(),
        );
    }
}

pub(super) fn detach() {
    let vm = VM.load(Ordering::Acquire);
    if vm.is_null() {
        return;
    }
    // Safety: as above; detaching a thread that is not attached is a no-op.
    unsafe {
        ((**vm).v1_1.DetachCurrentThread)(vm);
    }
}
