//! Plan walking.

use delta_kernel::plans::ir::nodes::{Agg, FileType, Operator, ScanFile};
use delta_kernel::plans::Plan;
use jni::objects::JObject;

use super::{visit_call, Id, JavaVisitor};
use crate::bridge::java_ids::VisitorIds;
use crate::bridge::Failure;

/// Visits a plan node by node (in the plan's topological order); returns the `Plan` id.
pub fn visit_plan(visitor: &mut JavaVisitor, plan: &Plan) -> Result<Id, Failure> {
    let nodes = plan
        .nodes
        .iter()
        .map(|node| {
            let op = visitor.operator(&node.op)?;
            let inputs: Vec<Id> = node
                .inputs
                .iter()
                .map(|&i| Id::try_from(i))
                .collect::<Result<_, _>>()
                .map_err(|_| Failure::Usage("plan node index out of range".into()))?;
            let inputs = visitor.ids(&inputs)?;
            let id = visit_call!(visitor, plan_node, op, &inputs);
            visitor.drop_local(inputs);
            Ok(id)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let schema = visitor.struct_type(&plan.schema)?;
    let nodes = visitor.ids(&nodes)?;
    let id = visit_call!(visitor, plan, schema, &nodes);
    visitor.drop_local(nodes);
    Ok(id)
}

impl JavaVisitor<'_, '_> {
    fn operator(&mut self, op: &Operator) -> Result<Id, Failure> {
        Ok(match op {
            Operator::ScanParquet(scan) => {
                self.file_scan(&scan.files, &scan.file_constant_columns, &scan.schema, true)?
            }
            Operator::ScanJson(scan) => self.file_scan(
                &scan.files,
                &scan.file_constant_columns,
                &scan.schema,
                false,
            )?,
            Operator::Values(values) => {
                let schema = self.struct_type(&values.schema)?;
                let literals = values
                    .rows
                    .iter()
                    .flatten()
                    .map(|scalar| self.scalar(scalar))
                    .collect::<Result<Vec<_>, _>>()?;
                let literals = self.ids(&literals)?;
                let id = visit_call!(self, values, schema, &literals);
                self.drop_local(literals);
                id
            }
            Operator::RelationSource(relation) => {
                let schema = self.struct_type(relation.schema())?;
                let id = self.string(relation.id())?;
                let node = visit_call!(self, relation_source, &id, schema);
                self.drop_local(id);
                node
            }
            Operator::Project(project) => {
                let expr = self.expression(&project.expr)?;
                let schema = self.struct_type(&project.schema)?;
                visit_call!(self, project, expr, schema)
            }
            Operator::Filter(filter) => {
                let pred = self.predicate(&filter.predicate)?;
                visit_call!(self, filter, pred)
            }
            Operator::DynamicScan(scan) => {
                let schema = self.struct_type(&scan.schema)?;
                let path = self.column_name(&scan.path_column)?;
                let size = self.column_name(&scan.file_size_column)?;
                let modified = self.column_name(&scan.last_modified_column)?;
                let dv = match &scan.dv_column {
                    Some(column) => self.column_name(column)?,
                    None => -1,
                };
                let file_type = self.string(match scan.file_type {
                    FileType::Parquet => "PARQUET",
                    FileType::Json => "JSON",
                })?;
                let base_url = self.string(scan.base_url.as_str())?;
                let constants = self.strings(&scan.file_constant_columns)?;
                let id = visit_call!(
                    self,
                    dynamic_scan,
                    schema,
                    &file_type,
                    &base_url,
                    &constants,
                    path,
                    size,
                    modified,
                    dv
                );
                self.drop_local(file_type);
                self.drop_local(base_url);
                self.drop_local(JObject::from(constants));
                id
            }
            Operator::Aggregate(aggregate) => {
                let group_by = aggregate
                    .group_by
                    .iter()
                    .map(|c| self.column_name(c))
                    .collect::<Result<Vec<_>, _>>()?;
                let aggs = aggregate
                    .aggs
                    .iter()
                    .map(|agg| self.aggregation(agg))
                    .collect::<Result<Vec<_>, _>>()?;
                let schema = self.struct_type(&aggregate.schema)?;
                let group_by = self.ids(&group_by)?;
                let aggs = self.ids(&aggs)?;
                let id = visit_call!(self, aggregate, &group_by, &aggs, schema);
                self.drop_local(group_by);
                self.drop_local(aggs);
                id
            }
            Operator::SemiJoin(join) => {
                let probe = join
                    .probe_keys
                    .iter()
                    .map(|c| self.column_name(c))
                    .collect::<Result<Vec<_>, _>>()?;
                let build = join
                    .build_keys
                    .iter()
                    .map(|c| self.column_name(c))
                    .collect::<Result<Vec<_>, _>>()?;
                let probe = self.ids(&probe)?;
                let build = self.ids(&build)?;
                let id = visit_call!(self, semi_join, join.inverted, &probe, &build);
                self.drop_local(probe);
                self.drop_local(build);
                id
            }
            Operator::UnionAll(_) => visit_call!(self, union_all),
            Operator::WriteJson(_) => {
                self.call_string(VisitorIds::unsupported_operator, "WriteJson")?
            }
        })
    }

    fn aggregation(&mut self, agg: &Agg) -> Result<Id, Failure> {
        let (kind, value, sentinel, key) = match agg {
            Agg::Min(c) => ("MIN", self.column_name(c)?, -1, -1),
            Agg::Max(c) => ("MAX", self.column_name(c)?, -1, -1),
            Agg::Sum(c) => ("SUM", self.column_name(c)?, -1, -1),
            Agg::Count(c) => ("COUNT", self.column_name(c)?, -1, -1),
            Agg::CountStar => ("COUNT_STAR", -1, -1, -1),
            Agg::MinNonNullBy(ops) | Agg::MaxNonNullBy(ops) => (
                if matches!(agg, Agg::MinNonNullBy(_)) {
                    "MIN_NON_NULL_BY"
                } else {
                    "MAX_NON_NULL_BY"
                },
                self.column_name(&ops.value)?,
                self.column_name(&ops.null_sentinel)?,
                self.column_name(&ops.key)?,
            ),
        };
        let kind = self.string(kind)?;
        let id = visit_call!(self, aggregation, &kind, value, sentinel, key);
        self.drop_local(kind);
        Ok(id)
    }

    /// A Parquet or JSON scan in one callback: its files column-wise, and each file's constants
    /// (one literal per constant column) row-major.
    fn file_scan(
        &mut self,
        files: &[ScanFile],
        constant_columns: &[String],
        schema: &delta_kernel::schema::StructType,
        parquet: bool,
    ) -> Result<Id, Failure> {
        let mut constants = Vec::with_capacity(files.len() * constant_columns.len());
        for file in files {
            if file.file_constants.len() != constant_columns.len() {
                return Err(Failure::Usage(format!(
                    "scan file {} has {} constants for {} constant columns",
                    file.meta.location,
                    file.file_constants.len(),
                    constant_columns.len()
                )));
            }
            for constant in &file.file_constants {
                constants.push(self.scalar(constant)?);
            }
        }
        let locations: Vec<&str> = files.iter().map(|f| f.meta.location.as_str()).collect();
        let sizes: Vec<i64> = files
            .iter()
            .map(|f| i64::try_from(f.meta.size).unwrap_or(i64::MAX))
            .collect();
        let modified: Vec<i64> = files.iter().map(|f| f.meta.last_modified).collect();
        let schema = self.struct_type(schema)?;
        let locations = self.strings(&locations)?;
        let sizes = self.longs(&sizes)?;
        let modified = self.longs(&modified)?;
        let constants = self.ids(&constants)?;
        let constant_columns = self.strings(constant_columns)?;
        let id = if parquet {
            visit_call!(
                self,
                scan_parquet,
                &locations,
                &sizes,
                &modified,
                &constants,
                &constant_columns,
                schema
            )
        } else {
            visit_call!(
                self,
                scan_json,
                &locations,
                &sizes,
                &modified,
                &constants,
                &constant_columns,
                schema
            )
        };
        self.drop_local(locations);
        self.drop_local(sizes);
        self.drop_local(modified);
        self.drop_local(constants);
        self.drop_local(constant_columns);
        Ok(id)
    }
}
