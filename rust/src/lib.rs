//! delta-ffi: the Delta kernel's phase-stepped snapshot and scan construction and its plan
//! visitor, exported as JNI natives of `dev.deltaffi.kernel.NativeKernel`. Each export is a thin
//! wrapper over one call into the core modules.

mod bridge;
pub mod logging;
pub mod machine;
mod panics;
mod results;
mod schema_key;
mod visit;

use jni::objects::{JClass, JLongArray, JObject, JObjectArray, JString, JThrowable};
use jni::sys::{jboolean, jint, jlong};
use jni::{jni_str, Env, EnvUnowned};

use bridge::handles::{self, Handle, PhaseView};
use bridge::{entry, Failure};
use delta_kernel::{KernelError, Version};
use machine::changes::Bound;
use machine::placement::{Placement, Replay};
use machine::snapshot::TimeTravel;
use visit::JavaVisitor;

fn java_string(env: &mut Env, value: &JString) -> Result<String, Failure> {
    if value.is_null() {
        return Err(Failure::Usage("unexpected null string".into()));
    }
    Ok(value.try_to_string(env)?)
}

fn java_strings(env: &mut Env, array: &JObjectArray) -> Result<Vec<String>, Failure> {
    let len = array.len(env)?;
    (0..len)
        .map(|i| {
            let element = array.get_element(env, i)?;
            let string = JString::cast_local(env, element)?;
            java_string(env, &string)
        })
        .collect()
}

fn string_array<'local>(
    env: &mut Env<'local>,
    values: &[String],
) -> Result<JObjectArray<'local>, Failure> {
    let len = i32::try_from(values.len()).map_err(|_| Failure::Usage("array too long".into()))?;
    let array = env.new_object_array(len, jni_str!("java/lang/String"), JObject::null())?;
    for (index, value) in values.iter().enumerate() {
        let string = env.new_string(value)?;
        array.set_element(env, index, &string)?;
    }
    Ok(array)
}

fn machine_context(table_root: &str, travel: TimeTravel) -> String {
    format!("table {table_root} ({travel})")
}

/// `startSnapshot`'s travel kinds.
const LATEST: jint = 0;
const AT_VERSION: jint = 1;
const AS_OF_TIMESTAMP: jint = 2;

/// The snapshot owned by `handle`.
fn snapshot_of(handle: jlong) -> Result<delta_kernel::SnapshotRef, Failure> {
    match handles::get(handle)?.as_ref() {
        Handle::Snapshot { snapshot, .. } => Ok(snapshot.clone()),
        _ => Err(Failure::Usage(format!("handle {handle} is not a snapshot"))),
    }
}

/// Where a kernel call on the table at `table_root` runs: I/O always through `hadoop_io` (a
/// `dev.deltaffi.kernel.Storage`), the log replayed in process or by Spark.
fn placement(
    env: &mut Env,
    hadoop_io: &JObject,
    table_root: &str,
    in_process: jboolean,
) -> Result<Placement, Failure> {
    let cancellation = machine::cancel::Cancellation::new();
    let checkpoints = machine::log_damage::UnreadableCheckpoints::new();
    Ok(Placement {
        io: bridge::jvm_store::in_process_engine(
            env,
            hadoop_io,
            table_root,
            cancellation.clone(),
            checkpoints.clone(),
        )?,
        replay: if in_process {
            Replay::InProcess
        } else {
            Replay::Spark
        },
        cancellation,
        checkpoints,
    })
}

/// The I/O engine of a call that runs on the caller's thread, without a machine (so nothing to
/// cancel it: the caller's own interruption reaches its Java I/O directly, and no checkpoint to
/// give up: such calls read commits and data files).
fn io_engine(
    env: &mut Env,
    hadoop_io: &JObject,
    table_root: &str,
) -> Result<std::sync::Arc<dyn delta_kernel::Engine>, Failure> {
    bridge::jvm_store::in_process_engine(
        env,
        hadoop_io,
        table_root,
        machine::cancel::Cancellation::new(),
        machine::log_damage::UnreadableCheckpoints::new(),
    )
}

/// Registers a started machine under a new handle; a failure to start names `context`.
fn register_machine<T: 'static>(
    machine: delta_kernel::KernelResult<machine::Machine<T>>,
    context: String,
) -> Result<jlong, Failure>
where
    machine::Machine<T>: handles::Stepper,
{
    let machine = machine.map_err(|e| Failure::from(e).in_context(&context))?;
    Ok(handles::register(Handle::Machine {
        stepper: parking_lot::Mutex::new(Box::new(machine)),
        context,
    }))
}

/// Runs `f` on the machine behind `handle`, naming its table and version in kernel errors.
fn with_machine<T>(
    handle: jlong,
    f: impl FnOnce(&mut dyn handles::Stepper) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let owner = handles::get(handle)?;
    let Handle::Machine { stepper, context } = owner.as_ref() else {
        return Err(Failure::Usage(format!(
            "handle {handle} is not a state machine"
        )));
    };
    let mut stepper = stepper.lock();
    f(stepper.as_mut()).map_err(|failure| failure.in_context(context))
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_startSnapshot<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    table_root: JString<'local>,
    travel_kind: jint,
    travel_value: jlong,
    hadoop_io: JObject<'local>,
    in_process: jboolean,
) -> jlong {
    entry(&mut env, |env| {
        let table_root = java_string(env, &table_root)?;
        let placement = placement(env, &hadoop_io, &table_root, in_process)?;
        let travel = match travel_kind {
            LATEST => TimeTravel::Latest,
            AT_VERSION => TimeTravel::Version(
                Version::try_from(travel_value)
                    .map_err(|_| Failure::Usage(format!("invalid version {travel_value}")))?,
            ),
            AS_OF_TIMESTAMP => TimeTravel::Timestamp(travel_value),
            other => return Err(Failure::Usage(format!("unknown time travel kind {other}"))),
        };
        let context = machine_context(&table_root, travel);
        register_machine(
            machine::snapshot::start(table_root, travel, placement),
            context,
        )
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_startRefresh<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    hadoop_io: JObject<'local>,
    in_process: jboolean,
) -> jlong {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let placement = placement(env, &hadoop_io, snapshot.table_root().as_str(), in_process)?;
        let context = machine_context(snapshot.table_root().as_str(), TimeTravel::Latest);
        register_machine(machine::snapshot::refresh(snapshot, placement), context)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_startScan<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    columns: JObjectArray<'local>,
    predicate_json: JString<'local>,
    hadoop_io: JObject<'local>,
    in_process: jboolean,
) -> jlong {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let placement = placement(env, &hadoop_io, snapshot.table_root().as_str(), in_process)?;
        let columns = if columns.is_null() {
            None
        } else {
            Some(java_strings(env, &columns)?)
        };
        let context = machine_context(
            snapshot.table_root().as_str(),
            TimeTravel::Version(snapshot.version()),
        );
        let predicate = if predicate_json.is_null() {
            None
        } else {
            let json = java_string(env, &predicate_json)?;
            Some(
                machine::scan::parse_predicate(&json)
                    .map_err(|e| Failure::from(e).in_context(&context))?,
            )
        };
        register_machine(
            machine::scan::start(snapshot.clone(), columns, predicate, placement),
            context,
        )
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_phaseKind<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jint {
    entry(&mut env, |_| {
        with_machine(handle, |machine| {
            Ok(match machine.phase()? {
                PhaseView::Consume(_) => machine::PhaseKind::Consume as jint,
                PhaseView::PartialResult(_) => machine::PhaseKind::PartialResult as jint,
                PhaseView::Terminus => machine::PhaseKind::Terminus as jint,
            })
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_kernelNanos<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, |_| {
        with_machine(handle, |machine| {
            Ok(jlong::try_from(machine.kernel_time().as_nanos()).unwrap_or(jlong::MAX))
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_visitPhase<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    visitor: JObject<'local>,
) -> jint {
    entry(&mut env, |env| {
        with_machine(handle, |machine| {
            let mut visitor = JavaVisitor::new(env, &visitor)?;
            match machine.phase()? {
                PhaseView::Consume(plan) | PhaseView::PartialResult(plan) => {
                    visit::visit_plan(&mut visitor, plan)
                }
                PhaseView::Terminus => {
                    Err(Failure::Usage("a Terminus has nothing to visit".into()))
                }
            }
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_step<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    stream_address: jlong,
) {
    entry(&mut env, |_| {
        with_machine(handle, |machine| {
            // Take the stream first, so it is released even when the phase is wrong.
            // SAFETY: the Java side passes the address of an exported ArrowArrayStream.
            let stream = unsafe { results::take_stream(stream_address) }?;
            match machine.phase()? {
                PhaseView::Consume(plan) => {
                    // SAFETY: Java lays the stream out by the schema of the plan it ran.
                    let rows = unsafe { results::plan_rows(stream, &plan.schema) }?;
                    Ok(machine.step(Ok(rows))?)
                }
                _ => Err(Failure::Usage("step answers Consume phases only".into())),
            }
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_stepFailed<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    message: JString<'local>,
    cause: JThrowable<'local>,
) {
    entry(&mut env, |env| {
        let error = KernelError::generic_err(bridge::JavaCause {
            message: java_string(env, &message)?,
            throwable: env.new_global_ref(&cause)?,
        });
        with_machine(handle, |machine| Ok(machine.step(Err(error))?))
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_resume<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, |_| {
        with_machine(handle, |machine| Ok(machine.resume()?))
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_terminus<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, |_| {
        let result = with_machine(handle, |machine| Ok(machine.terminus()?))?;
        Ok(handles::register(result))
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_phaseLog<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObjectArray<'local> {
    entry(&mut env, |env| {
        let owner = handles::get(handle)?;
        match owner.as_ref() {
            Handle::Snapshot { log, .. } | Handle::Scan { log, .. } => string_array(env, log),
            _ => Err(Failure::Usage("this handle has no phase log".into())),
        }
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_snapshotVersion<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, |_| {
        let snapshot = snapshot_of(handle)?;
        i64::try_from(snapshot.version()).map_err(|_| Failure::Usage("version overflow".into()))
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_tableRoot<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        Ok(env.new_string(snapshot.table_root().as_str())?)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_partitionColumns<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObjectArray<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        string_array(env, &machine::snapshot::partition_columns(&snapshot))
    })
}

/// A new handle on the snapshot `handle` owns (both stay open, each to be released).
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_shareSnapshot<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, |_| match handles::get(handle)?.as_ref() {
        Handle::Snapshot { snapshot, log } => Ok(handles::register(Handle::Snapshot {
            snapshot: snapshot.clone(),
            log: log.clone(),
        })),
        _ => Err(Failure::Usage(format!("handle {handle} is not a snapshot"))),
    })
}

/// Whether the log files the snapshot was built from are all still listed as they were, read
/// through `hadoop_io` (see `machine::snapshot::log_unchanged`).
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_logUnchanged<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    hadoop_io: JObject<'local>,
) -> jboolean {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        let table_root = snapshot.table_root().to_string();
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        machine::snapshot::log_unchanged(engine.as_ref(), &snapshot).map_err(|e| {
            Failure::from(e).in_context(&format!(
                "table {table_root} (listing the log of version {})",
                snapshot.version()
            ))
        })
    })
}

/// The bytes of the log files the snapshot replays (checkpoint parts and commits).
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_logSizeBytes<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, |_| {
        let snapshot = snapshot_of(handle)?;
        let bytes = machine::snapshot::log_size_bytes(&snapshot);
        Ok(jlong::try_from(bytes).unwrap_or(jlong::MAX))
    })
}

/// Moves the live files of an in-process scan into the Arrow C stream struct at `stream_address`
/// (allocated by Java). Returns false, writing nothing, when the scan was planned with phases.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_takeScanFiles<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    stream_address: jlong,
) -> jboolean {
    entry(&mut env, |_| {
        let scan = handles::get(handle)?;
        let Handle::Scan { files, .. } = scan.as_ref() else {
            return Err(Failure::Usage(format!("handle {handle} is not a scan")));
        };
        let Some(files) = files.lock().take() else {
            return Ok(false);
        };
        results::export_batches(files.batches, stream_address)?;
        Ok(true)
    })
}

/// The kernel's counts of an in-process scan's replay: `add` actions seen, files kept, `add`
/// actions pruned by the predicate; null when the live files came from a Spark job (the kernel
/// reports no metrics for a metadata plan it does not run).
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_scanFileCounts<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JLongArray<'local> {
    entry(&mut env, |env| match handles::get(handle)?.as_ref() {
        Handle::Scan { counts, .. } => {
            let Some(counts) = counts else {
                return Ok(JLongArray::null());
            };
            let values = [counts.seen, counts.kept, counts.pruned]
                .map(|n| jlong::try_from(n).unwrap_or(jlong::MAX));
            let array = env.new_long_array(values.len())?;
            array.set_region(env, 0, &values)?;
            Ok(array)
        }
        _ => Err(Failure::Usage(format!("handle {handle} is not a scan"))),
    })
}

/// The table's properties (see `machine::describe::table_properties`) as alternating keys and
/// values, sorted by key.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_tableProperties<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObjectArray<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        let flat: Vec<String> = machine::describe::table_properties(&snapshot)
            .into_iter()
            .flat_map(|(key, value)| [key, value])
            .collect();
        string_array(env, &flat)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_columnMappingMode<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        Ok(env.new_string(machine::facts::column_mapping_mode(&snapshot))?)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_rowTrackingColumns<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObjectArray<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        match machine::facts::row_tracking_columns(&snapshot) {
            Some((row_id, row_commit_version)) => string_array(env, &[row_id, row_commit_version]),
            None => string_array(env, &[]),
        }
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_widensSmallIntegersToDecimal<
    'local,
>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jboolean {
    entry(&mut env, |_| {
        let owner = handles::get(handle)?;
        let Handle::Scan { scan, .. } = owner.as_ref() else {
            return Err(Failure::Usage(format!("handle {handle} is not a scan")));
        };
        Ok(machine::facts::widens_small_integers_to_decimal(
            scan.logical_schema(),
        ))
    })
}

/// Which schema `visitSchema` walks.
const TABLE_SCHEMA: jint = 0;
const SCAN_LOGICAL_SCHEMA: jint = 1;
const SCAN_PHYSICAL_SCHEMA: jint = 2;
/// The partition columns' physical names and types, as the live files' partition values have them.
const SCAN_PARTITION_SCHEMA: jint = 3;

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_visitSchema<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    which: jint,
    visitor: JObject<'local>,
) -> jint {
    entry(&mut env, |env| {
        let owner = handles::get(handle)?;
        let schema = match (owner.as_ref(), which) {
            (Handle::Snapshot { snapshot, .. }, TABLE_SCHEMA) => snapshot.schema(),
            (Handle::Scan { scan, .. }, SCAN_LOGICAL_SCHEMA) => scan.logical_schema().clone(),
            (Handle::Scan { scan, .. }, SCAN_PHYSICAL_SCHEMA) => scan.physical_schema().clone(),
            (
                Handle::Scan {
                    partition_schema, ..
                },
                SCAN_PARTITION_SCHEMA,
            ) => partition_schema.clone(),
            _ => {
                return Err(Failure::Usage(format!(
                    "no schema {which} on handle {handle}"
                )))
            }
        };
        let mut visitor = JavaVisitor::new(env, &visitor)?;
        visit::visit_schema(&mut visitor, &schema)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_deletedRows<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    table_root: JString<'local>,
    hadoop_io: JObject<'local>,
    storage_type: JString<'local>,
    path_or_inline_dv: JString<'local>,
    offset: jint,
    size_in_bytes: jint,
    cardinality: jlong,
) -> JLongArray<'local> {
    entry(&mut env, |env| {
        let table_root = java_string(env, &table_root)?;
        let descriptor = machine::deletion_vector::Descriptor {
            storage_type: java_string(env, &storage_type)?,
            path_or_inline_dv: java_string(env, &path_or_inline_dv)?,
            offset: (offset >= 0).then_some(offset),
            size_in_bytes,
            cardinality,
        };
        let context = format!(
            "table {table_root}, deletion vector {}",
            descriptor.location(&table_root)
        );
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let rows =
            machine::deletion_vector::deleted_rows(engine.as_ref(), &table_root, &descriptor)
                .map_err(|e| Failure::from(e).in_context(&context))?;
        tracing::debug!("decoded {context}: {} deleted rows", rows.len());
        let rows: Vec<i64> = rows
            .iter()
            .map(|&row| i64::try_from(row))
            .collect::<Result<_, _>>()
            .map_err(|_| Failure::Usage("row index overflow".into()))?;
        let array = env.new_long_array(rows.len())?;
        array.set_region(env, 0, &rows)?;
        Ok(array)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_release<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, |_| handles::release(handle))
}

/// The constants Java and Rust share, by their Java names, so a test can pin both sides.
const SHARED_CONSTANTS: [(&str, jint); 10] = [
    ("CONSUME", machine::PhaseKind::Consume as jint),
    ("PARTIAL_RESULT", machine::PhaseKind::PartialResult as jint),
    ("TERMINUS", machine::PhaseKind::Terminus as jint),
    ("TABLE_SCHEMA", TABLE_SCHEMA),
    ("SCAN_LOGICAL_SCHEMA", SCAN_LOGICAL_SCHEMA),
    ("SCAN_PHYSICAL_SCHEMA", SCAN_PHYSICAL_SCHEMA),
    ("SCAN_PARTITION_SCHEMA", SCAN_PARTITION_SCHEMA),
    ("LATEST", LATEST),
    ("AT_VERSION", AT_VERSION),
    ("AS_OF_TIMESTAMP", AS_OF_TIMESTAMP),
];

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_sharedConstants<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local> {
    entry(&mut env, |env| {
        let pairs: Vec<String> = SHARED_CONSTANTS
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        string_array(env, &pairs)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_liveHandles<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> jlong {
    entry(&mut env, |_| Ok(handles::live_count()))
}

/// Sets the levels (ranks, see `logging::rank`) of the Java loggers `dev.deltaffi.kernel` and
/// `dev.deltaffi.native`; the first call also makes `NativeLog.log` the sink of the library's
/// events.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_setLogLevels<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    kernel: jint,
    native: jint,
) {
    entry(&mut env, |env| {
        let rank = |level: jint| u8::try_from(level.clamp(0, 5)).unwrap_or(0);
        logging::set_levels(rank(kernel), rank(native));
        bridge::jvm_log::register(env)?;
        Ok(())
    })
}

/// This library's version and the kernel's, for the line Java logs when it loads the library.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeLibrary_version<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JString<'local> {
    entry(&mut env, |env| {
        Ok(env.new_string(format!(
            "delta-ffi {} (delta_kernel {KERNEL_VERSION})",
            env!("CARGO_PKG_VERSION")
        ))?)
    })
}

/// The kernel version `rust/Cargo.toml` pins (`delta_kernel = "=..."`).
const KERNEL_VERSION: &str = "0.30.1";

/// A snapshot's log segment: {checkpoint version or -1, commit files after it}.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_logShape<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JLongArray<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(handle)?;
        let (checkpoint, commits) = machine::snapshot::log_shape(&snapshot);
        let values = [
            checkpoint.map_or(-1, |v| jlong::try_from(v).unwrap_or(jlong::MAX)),
            jlong::try_from(commits).unwrap_or(jlong::MAX),
        ];
        let array = env.new_long_array(values.len())?;
        array.set_region(env, 0, &values)?;
        Ok(array)
    })
}

fn change_feed_context(table_root: &str, start: Bound, end: Bound) -> String {
    format!("table {table_root} (change data feed from {start} to {end})")
}

fn version_arg(value: jlong, what: &str) -> Result<Version, Failure> {
    Version::try_from(value).map_err(|_| Failure::Usage(format!("{what} {value} is negative")))
}

/// A range end from its `startSnapshot`-style travel kind and value.
fn bound(kind: jint, value: jlong) -> Result<Bound, Failure> {
    match kind {
        LATEST => Ok(Bound::Latest),
        AT_VERSION => Ok(Bound::Version(version_arg(value, "version")?)),
        AS_OF_TIMESTAMP => Ok(Bound::Timestamp(value)),
        other => Err(Failure::Usage(format!("unknown range bound kind {other}"))),
    }
}

fn version_value(version: Version) -> Result<i64, Failure> {
    i64::try_from(version).map_err(|_| Failure::Usage("version overflow".into()))
}

/// Resolves the change feed between two bounds (kinds as `startSnapshot`'s travel kinds) on the
/// calling thread, reading the log through `hadoop_io`: returns the start and end versions and the
/// id of the feed's schema walked into `visitor`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_changeFeed<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    table_root: JString<'local>,
    hadoop_io: JObject<'local>,
    start_kind: jint,
    start_value: jlong,
    end_kind: jint,
    end_value: jlong,
    visitor: JObject<'local>,
) -> JLongArray<'local> {
    entry(&mut env, |env| {
        let table_root = java_string(env, &table_root)?;
        let start = bound(start_kind, start_value)?;
        let end = bound(end_kind, end_value)?;
        let context = change_feed_context(&table_root, start, end);
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let range = machine::changes::resolve(engine.as_ref(), &table_root, start, end)
            .map_err(|e| Failure::from(e).in_context(&context))?;
        let mut visitor = JavaVisitor::new(env, &visitor)?;
        let schema = visit::visit_schema(&mut visitor, &range.schema)?;
        let resolved = [
            version_value(range.start)?,
            version_value(range.end)?,
            i64::from(schema),
        ];
        let array = env.new_long_array(resolved.len())?;
        array.set_region(env, 0, &resolved)?;
        Ok(array)
    })
}

/// Reads the changes of versions `start` to `end`, only `columns`, on the calling thread through
/// `hadoop_io`, and writes them as an Arrow C stream into the struct at `stream_address`.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_readChanges<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    table_root: JString<'local>,
    hadoop_io: JObject<'local>,
    start: jlong,
    end: jlong,
    columns: JObjectArray<'local>,
    stream_address: jlong,
) {
    entry(&mut env, |env| {
        let table_root = java_string(env, &table_root)?;
        let start = version_arg(start, "start version")?;
        let end = version_arg(end, "end version")?;
        let columns = java_strings(env, &columns)?;
        let context = change_feed_context(&table_root, Bound::Version(start), Bound::Version(end));
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let batches = machine::changes::read(engine, &table_root, start, end, &columns)
            .map_err(|e| Failure::from(e).in_context(&context))?;
        tracing::debug!("read {context}: {} batches", batches.len());
        Ok(results::export_batches(batches, stream_address)?)
    })
}

/// The commits from version `from` to the snapshot's version, read through `hadoop_io` on the
/// calling thread: for each commit, in order, {version, timestamp in milliseconds, number of
/// `dataChange` files added, 1 when it removed data else 0, id of the schema it set walked into
/// `visitor` or -1, 1 when it has `cdc` files else 0, number and bytes of the files its change
/// data feed reads, 1 when its metadata leaves the change data feed off else 0}; the added files, commit after commit, as the live-files contract written as
/// an Arrow C stream into the struct at `stream_address`.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_streamCommits<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    hadoop_io: JObject<'local>,
    from: jlong,
    visitor: JObject<'local>,
    stream_address: jlong,
) -> JLongArray<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let from = version_arg(from, "version")?;
        let table_root = snapshot.table_root().to_string();
        let context = format!(
            "table {table_root} (commits {from} to {})",
            snapshot.version()
        );
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let read = machine::commits::read(engine, &snapshot, from)
            .map_err(|e| Failure::from(e).in_context(&context))?;
        let mut visitor = JavaVisitor::new(env, &visitor)?;
        let mut summaries = Vec::with_capacity(read.commits.len() * 9);
        for commit in &read.commits {
            let schema = match &commit.schema {
                Some(schema) => i64::from(visit::visit_schema(&mut visitor, schema)?),
                None => -1,
            };
            summaries.extend([
                version_value(commit.version)?,
                commit.timestamp,
                i64::try_from(commit.added).unwrap_or(i64::MAX),
                i64::from(commit.removes_data),
                schema,
                i64::from(commit.has_cdc_files),
                i64::try_from(commit.change_files).unwrap_or(i64::MAX),
                commit.change_bytes,
                i64::from(commit.change_data_feed_off),
            ]);
        }
        results::export_batches(read.files, stream_address)?;
        let array = env.new_long_array(summaries.len())?;
        array.set_region(env, 0, &summaries)?;
        Ok(array)
    })
}

/// The first commit at or after `millis` (milliseconds since the epoch) of the table whose latest
/// snapshot `snapshot` is, by delta-spark's commit times, read through `hadoop_io`: where a
/// stream by `startingTimestamp` starts. A time after the latest commit is an error.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_firstVersionFrom<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    hadoop_io: JObject<'local>,
    millis: jlong,
) -> jlong {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let table_root = snapshot.table_root().to_string();
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let version = machine::history::first_version_from(engine.as_ref(), &snapshot, millis)
            .map_err(|e| {
                Failure::from(e).in_context(&format!(
                    "table {table_root} (stream from timestamp {})",
                    machine::history::iso(millis)
                ))
            })?;
        version_value(version)
    })
}

/// The table's history up to the snapshot, newest first (all commits, or the latest `limit` when
/// it is positive), read through `hadoop_io`: written as an Arrow C stream of delta-spark's
/// `DESCRIBE HISTORY` columns into the struct at `stream_address`.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_tableHistory<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    hadoop_io: JObject<'local>,
    limit: jlong,
    stream_address: jlong,
) {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let table_root = snapshot.table_root().to_string();
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let limit = u64::try_from(limit).ok().filter(|&n| n > 0);
        let history =
            machine::describe::history(engine.as_ref(), &snapshot, limit).map_err(|e| {
                Failure::from(e).in_context(&format!(
                    "table {table_root} (history up to version {})",
                    snapshot.version()
                ))
            })?;
        results::export_batches(vec![history], stream_address)?;
        Ok(())
    })
}

/// What `DESCRIBE DETAIL` shows of the snapshot's metadata and protocol, as JSON (see
/// `machine::describe::detail`), its latest commit time read through `hadoop_io`.
#[no_mangle]
pub extern "system" fn Java_dev_deltaffi_kernel_NativeKernel_tableDetail<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    snapshot: jlong,
    hadoop_io: JObject<'local>,
) -> JString<'local> {
    entry(&mut env, |env| {
        let snapshot = snapshot_of(snapshot)?;
        let table_root = snapshot.table_root().to_string();
        let engine = io_engine(env, &hadoop_io, &table_root)?;
        let detail = machine::describe::detail(engine.as_ref(), &snapshot).map_err(|e| {
            Failure::from(e).in_context(&format!(
                "table {table_root} at version {}",
                snapshot.version()
            ))
        })?;
        Ok(env.new_string(detail)?)
    })
}
