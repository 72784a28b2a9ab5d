//! How a resource's declared fields map onto tables and columns.

use mstream_kernel::Resource;

/// The name column of a table referred to (for `*_name` fields and search).
#[derive(Debug, Clone, Copy)]
pub struct Label {
    /// The referred table.
    pub table: &'static str,
    /// Its display column.
    pub column: &'static str,
}

/// A stored field.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The declared field.
    pub field: &'static str,
    /// The column.
    pub column: &'static str,
    /// For a reference: the referred table's label.
    pub refers: Option<Label>,
}

/// A many-to-many field stored in a link table.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The declared field (its ids).
    pub field: &'static str,
    /// The derived field listing the referred entities' labels.
    pub names: &'static str,
    /// The link table.
    pub table: &'static str,
    /// Its column pointing at the owner.
    pub owner: &'static str,
    /// Its column pointing at the referred entity.
    pub target: &'static str,
    /// The referred table's label.
    pub label: Label,
}

/// A derived, read-only field.
#[derive(Debug, Clone, Copy)]
pub enum Derive {
    /// The label of what a reference column points at (`type_name`).
    LabelOf {
        /// The derived field.
        field: &'static str,
        /// The reference field it names.
        of: &'static str,
    },
    /// Labels of the rows elsewhere that point at this one (a genre's
    /// `content`): `SELECT {owner} AS owner, {label} AS label FROM {from}`.
    Reverse {
        /// The derived field.
        field: &'static str,
        /// FROM clause (tables with aliases).
        from: &'static str,
        /// Expression giving the owner's id.
        owner: &'static str,
        /// Expression giving the label.
        label: &'static str,
    },
}

/// A column holding all of a row's searchable text — its own searchable
/// columns and the labels of the searchable entities it refers to — kept
/// by the engine on every write that changes any of it (see
/// [`crate::search`]), so that a search term is one index probe.
#[derive(Debug, Clone, Copy)]
pub struct SearchText {
    /// The column.
    pub column: &'static str,
    /// On SQLite, the FTS5 trigram table indexing it (keyed by rowid); on
    /// PostgreSQL a trigram GIN index on `lower(column)` serves instead.
    pub fts: &'static str,
}

/// A resource's storage.
#[derive(Debug)]
pub struct Table {
    /// The declaration it stores.
    pub resource: &'static Resource,
    /// The table.
    pub name: &'static str,
    /// Stored fields (including `id`, `created`, `updated`).
    pub columns: &'static [Column],
    /// Many-to-many fields.
    pub links: &'static [Link],
    /// Derived fields loaded in batches.
    pub derived: &'static [Derive],
    /// On SQLite, the FTS5 trigram table indexing the searchable text
    /// columns (same column names, keyed by rowid); see the search migration.
    pub fts: Option<&'static str>,
    /// The denormalised search text, when the table keeps one; it then
    /// answers `?search=` alone.
    pub search_text: Option<SearchText>,
    /// The read model column, when the table keeps one: every derived
    /// field of the row (many-to-many ids and labels, labels of references)
    /// as JSON, rewritten in the write transaction by the same machinery as
    /// the search text (see [`crate::read_model`]), so that reading a row
    /// needs no relation statement. NULL (a row not yet written since the
    /// column was added) reads the relations instead.
    pub read_model: Option<&'static str>,
}

impl Table {
    /// The declared fields' names, in declaration order (the order a
    /// record's fields are shown in).
    pub fn field_order(&self) -> Vec<&'static str> {
        self.resource.fields.iter().map(|f| f.name).collect()
    }

    /// The column storing `field`.
    pub fn column(&self, field: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// The link storing `field`.
    pub fn link(&self, field: &str) -> Option<&'static Link> {
        self.links.iter().find(|l| l.field == field)
    }

    /// The field a column stores (for naming unique violations).
    pub fn field_of_column(&self, column: &str) -> Option<&'static str> {
        self.columns
            .iter()
            .find(|c| c.column == column)
            .map(|c| c.field)
    }
}

/// Shorthand for a column named like its field.
pub const fn col(field: &'static str) -> Column {
    Column {
        field,
        column: field,
        refers: None,
    }
}

/// Shorthand for a reference column.
pub const fn fk(
    field: &'static str,
    column: &'static str,
    table: &'static str,
    label: &'static str,
) -> Column {
    Column {
        field,
        column,
        refers: Some(Label {
            table,
            column: label,
        }),
    }
}

/// `id`, `created`, `updated`: every table has them.
pub const ID: Column = col("id");
/// See [`ID`].
pub const CREATED: Column = col("created");
/// See [`ID`].
pub const UPDATED: Column = col("updated");
