//! Walks kernel plans, expressions, predicates, scalars and schemas, calling the Java
//! `dev.deltaffi.kernel.ir.KernelVisitor` in the seed's visitor style: every callback builds one
//! Java object and returns its id; children are visited first and passed to their parent by id.

mod expression;
mod plan;
mod schema;

use jni::errors::Result as JniResult;
use jni::objects::{JIntArray, JLongArray, JObject, JObjectArray, JString};
use jni::Env;

use crate::bridge::java_ids::{self, Checked, VisitorIds};
use crate::bridge::Failure;

pub use plan::visit_plan;
pub use schema::visit_schema;

/// The Java visitor and the JNI environment to call it with; its callbacks go through ids
/// resolved once ([`java_ids`]).
pub struct JavaVisitor<'a, 'local> {
    env: &'a mut Env<'local>,
    visitor: Checked<'a, 'local>,
    ids: &'static VisitorIds,
}

pub type Id = i32;

impl<'a, 'local> JavaVisitor<'a, 'local> {
    /// Fails unless `visitor` is a `KernelVisitor`.
    pub fn new(env: &'a mut Env<'local>, visitor: &'a JObject<'local>) -> Result<Self, Failure> {
        let ids = &java_ids::get(env)?.visitor;
        let visitor = ids.check(env, visitor)?;
        Ok(Self { env, visitor, ids })
    }

    fn string(&mut self, value: &str) -> Result<JString<'local>, Failure> {
        Ok(self.env.new_string(value)?)
    }

    fn optional_string(&mut self, value: Option<&str>) -> Result<Option<JString<'local>>, Failure> {
        value.map(|value| self.string(value)).transpose()
    }

    fn ids(&mut self, ids: &[Id]) -> Result<JIntArray<'local>, Failure> {
        let array = self.env.new_int_array(ids.len())?;
        array.set_region(self.env, 0, ids)?;
        Ok(array)
    }

    fn longs(&mut self, values: &[i64]) -> Result<JLongArray<'local>, Failure> {
        let array = self.env.new_long_array(values.len())?;
        array.set_region(self.env, 0, values)?;
        Ok(array)
    }

    fn strings<S: AsRef<str>>(
        &mut self,
        values: &[S],
    ) -> Result<JObjectArray<'local, JString<'local>>, Failure> {
        let array = JObjectArray::<JString>::new(self.env, values.len(), JString::null())?;
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
    fn call_string(
        &mut self,
        method: fn(&VisitorIds, &mut Env, &Checked, &JString) -> JniResult<Id>,
        value: &str,
    ) -> Result<Id, Failure> {
        let value = self.string(value)?;
        let id = method(self.ids, self.env, &self.visitor, &value)?;
        self.drop_local(value);
        Ok(id)
    }

    /// `visitor.<method>(String, String) -> int`
    fn call_strings(
        &mut self,
        method: fn(&VisitorIds, &mut Env, &Checked, &JString, &JString) -> JniResult<Id>,
        first: &str,
        second: &str,
    ) -> Result<Id, Failure> {
        let first = self.string(first)?;
        let second = self.string(second)?;
        let id = method(self.ids, self.env, &self.visitor, &first, &second)?;
        self.drop_local(first);
        self.drop_local(second);
        Ok(id)
    }

    /// `visitor.<method>(String[] path) -> int`
    fn call_path(
        &mut self,
        method: fn(&VisitorIds, &mut Env, &Checked, &JObjectArray<JString>) -> JniResult<Id>,
        path: &[String],
    ) -> Result<Id, Failure> {
        let path = self.strings(path)?;
        let id = method(self.ids, self.env, &self.visitor, &path)?;
        self.drop_local(path);
        Ok(id)
    }

    /// `visitor.<method>(String op, int left, int right) -> int`
    fn call_op_pair(
        &mut self,
        method: fn(&VisitorIds, &mut Env, &Checked, &JString, Id, Id) -> JniResult<Id>,
        op: &str,
        left: Id,
        right: Id,
    ) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let id = method(self.ids, self.env, &self.visitor, &op, left, right)?;
        self.drop_local(op);
        Ok(id)
    }

    /// `visitor.<method>(String op, int[] children) -> int`
    fn call_op_list(
        &mut self,
        method: fn(&VisitorIds, &mut Env, &Checked, &JString, &JIntArray) -> JniResult<Id>,
        op: &str,
        children: &[Id],
    ) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let children = self.ids(children)?;
        let id = method(self.ids, self.env, &self.visitor, &op, &children)?;
        self.drop_local(op);
        self.drop_local(children);
        Ok(id)
    }
}

/// Calls the visitor callback `method` (a [`VisitorIds`] method) with `args`.
macro_rules! visit_call {
    ($v:expr, $method:ident $(, $arg:expr)* $(,)?) => {
        $v.ids.$method($v.env, &$v.visitor $(, $arg)*)?
    };
}
pub(crate) use visit_call;
