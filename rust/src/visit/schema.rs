//! Schema walking: data types and struct fields (with their metadata) become visitor objects.

use delta_kernel::schema::{DataType, PrimitiveType, StructField, StructType};
use jni::objects::JObject;

use super::{visit_call, Id, JavaVisitor};
use crate::bridge::java_ids::VisitorIds;
use crate::bridge::Failure;
use crate::schema_key::SchemaKey;

/// Visits `schema` and returns the id of the Java `KernelType.Struct`.
pub fn visit_schema(visitor: &mut JavaVisitor, schema: &StructType) -> Result<Id, Failure> {
    visitor.struct_type(schema)
}

impl JavaVisitor<'_, '_> {
    pub(super) fn data_type(&mut self, data_type: &DataType) -> Result<Id, Failure> {
        Ok(match data_type {
            DataType::Primitive(PrimitiveType::Decimal(decimal)) => visit_call!(
                self,
                decimal_type,
                i32::from(decimal.precision()),
                i32::from(decimal.scale())
            ),
            DataType::Primitive(primitive) => self.primitive(&primitive.to_string())?,
            // Variant is struct-backed on disk; the translator decides whether it can read it.
            DataType::Variant(_) => self.primitive("variant")?,
            DataType::Struct(inner) => self.struct_type(inner)?,
            DataType::Array(array) => {
                let element = self.data_type(&array.element_type)?;
                visit_call!(self, array_type, element, array.contains_null)
            }
            DataType::Map(map) => {
                let key = self.data_type(&map.key_type)?;
                let value = self.data_type(&map.value_type)?;
                visit_call!(self, map_type, key, value, map.value_contains_null)
            }
        })
    }

    fn primitive(&mut self, name: &str) -> Result<Id, Failure> {
        self.call_string(VisitorIds::primitive_type, name)
    }

    /// A struct the visitor already holds under the schema's key is not walked again: the log's
    /// schemas come back on every phase of every load, at several calls per field each.
    pub(super) fn struct_type(&mut self, schema: &StructType) -> Result<Id, Failure> {
        let key = SchemaKey::of(schema);
        let known = visit_call!(self, known_struct_type, key.high, key.low);
        if known >= 0 {
            return Ok(known);
        }
        let fields = schema
            .fields()
            .map(|field| self.struct_field(field))
            .collect::<Result<Vec<_>, _>>()?;
        let fields = self.ids(&fields)?;
        let id = visit_call!(self, struct_type, &fields, key.high, key.low);
        self.drop_local(fields);
        Ok(id)
    }

    fn struct_field(&mut self, field: &StructField) -> Result<Id, Failure> {
        let data_type = self.data_type(field.data_type())?;
        let (keys, values): (Vec<String>, Vec<String>) = field
            .metadata()
            .iter()
            .map(|(key, value)| (key.clone(), value.to_string()))
            .unzip();
        let name = self.string(field.name())?;
        let keys = self.strings(&keys)?;
        let values = self.strings(&values)?;
        let id = visit_call!(
            self,
            struct_field,
            &name,
            data_type,
            field.is_nullable(),
            &keys,
            &values
        );
        self.drop_local(name);
        self.drop_local(JObject::from(keys));
        self.drop_local(JObject::from(values));
        Ok(id)
    }
}
