//! The one declaration of a resource's fields.
//!
//! Each resource (genre, content, review, …) lists its fields once as a
//! `static` [`Resource`]. Request validation ([`crate::write`]), the list
//! query parser ([`crate::query`]), the database's list compiler and the
//! OpenAPI schema are all derived from it, so a field that is declared
//! filterable is filterable everywhere and nowhere else.

/// What a field holds, and so how it is parsed, stored and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The entity's own UUID.
    Id,
    /// Text of at most `max` characters (after trimming surrounding
    /// whitespace, as DRF does); never blank.
    Text {
        /// The most characters allowed.
        max: usize,
    },
    /// A whole number within `min..=max`.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A floating-point number (read-only aggregates such as `rating`).
    Float,
    /// A yes/no flag.
    Bool,
    /// An instant (see [`crate::Timestamp`]).
    Timestamp,
    /// The id of one entity of resource `to`.
    Ref {
        /// The resource referred to (its [`Resource::name`]).
        to: &'static str,
    },
    /// A non-empty list of ids of entities of resource `to`.
    RefMany {
        /// The resource referred to.
        to: &'static str,
    },
    /// Uploaded bytes; reads back as a signed URL.
    File,
    /// A read-only value computed from related rows (names, nested credits).
    Derived(Derived),
}

/// The shape of a derived, read-only field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// One string (e.g. `type_name`), or null when the relation is empty.
    Text,
    /// A list of strings (e.g. `genre_name`).
    TextList,
    /// A list of objects (e.g. an artist's `credits`).
    ObjectList,
    /// One object, or null (e.g. a user's `subscription`).
    Object,
    /// A URL string.
    Url,
}

/// Whether and how clients may write a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Computed or set by the server; ignored when sent.
    ReadOnly,
    /// Must be sent on create and on `PUT`.
    Required,
    /// Must be sent on create; may be left out on `PUT` (its value is kept).
    RequiredOnCreate,
}

/// One field of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The wire name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Who may write it.
    pub write: Write,
    /// Whether `?name=value` filters on it (and, for numbers and
    /// timestamps, `__gt`, `__gte`, `__lt`, `__lte`).
    pub filter: bool,
    /// Whether `?search=` looks into it (text fields, and for references
    /// the referred entities' names).
    pub search: bool,
    /// Whether `?ordering=` may sort by it.
    pub order: bool,
    /// Whether two entities may not share a value.
    pub unique: bool,
}

impl Field {
    const fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            write: Write::ReadOnly,
            filter: false,
            search: false,
            order: false,
            unique: false,
        }
    }

    /// The entity's id: read-only, filterable, orderable.
    pub const fn id() -> Self {
        Self::new("id", Kind::Id).filter().order()
    }
    /// `created` or `updated`: read-only, filterable with lookups, orderable.
    pub const fn timestamp(name: &'static str) -> Self {
        Self::new(name, Kind::Timestamp).filter().order()
    }
    /// Required text of at most `max` characters.
    pub const fn text(name: &'static str, max: usize) -> Self {
        Self::new(name, Kind::Text { max }).writable()
    }
    /// A required whole number in `min..=max`.
    pub const fn int(name: &'static str, min: i64, max: i64) -> Self {
        Self::new(name, Kind::Int { min, max }).writable()
    }
    /// A read-only floating-point aggregate.
    pub const fn float(name: &'static str) -> Self {
        Self::new(name, Kind::Float)
    }
    /// A flag (read-only until made writable).
    pub const fn bool(name: &'static str) -> Self {
        Self::new(name, Kind::Bool)
    }
    /// A required reference to one entity of `to`.
    pub const fn reference(name: &'static str, to: &'static str) -> Self {
        Self::new(name, Kind::Ref { to }).writable()
    }
    /// A required, non-empty list of references to entities of `to`.
    pub const fn references(name: &'static str, to: &'static str) -> Self {
        Self::new(name, Kind::RefMany { to }).writable()
    }
    /// Uploaded bytes, required on create.
    pub const fn file(name: &'static str) -> Self {
        let mut f = Self::new(name, Kind::File);
        f.write = Write::RequiredOnCreate;
        f
    }
    /// A read-only derived value.
    pub const fn derived(name: &'static str, shape: Derived) -> Self {
        Self::new(name, Kind::Derived(shape))
    }

    /// Clients must send it on create and `PUT`.
    pub const fn writable(mut self) -> Self {
        self.write = Write::Required;
        self
    }
    /// Clients may not write it.
    pub const fn read_only(mut self) -> Self {
        self.write = Write::ReadOnly;
        self
    }
    /// Filterable.
    pub const fn filter(mut self) -> Self {
        self.filter = true;
        self
    }
    /// Searched by `?search=`.
    pub const fn search(mut self) -> Self {
        self.search = true;
        self
    }
    /// Orderable.
    pub const fn order(mut self) -> Self {
        self.order = true;
        self
    }
    /// Filterable, searchable and orderable: a catalog text field.
    pub const fn listed(self) -> Self {
        self.filter().search().order()
    }
    /// Unique across the resource.
    pub const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Whether clients may write it at all.
    pub fn is_writable(&self) -> bool {
        self.write != Write::ReadOnly
    }

    /// Whether the filter takes `__gt`, `__gte`, `__lt`, `__lte`.
    pub fn has_range_lookups(&self) -> bool {
        matches!(self.kind, Kind::Int { .. } | Kind::Float | Kind::Timestamp)
    }
}

/// A resource's declaration: its name and its fields, in wire order.
#[derive(Debug)]
pub struct Resource {
    /// The URL segment and the key in the API root (`genre`, `contents`, …).
    pub name: &'static str,
    /// The singular noun used in messages ("genre with this name already
    /// exists.").
    pub noun: &'static str,
    /// Every field, in the order the representation lists them.
    pub fields: &'static [Field],
}

impl Resource {
    /// The field called `name`, if declared.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields clients may write, in declaration order.
    pub fn writable(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.is_writable())
    }

    /// The fields `?search=` looks into.
    pub fn searchable(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.search)
    }

    /// The DRF message for a duplicate value of `field`.
    pub fn unique_message(&self, field: &str) -> String {
        format!("{} with this {} already exists.", self.noun, field)
    }
}
