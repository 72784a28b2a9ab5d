//! Genres: a label a content is filed under ("Drama", "Sci-Fi").

use mstream_kernel::resource::{Derived, Field, Resource};

/// The genre resource (`/api/genre/`): a unique name, and the names of the
/// contents filed under it.
pub static GENRE: Resource = Resource {
    name: "genre",
    noun: "genre",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::derived("content", Derived::TextList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};
