//! The Java classes and methods the native side calls, resolved once.
//!
//! Looking a method up by name costs a class lookup and a method lookup on every call; the plan
//! visitor makes hundreds of calls per phase. Every class here is resolved on first use from a Java
//! thread (a native method's class loader sees the library's classes) and kept as a global
//! reference, which keeps the class loaded and so its method ids valid for the life of the
//! process. Calls then go through the cached ids with JNI's unchecked call API.
//!
//! Each call is sound by construction: a method's JNI signature is derived from the Rust types of
//! its arguments (so the arguments always match it), the return type is the one the signature
//! declares, and the receiver is checked once to be an instance of the class the id was resolved
//! on.

use jni::errors::Result as JniResult;
use jni::objects::{
    JByteArray, JClass, JIntArray, JLongArray, JMethodID, JObject, JObjectArray, JStaticMethodID,
    JString, JValue,
};
use jni::refs::Global;
use jni::signature::{JavaType, Primitive, RuntimeMethodSignature};
use jni::strings::JNIStr;
use jni::sys::{jint, jvalue};
use jni::{jni_sig, jni_str, Env};
use once_cell::sync::OnceCell;

use super::Failure;

/// A Java argument: its JNI type descriptor, and its value as JNI passes it.
pub trait JavaArg {
    const DESCRIPTOR: &'static str;
    fn jvalue(&self) -> jvalue;
}

macro_rules! primitive_args {
    ($($ty:ty => $descriptor:literal, $variant:ident;)*) => {$(
        impl JavaArg for $ty {
            const DESCRIPTOR: &'static str = $descriptor;
            fn jvalue(&self) -> jvalue {
                JValue::$variant(*self).as_jni()
            }
        }
    )*};
}

primitive_args! {
    bool => "Z", Bool;
    i8 => "B", Byte;
    i16 => "S", Short;
    i32 => "I", Int;
    i64 => "J", Long;
    f32 => "F", Float;
    f64 => "D", Double;
}

macro_rules! reference_args {
    ($($ty:ty => $descriptor:literal;)*) => {$(
        impl JavaArg for $ty {
            const DESCRIPTOR: &'static str = $descriptor;
            fn jvalue(&self) -> jvalue {
                JValue::Object(self.as_ref()).as_jni()
            }
        }
    )*};
}

reference_args! {
    &JString<'_> => "Ljava/lang/String;";
    &JIntArray<'_> => "[I";
    &JLongArray<'_> => "[J";
    &JByteArray<'_> => "[B";
    &JObjectArray<'_, JString<'_>> => "[Ljava/lang/String;";
}

/// A nullable string.
impl JavaArg for Option<&JString<'_>> {
    const DESCRIPTOR: &'static str = "Ljava/lang/String;";
    fn jvalue(&self) -> jvalue {
        match self {
            Some(string) => string.jvalue(),
            None => JValue::Object(&JObject::null()).as_jni(),
        }
    }
}

/// Resolves `class.name(args) -> ret` from the argument descriptors.
fn method_id(
    env: &mut Env,
    class: &JClass,
    name: &JNIStr,
    args: &[&str],
    ret: &str,
) -> JniResult<JMethodID> {
    let signature = RuntimeMethodSignature::from_str(format!("({}){ret}", args.concat()))?;
    env.get_method_id(class, name, signature.method_signature())
}

/// A global reference to `class`.
fn class(env: &mut Env, name: &JNIStr) -> JniResult<Global<JClass<'static>>> {
    let class = env.find_class(name)?;
    env.new_global_ref(class)
}

/// An object checked to be an instance of the class whose cached ids are called on it.
pub struct Checked<'a, 'local>(&'a JObject<'local>);

fn check<'a, 'local>(
    env: &mut Env,
    object: &'a JObject<'local>,
    class: &Global<JClass<'static>>,
    what: &str,
) -> Result<Checked<'a, 'local>, Failure> {
    if object.is_null() || !env.is_instance_of(object, class)? {
        return Err(Failure::Usage(format!("expected a non-null {what}")));
    }
    Ok(Checked(object))
}

/// Declares the `KernelVisitor` callbacks: each `rust_name = "javaName"(args)` becomes a cached id
/// and a typed method calling it; every callback returns the int id of the object it built.
macro_rules! visitor_methods {
    ($($method:ident = $java:literal ($($arg:ident: $ty:ty),* $(,)?);)*) => {
        /// `dev.deltaffi.kernel.ir.KernelVisitor`.
        pub struct VisitorIds {
            class: Global<JClass<'static>>,
            $($method: JMethodID,)*
        }

        impl VisitorIds {
            fn resolve(env: &mut Env) -> JniResult<Self> {
                let class = class(env, jni_str!("dev/deltaffi/kernel/ir/KernelVisitor"))?;
                Ok(VisitorIds {
                    $($method: method_id(
                        env,
                        &class,
                        jni_str!($java),
                        &[$(<$ty as JavaArg>::DESCRIPTOR),*],
                        "I",
                    )?,)*
                    class,
                })
            }

            $(
                // Mirrors the Java callback's parameters.
                #[allow(clippy::too_many_arguments)]
                pub fn $method(
                    &self,
                    env: &mut Env,
                    visitor: &Checked,
                    $($arg: $ty),*
                ) -> JniResult<jint> {
                    let args = [$($arg.jvalue()),*];
                    // Safety: the id was resolved on KernelVisitor with the signature of exactly
                    // these argument types and an int return; `visitor` was checked to be one.
                    unsafe {
                        env.call_method_unchecked(
                            visitor.0,
                            self.$method,
                            JavaType::Primitive(Primitive::Int),
                            &args,
                        )
                    }?
                    .i()
                }
            )*
        }
    };
}

visitor_methods! {
    primitive_type = "primitiveType"(name: &JString<'_>);
    decimal_type = "decimalType"(precision: i32, scale: i32);
    array_type = "arrayType"(element: i32, contains_null: bool);
    map_type = "mapType"(key: i32, value: i32, value_contains_null: bool);
    struct_field = "structField"(
        name: &JString<'_>,
        data_type: i32,
        nullable: bool,
        keys: &JObjectArray<'_, JString<'_>>,
        values: &JObjectArray<'_, JString<'_>>,
    );
    known_struct_type = "knownStructType"(key_high: i64, key_low: i64);
    struct_type = "structType"(fields: &JIntArray<'_>, key_high: i64, key_low: i64);
    null_literal = "nullLiteral"(data_type: i32);
    boolean_literal = "booleanLiteral"(value: bool);
    byte_literal = "byteLiteral"(value: i8);
    short_literal = "shortLiteral"(value: i16);
    int_literal = "intLiteral"(value: i32);
    long_literal = "longLiteral"(value: i64);
    float_literal = "floatLiteral"(value: f32);
    double_literal = "doubleLiteral"(value: f64);
    string_literal = "stringLiteral"(value: &JString<'_>);
    binary_literal = "binaryLiteral"(value: &JByteArray<'_>);
    decimal_literal = "decimalLiteral"(unscaled: &JByteArray<'_>, precision: i32, scale: i32);
    date_literal = "dateLiteral"(days: i32);
    timestamp_literal = "timestampLiteral"(micros: i64);
    timestamp_ntz_literal = "timestampNtzLiteral"(micros: i64);
    struct_literal = "structLiteral"(data_type: i32, values: &JIntArray<'_>);
    array_literal = "arrayLiteral"(data_type: i32, elements: &JIntArray<'_>);
    map_literal = "mapLiteral"(data_type: i32, keys: &JIntArray<'_>, values: &JIntArray<'_>);
    column = "column"(path: &JObjectArray<'_, JString<'_>>);
    predicate_expression = "predicateExpression"(predicate: i32);
    struct_expression = "structExpression"(fields: &JIntArray<'_>, keep: i32);
    field_patch = "fieldPatch"(keep_input: bool, insertions: &JIntArray<'_>, optional: bool);
    struct_patch = "structPatch"(
        input_path: &JObjectArray<'_, JString<'_>>,
        names: &JObjectArray<'_, JString<'_>>,
        patches: &JIntArray<'_>,
        prepended: &JIntArray<'_>,
        appended: &JIntArray<'_>,
    );
    unary_expression = "unaryExpression"(op: &JString<'_>, child: i32);
    binary_expression = "binaryExpression"(op: &JString<'_>, left: i32, right: i32);
    variadic_expression = "variadicExpression"(op: &JString<'_>, children: &JIntArray<'_>);
    parse_json = "parseJson"(json: i32, schema: i32);
    map_to_struct = "mapToStruct"(map: i32, timezone: Option<&JString<'_>>);
    cast = "cast"(child: i32, data_type: i32);
    unsupported_expression = "unsupportedExpression"(kind: &JString<'_>, description: &JString<'_>);
    boolean_predicate = "booleanPredicate"(expr: i32);
    not_predicate = "notPredicate"(predicate: i32);
    is_null_predicate = "isNullPredicate"(expr: i32);
    binary_predicate = "binaryPredicate"(op: &JString<'_>, left: i32, right: i32);
    junction_predicate = "junctionPredicate"(op: &JString<'_>, children: &JIntArray<'_>);
    unsupported_predicate = "unsupportedPredicate"(kind: &JString<'_>, description: &JString<'_>);
    column_name = "columnName"(path: &JObjectArray<'_, JString<'_>>);
    scan_parquet = "scanParquet"(
        locations: &JObjectArray<'_, JString<'_>>,
        sizes: &JLongArray<'_>,
        modified: &JLongArray<'_>,
        constants: &JIntArray<'_>,
        constant_columns: &JObjectArray<'_, JString<'_>>,
        schema: i32,
    );
    scan_json = "scanJson"(
        locations: &JObjectArray<'_, JString<'_>>,
        sizes: &JLongArray<'_>,
        modified: &JLongArray<'_>,
        constants: &JIntArray<'_>,
        constant_columns: &JObjectArray<'_, JString<'_>>,
        schema: i32,
    );
    values = "values"(schema: i32, literals: &JIntArray<'_>);
    relation_source = "relationSource"(id: &JString<'_>, schema: i32);
    project = "project"(expr: i32, schema: i32);
    filter = "filter"(predicate: i32);
    dynamic_scan = "dynamicScan"(
        schema: i32,
        file_type: &JString<'_>,
        base_url: &JString<'_>,
        constant_columns: &JObjectArray<'_, JString<'_>>,
        path: i32,
        size: i32,
        modified: i32,
        deletion_vector: i32,
    );
    aggregation = "aggregation"(kind: &JString<'_>, value: i32, sentinel: i32, key: i32);
    aggregate = "aggregate"(group_by: &JIntArray<'_>, aggregations: &JIntArray<'_>, schema: i32);
    semi_join = "semiJoin"(inverted: bool, probe: &JIntArray<'_>, build: &JIntArray<'_>);
    union_all = "unionAll"();
    unsupported_operator = "unsupportedOperator"(name: &JString<'_>);
    plan_node = "planNode"(op: i32, inputs: &JIntArray<'_>);
    plan = "plan"(schema: i32, nodes: &JIntArray<'_>);
}

impl VisitorIds {
    /// `visitor`, checked to be a `KernelVisitor`.
    pub fn check<'a, 'local>(
        &self,
        env: &mut Env,
        visitor: &'a JObject<'local>,
    ) -> Result<Checked<'a, 'local>, Failure> {
        check(env, visitor, &self.class, "KernelVisitor")
    }
}

/// `dev.deltaffi.kernel.Storage`, called by the object store from kernel and I/O threads.
pub struct StorageIds {
    class: Global<JClass<'static>>,
    status: JMethodID,
    read: JMethodID,
    list_directory: JMethodID,
}

impl StorageIds {
    fn resolve(env: &mut Env) -> JniResult<Self> {
        let class = class(env, jni_str!("dev/deltaffi/kernel/Storage"))?;
        let string = <&JString>::DESCRIPTOR;
        Ok(StorageIds {
            status: method_id(env, &class, jni_str!("status"), &[string], "[J")?,
            read: method_id(
                env,
                &class,
                jni_str!("read"),
                &[string, "J", "J", "J"],
                "[B",
            )?,
            list_directory: method_id(
                env,
                &class,
                jni_str!("listDirectory"),
                &[string],
                "[Ljava/lang/Object;",
            )?,
            class,
        })
    }

    /// Fails unless `storage` is a `Storage`: the calls below rely on it.
    pub fn check(&self, env: &mut Env, storage: &JObject) -> Result<(), Failure> {
        check(env, storage, &self.class, "Storage").map(|_| ())
    }

    /// Calls an array-returning method of `storage`, a checked `Storage`.
    ///
    /// # Safety
    /// `method` must be one of this struct's ids and `args` must match its signature.
    unsafe fn call_array<'local>(
        &self,
        env: &mut Env<'local>,
        storage: &JObject,
        method: JMethodID,
        args: &[jvalue],
    ) -> JniResult<JObject<'local>> {
        env.call_method_unchecked(storage, method, JavaType::Array, args)?
            .l()
    }

    /// `storage.status(url)`: {size, modification time in ms}. `storage` was checked at the
    /// store's creation ([`Self::check`]).
    pub fn status<'local>(
        &self,
        env: &mut Env<'local>,
        storage: &JObject,
        url: &JString,
    ) -> JniResult<JLongArray<'local>> {
        // Safety: `status` is `(String)long[]`, called with one string.
        let array = unsafe { self.call_array(env, storage, self.status, &[url.jvalue()]) }?;
        JLongArray::cast_local(env, array)
    }

    /// `storage.read(url, offset, length, fileLength)`.
    pub fn read<'local>(
        &self,
        env: &mut Env<'local>,
        storage: &JObject,
        url: &JString,
        offset: i64,
        length: i64,
        file_length: i64,
    ) -> JniResult<JByteArray<'local>> {
        let args = [
            url.jvalue(),
            offset.jvalue(),
            length.jvalue(),
            file_length.jvalue(),
        ];
        // Safety: `read` is `(String, long, long, long)byte[]`, called with those.
        let array = unsafe { self.call_array(env, storage, self.read, &args) }?;
        JByteArray::cast_local(env, array)
    }

    /// `storage.listDirectory(url)`: {names, sizes, modification times}.
    pub fn list_directory<'local>(
        &self,
        env: &mut Env<'local>,
        storage: &JObject,
        url: &JString,
    ) -> JniResult<JObjectArray<'local, JObject<'local>>> {
        // Safety: `listDirectory` is `(String)Object[]`, called with one string.
        let array = unsafe { self.call_array(env, storage, self.list_directory, &[url.jvalue()]) }?;
        JObjectArray::<JObject>::cast_local(env, array)
    }
}

/// The exceptions a native call throws, by what the user can do about the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thrown {
    TableNotFound,
    VersionNotFound,
    UnsupportedTableFeature,
    InvalidTable,
    MissingFile,
    /// The thread waiting on the kernel was interrupted.
    Cancelled,
    DeltaKernel,
    /// A misuse of the native API.
    IllegalState,
}

impl Thrown {
    const ALL: [Thrown; 8] = [
        Thrown::TableNotFound,
        Thrown::VersionNotFound,
        Thrown::UnsupportedTableFeature,
        Thrown::InvalidTable,
        Thrown::MissingFile,
        Thrown::Cancelled,
        Thrown::DeltaKernel,
        Thrown::IllegalState,
    ];

    pub fn class_name(self) -> &'static JNIStr {
        match self {
            Thrown::TableNotFound => jni_str!("dev/deltaffi/kernel/TableNotFoundException"),
            Thrown::VersionNotFound => jni_str!("dev/deltaffi/kernel/VersionNotFoundException"),
            Thrown::UnsupportedTableFeature => {
                jni_str!("dev/deltaffi/kernel/UnsupportedTableFeatureException")
            }
            Thrown::InvalidTable => jni_str!("dev/deltaffi/kernel/InvalidTableException"),
            Thrown::MissingFile => jni_str!("dev/deltaffi/kernel/MissingFileException"),
            Thrown::Cancelled => jni_str!("dev/deltaffi/kernel/ReadCancelledException"),
            Thrown::DeltaKernel => jni_str!("dev/deltaffi/kernel/DeltaKernelException"),
            Thrown::IllegalState => jni_str!("java/lang/IllegalStateException"),
        }
    }
}

/// An exception class and its `(String message, Throwable cause)` constructor.
pub struct ExceptionClass {
    pub class: Global<JClass<'static>>,
    pub with_cause: JMethodID,
}

/// The classes of [`Thrown`], in its order.
pub struct ExceptionIds([ExceptionClass; Thrown::ALL.len()]);

impl ExceptionIds {
    fn resolve(env: &mut Env) -> JniResult<Self> {
        let mut classes = Vec::with_capacity(Thrown::ALL.len());
        for thrown in Thrown::ALL {
            let class = class(env, thrown.class_name())?;
            let with_cause = env.get_method_id(
                &class,
                jni_str!("<init>"),
                jni_sig!("(Ljava/lang/String;Ljava/lang/Throwable;)V"),
            )?;
            classes.push(ExceptionClass { class, with_cause });
        }
        let classes = classes
            .try_into()
            .map_err(|_| jni::errors::Error::JniCall(jni::errors::JniError::Unknown))?;
        Ok(ExceptionIds(classes))
    }

    pub fn get(&self, thrown: Thrown) -> &ExceptionClass {
        &self.0[thrown as usize]
    }
}

/// `java.lang.Thread`: whether the Java thread waiting on a machine was interrupted.
pub struct ThreadIds {
    class: Global<JClass<'static>>,
    current_thread: JStaticMethodID,
    is_interrupted: JMethodID,
}

impl ThreadIds {
    fn resolve(env: &mut Env) -> JniResult<Self> {
        let class = class(env, jni_str!("java/lang/Thread"))?;
        Ok(ThreadIds {
            current_thread: env.get_static_method_id(
                &class,
                jni_str!("currentThread"),
                jni_sig!("()Ljava/lang/Thread;"),
            )?,
            is_interrupted: method_id(env, &class, jni_str!("isInterrupted"), &[], "Z")?,
            class,
        })
    }

    /// `Thread.currentThread().isInterrupted()`: asks, and leaves the flag as it is.
    pub fn current_is_interrupted(&self, env: &mut Env) -> JniResult<bool> {
        // Safety: `currentThread` is the static `()Thread` of `class`, `isInterrupted` the
        // `()boolean` of its result; neither takes arguments.
        let thread = unsafe {
            env.call_static_method_unchecked(
                &self.class,
                self.current_thread,
                JavaType::Object,
                &[],
            )
        }?
        .l()?;
        let interrupted = unsafe {
            env.call_method_unchecked(
                &thread,
                self.is_interrupted,
                JavaType::Primitive(Primitive::Boolean),
                &[],
            )
        }?
        .z();
        env.delete_local_ref(thread);
        interrupted
    }
}

/// Every cached class and method id.
pub struct JavaIds {
    pub visitor: VisitorIds,
    pub storage: StorageIds,
    pub exceptions: ExceptionIds,
    pub threads: ThreadIds,
}

static IDS: OnceCell<JavaIds> = OnceCell::new();

/// The cached ids, resolved on the first call. Call it from a Java thread (a native method), whose
/// class loader sees the library's classes.
pub fn get(env: &mut Env) -> JniResult<&'static JavaIds> {
    IDS.get_or_try_init(|| {
        Ok(JavaIds {
            visitor: VisitorIds::resolve(env)?,
            storage: StorageIds::resolve(env)?,
            exceptions: ExceptionIds::resolve(env)?,
            threads: ThreadIds::resolve(env)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::Thrown;

    #[test]
    fn exception_classes_are_in_the_order_of_their_table() {
        for (index, thrown) in Thrown::ALL.iter().enumerate() {
            assert_eq!(*thrown as usize, index);
        }
    }
}
