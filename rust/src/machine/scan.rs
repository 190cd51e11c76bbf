//! Scan construction as a phase machine: the kernel's `ScanBuilder`, its pre-flight operations
//! (checkpoint shape discovery) as Consume phases, and the declarative metadata plan handed to the
//! engine as a PartialResult phase. The engine runs that plan natively and keeps its live `add`
//! rows (path, size, deletion vector, kernel-parsed partition values), as the kernel's docs
//! recommend for results the connector owns. The Terminus is the `Scan` (logical and physical
//! schemas, physical predicate).

use std::sync::Arc;

use delta_kernel::engine::plans::PlanBasedEngine;
use delta_kernel::expressions::Predicate;
use delta_kernel::scan::{PartitionValuesOptions, Scan, StatsOptions};
use delta_kernel::schema::StructType;
use delta_kernel::{KernelError, KernelResult, SnapshotRef};

use super::Machine;

/// Starts planning a scan of `columns` (logical top-level names; `None` reads all columns). With
/// a `predicate` the kernel prunes partitions and skips files by their statistics.
pub fn start(
    snapshot: SnapshotRef,
    columns: Option<Vec<String>>,
    predicate: Option<Predicate>,
) -> KernelResult<Machine<Scan>> {
    Machine::start(move |executor, side| {
        let engine = PlanBasedEngine::new(None, executor);
        let schema = columns
            .map(|names| project(&snapshot.schema(), &names))
            .transpose()?;
        // Statistics are only worth reading when there is a predicate to skip files with.
        let stats = if predicate.is_some() {
            StatsOptions::all_struct()
        } else {
            StatsOptions::none()
        };
        let scan = snapshot
            .scan_builder()
            .with_schema_opt(schema)
            .with_predicate(predicate.map(Arc::new))
            .with_stats(stats)
            .with_partition_values(PartitionValuesOptions::with_struct())
            .build()?;
        if let Some(plan) = scan.declarative_metadata_scan_plan(&engine)? {
            side.partial_result(plan)?;
        }
        Ok(scan)
    })
}

/// Parses a predicate in the kernel's own serialized form (its serde JSON encoding).
pub fn parse_predicate(json: &str) -> KernelResult<Predicate> {
    serde_json::from_str(json).map_err(|e| KernelError::generic(format!("invalid predicate: {e}")))
}

/// The table schema restricted to `names`, in table order; an unknown name is an error.
fn project(schema: &StructType, names: &[String]) -> KernelResult<Arc<StructType>> {
    if let Some(missing) = names
        .iter()
        .find(|name| schema.field(name.as_str()).is_none())
    {
        return Err(KernelError::generic(format!(
            "column `{missing}` is not in the table schema"
        )));
    }
    let fields = schema
        .fields()
        .filter(|field| names.iter().any(|name| name == field.name()))
        .cloned();
    Ok(Arc::new(StructType::try_new(fields)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use delta_kernel::expressions::{column_expr, Expression, Predicate, Scalar};

    use super::parse_predicate;

    /// The Java side writes predicates in this encoding (see KernelPredicates.java).
    #[test]
    fn predicates_parse_from_the_kernel_serde_encoding() {
        let expected = Predicate::and(
            Predicate::gt(column_expr!("a.b"), Expression::literal(Scalar::Long(5))),
            Predicate::not(Predicate::is_null(column_expr!("c"))),
        );
        let json = serde_json::to_string(&expected).unwrap();
        println!("{json}");
        assert_eq!(parse_predicate(&json).unwrap(), expected);
        assert!(parse_predicate("{\"Nope\":1}").is_err());
    }
}
