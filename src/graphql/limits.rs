//! Query limits beyond async-graphql's depth and complexity: the number of
//! aliases and of root fields, checked on the parsed document before anything
//! executes; and the cost of list fields by their page size.

use async_graphql::{
    ServerError, ServerResult,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use crate::config::ApiConfig;

#[derive(Clone, Copy)]
pub struct DocumentLimits {
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// Nesting of fields. The introspection fields (`__schema`, `__type`)
    /// are exempt: GraphiQL's introspection query nests type references
    /// deeper than any operation of the API needs, and can be switched off.
    pub max_depth: usize,
}

impl DocumentLimits {
    pub fn of(api: &ApiConfig) -> Self {
        Self {
            max_aliases: api.max_aliases,
            max_root_fields: api.max_root_fields,
            max_depth: api.max_depth,
        }
    }

    /// Checks a parsed document before it is validated or executed. Called
    /// by the transports on the parse they made (not as an async-graphql
    /// extension: see `graphql::errors` for why).
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let mut aliases = 0;
        for (_, operation) in document.operations.iter() {
            aliases += count_aliases(&operation.node.selection_set.node);
        }
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        if aliases > self.max_aliases {
            return Err(ServerError::new(
                format!(
                    "별칭(alias)이 너무 많습니다. 최대 {}개까지 쓸 수 있습니다.",
                    self.max_aliases
                ),
                None,
            ));
        }
        for (_, operation) in document.operations.iter() {
            let depth = depth_of(document, &operation.node.selection_set.node, 0);
            if depth > self.max_depth {
                return Err(ServerError::new(
                    format!(
                        "요청이 너무 깊습니다. 필드는 {}단계까지 중첩할 수 있습니다.",
                        self.max_depth
                    ),
                    None,
                ));
            }
            let roots = count_root_fields(document, &operation.node.selection_set.node, 0);
            if roots > self.max_root_fields {
                return Err(ServerError::new(
                    format!(
                        "한 요청의 최상위 필드가 너무 많습니다. 최대 {}개까지 쓸 수 있습니다.",
                        self.max_root_fields
                    ),
                    None,
                ));
            }
        }
        Ok(())
    }
}

/// How deeply fields nest under `set`, through fragments, without the
/// introspection fields. Fragment spreads nested past 64 levels stop
/// counting (validation refuses fragment cycles anyway).
fn depth_of(document: &ExecutableDocument, set: &SelectionSet, nesting: usize) -> usize {
    if nesting > 64 {
        return nesting;
    }
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    0
                } else {
                    1 + depth_of(document, &field.node.selection_set.node, nesting + 1)
                }
            }
            Selection::InlineFragment(fragment) => {
                depth_of(document, &fragment.node.selection_set.node, nesting + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| {
                    depth_of(document, &fragment.node.selection_set.node, nesting + 1)
                }),
        })
        .max()
        .unwrap_or(0)
}

/// Root fields of an operation, through inline fragments and fragment
/// spreads (a spread nested past a few levels counts as nothing: validation
/// refuses fragment cycles anyway).
pub fn count_root_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    nesting: usize,
) -> usize {
    if nesting > 8 {
        return 0;
    }
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                count_root_fields(document, &fragment.node.selection_set.node, nesting + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| {
                    count_root_fields(document, &fragment.node.selection_set.node, nesting + 1)
                }),
        })
        .sum()
}

/// The complexity of a list field that returns up to `size` items (its page
/// size, `default` when not given): each item costs what its selection costs,
/// so a huge page is refused at validation, before anything runs.
pub fn page_cost(size: Option<i32>, default: i32, child_complexity: usize) -> usize {
    let items = usize::try_from(size.unwrap_or(default)).unwrap_or(0).max(1);
    items.saturating_mul(child_complexity.max(1))
}

/// As `page_cost`, for a list whose size is capped rather than refused
/// above `cap` (and is `cap` when not given).
pub fn capped_page_cost(size: Option<i32>, cap: usize, child_complexity: usize) -> usize {
    let items = size.map_or(cap, |size| usize::try_from(size).unwrap_or(0).min(cap));
    items.max(1).saturating_mul(child_complexity.max(1))
}

fn count_aliases(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}
