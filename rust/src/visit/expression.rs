//! Expression, predicate and scalar walking.

use delta_kernel::expressions::{
    BinaryExpressionOp, BinaryPredicateOp, ColumnName, Expression, JunctionPredicateOp, Predicate,
    Scalar, UnaryExpressionOp, VariadicExpressionOp,
};
use delta_kernel::schema::DataType;
use jni::jni_str;
use jni::objects::{JObject, JValue};

use super::{visit_call, Id, JavaVisitor};
use crate::bridge::Failure;

impl JavaVisitor<'_, '_> {
    pub(super) fn scalar(&mut self, scalar: &Scalar) -> Result<Id, Failure> {
        Ok(match scalar {
            Scalar::Null(data_type) => {
                let data_type = self.data_type(data_type)?;
                visit_call!(self, "nullLiteral", "(I)I", JValue::Int(data_type))
            }
            Scalar::Boolean(v) => visit_call!(self, "booleanLiteral", "(Z)I", JValue::Bool(*v)),
            Scalar::Byte(v) => visit_call!(self, "byteLiteral", "(B)I", JValue::Byte(*v)),
            Scalar::Short(v) => visit_call!(self, "shortLiteral", "(S)I", JValue::Short(*v)),
            Scalar::Integer(v) => visit_call!(self, "intLiteral", "(I)I", JValue::Int(*v)),
            Scalar::Long(v) => visit_call!(self, "longLiteral", "(J)I", JValue::Long(*v)),
            Scalar::Float(v) => visit_call!(self, "floatLiteral", "(F)I", JValue::Float(*v)),
            Scalar::Double(v) => visit_call!(self, "doubleLiteral", "(D)I", JValue::Double(*v)),
            Scalar::Date(v) => visit_call!(self, "dateLiteral", "(I)I", JValue::Int(*v)),
            Scalar::Timestamp(v) => {
                visit_call!(self, "timestampLiteral", "(J)I", JValue::Long(*v))
            }
            Scalar::TimestampNtz(v) => {
                visit_call!(self, "timestampNtzLiteral", "(J)I", JValue::Long(*v))
            }
            Scalar::String(v) => self.call_string(jni_str!("stringLiteral"), v)?,
            Scalar::Binary(v) => self.binary_literal(v)?,
            Scalar::Decimal(decimal) => {
                let unscaled = self
                    .env
                    .byte_array_from_slice(&decimal.bits().to_be_bytes())?;
                let id = visit_call!(
                    self,
                    "decimalLiteral",
                    "([BII)I",
                    JValue::Object(&unscaled),
                    JValue::Int(i32::from(decimal.precision())),
                    JValue::Int(i32::from(decimal.scale()))
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
                let id = visit_call!(
                    self,
                    "structLiteral",
                    "(I[I)I",
                    JValue::Int(data_type),
                    JValue::Object(&values)
                );
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
                let id = visit_call!(
                    self,
                    "arrayLiteral",
                    "(I[I)I",
                    JValue::Int(data_type),
                    JValue::Object(&elements)
                );
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
                let id = visit_call!(
                    self,
                    "mapLiteral",
                    "(I[I[I)I",
                    JValue::Int(data_type),
                    JValue::Object(&keys),
                    JValue::Object(&values)
                );
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
        let id = visit_call!(self, "binaryLiteral", "([B)I", JValue::Object(&value));
        self.drop_local(value);
        Ok(id)
    }

    pub(super) fn column_name(&mut self, name: &ColumnName) -> Result<Id, Failure> {
        self.call_path(jni_str!("columnName"), name.path())
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
            Expression::Column(name) => self.call_path(jni_str!("column"), name.path())?,
            Expression::Predicate(pred) => {
                let pred = self.predicate(pred)?;
                visit_call!(self, "predicateExpression", "(I)I", JValue::Int(pred))
            }
            Expression::Struct(fields, keep) => {
                let fields = self.expressions(fields.iter().map(|f| f.as_ref()))?;
                let keep = match keep {
                    Some(keep) => self.expression(keep)?,
                    None => -1,
                };
                let fields = self.ids(&fields)?;
                let id = visit_call!(
                    self,
                    "structExpression",
                    "([II)I",
                    JValue::Object(&fields),
                    JValue::Int(keep)
                );
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
                        "fieldPatch",
                        "(Z[IZ)I",
                        JValue::Bool(field_patch.keep_input),
                        JValue::Object(&insertions),
                        JValue::Bool(field_patch.optional)
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
                    "structPatch",
                    "([Ljava/lang/String;[Ljava/lang/String;[I[I[I)I",
                    JValue::Object(&input_path),
                    JValue::Object(&names),
                    JValue::Object(&patches),
                    JValue::Object(&prepended),
                    JValue::Object(&appended)
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
                self.call_op_pair(jni_str!("binaryExpression"), op, left, right)?
            }
            Expression::Variadic(variadic) => {
                let children = self.expressions(&variadic.exprs)?;
                let op = match variadic.op {
                    VariadicExpressionOp::Coalesce => "COALESCE",
                    VariadicExpressionOp::Array => "ARRAY",
                };
                self.call_op_list(jni_str!("variadicExpression"), op, &children)?
            }
            Expression::ParseJson(parse) => {
                let json = self.expression(&parse.json_expr)?;
                let schema = self.struct_type(&parse.output_schema)?;
                visit_call!(
                    self,
                    "parseJson",
                    "(II)I",
                    JValue::Int(json),
                    JValue::Int(schema)
                )
            }
            Expression::MapToStruct(map_to_struct) => {
                let map = self.expression(&map_to_struct.map_expr)?;
                let timezone = self.optional_string(map_to_struct.options.timestamp_timezone())?;
                let id = visit_call!(
                    self,
                    "mapToStruct",
                    "(ILjava/lang/String;)I",
                    JValue::Int(map),
                    JValue::Object(&timezone)
                );
                self.drop_local(timezone);
                id
            }
            Expression::Cast(cast) => {
                let child = self.expression(&cast.expr)?;
                let target = self.data_type(&cast.target)?;
                visit_call!(
                    self,
                    "cast",
                    "(II)I",
                    JValue::Int(child),
                    JValue::Int(target)
                )
            }
            Expression::Opaque(opaque) => {
                self.unsupported_expression("Opaque", opaque.op.name())?
            }
            Expression::Unknown(name) => self.unsupported_expression("Unknown", name)?,
        })
    }

    fn unary_expression(&mut self, op: &str, child: Id) -> Result<Id, Failure> {
        let op = self.string(op)?;
        let id = visit_call!(
            self,
            "unaryExpression",
            "(Ljava/lang/String;I)I",
            JValue::Object(&op),
            JValue::Int(child)
        );
        self.drop_local(op);
        Ok(id)
    }

    fn unsupported_expression(&mut self, kind: &str, description: &str) -> Result<Id, Failure> {
        self.call_strings(jni_str!("unsupportedExpression"), kind, description)
    }

    pub(super) fn predicate(&mut self, pred: &Predicate) -> Result<Id, Failure> {
        Ok(match pred {
            Predicate::BooleanExpression(expr) => {
                let expr = self.expression(expr)?;
                visit_call!(self, "booleanPredicate", "(I)I", JValue::Int(expr))
            }
            Predicate::Not(child) => {
                let child = self.predicate(child)?;
                visit_call!(self, "notPredicate", "(I)I", JValue::Int(child))
            }
            Predicate::Unary(unary) => {
                // IsNull is the only unary predicate.
                let expr = self.expression(&unary.expr)?;
                visit_call!(self, "isNullPredicate", "(I)I", JValue::Int(expr))
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
                self.call_op_pair(jni_str!("binaryPredicate"), op, left, right)?
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
                self.call_op_list(jni_str!("junctionPredicate"), op, &children)?
            }
            Predicate::Opaque(opaque) => self.unsupported_predicate("Opaque", opaque.op.name())?,
            Predicate::Unknown(name) => self.unsupported_predicate("Unknown", name)?,
        })
    }

    fn unsupported_predicate(&mut self, kind: &str, description: &str) -> Result<Id, Failure> {
        self.call_strings(jni_str!("unsupportedPredicate"), kind, description)
    }
}
