//! Expression, predicate and scalar walking.

use delta_kernel::expressions::{
    BinaryExpressionOp, BinaryPredicateOp, ColumnName, Expression, JunctionPredicateOp, Predicate,
    Scalar, UnaryExpressionOp, VariadicExpressionOp,
};
use delta_kernel::schema::DataType;
use jni::objects::JObject;

use super::{visit_call, Id, JavaVisitor};
use crate::bridge::java_ids::VisitorIds;
use crate::bridge::Failure;

impl JavaVisitor<'_, '_> {
    pub(super) fn scalar(&mut self, scalar: &Scalar) -> Result<Id, Failure> {
        Ok(match scalar {
            Scalar::Null(data_type) => {
                let data_type = self.data_type(data_type)?;
                visit_call!(self, null_literal, data_type)
            }
            Scalar::Boolean(v) => visit_call!(self, boolean_literal, *v),
            Scalar::Byte(v) => visit_call!(self, byte_literal, *v),
            Scalar::Short(v) => visit_call!(self, short_literal, *v),
            Scalar::Integer(v) => visit_call!(self, int_literal, *v),
            Scalar::Long(v) => visit_call!(self, long_literal, *v),
            Scalar::Float(v) => visit_call!(self, float_literal, *v),
            Scalar::Double(v) => visit_call!(self, double_literal, *v),
            Scalar::Date(v) => visit_call!(self, date_literal, *v),
            Scalar::Timestamp(v) => {
                visit_call!(self, timestamp_literal, *v)
            }
            Scalar::TimestampNtz(v) => {
                visit_call!(self, timestamp_ntz_literal, *v)
            }
            Scalar::String(v) => self.call_string(VisitorIds::string_literal, v)?,
            Scalar::Binary(v) => self.binary_literal(v)?,
            Scalar::Decimal(decimal) => {
                let unscaled = self
                    .env
                    .byte_array_from_slice(&decimal.bits().to_be_bytes())?;
                let id = visit_call!(
                    self,
                    decimal_literal,
                    &unscaled,
                    i32::from(decimal.precision()),
                    i32::from(decimal.scale())
                );
                self.drop_local(unscaled);
                id
            }
            Scalar::Struct(data) => {
                let fields = data.fields().to_vec();
                let data_type = self.data_type(&DataType::try_struct_type(fields)?)?;
                let values = data
                    .values()
                    .iter()
                    .map(|value| self.scalar(value))
                    .collect::<Result<Vec<_>, _>>()?;
                let values = self.ids(&values)?;
                let id = visit_call!(self, struct_literal, data_type, &values);
                self.drop_local(values);
                id
            }
            Scalar::Array(data) => {
                let data_type = self.data_type(&DataType::from(data.array_type().clone()))?;
                let elements = data
                    .array_elements()
                    .iter()
                    .map(|value| self.scalar(value))
                    .collect::<Result<Vec<_>, _>>()?;
                let elements = self.ids(&elements)?;
                let id = visit_call!(self, array_literal, data_type, &elements);
                self.drop_local(elements);
                id
            }
            Scalar::Map(data) => {
                let data_type = self.data_type(&DataType::from(data.map_type().clone()))?;
                let mut keys = Vec::with_capacity(data.pairs().len());
                let mut values = Vec::with_capacity(data.pairs().len());
                for (key, value) in data.pairs() {
                    keys.push(self.scalar(key)?);
                    values.push(self.scalar(value)?);
                }
                let keys = self.ids(&keys)?;
                let values = self.ids(&values)?;
                let id = visit_call!(self, map_literal, data_type, &keys, &values);
                self.drop_local(keys);
                self.drop_local(values);
                id
            }
            Scalar::IntervalYearMonth(_) | Scalar::IntervalDayTime(_) => {
                self.unsupported_expression("Literal", &format!("{scalar:?}"))?
            }
        })
    }

    fn binary_literal(&mut self, bytes: &[u8]) -> Result<Id, Failure> {
        let value = self.env.byte_array_from_slice(bytes)?;
        let id = visit_call!(self, binary_literal, &value);
        self.drop_local(value);
        Ok(id)
    }

    pub(super) fn column_name(&mut self, name: &ColumnName) -> Result<Id, Failure> {
        self.call_path(VisitorIds::column_name, name.path())
    }

    fn expressions<'e>(
        &mut self,
        exprs: impl IntoIterator<Item = &'e Expression>,
    ) -> Result<Vec<Id>, Failure> {
        exprs.into_iter().map(|e| self.expression(e)).collect()
    }

    pub(super) fn expression(&mut self, expr: &Expression) -> Result<Id, Failure> {
        Ok(match expr {
            Expression::Literal(scalar) => self.scalar(scalar)?,
            Expression::Column(name) => self.call_path(VisitorIds::column, name.path())?,
            Expression::Predicate(pred) => {
                let pred = self.predicate(pred)?;
                visit_call!(self, predicate_expression, pred)
            }
            Expression::Struct(fields, keep) => {
                let fields = self.expressions(fields.iter().map(|f| f.as_ref()))?;
                let keep = match keep {
                    Some(keep) => self.expression(keep)?,
                    None => -1,
                };
                let fields = self.ids(&fields)?;
                let id = visit_call!(self, struct_expression, &fields, keep);
                self.drop_local(fields);
                id
            }
            Expression::StructPatch(patch) => {
                let mut names = Vec::with_capacity(patch.field_patches.len());
                let mut patches = Vec::with_capacity(patch.field_patches.len());
                for (name, field_patch) in &patch.field_patches {
                    let insertions =
                        self.expressions(field_patch.insertions.iter().map(|e| e.as_ref()))?;
                    let insertions = self.ids(&insertions)?;
                    let id = visit_call!(
                        self,
                        field_patch,
                        field_patch.keep_input,
                        &insertions,
                        field_patch.optional
                    );
                    self.drop_local(insertions);
                    names.push(name.clone());
                    patches.push(id);
                }
                let prepended =
                    self.expressions(patch.prepended_fields.iter().map(|e| e.as_ref()))?;
                let appended =
                    self.expressions(patch.appended_fields.iter().map(|e| e.as_ref()))?;
                let input_path: Vec<String> = patch
                    .input_path
                    .as_ref()
                    .map(|p| p.path().to_vec())
                    .unwrap_or_default();
                let input_path = self.strings(&input_path)?;
                let names = self.strings(&names)?;
                let patches = self.ids(&patches)?;
                let prepended = self.ids(&prepended)?;
                let appended = self.ids(&appended)?;
                let id = visit_call!(
                    self,
                    struct_patch,
                    &input_path,
                    &names,
                    &patches,
                    &prepended,
                    &appended
                );
                self.drop_local(JObject::from(input_path));
                self.drop_local(JObject::from(names));
                self.drop_local(patches);
                self.drop_local(prepended);
                self.drop_local(appended);
                id
            }
            Expression::Unary(unary) => {
                let child = self.expression(&unary.expr)?;
                let op = match unary.op {
                    UnaryExpressionOp::ToJson => "TO_JSON",
                };
                self.unary_expression(op, child)?
            }
            Expression::Binary(binary) => {
                let left = self.expression(&binary.left)?;
                let right = self.expression(&binary.right)?;
                let op = match binary.op {
                    BinaryExpressionOp::Plus => "PLUS",
                    BinaryExpressionOp::Minus => "MINUS",
                    BinaryExpressionOp::Multiply => "MULTIPLY",
                    BinaryExpressionOp::Divide => "DIVIDE",
                };
                self.call_op_pair(VisitorIds::binary_expression, op, left, right)?
            }
            Expression::Variadic(variadic) => {
                let children = self.expressions(&variadic.exprs)?;
                let op = match variadic.op {
                    VariadicExpressionOp::Coalesce => "COALESCE",
                    VariadicExpressionOp::Array => "ARRAY",
                };
                self.call_op_list(VisitorIds::variadic_expression, op, &children)?
            }
            Expression::ParseJson(parse) => {
                let json = self.expression(&parse.json_expr)?;
                let schema = self.struct_type(&parse.output_schema)?;
                visit_call!(self, parse_json, json, schema)
            }
            Expression::MapToStruct(map_to_struct) => {
                let map = self.expression(&map_to_struct.map_expr)?;
                let timezone = self.optional_string(map_to_struct.options.timestamp_timezone())?;
                let id = visit_call!(self, map_to_struct, map, timezone.as_ref());
                if let Some(timezone) = timezone {
                    self.drop_local(timezone);
                }
                id
            }
            Expression::Cast(cast) => {
                let child = self.expression(&cast.expr)?;
                let target = self.data_type(&cast.target)?;
                visit_call!(self, cast, child, target)
            }
            Expression::Opaque(opaque) => {
                self.unsupported_expression("Opaque", opaque.op.name())?
            }
            Expression::Unknown(name) => self.unsupported_expression("Unknown", name)?,
        })
    }

    fn unary_expression(&mut self, op: &str, child: Id) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let id = visit_call!(self, unary_expression, &op, child);
        self.drop_local(op);
        Ok(id)
    }

    fn unsupported_expression(&mut self, kind: &str, description: &str) -> Result<Id, Failure> {
        self.call_strings(VisitorIds::unsupported_expression, kind, description)
    }

    pub(super) fn predicate(&mut self, pred: &Predicate) -> Result<Id, Failure> {
        Ok(match pred {
            Predicate::BooleanExpression(expr) => {
                let expr = self.expression(expr)?;
                visit_call!(self, boolean_predicate, expr)
            }
            Predicate::Not(child) => {
                let child = self.predicate(child)?;
                visit_call!(self, not_predicate, child)
            }
            Predicate::Unary(unary) => {
                // IsNull is the only unary predicate.
                let expr = self.expression(&unary.expr)?;
                visit_call!(self, is_null_predicate, expr)
            }
            Predicate::Binary(binary) => {
                let left = self.expression(&binary.left)?;
                let right = self.expression(&binary.right)?;
                let op = match binary.op {
                    BinaryPredicateOp::LessThan => "LESS_THAN",
                    BinaryPredicateOp::GreaterThan => "GREATER_THAN",
                    BinaryPredicateOp::Equal => "EQUAL",
                    BinaryPredicateOp::Distinct => "DISTINCT",
                    BinaryPredicateOp::In => "IN",
                };
                self.call_op_pair(VisitorIds::binary_predicate, op, left, right)?
            }
            Predicate::Junction(junction) => {
                let children = junction
                    .preds
                    .iter()
                    .map(|p| self.predicate(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let op = match junction.op {
                    JunctionPredicateOp::And => "AND",
                    JunctionPredicateOp::Or => "OR",
                };
                self.call_op_list(VisitorIds::junction_predicate, op, &children)?
            }
            Predicate::Opaque(opaque) => self.unsupported_predicate("Opaque", opaque.op.name())?,
            Predicate::Unknown(name) => self.unsupported_predicate("Unknown", name)?,
        })
    }

    fn unsupported_predicate(&mut self, kind: &str, description: &str) -> Result<Id, Failure> {
        self.call_strings(VisitorIds::unsupported_predicate, kind, description)
    }
}
