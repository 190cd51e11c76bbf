//! Delta facts a reader acts on, stated by the kernel's table configuration (never re-derived from
//! raw table properties on the Java side).

use delta_kernel::schema::{ColumnMetadataKey, DataType, MetadataValue, PrimitiveType, StructType};
use delta_kernel::table_features::{ColumnMappingMode, TableFeature};
use delta_kernel::Snapshot;

/// How data files name their columns: `none`, `name` (by physical name) or `id` (by field id).
pub fn column_mapping_mode(snapshot: &Snapshot) -> &'static str {
    match snapshot.table_configuration().column_mapping_mode() {
        ColumnMappingMode::None => "none",
        ColumnMappingMode::Name => "name",
        ColumnMappingMode::Id => "id",
    }
}

/// The columns data files may materialize row ids and row commit versions in, when row tracking is
/// enabled.
pub fn row_tracking_columns(snapshot: &Snapshot) -> Option<(String, String)> {
    let configuration = snapshot.table_configuration();
    if !configuration.is_feature_enabled(&TableFeature::RowTracking) {
        return None;
    }
    let properties = snapshot.table_properties();
    Some((
        properties.materialized_row_id_column_name.clone()?,
        properties
            .materialized_row_commit_version_column_name
            .clone()?,
    ))
}

/// Whether type widening made a column of `schema` (at any depth) a decimal from a byte or short:
/// the kernel's `delta.typeChanges` history of a decimal field names such an origin.
pub fn widens_small_integers_to_decimal(schema: &StructType) -> bool {
    schema.fields().any(|field| {
        let widened = matches!(
            field.data_type(),
            DataType::Primitive(PrimitiveType::Decimal(_))
        ) && field
            .get_config_value(&ColumnMetadataKey::TypeChanges)
            .is_some_and(records_small_integer_origin);
        widened || nested_widens(field.data_type())
    })
}

fn nested_widens(data_type: &DataType) -> bool {
    match data_type {
        DataType::Struct(inner) => widens_small_integers_to_decimal(inner),
        DataType::Array(array) => nested_widens(array.element_type()),
        DataType::Map(map) => nested_widens(map.key_type()) || nested_widens(map.value_type()),
        _ => false,
    }
}

/// Whether a `delta.typeChanges` value (a JSON array of `{fromType, toType, ...}`) has a byte or
/// short origin.
fn records_small_integer_origin(changes: &MetadataValue) -> bool {
    let MetadataValue::Other(serde_json::Value::Array(changes)) = changes else {
        return false;
    };
    changes.iter().any(|change| {
        matches!(
            change.get("fromType").and_then(|from| from.as_str()),
            Some("byte" | "short")
        )
    })
}
