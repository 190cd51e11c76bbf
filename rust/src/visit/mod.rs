//! Walks kernel plans, expressions, predicates, scalars and schemas, calling the Java
//! `dev.deltaffi.kernel.ir.KernelVisitor` in the seed's visitor style: every callback builds one
//! Java object and returns its id; children are visited first and passed to their parent by id.

mod expression;
mod plan;
mod schema;

use jni::objects::{JIntArray, JObject, JObjectArray, JString};
use jni::{jni_str, Env};

use crate::bridge::Failure;

pub use plan::{visit_operation, visit_plan};
pub use schema::visit_schema;

/// The Java visitor and the JNI environment to call it with.
pub struct JavaVisitor<'a, 'local> {
    env: &'a mut Env<'local>,
    visitor: &'a JObject<'local>,
}

pub type Id = i32;

impl<'a, 'local> JavaVisitor<'a, 'local> {
    pub fn new(env: &'a mut Env<'local>, visitor: &'a JObject<'local>) -> Self {
        Self { env, visitor }
    }

    fn string(&mut self, value: &str) -> Result<JString<'local>, Failure> {
        Ok(self.env.new_string(value)?)
    }

    fn optional_string(&mut self, value: Option<&str>) -> Result<JObject<'local>, Failure> {
        Ok(match value {
            Some(value) => self.string(value)?.into(),
            None => JObject::null(),
        })
    }

    fn ids(&mut self, ids: &[Id]) -> Result<JIntArray<'local>, Failure> {
        let array = self.env.new_int_array(ids.len())?;
        array.set_region(self.env, 0, ids)?;
        Ok(array)
    }

    fn strings<S: AsRef<str>>(&mut self, values: &[S]) -> Result<JObjectArray<'local>, Failure> {
        let len = i32::try_from(values.len())
            .map_err(|_| Failure::Usage("too many strings for one Java array".into()))?;
        let array =
            self.env
                .new_object_array(len, jni_str!("java/lang/String"), JObject::null())?;
        for (index, value) in values.iter().enumerate() {
            let string = self.string(value.as_ref())?;
            array.set_element(self.env, index, &string)?;
            self.env.delete_local_ref(string);
        }
        Ok(array)
    }

    /// Drops a local reference made for one callback, so large plans never fill the JNI frame.
    fn drop_local<'o, O: Into<JObject<'o>>>(&mut self, obj: O) {
        self.env.delete_local_ref(obj);
    }
}

/// Calls `visitor.<name>(args) -> int` with a literal JNI signature.
macro_rules! visit_call {
    ($v:expr, $name:literal, $sig:literal, $($arg:expr),* $(,)?) => {{
        let value = $v
            .env
            .call_method($v.visitor, ::jni::jni_str!($name), ::jni::jni_sig!($sig), &[$($arg),*])?;
        value.i()?
    }};
}
pub(crate) use visit_call;
