//! The storage of each resource: its table mapping, its row type and any
//! nested field, bundled as a [`Repo`]. Adding a resource is one entry here
//! (plus its migration).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Bool, Double, Integer, Text, Timestamp as SqlTimestamp};
use mstream_kernel::{FieldValue, ListQuery, Record, Resource, Timestamp};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::engine::{self, DbRow, KnownCount, Listed};
use crate::error::{DbError, DbResult};
use crate::rows::parse_id;
use crate::table::{col, fk, Derive, Label, Link, SearchText, Table, CREATED, ID, UPDATED};

/// The Rust type diesel reads an SQL type into.
pub trait SqlRust {
    /// The Rust type.
    type Rust;
}
impl SqlRust for Text {
    type Rust = String;
}
impl SqlRust for BigInt {
    type Rust = i64;
}
impl SqlRust for Integer {
    type Rust = i32;
}
impl SqlRust for Double {
    type Rust = f64;
}
impl SqlRust for Bool {
    type Rust = bool;
}
impl SqlRust for SqlTimestamp {
    type Rust = NaiveDateTime;
}

fn id(v: String) -> DbResult<FieldValue> {
    parse_id(&v).map(FieldValue::Id)
}
fn text(v: String) -> DbResult<FieldValue> {
    Ok(FieldValue::Text(v))
}
fn int(v: impl Into<i64>) -> DbResult<FieldValue> {
    Ok(FieldValue::Int(v.into()))
}
fn float(v: f64) -> DbResult<FieldValue> {
    Ok(FieldValue::Float(v))
}
fn flag(v: bool) -> DbResult<FieldValue> {
    Ok(FieldValue::Bool(v))
}
fn time(v: NaiveDateTime) -> DbResult<FieldValue> {
    Ok(FieldValue::Time(Timestamp::from_naive_utc(v)))
}

/// Declares a row type read by column name and its conversion to a record.
macro_rules! db_row {
    ($(#[$meta:meta])* $row:ident { $($col:ident : $st:ident => $conv:ident $(as $wire:literal)?),* $(,)? }
        $(model $model:ident)?) => {
        $(#[$meta])*
        #[derive(diesel::QueryableByName)]
        pub struct $row {
            $(
                #[diesel(sql_type = $st)]
                $col: <$st as SqlRust>::Rust,
            )*
            $(
                #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
                $model: Option<String>,
            )?
        }
        impl DbRow for $row {
            const FIELDS: &'static [&'static str] = &[$(db_row!(@name $col $($wire)?)),*];
            fn into_record(self) -> DbResult<Record> {
                let mut record = Record::new();
                $( record.set(db_row!(@name $col $($wire)?), $conv(self.$col)?); )*
                Ok(record)
            }
            $(
                fn take_read_model(&mut self) -> Option<String> {
                    self.$model.take()
                }
                const READS_MODEL: bool = { let _ = stringify!($model); true };
            )?
        }
    };
    (@name $col:ident $wire:literal) => { $wire };
    (@name $col:ident) => { stringify!($col) };
}

db_row!(
    /// A row of `genres` or `parental_control_tags` or `plans`.
    NamedRow { id: Text => id, name: Text => text, created: SqlTimestamp => time, updated: SqlTimestamp => time }
);
db_row!(
    /// A row of `content_types`.
    TypeRow { id: Text => id, r#type: Text => text as "type", created: SqlTimestamp => time, updated: SqlTimestamp => time }
);
db_row!(
    /// A row of `artists`.
    ArtistRow {
        id: Text => id, name: Text => text, about: Text => text,
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    }
);
db_row!(
    /// A row of `contents`.
    ContentRow {
        id: Text => id, name: Text => text, about: Text => text, type_id: Text => id as "type",
        rating: Double => float, reviews_count: BigInt => int,
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    } model read_model
);
db_row!(
    /// A row of `media_files`.
    MediaRow {
        id: Text => id, name: Text => text, file: Text => text, content_id: Text => id as "content",
        size: BigInt => int, mime_type: Text => text, sha256: Text => text,
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    }
);
db_row!(
    /// A row of `artist_content_relations`.
    RelationRow {
        id: Text => id, artist_id: Text => id as "artist", content_id: Text => id as "content",
        relation: Text => text, created: SqlTimestamp => time, updated: SqlTimestamp => time,
    }
);
db_row!(
    /// A row of `reviews`.
    ReviewRow {
        id: Text => id, content_id: Text => id as "content", user_id: Text => id as "user",
        title: Text => text, review: Text => text, rating: Integer => int,
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    } model read_model
);
db_row!(
    /// A row of `subscriptions`.
    SubscriptionRow {
        id: Text => id, user_id: Text => id as "user", plan_id: Text => id as "plan",
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    }
);
db_row!(
    /// A row of `users`, without its password hash.
    UserRow {
        id: Text => id, username: Text => text, email: Text => text, is_admin: Bool => flag,
        created: SqlTimestamp => time, updated: SqlTimestamp => time,
    }
);

/// Loads nested fields that are neither labels nor links (an artist's
/// credits, a user's subscription).
type Nested = fn(&mut AnyConn, &mut [Record]) -> DbResult<()>;
/// The engine's list, instantiated for a row type.
type ListFn = fn(&mut AnyConn, &Table, &ListQuery, Option<KnownCount>) -> DbResult<Listed>;
/// The engine's `records_where`, instantiated for a row type.
type ByFn = fn(&mut AnyConn, &Table, &'static str, &[Uuid]) -> DbResult<Vec<Record>>;

/// A resource's storage: the mapping, and the engine instantiated for its row type.
pub struct Repo {
    /// The mapping.
    pub table: &'static Table,
    list: ListFn,
    by: ByFn,
    nested: Option<Nested>,
    /// The fields its row type reads.
    row_fields: &'static [&'static str],
}

impl Repo {
    /// The wire names of the fields its row type reads (its columns'
    /// fields; derived and linked fields are loaded beside them).
    pub fn row_fields(&self) -> &'static [&'static str] {
        self.row_fields
    }

    /// The declaration stored.
    pub fn resource(&self) -> &'static Resource {
        self.table.resource
    }

    /// A page as `query` asks, with every derived field; `known` is a
    /// count kept from an earlier list of the same filters and search
    /// ([`engine::list`]).
    pub fn list(
        &self,
        conn: &mut AnyConn,
        query: &ListQuery,
        known: Option<KnownCount>,
    ) -> DbResult<Listed> {
        let mut listed = (self.list)(conn, self.table, query, known)?;
        if let Some(nested) = self.nested {
            nested(conn, &mut listed.records)?;
        }
        Ok(listed)
    }

    /// The wire field a unique violation on this table is about, if any.
    pub fn unique_field(&self, error: &DbError) -> Option<&'static str> {
        match error {
            DbError::Unique { columns, .. } => {
                columns.iter().find_map(|c| self.table.field_of_column(c))
            }
            _ => None,
        }
    }

    /// Entities whose `column` is one of `ids`, with every derived field.
    pub(crate) fn by(
        &self,
        conn: &mut AnyConn,
        column: &'static str,
        ids: &[Uuid],
    ) -> DbResult<Vec<Record>> {
        let mut records = (self.by)(conn, self.table, column, ids)?;
        if let Some(nested) = self.nested {
            nested(conn, &mut records)?;
        }
        Ok(records)
    }

    /// One entity by id.
    pub fn get(&self, conn: &mut AnyConn, id: Uuid) -> DbResult<Record> {
        self.by(conn, "id", &[id])?
            .pop()
            .ok_or(crate::DbError::NotFound)
    }
}

const fn repo<R: DbRow>(table: &'static Table, nested: Option<Nested>) -> Repo {
    Repo {
        table,
        list: engine::list::<R>,
        by: engine::records_where::<R>,
        nested,
        row_fields: R::FIELDS,
    }
}

const fn label(table: &'static str, column: &'static str) -> Label {
    Label { table, column }
}

static GENRES: Table = Table {
    resource: &mstream_genres::GENRE,
    name: "genres",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[ID, col("name"), CREATED, UPDATED],
    links: &[],
    derived: &[Derive::Reverse {
        field: "content",
        from: "content_genres l JOIN contents c ON c.id = l.content_id",
        owner: "l.genre_id",
        label: "c.name",
    }],
};
static TAGS: Table = Table {
    resource: &mstream_content::PARENTAL_CONTROL_TAG,
    name: "parental_control_tags",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[ID, col("name"), CREATED, UPDATED],
    links: &[],
    derived: &[Derive::Reverse {
        field: "content",
        from: "content_tags l JOIN contents c ON c.id = l.content_id",
        owner: "l.tag_id",
        label: "c.name",
    }],
};
static TYPES: Table = Table {
    resource: &mstream_content::CONTENT_TYPE,
    name: "content_types",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[ID, col("type"), CREATED, UPDATED],
    links: &[],
    derived: &[Derive::Reverse {
        field: "content",
        from: "contents c",
        owner: "c.type_id",
        label: "c.name",
    }],
};
static ARTISTS: Table = Table {
    resource: &mstream_artists::ARTIST,
    name: "artists",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[ID, col("name"), col("about"), CREATED, UPDATED],
    links: &[],
    derived: &[],
};
static CONTENTS: Table = Table {
    resource: &mstream_content::CONTENT,
    name: "contents",
    fts: None,
    search_text: Some(SearchText {
        column: "search_text",
        fts: "contents_search",
    }),
    read_model: Some("read_model"),
    columns: &[
        ID,
        col("name"),
        col("about"),
        fk("type", "type_id", "content_types", "type"),
        col("rating"),
        col("reviews_count"),
        CREATED,
        UPDATED,
    ],
    links: &[
        Link {
            field: "genre",
            names: "genre_name",
            table: "content_genres",
            owner: "content_id",
            target: "genre_id",
            label: label("genres", "name"),
        },
        Link {
            field: "cast",
            names: "cast_name",
            table: "content_cast",
            owner: "content_id",
            target: "artist_id",
            label: label("artists", "name"),
        },
        Link {
            field: "parental_control_tags",
            names: "parental_control_tags_name",
            table: "content_tags",
            owner: "content_id",
            target: "tag_id",
            label: label("parental_control_tags", "name"),
        },
    ],
    derived: &[Derive::LabelOf {
        field: "type_name",
        of: "type",
    }],
};
static MEDIA_FILES: Table = Table {
    resource: &mstream_content::MEDIA_FILE,
    name: "media_files",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[
        ID,
        col("name"),
        col("file"),
        fk("content", "content_id", "contents", "name"),
        col("size"),
        col("mime_type"),
        col("sha256"),
        CREATED,
        UPDATED,
    ],
    links: &[],
    derived: &[Derive::LabelOf {
        field: "content_name",
        of: "content",
    }],
};
static RELATIONS: Table = Table {
    resource: &mstream_artists::ARTIST_CONTENT_RELATION,
    name: "artist_content_relations",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[
        ID,
        fk("artist", "artist_id", "artists", "name"),
        fk("content", "content_id", "contents", "name"),
        col("relation"),
        CREATED,
        UPDATED,
    ],
    links: &[],
    derived: &[
        Derive::LabelOf {
            field: "artist_name",
            of: "artist",
        },
        Derive::LabelOf {
            field: "content_name",
            of: "content",
        },
    ],
};
static REVIEWS: Table = Table {
    resource: &mstream_reviews::REVIEW,
    name: "reviews",
    fts: Some("reviews_fts"),
    search_text: None,
    read_model: None,
    columns: &[
        ID,
        fk("content", "content_id", "contents", "name"),
        fk("user", "user_id", "users", "username"),
        col("title"),
        col("review"),
        col("rating"),
        CREATED,
        UPDATED,
    ],
    links: &[],
    derived: &[Derive::LabelOf {
        field: "content_name",
        of: "content",
    }],
};
static PLANS: Table = Table {
    resource: &mstream_subscriptions::PLAN,
    name: "plans",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[ID, col("name"), CREATED, UPDATED],
    links: &[],
    derived: &[],
};
static SUBSCRIPTIONS: Table = Table {
    resource: &mstream_subscriptions::SUBSCRIPTION,
    name: "subscriptions",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[
        ID,
        fk("user", "user_id", "users", "username"),
        fk("plan", "plan_id", "plans", "name"),
        CREATED,
        UPDATED,
    ],
    links: &[],
    derived: &[
        Derive::LabelOf {
            field: "user_user",
            of: "user",
        },
        Derive::LabelOf {
            field: "plan_name",
            of: "plan",
        },
    ],
};
static USERS: Table = Table {
    resource: &mstream_kernel::user::USER,
    name: "users",
    fts: None,
    search_text: None,
    read_model: None,
    columns: &[
        ID,
        col("username"),
        col("email"),
        col("is_admin"),
        CREATED,
        UPDATED,
    ],
    links: &[],
    derived: &[],
};

/// `/api/genre/`.
pub static GENRE: Repo = repo::<NamedRow>(&GENRES, None);
/// `/api/parcontag/`.
pub static PARENTAL_CONTROL_TAG: Repo = repo::<NamedRow>(&TAGS, None);
/// `/api/contype/`.
pub static CONTENT_TYPE: Repo = repo::<TypeRow>(&TYPES, None);
/// `/api/artists/`.
pub static ARTIST: Repo = repo::<ArtistRow>(&ARTISTS, Some(attach_credits));
/// `/api/contents/`.
pub static CONTENT: Repo = repo::<ContentRow>(&CONTENTS, None);
/// `/api/conmediafile/`.
pub static MEDIA_FILE: Repo = repo::<MediaRow>(&MEDIA_FILES, None);
/// `/api/artconrelation/`.
pub static RELATION: Repo = repo::<RelationRow>(&RELATIONS, None);
/// `/api/reviews/`.
pub static REVIEW: Repo = repo::<ReviewRow>(&REVIEWS, None);
/// `/api/submodels/`.
pub static PLAN: Repo = repo::<NamedRow>(&PLANS, None);
/// `/api/submap/`.
pub static SUBSCRIPTION: Repo = repo::<SubscriptionRow>(&SUBSCRIPTIONS, None);
/// `/api/users/`.
pub static USER: Repo = repo::<UserRow>(&USERS, Some(attach_subscription));

fn group_by(records: Vec<Record>, key: &str) -> HashMap<Uuid, Vec<Record>> {
    let mut groups: HashMap<Uuid, Vec<Record>> = HashMap::new();
    for record in records {
        if let Some(FieldValue::Id(owner)) = record.get(key) {
            groups.entry(*owner).or_default().push(record);
        }
    }
    groups
}

fn ids_of(records: &[Record]) -> Vec<Uuid> {
    records.iter().filter_map(Record::id).collect()
}

/// An artist's `credits`: their relations, in the relation shape.
fn attach_credits(conn: &mut AnyConn, artists: &mut [Record]) -> DbResult<()> {
    let mut credits = group_by(RELATION.by(conn, "artist_id", &ids_of(artists))?, "artist");
    for artist in artists.iter_mut() {
        let mine = artist
            .id()
            .and_then(|id| credits.remove(&id))
            .unwrap_or_default();
        artist.set("credits", FieldValue::Records(mine));
        artist.reorder(&["id", "name", "about", "credits", "created", "updated"]);
    }
    Ok(())
}

/// A user's `subscription`: `{plan, plan_name}` or null.
fn attach_subscription(conn: &mut AnyConn, users: &mut [Record]) -> DbResult<()> {
    let mut subscriptions = group_by(SUBSCRIPTION.by(conn, "user_id", &ids_of(users))?, "user");
    for user in users.iter_mut() {
        let value = user
            .id()
            .and_then(|id| subscriptions.remove(&id))
            .and_then(|mut list| list.pop())
            .map_or(FieldValue::Null, |sub| {
                let mut short = Record::new();
                for field in ["plan", "plan_name"] {
                    short.set(field, sub.get(field).cloned().unwrap_or(FieldValue::Null));
                }
                FieldValue::Record(Box::new(short))
            });
        user.set("subscription", value);
        user.reorder(&[
            "id",
            "username",
            "email",
            "is_admin",
            "subscription",
            "created",
            "updated",
        ]);
    }
    Ok(())
}

#[cfg(test)]
#[path = "agreement_tests.rs"]
mod agreement_tests;
