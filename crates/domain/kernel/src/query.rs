//! The list-query model: filters, search terms, ordering and a page,
//! parsed from a query string against a [`Resource`] declaration.

use uuid::Uuid;

use crate::id::parse_uuid;
use crate::resource::{Field, Kind, Resource};
use crate::{FieldErrors, Timestamp};

/// Entities per page unless `?page_size=` says otherwise.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest `?page_size=` honoured.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Most search terms a list accepts (SPEC §3): each term is one index
/// probe, and a thousand made SQLite's expression tree too large.
pub const MAX_SEARCH_TERMS: usize = 10;
/// Longest search term, in characters.
pub const MAX_SEARCH_TERM_CHARS: usize = 100;

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Equal (for a list of references: contains).
    Exact,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
}

impl Lookup {
    /// The `__suffix` a query string spells it with (`None` for exact).
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            Lookup::Exact => None,
            Lookup::Gt => Some("gt"),
            Lookup::Gte => Some("gte"),
            Lookup::Lt => Some("lt"),
            Lookup::Lte => Some("lte"),
        }
    }

    fn from_suffix(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "gt" => Lookup::Gt,
            "gte" => Lookup::Gte,
            "lt" => Lookup::Lt,
            "lte" => Lookup::Lte,
            "exact" => Lookup::Exact,
            _ => return None,
        })
    }
}

/// A parsed filter operand.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// An id (of the entity or of a referred one).
    Id(Uuid),
    /// Text, compared exactly.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// An instant.
    Time(Timestamp),
}

/// One filter: `field lookup value`, where several values mean any of them
/// (`?genre=a&genre=b`).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The declared field.
    pub field: &'static Field,
    /// How it compares.
    pub lookup: Lookup,
    /// The operands, OR-ed.
    pub values: Vec<FilterValue>,
}

/// One ordering key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderKey {
    /// The declared field.
    pub field: &'static Field,
    /// Largest first.
    pub descending: bool,
}

/// Which slice of the results to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub number: u64,
    /// Entities per page.
    pub size: u64,
}

impl Default for Page {
    /// Page 1 of [`DEFAULT_PAGE_SIZE`].
    fn default() -> Self {
        Self {
            number: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl Page {
    /// The number `?page=last` asks for; see [`Page::resolve`].
    pub const LAST: u64 = u64::MAX;

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        self.number.saturating_sub(1).saturating_mul(self.size)
    }

    /// The last page for `count` results (page 1 when there are none).
    pub fn last_for(&self, count: u64) -> u64 {
        count.div_ceil(self.size.max(1)).max(1)
    }

    /// This page with `last` replaced by the real last page for `count`.
    pub fn resolve(self, count: u64) -> Self {
        if self.number == Self::LAST {
            Self {
                number: self.last_for(count),
                ..self
            }
        } else {
            self
        }
    }

    /// The page `pairs` (a query string) asks for with `page` and
    /// `page_size`, DRF's page-number pagination; other keys are ignored.
    ///
    /// ```
    /// use mstream_kernel::Page;
    /// let pairs = [("page".to_owned(), "2".to_owned()), ("page_size".to_owned(), "500".to_owned())];
    /// assert_eq!(Page::parse(&pairs), Ok(Page { number: 2, size: 100 }));
    /// ```
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, QueryError> {
        let mut page = Self::default();
        for (key, raw) in pairs {
            page.read(key, raw)?;
        }
        Ok(page)
    }

    /// Takes `page` or `page_size` from one query-string pair.
    fn read(&mut self, key: &str, raw: &str) -> Result<(), QueryError> {
        match key {
            "page" => {
                self.number = match raw.trim().parse::<u64>() {
                    Ok(n) if n >= 1 => n,
                    _ if raw.trim() == "last" => Page::LAST,
                    _ => return Err(QueryError::InvalidPage),
                }
            }
            "page_size" => {
                // DRF falls back to the default on a bad page size.
                if let Ok(n) = raw.trim().parse::<u64>() {
                    if n >= 1 {
                        self.size = n.min(MAX_PAGE_SIZE);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether this page exists for `count` results (page 1 always does).
    pub fn exists_for(&self, count: u64) -> bool {
        self.number == 1 || self.offset() < count
    }
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Filters, AND-ed.
    pub filters: Vec<Filter>,
    /// Search terms: each must appear in some searchable field.
    pub search: Vec<String>,
    /// Ordering keys; the default is `created` ascending. The database
    /// always appends `id` as the last key.
    pub ordering: Vec<OrderKey>,
    /// The page.
    pub page: Page,
}

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// A filter value was malformed (400 with the field messages).
    #[error("invalid filter: {0}")]
    Fields(FieldErrors),
    /// `page` was not a positive integer (404 `Invalid page.`).
    #[error("invalid page")]
    InvalidPage,
}

impl ListQuery {
    /// A query with no filters, search or ordering, on page 1.
    pub fn all(resource: &Resource) -> Self {
        Self {
            filters: Vec::new(),
            search: Vec::new(),
            ordering: default_ordering(resource),
            page: Page::default(),
        }
    }

    /// Parses `pairs` (the query string, in order, repeats kept) against
    /// `resource`. Unknown parameters and unknown ordering fields are ignored,
    /// as DRF ignores them.
    pub fn parse(resource: &Resource, pairs: &[(String, String)]) -> Result<Self, QueryError> {
        let mut query = Self::all(resource);
        let mut errors = FieldErrors::new();
        let mut ordering_given = false;
        for (key, raw) in pairs {
            match key.as_str() {
                "search" => query.search.extend(
                    // U+0000 separates terms too: no stored text holds it.
                    raw.split(|c: char| c.is_whitespace() || c == ',' || c == '\0')
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                ),
                "ordering" => {
                    ordering_given = true;
                    query.ordering = parse_ordering(resource, raw);
                }
                "page" | "page_size" => query.page.read(key, raw)?,
                _ => {
                    let (name, lookup) = match key.split_once("__") {
                        Some((name, suffix)) => match Lookup::from_suffix(suffix) {
                            Some(lookup) => (name, lookup),
                            None => continue,
                        },
                        None => (key.as_str(), Lookup::Exact),
                    };
                    let Some(field) = resource.field(name).filter(|f| f.filter) else {
                        continue;
                    };
                    if lookup != Lookup::Exact && !field.has_range_lookups() {
                        continue;
                    }
                    // An empty value means "no filter", as django-filter treats it.
                    if raw.is_empty() {
                        continue;
                    }
                    match parse_value(field, raw) {
                        Ok(value) => add_filter(&mut query.filters, field, lookup, value),
                        Err(message) => errors.add(key.clone(), message),
                    }
                }
            }
        }
        if !ordering_given || query.ordering.is_empty() {
            query.ordering = default_ordering(resource);
        }
        if query.search.len() > MAX_SEARCH_TERMS {
            errors.add(
                "search",
                format!("Ensure there are no more than {MAX_SEARCH_TERMS} search terms."),
            );
        }
        if query
            .search
            .iter()
            .any(|term| term.chars().count() > MAX_SEARCH_TERM_CHARS)
        {
            errors.add(
                "search",
                format!(
                    "Ensure each search term has no more than {MAX_SEARCH_TERM_CHARS} characters."
                ),
            );
        }
        errors.into_result().map_err(QueryError::Fields)?;
        Ok(query)
    }
}

fn default_ordering(resource: &Resource) -> Vec<OrderKey> {
    resource
        .field("created")
        .map(|field| OrderKey {
            field,
            descending: false,
        })
        .into_iter()
        .collect()
}

fn parse_ordering(resource: &Resource, raw: &str) -> Vec<OrderKey> {
    raw.split(',')
        .map(str::trim)
        .filter_map(|term| {
            let (name, descending) = match term.strip_prefix('-') {
                Some(name) => (name, true),
                None => (term, false),
            };
            resource
                .field(name)
                .filter(|f| f.order)
                .map(|field| OrderKey { field, descending })
        })
        .collect()
}

fn add_filter(
    filters: &mut Vec<Filter>,
    field: &'static Field,
    lookup: Lookup,
    value: FilterValue,
) {
    match filters
        .iter_mut()
        .find(|f| f.field.name == field.name && f.lookup == lookup && lookup == Lookup::Exact)
    {
        Some(existing) => existing.values.push(value),
        None => filters.push(Filter {
            field,
            lookup,
            values: vec![value],
        }),
    }
}

fn parse_value(field: &Field, raw: &str) -> Result<FilterValue, String> {
    let raw_trimmed = raw.trim();
    match field.kind {
        Kind::Id | Kind::Ref { .. } | Kind::RefMany { .. } => parse_uuid(raw_trimmed)
            .map(FilterValue::Id)
            .ok_or_else(|| "Enter a valid UUID.".to_owned()),
        Kind::Int { .. } => raw_trimmed
            .parse::<i64>()
            .map(FilterValue::Int)
            .map_err(|_| "Enter a number.".to_owned()),
        Kind::Float => raw_trimmed
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(FilterValue::Float)
            .ok_or_else(|| "Enter a number.".to_owned()),
        Kind::Timestamp => Timestamp::parse(raw_trimmed)
            .map(FilterValue::Time)
            .ok_or_else(|| "Enter a valid date/time.".to_owned()),
        Kind::Bool => match raw_trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(FilterValue::Bool(true)),
            "false" | "0" | "no" => Ok(FilterValue::Bool(false)),
            _ => Err(
                "Select a valid choice. That choice is not one of the available choices."
                    .to_owned(),
            ),
        },
        Kind::Text { .. } if raw.contains('\0') => Err(crate::write::NULL_CHARACTERS.to_owned()),
        Kind::Text { .. } => Ok(FilterValue::Text(raw.to_owned())),
        Kind::File | Kind::Derived(_) => Err("This field cannot be filtered.".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RES: Resource = Resource {
        name: "things",
        noun: "thing",
        fields: &[
            Field::id(),
            Field::text("name", 70).listed().unique(),
            Field::int("rating", 0, 5).filter().order(),
            Field::references("genre", "genre").filter(),
            Field::timestamp("created"),
        ],
    };

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn repeated_filters_are_ored_and_lookups_kept_apart() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let q = ListQuery::parse(
            &RES,
            &pairs(&format!("genre={a}&genre={b}&rating__gte=2&rating__lt=5")),
        )
        .unwrap();
        assert_eq!(q.filters.len(), 3);
        assert_eq!(
            q.filters[0].values,
            vec![FilterValue::Id(a), FilterValue::Id(b)]
        );
        assert_eq!(q.filters[1].lookup, Lookup::Gte);
        assert_eq!(q.filters[2].lookup, Lookup::Lt);
    }

    #[test]
    fn malformed_values_name_the_parameter() {
        let err = ListQuery::parse(&RES, &pairs("genre=nope&rating__gte=x")).unwrap_err();
        let QueryError::Fields(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.fields()["genre"], vec!["Enter a valid UUID."]);
        assert_eq!(errors.fields()["rating__gte"], vec!["Enter a number."]);
    }

    #[test]
    fn ordering_ignores_unknown_fields_and_defaults_to_created() {
        let q = ListQuery::parse(&RES, &pairs("ordering=-rating,bogus,name")).unwrap();
        let keys: Vec<_> = q
            .ordering
            .iter()
            .map(|k| (k.field.name, k.descending))
            .collect();
        assert_eq!(keys, vec![("rating", true), ("name", false)]);
        let q = ListQuery::parse(&RES, &pairs("ordering=bogus")).unwrap();
        assert_eq!(q.ordering[0].field.name, "created");
    }

    #[test]
    fn pages_are_positive_and_sizes_capped() {
        assert_eq!(
            ListQuery::parse(&RES, &pairs("page=0")),
            Err(QueryError::InvalidPage)
        );
        assert_eq!(
            ListQuery::parse(&RES, &pairs("page=abc")),
            Err(QueryError::InvalidPage)
        );
        let q = ListQuery::parse(&RES, &pairs("page=3&page_size=500")).unwrap();
        assert_eq!(
            q.page,
            Page {
                number: 3,
                size: MAX_PAGE_SIZE
            }
        );
        assert!(!q.page.exists_for(200));
        assert!(q.page.exists_for(201));
        let last = ListQuery::parse(&RES, &pairs("page=last&page_size=10"))
            .unwrap()
            .page;
        assert_eq!(last.resolve(25).number, 3);
        assert_eq!(last.resolve(0).number, 1);
    }

    #[test]
    fn search_takes_at_most_ten_terms_of_a_hundred_characters() {
        let ten = ["a"; 10].join(" ");
        assert!(ListQuery::parse(&RES, &[("search".into(), ten.clone())]).is_ok());
        let eleven = format!("{ten} b");
        let Err(QueryError::Fields(errors)) = ListQuery::parse(&RES, &[("search".into(), eleven)])
        else {
            panic!("11 terms accepted")
        };
        assert!(errors.has("search"));
        let long = "é".repeat(101);
        assert!(ListQuery::parse(&RES, &[("search".into(), "é".repeat(100))]).is_ok());
        assert!(ListQuery::parse(&RES, &[("search".into(), long)]).is_err());
    }

    #[test]
    fn search_splits_on_whitespace_and_range_lookups_need_numbers() {
        let q = ListQuery::parse(&RES, &pairs("search=a%20b&name__gte=x")).unwrap();
        assert_eq!(q.search, vec!["a%20b"]);
        assert!(q.filters.is_empty(), "text fields take no range lookups");
    }
}
