//! Query limits beyond async-graphql's own: the number of aliases, the
//! depth, the root fields and the fields once fragments are spread out,
//! checked on the parsed document before validation and execution; and the
//! cost of list fields by their page size, for async-graphql's complexity.

use std::collections::HashMap;

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
    /// Fields once fragments are spread out: the complexity limit, since
    /// each field costs at least 1 there.
    pub max_fields: usize,
}

impl DocumentLimits {
    pub fn of(api: &ApiConfig) -> Self {
        Self {
            max_aliases: api.max_aliases,
            max_root_fields: api.max_root_fields,
            max_depth: api.max_depth,
            max_fields: api.max_complexity,
        }
    }

    /// Checks a parsed document before it is validated or executed. Called
    /// by the transports on the parse they made (not as an async-graphql
    /// extension: see `graphql::errors` for why).
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let aliases = count_written(
            document,
            |selection| matches!(selection, Selection::Field(field) if field.node.alias.is_some()),
        );
        within(
            aliases,
            self.max_aliases,
            "별칭(alias)이 너무 많습니다. 최대 {}개까지 쓸 수 있습니다.",
        )?;
        for (_, operation) in document.operations.iter() {
            let set = &operation.node.selection_set.node;
            within(
                depth_of(document, set),
                self.max_depth,
                "요청이 너무 깊습니다. 필드는 {}단계까지 중첩할 수 있습니다.",
            )?;
            // Before async-graphql's own checks: a short document whose
            // fragments spread each other twice, level after level, expands
            // exponentially, and validating it would take as long.
            within(
                expanded_fields(document, set),
                self.max_fields,
                "요청이 너무 큽니다. 조각(fragment)을 펼친 필드는 최대 {}개까지 쓸 수 있습니다.",
            )?;
            within(
                count_root_fields(document, set),
                self.max_root_fields,
                "한 요청의 최상위 필드가 너무 많습니다. 최대 {}개까지 쓸 수 있습니다.",
            )?;
        }
        Ok(())
    }
}

/// An error with `message` (its `{}` replaced by the limit) when `value`
/// is past `limit`.
fn within(value: usize, limit: usize, message: &str) -> ServerResult<()> {
    if value > limit {
        return Err(ServerError::new(
            message.replacen("{}", &limit.to_string(), 1),
            None,
        ));
    }
    Ok(())
}

/// How deeply fields nest under `set`, through fragments, without the
/// introspection fields.
fn depth_of(document: &ExecutableDocument, set: &SelectionSet) -> usize {
    FragmentWalk::new(document, Measure::Depth).measure(set)
}

/// Root fields of an operation, through inline fragments and fragment
/// spreads.
pub fn count_root_fields(document: &ExecutableDocument, set: &SelectionSet) -> usize {
    FragmentWalk::new(document, Measure::RootFields).measure(set)
}

/// Fields the operation selects once its fragments are spread out: what
/// execution would resolve, at least once each.
fn expanded_fields(document: &ExecutableDocument, set: &SelectionSet) -> usize {
    FragmentWalk::new(document, Measure::Fields).measure(set)
}

#[derive(Clone, Copy)]
enum Measure {
    Depth,
    RootFields,
    Fields,
}

/// Fragments spread within fragments past this many levels measure as too
/// much: no operation of the API needs a chain that long.
const MAX_FRAGMENT_CHAIN: usize = 64;

/// Measures a selection set through its fragment spreads, in time linear in
/// the document: these checks run before validation, on documents anyone can
/// send, where a fragment spread twice in itself, or a chain of fragments each
/// spreading the next twice, would otherwise be walked an exponential number
/// of times. Each fragment is measured once and remembered; a fragment spread
/// inside itself adds nothing (validation refuses the cycle).
struct FragmentWalk<'a> {
    document: &'a ExecutableDocument,
    measure: Measure,
    measured: HashMap<&'a str, usize>,
    on_path: Vec<&'a str>,
}

impl<'a> FragmentWalk<'a> {
    fn new(document: &'a ExecutableDocument, measure: Measure) -> Self {
        Self {
            document,
            measure,
            measured: HashMap::new(),
            on_path: Vec::new(),
        }
    }

    fn measure(&mut self, set: &'a SelectionSet) -> usize {
        let mut result = 0_usize;
        for selection in &set.items {
            let value = match &selection.node {
                Selection::Field(field) => match self.measure {
                    Measure::RootFields => 1,
                    Measure::Fields => {
                        1_usize.saturating_add(self.measure(&field.node.selection_set.node))
                    }
                    Measure::Depth => {
                        let name = field.node.name.node.as_str();
                        if name == "__schema" || name == "__type" {
                            0
                        } else {
                            1_usize.saturating_add(self.measure(&field.node.selection_set.node))
                        }
                    }
                },
                Selection::InlineFragment(fragment) => {
                    self.measure(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            result = match self.measure {
                Measure::Depth => result.max(value),
                Measure::RootFields | Measure::Fields => result.saturating_add(value),
            };
        }
        result
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(&known) = self.measured.get(name) {
            return known;
        }
        if self.on_path.contains(&name) {
            return 0;
        }
        if self.on_path.len() >= MAX_FRAGMENT_CHAIN {
            return usize::MAX;
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return 0;
        };
        self.on_path.push(name);
        let value = self.measure(&fragment.node.selection_set.node);
        self.on_path.pop();
        self.measured.insert(name, value);
        value
    }
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

/// The selections written in the document (each fragment once, where it is
/// defined) for which `counts` holds: a measure of its text, not of what
/// executing it would expand to.
pub fn count_written(document: &ExecutableDocument, counts: impl Fn(&Selection) -> bool) -> usize {
    fn walk(set: &SelectionSet, counts: &dyn Fn(&Selection) -> bool) -> usize {
        set.items
            .iter()
            .map(|selection| {
                usize::from(counts(&selection.node))
                    + match &selection.node {
                        Selection::Field(field) => walk(&field.node.selection_set.node, counts),
                        Selection::InlineFragment(fragment) => {
                            walk(&fragment.node.selection_set.node, counts)
                        }
                        Selection::FragmentSpread(_) => 0,
                    }
            })
            .sum()
    }
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node);
    let fragments = document
        .fragments
        .values()
        .map(|fragment| &fragment.node.selection_set.node);
    operations
        .chain(fragments)
        .map(|set| walk(set, &counts))
        .sum()
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn measured(text: &str) -> (usize, usize, usize) {
        let document = parse_query(text).unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        let set = &operation.node.selection_set.node;
        (
            depth_of(&document, set),
            count_root_fields(&document, set),
            expanded_fields(&document, set),
        )
    }

    #[test]
    fn fields_are_counted_through_fragments_as_often_as_they_are_spread() {
        assert_eq!(measured("{ me { id nickName } }"), (2, 1, 3));
        assert_eq!(
            measured("{ me { ...F ...F } ledger(id: 1) { name } } fragment F on Me { id }"),
            (2, 2, 5)
        );
        assert_eq!(
            measured("{ ... on Query { me { ... on Me { ledgers { id } } } } }"),
            (3, 1, 3)
        );
    }

    #[test]
    fn introspection_fields_add_no_depth() {
        assert_eq!(measured("{ __schema { types { name } } }").0, 0);
    }

    #[test]
    fn a_fragment_spread_in_itself_counts_nothing_more() {
        assert_eq!(
            measured("{ ...A } fragment A on Query { me { id } ...A ...A }"),
            (2, 1, 2)
        );
    }

    #[test]
    fn long_chains_saturate_instead_of_overflowing() {
        let links: Vec<String> = (0..70)
            .map(|i| {
                format!(
                    "fragment F{i} on Query {{ ...F{next} ...F{next} }}",
                    next = i + 1
                )
            })
            .collect();
        let text = format!(
            "{{ ...F0 }} {} fragment F70 on Query {{ me {{ id }} }}",
            links.join(" ")
        );
        let (_, roots, fields) = measured(&text);
        assert_eq!(roots, usize::MAX);
        assert_eq!(fields, usize::MAX);
    }
}
