//! Typed list queries: built in Rust, rendered to the query string that
//! [`crate::ListQuery::parse`] reads on the server.
//!
//! ```
//! use mstream_kernel::list::{Query, QueryField};
//! use mstream_kernel::query_fields;
//! # use mstream_kernel::resource::{Field, Resource};
//! # static THINGS: Resource = Resource { name: "things", noun: "thing", fields: &[
//! #     Field::id(), Field::text("name", 70).listed(), Field::timestamp("created")] };
//!
//! query_fields! {
//!     /// What a list of things filters and orders by.
//!     pub enum ThingField for THINGS { Id = "id", Name = "name", Created = "created" }
//! }
//!
//! let query = Query::new()
//!     .filter(ThingField::Name, "Dune")
//!     .search("sand worm")
//!     .order_by_desc(ThingField::Created)
//!     .page(2);
//! assert_eq!(
//!     query.to_query_string(),
//!     "name=Dune&search=sand+worm&ordering=-created&page=2"
//! );
//! ```

use crate::query::{FilterValue, Lookup};
use crate::resource::Resource;
use crate::{Id, Timestamp};

/// The fields of one resource a list may filter or order by, as an enum
/// (made with [`query_fields!`](crate::query_fields)).
pub trait QueryField: Copy + Eq + std::fmt::Debug + 'static {
    /// The declaration the names belong to.
    const RESOURCE: &'static Resource;
    /// Every variant.
    const ALL: &'static [Self];
    /// The wire name.
    fn name(self) -> &'static str;
}

/// Declares a [`QueryField`] enum: `Variant = "wire_name"` for each field.
#[macro_export]
macro_rules! query_fields {
    ($(#[$meta:meta])* $vis:vis enum $name:ident for $res:path {
        $($variant:ident = $wire:literal),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(#[doc = concat!("`", $wire, "`")] $variant,)*
        }
        impl $crate::list::QueryField for $name {
            const RESOURCE: &'static $crate::Resource = &$res;
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $wire,)* }
            }
        }
    };
}

/// Checks that `F` names exactly the fields its declaration lets a list
/// filter or order by.
pub fn check_query_fields<F: QueryField>() -> Result<(), String> {
    let declared: Vec<&str> = F::RESOURCE
        .fields
        .iter()
        .filter(|f| f.filter || f.order)
        .map(|f| f.name)
        .collect();
    let typed: Vec<&str> = F::ALL.iter().map(|f| f.name()).collect();
    if declared == typed {
        Ok(())
    } else {
        Err(format!(
            "{}: the declaration lists by {declared:?}, the enum by {typed:?}",
            F::RESOURCE.name
        ))
    }
}

/// One filter of a [`Query`]: `field[__lookup]=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryFilter<F> {
    /// The field.
    pub field: F,
    /// How it compares.
    pub lookup: Lookup,
    /// The operand.
    pub value: FilterValue,
}

/// A list request for the resource of `F`: filters (AND-ed; several exact
/// values of one field are OR-ed, as the server reads `?genre=a&genre=b`),
/// search terms, ordering keys, page and page size. The default is what the
/// server does with an empty query string.
#[derive(Debug, Clone, PartialEq)]
pub struct Query<F> {
    filters: Vec<QueryFilter<F>>,
    search: Vec<String>,
    ordering: Vec<(F, bool)>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl<F> Default for Query<F> {
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            search: Vec::new(),
            ordering: Vec::new(),
            page: None,
            page_size: None,
        }
    }
}

impl<F: QueryField> Query<F> {
    /// Everything, in the default order, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps entities whose `field` equals `value` (for lists of
    /// references: contains it). Repeat to accept any of several values.
    pub fn filter(self, field: F, value: impl Into<FilterValue>) -> Self {
        self.filter_by(field, Lookup::Exact, value)
    }

    /// Keeps entities whose `field` compares to `value` as `lookup` says
    /// (`__gt`, `__gte`, `__lt`, `__lte` apply to numbers and timestamps).
    pub fn filter_by(mut self, field: F, lookup: Lookup, value: impl Into<FilterValue>) -> Self {
        self.filters.push(QueryFilter {
            field,
            lookup,
            value: value.into(),
        });
        self
    }

    /// Adds search terms: `text` is split on whitespace and commas as the
    /// server splits it; each term must appear in some searchable field.
    pub fn search(mut self, text: &str) -> Self {
        self.search.extend(
            text.split(|c: char| c.is_whitespace() || c == ',' || c == '\0')
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        );
        self
    }

    /// Orders by `field`, smallest first, after the keys already given.
    /// A field the declaration does not let lists order by is ignored by
    /// the server, as DRF ignores it.
    pub fn order_by(mut self, field: F) -> Self {
        self.ordering.push((field, false));
        self
    }

    /// Orders by `field`, largest first, after the keys already given.
    pub fn order_by_desc(mut self, field: F) -> Self {
        self.ordering.push((field, true));
        self
    }

    /// Asks for page `number` (1-based).
    pub fn page(mut self, number: u64) -> Self {
        self.page = Some(number);
        self
    }

    /// Asks for `size` entities per page (the server caps it at 100).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The filters, in the order given.
    pub fn filters(&self) -> &[QueryFilter<F>] {
        &self.filters
    }

    /// The search terms.
    pub fn search_terms(&self) -> &[String] {
        &self.search
    }

    /// The ordering keys: field and whether largest first.
    pub fn ordering(&self) -> &[(F, bool)] {
        &self.ordering
    }

    /// The page asked for, if any.
    pub fn page_number(&self) -> Option<u64> {
        self.page
    }

    /// The page size asked for, if any.
    pub fn size(&self) -> Option<u64> {
        self.page_size
    }

    /// The query as ordered key–value pairs, not yet percent-encoded.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .filters
            .iter()
            .map(|f| {
                let key = match f.lookup.suffix() {
                    Some(suffix) => format!("{}__{suffix}", f.field.name()),
                    None => f.field.name().to_owned(),
                };
                (key, render_value(&f.value))
            })
            .collect();
        if !self.search.is_empty() {
            pairs.push(("search".into(), self.search.join(" ")));
        }
        if !self.ordering.is_empty() {
            let keys: Vec<String> = self
                .ordering
                .iter()
                .map(|(f, desc)| format!("{}{}", if *desc { "-" } else { "" }, f.name()))
                .collect();
            pairs.push(("ordering".into(), keys.join(",")));
        }
        if let Some(page) = self.page {
            pairs.push(("page".into(), page.to_string()));
        }
        if let Some(size) = self.page_size {
            pairs.push(("page_size".into(), size.to_string()));
        }
        pairs
    }

    /// The query string (without `?`), form-encoded as the server decodes.
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self.to_pairs()).unwrap_or_default()
    }
}

fn render_value(value: &FilterValue) -> String {
    match value {
        FilterValue::Id(id) => id.hyphenated().to_string(),
        FilterValue::Text(text) => text.clone(),
        FilterValue::Int(n) => n.to_string(),
        FilterValue::Float(x) => x.to_string(),
        FilterValue::Bool(b) => b.to_string(),
        FilterValue::Time(t) => t.to_rfc3339(),
    }
}

impl<T> From<Id<T>> for FilterValue {
    fn from(id: Id<T>) -> Self {
        FilterValue::Id(id.uuid())
    }
}
impl From<&str> for FilterValue {
    fn from(text: &str) -> Self {
        FilterValue::Text(text.to_owned())
    }
}
impl From<String> for FilterValue {
    fn from(text: String) -> Self {
        FilterValue::Text(text)
    }
}
impl<const MAX: usize> From<&crate::value::Text<MAX>> for FilterValue {
    fn from(text: &crate::value::Text<MAX>) -> Self {
        FilterValue::Text(text.as_str().to_owned())
    }
}
impl From<i64> for FilterValue {
    fn from(n: i64) -> Self {
        FilterValue::Int(n)
    }
}
impl From<f64> for FilterValue {
    fn from(x: f64) -> Self {
        FilterValue::Float(x)
    }
}
impl From<bool> for FilterValue {
    fn from(b: bool) -> Self {
        FilterValue::Bool(b)
    }
}
impl From<Timestamp> for FilterValue {
    fn from(t: Timestamp) -> Self {
        FilterValue::Time(t)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::query::{ListQuery, DEFAULT_PAGE_SIZE};
    use crate::resource::{Field, Kind};

    static RES: Resource = Resource {
        name: "things",
        noun: "thing",
        fields: &[
            Field::id(),
            Field::text("name", 70).listed().unique(),
            Field::int("rating", 0, 5).filter().order(),
            Field::float("score").filter().order(),
            Field::bool("hidden").filter(),
            Field::references("genre", "genre").filter(),
            Field::timestamp("created"),
        ],
    };

    crate::query_fields! {
        /// Test fields.
        enum ThingField for RES {
            Id = "id", Name = "name", Rating = "rating", Score = "score",
            Hidden = "hidden", Genre = "genre", Created = "created",
        }
    }

    #[test]
    fn the_enum_matches_the_declaration() {
        check_query_fields::<ThingField>().unwrap();
    }

    fn lookup() -> impl Strategy<Value = Lookup> {
        prop_oneof![
            Just(Lookup::Exact),
            Just(Lookup::Gt),
            Just(Lookup::Gte),
            Just(Lookup::Lt),
            Just(Lookup::Lte)
        ]
    }

    /// A filter the server keeps: a value of the field's kind, range
    /// lookups only where the field has them, text never empty.
    fn filter() -> impl Strategy<Value = QueryFilter<ThingField>> {
        let field = proptest::sample::select(ThingField::ALL);
        (
            field,
            lookup(),
            any::<u128>(),
            "[a-zA-Z0-9 &=+%?#é_.-]{1,12}",
            any::<i64>(),
            any::<f64>(),
            any::<bool>(),
            0i64..4_000_000_000,
        )
            .prop_map(|(field, lookup, id, text, n, x, b, secs)| {
                let declared = RES.field(field.name()).unwrap();
                let lookup = if declared.has_range_lookups() {
                    lookup
                } else {
                    Lookup::Exact
                };
                let value = match declared.kind {
                    Kind::Id | Kind::Ref { .. } | Kind::RefMany { .. } => {
                        FilterValue::Id(uuid::Uuid::from_u128(id))
                    }
                    Kind::Int { .. } => FilterValue::Int(n),
                    Kind::Float => FilterValue::Float(if x.is_finite() { x } else { 0.5 }),
                    Kind::Bool => FilterValue::Bool(b),
                    Kind::Timestamp => FilterValue::Time(Timestamp::from_utc(
                        chrono::DateTime::from_timestamp(secs, (id % 1_000_000_000) as u32)
                            .unwrap(),
                    )),
                    _ => FilterValue::Text(text),
                };
                QueryFilter {
                    field,
                    lookup,
                    value,
                }
            })
    }

    fn query() -> impl Strategy<Value = Query<ThingField>> {
        (
            proptest::collection::vec(filter(), 0..6),
            proptest::collection::vec("[a-zA-Z0-9é%&+_-]{1,10}", 0..5),
            proptest::collection::vec(
                (proptest::sample::select(ThingField::ALL), any::<bool>()),
                0..4,
            ),
            proptest::option::of(1u64..1000),
            proptest::option::of(1u64..=100),
        )
            .prop_map(|(filters, terms, ordering, page, size)| {
                let mut q = Query::new();
                for f in filters {
                    q = q.filter_by(f.field, f.lookup, f.value);
                }
                q = q.search(&terms.join(" "));
                for (field, desc) in ordering {
                    q = if desc {
                        q.order_by_desc(field)
                    } else {
                        q.order_by(field)
                    };
                }
                if let Some(page) = page {
                    q = q.page(page);
                }
                if let Some(size) = size {
                    q = q.page_size(size);
                }
                q
            })
    }

    type Filters = Vec<(&'static str, Lookup, Vec<FilterValue>)>;

    /// What the server should make of `q`: exact filters of one field
    /// merged into one OR-ed filter, the others kept apart.
    fn expected(q: &Query<ThingField>) -> (Filters, Vec<(&'static str, bool)>) {
        let mut filters: Filters = Vec::new();
        for f in q.filters() {
            match filters.iter_mut().find(|(name, lookup, _)| {
                *name == f.field.name() && *lookup == f.lookup && f.lookup == Lookup::Exact
            }) {
                Some(existing) => existing.2.push(f.value.clone()),
                None => filters.push((f.field.name(), f.lookup, vec![f.value.clone()])),
            }
        }
        let mut ordering: Vec<(&str, bool)> = q
            .ordering()
            .iter()
            .filter(|(f, _)| RES.field(f.name()).is_some_and(|d| d.order))
            .map(|(f, d)| (f.name(), *d))
            .collect();
        if ordering.is_empty() {
            ordering.push(("created", false));
        }
        (filters, ordering)
    }

    proptest! {
        #[test]
        fn render_then_parse_gives_the_same_query(q in query()) {
            let text = q.to_query_string();
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&text).unwrap();
            let parsed = ListQuery::parse(&RES, &pairs).unwrap();
            let (filters, ordering) = expected(&q);
            let got: Filters = parsed.filters.iter().map(|f| (f.field.name, f.lookup, f.values.clone())).collect();
            prop_assert_eq!(got, filters);
            prop_assert_eq!(&parsed.search, q.search_terms());
            let got: Vec<(&str, bool)> = parsed.ordering.iter().map(|k| (k.field.name, k.descending)).collect();
            prop_assert_eq!(got, ordering);
            prop_assert_eq!(parsed.page.number, q.page_number().unwrap_or(1));
            prop_assert_eq!(parsed.page.size, q.size().unwrap_or(DEFAULT_PAGE_SIZE));
        }
    }
}
