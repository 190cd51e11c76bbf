//! A 128-bit content key of a kernel schema, so what is derived from a schema once (its Java
//! visitor object, the Arrow schema the engine writes for it) is reused by every later phase that
//! carries an equal schema. The same few schemas (the log's actions, a table's data) come back on
//! every load, and walking one into Java or exporting it as Arrow costs far more than hashing it.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;

use delta_kernel::schema::{DataType, PrimitiveType, StructType};

/// Equal schemas (names, types, nullability, field metadata) have equal keys; two unequal ones
/// share a key with probability about 2^-128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaKey {
    pub high: i64,
    pub low: i64,
}

impl SchemaKey {
    pub fn of(schema: &StructType) -> Self {
        // The schema is encoded once and hashed in bulk: SipHash over many tiny writes costs more
        // than the walk. Two independent 64-bit SipHashes (the second starts from a different
        // state) make the 128 bits.
        let mut encoded = Vec::with_capacity(1024);
        encode_struct(schema, &mut encoded);
        let mut high = DefaultHasher::new();
        let mut low = DefaultHasher::new();
        low.write_u8(0x5a);
        high.write(&encoded);
        low.write(&encoded);
        SchemaKey {
            high: high.finish() as i64,
            low: low.finish() as i64,
        }
    }
}

/// Writes every property a schema's equality depends on; strings and counts are length-prefixed,
/// so no two schemas encode to the same bytes.
fn encode_struct(schema: &StructType, out: &mut Vec<u8>) {
    encode_len(schema.num_fields(), out);
    for field in schema.fields() {
        encode_str(field.name(), out);
        out.push(u8::from(field.is_nullable()));
        let metadata = field.metadata();
        encode_len(metadata.len(), out);
        if !metadata.is_empty() {
            let mut entries: Vec<(&String, String)> = metadata
                .iter()
                .map(|(key, value)| (key, value.to_string()))
                .collect();
            entries.sort();
            for (key, value) in entries {
                encode_str(key, out);
                encode_str(&value, out);
            }
        }
        encode_type(field.data_type(), out);
    }
}

fn encode_type(data_type: &DataType, out: &mut Vec<u8>) {
    match data_type {
        DataType::Primitive(PrimitiveType::Decimal(decimal)) => {
            out.extend([0, decimal.precision(), decimal.scale()]);
        }
        DataType::Primitive(primitive) => {
            out.push(1);
            // Every primitive but the decimal (above) is a unit variant: its name is all of it.
            encode_str(&primitive.to_string(), out);
        }
        DataType::Variant(inner) => {
            out.push(2);
            encode_struct(inner, out);
        }
        DataType::Struct(inner) => {
            out.push(3);
            encode_struct(inner, out);
        }
        DataType::Array(array) => {
            out.extend([4, u8::from(array.contains_null)]);
            encode_type(&array.element_type, out);
        }
        DataType::Map(map) => {
            out.extend([5, u8::from(map.value_contains_null)]);
            encode_type(&map.key_type, out);
            encode_type(&map.value_type, out);
        }
    }
}

fn encode_len(len: usize, out: &mut Vec<u8>) {
    out.extend((len as u64).to_le_bytes());
}

fn encode_str(value: &str, out: &mut Vec<u8>) {
    encode_len(value.len(), out);
    out.extend(value.as_bytes());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use delta_kernel::schema::{
        ArrayType, DataType, MapType, MetadataValue, StructField, StructType,
    };

    use super::SchemaKey;

    fn schema(fields: Vec<StructField>) -> StructType {
        StructType::try_new(fields).unwrap()
    }

    #[test]
    fn equal_schemas_share_a_key_and_every_difference_changes_it() {
        let base = || {
            vec![
                StructField::nullable("id", DataType::LONG),
                StructField::not_null(
                    "tags",
                    DataType::Map(Box::new(MapType::new(
                        DataType::STRING,
                        DataType::Array(Box::new(ArrayType::new(DataType::INTEGER, true))),
                        true,
                    ))),
                ),
            ]
        };
        let key = SchemaKey::of(&schema(base()));
        assert_eq!(key, SchemaKey::of(&schema(base())));

        let mut variants: Vec<Vec<StructField>> = Vec::new();
        let mut renamed = base();
        renamed[0] = StructField::nullable("ID", DataType::LONG);
        variants.push(renamed);
        let mut retyped = base();
        retyped[0] = StructField::nullable("id", DataType::INTEGER);
        variants.push(retyped);
        let mut required = base();
        required[0] = StructField::not_null("id", DataType::LONG);
        variants.push(required);
        let mut annotated = base();
        annotated[0] =
            StructField::nullable("id", DataType::LONG).with_metadata(HashMap::from([(
                "delta.columnMapping.id".to_string(),
                MetadataValue::Number(1),
            )]));
        variants.push(annotated);
        let mut nested = base();
        nested[1] = StructField::not_null(
            "tags",
            DataType::Map(Box::new(MapType::new(
                DataType::STRING,
                DataType::Array(Box::new(ArrayType::new(DataType::INTEGER, false))),
                true,
            ))),
        );
        variants.push(nested);
        let mut reordered = base();
        reordered.reverse();
        variants.push(reordered);
        let mut longer = base();
        longer.push(StructField::nullable("extra", DataType::LONG));
        variants.push(longer);

        let mut keys: Vec<SchemaKey> = variants
            .into_iter()
            .map(|f| SchemaKey::of(&schema(f)))
            .collect();
        keys.push(key);
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{keys:?}");
    }
}
