//! Walks kernel plans, expressions, predicates, scalars and schemas, calling the Java
//! `dev.deltaffi.kernel.ir.KernelVisitor` in the seed's visitor style: every callback builds one
//! Java object and returns its id; children are visited first and passed to their parent by id.

mod expression;
mod plan;
mod schema;

use jni::objects::{JIntArray, JObject, JObjectArray, JString, JValue};
use jni::strings::JNIStr;
use jni::{jni_sig, jni_str, Env};

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

    /// `visitor.<method>(String) -> int`
    fn call_string(&mut self, method: &JNIStr, value: &str) -> Result<Id, Failure> {
        let value = self.string(value)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("(Ljava/lang/String;)I"),
                &[JValue::Object(&value)],
            )?
            .i()?;
        self.drop_local(value);
        Ok(id)
    }

    /// `visitor.<method>(String, String) -> int`
    fn call_strings(&mut self, method: &JNIStr, first: &str, second: &str) -> Result<Id, Failure> {
        let first = self.string(first)?;
        let second = self.string(second)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("(Ljava/lang/String;Ljava/lang/String;)I"),
                &[JValue::Object(&first), JValue::Object(&second)],
            )?
            .i()?;
        self.drop_local(first);
        self.drop_local(second);
        Ok(id)
    }

    /// `visitor.<method>(String[] path) -> int`
    fn call_path(&mut self, method: &JNIStr, path: &[String]) -> Result<Id, Failure> {
        let path = self.strings(path)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("([Ljava/lang/String;)I"),
                &[JValue::Object(&path)],
            )?
            .i()?;
        self.drop_local(JObject::from(path));
        Ok(id)
    }

    /// `visitor.<method>(int[] ids) -> int`
    fn call_ids(&mut self, method: &JNIStr, ids: &[Id]) -> Result<Id, Failure> {
        let ids = self.ids(ids)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("([I)I"),
                &[JValue::Object(&ids)],
            )?
            .i()?;
        self.drop_local(ids);
        Ok(id)
    }

    /// `visitor.<method>(String op, int left, int right) -> int`
    fn call_op_pair(
        &mut self,
        method: &JNIStr,
        op: &str,
        left: Id,
        right: Id,
    ) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("(Ljava/lang/String;II)I"),
                &[JValue::Object(&op), JValue::Int(left), JValue::Int(right)],
            )?
            .i()?;
        self.drop_local(op);
        Ok(id)
    }

    /// `visitor.<method>(String op, int[] children) -> int`
    fn call_op_list(&mut self, method: &JNIStr, op: &str, children: &[Id]) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let children = self.ids(children)?;
        let id = self
            .env
            .call_method(
                self.visitor,
                method,
                jni_sig!("(Ljava/lang/String;[I)I"),
                &[JValue::Object(&op), JValue::Object(&children)],
            )?
            .i()?;
        self.drop_local(op);
        self.drop_local(children);
        Ok(id)
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
