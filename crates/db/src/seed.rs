//! Bulk inserts for the seeder: typed rows in, multi-row `INSERT`s out.
//!
//! The seeder (in the service) decides what a catalog holds; this module
//! owns where it goes: table and column names stay in the db crate. Rows go
//! around the engine, in large write transactions, so [`finish`] rewrites
//! the derived data (search text, planner statistics) once at the end.

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::sql::{Bind, Sql};
use crate::{engine, tx, upkeep};

/// How many rows one multi-row INSERT (and one transaction) carries (SQLite
/// allows 32,766 bound parameters per statement, PostgreSQL 65,535).
const CHUNK: usize = 500;

/// One row of a table to fill: where it goes and its values in column order.
pub trait SeedRow {
    /// The table.
    const TABLE: &'static str;
    /// Its columns, comma-separated, in the order of [`SeedRow::values`].
    const COLUMNS: &'static str;
    /// The row's values.
    fn values(self) -> Vec<Bind>;
}

/// The four resources that are a name and timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedTable {
    /// Genres.
    Genres,
    /// Parental-control tags.
    ParentalControlTags,
    /// Content types (their name column is `type`).
    ContentTypes,
    /// Subscription plans.
    Plans,
}

impl NamedTable {
    fn table_and_columns(self) -> (&'static str, &'static str) {
        match self {
            NamedTable::Genres => ("genres", "id, name, created, updated"),
            NamedTable::ParentalControlTags => {
                ("parental_control_tags", "id, name, created, updated")
            }
            NamedTable::ContentTypes => ("content_types", "id, type, created, updated"),
            NamedTable::Plans => ("plans", "id, name, created, updated"),
        }
    }
}

/// A row of a [`NamedTable`].
#[derive(Debug, Clone)]
pub struct NamedRow {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Created and updated.
    pub at: NaiveDateTime,
}

/// An artist.
#[derive(Debug, Clone)]
pub struct ArtistRow {
    /// Its id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// About.
    pub about: String,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for ArtistRow {
    const TABLE: &'static str = "artists";
    const COLUMNS: &'static str = "id, name, about, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            Bind::Text(self.name),
            Bind::Text(self.about),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// A non-admin user.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Its id.
    pub id: Uuid,
    /// Username as given.
    pub username: String,
    /// The username's comparison key (the service normalises it).
    pub username_key: String,
    /// Email as given.
    pub email: String,
    /// The email's comparison key.
    pub email_key: String,
    /// A password hash.
    pub password_hash: String,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for UserRow {
    const TABLE: &'static str = "users";
    const COLUMNS: &'static str =
        "id, username, username_key, email, email_key, password_hash, is_admin, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            Bind::Text(self.username),
            Bind::Text(self.username_key),
            Bind::Text(self.email),
            Bind::Text(self.email_key),
            Bind::Text(self.password_hash),
            Bind::Bool(false),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// A content, with its stored rating already computed from its reviews.
#[derive(Debug, Clone)]
pub struct ContentRow {
    /// Its id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// About.
    pub about: String,
    /// Its content type.
    pub type_id: Uuid,
    /// Mean rating.
    pub rating: f64,
    /// Sum of its reviews' ratings.
    pub rating_sum: i64,
    /// Number of its reviews.
    pub reviews_count: i64,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for ContentRow {
    const TABLE: &'static str = "contents";
    const COLUMNS: &'static str =
        "id, name, about, type_id, rating, rating_sum, reviews_count, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            Bind::Text(self.name),
            Bind::Text(self.about),
            self.type_id.into(),
            Bind::Float(self.rating),
            Bind::Int(self.rating_sum),
            Bind::Int(self.reviews_count),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// A content's genre.
#[derive(Debug, Clone, Copy)]
pub struct ContentGenre(pub Uuid, pub Uuid);
/// A content's parental-control tag.
#[derive(Debug, Clone, Copy)]
pub struct ContentTag(pub Uuid, pub Uuid);
/// An artist in a content's cast.
#[derive(Debug, Clone, Copy)]
pub struct ContentCast(pub Uuid, pub Uuid);

macro_rules! link_row {
    ($row:ident, $table:literal, $columns:literal) => {
        impl SeedRow for $row {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static str = $columns;
            fn values(self) -> Vec<Bind> {
                vec![self.0.into(), self.1.into()]
            }
        }
    };
}
link_row!(ContentGenre, "content_genres", "content_id, genre_id");
link_row!(ContentTag, "content_tags", "content_id, tag_id");
link_row!(ContentCast, "content_cast", "content_id, artist_id");

/// An artist's role in a content.
#[derive(Debug, Clone)]
pub struct CreditRow {
    /// Its id.
    pub id: Uuid,
    /// The artist.
    pub artist_id: Uuid,
    /// The content.
    pub content_id: Uuid,
    /// The role ("Director", "Actor", …).
    pub relation: String,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for CreditRow {
    const TABLE: &'static str = "artist_content_relations";
    const COLUMNS: &'static str = "id, artist_id, content_id, relation, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            self.artist_id.into(),
            self.content_id.into(),
            Bind::Text(self.relation),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// A review.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    /// Its id.
    pub id: Uuid,
    /// The content reviewed.
    pub content_id: Uuid,
    /// The author.
    pub user_id: Uuid,
    /// Title.
    pub title: String,
    /// Text.
    pub review: String,
    /// Stars, 0 to 5.
    pub rating: i64,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for ReviewRow {
    const TABLE: &'static str = "reviews";
    const COLUMNS: &'static str =
        "id, content_id, user_id, title, review, rating, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            self.content_id.into(),
            self.user_id.into(),
            Bind::Text(self.title),
            Bind::Text(self.review),
            Bind::Int(self.rating),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// A user's subscription to a plan.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    /// Its id.
    pub id: Uuid,
    /// The subscriber.
    pub user_id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// Created and updated.
    pub at: NaiveDateTime,
}

impl SeedRow for SubscriptionRow {
    const TABLE: &'static str = "subscriptions";
    const COLUMNS: &'static str = "id, user_id, plan_id, created, updated";
    fn values(self) -> Vec<Bind> {
        vec![
            self.id.into(),
            self.user_id.into(),
            self.plan_id.into(),
            Bind::Time(self.at),
            Bind::Time(self.at),
        ]
    }
}

/// How many contents the catalog holds (the seeder fills empty ones only).
pub fn contents_count(conn: &mut AnyConn) -> DbResult<i64> {
    engine::count_rows(conn, ContentRow::TABLE)
}

/// Inserts `rows` of a [`NamedTable`]; `progress(table, rows)` after each
/// transaction.
pub fn insert_named(
    conn: &mut AnyConn,
    table: NamedTable,
    rows: Vec<NamedRow>,
    progress: &mut dyn FnMut(&str, usize),
) -> DbResult<()> {
    let (name, columns) = table.table_and_columns();
    let rows = rows.into_iter().map(|row| {
        vec![
            row.id.into(),
            Bind::Text(row.name),
            Bind::Time(row.at),
            Bind::Time(row.at),
        ]
    });
    insert_values(conn, name, columns, rows.collect(), progress)
}

/// Inserts `rows`; `progress(table, rows)` after each transaction.
pub fn insert<R: SeedRow>(
    conn: &mut AnyConn,
    rows: Vec<R>,
    progress: &mut dyn FnMut(&str, usize),
) -> DbResult<()> {
    let rows = rows.into_iter().map(SeedRow::values).collect();
    insert_values(conn, R::TABLE, R::COLUMNS, rows, progress)
}

fn insert_values(
    conn: &mut AnyConn,
    table: &'static str,
    columns: &'static str,
    rows: Vec<Vec<Bind>>,
    progress: &mut dyn FnMut(&str, usize),
) -> DbResult<()> {
    for chunk in rows.chunks(CHUNK) {
        tx::write(conn, |conn| -> DbResult<()> {
            let mut sql = Sql::new(conn);
            sql.push("INSERT INTO ")
                .push(table)
                .push(" (")
                .push(columns)
                .push(") VALUES ");
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_list(row.iter().cloned());
            }
            sql.execute(conn)?;
            Ok(())
        })?;
        progress(table, chunk.len());
    }
    Ok(())
}

/// Writes what the engine derives from rows that went in around it: every
/// content's search text and the planner's statistics.
pub fn finish(conn: &mut AnyConn) -> DbResult<()> {
    upkeep::refresh_all(conn)?;
    engine::refresh_statistics(conn)
}
