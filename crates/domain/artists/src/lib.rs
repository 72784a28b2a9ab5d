//! Artists and their credits (artist–content relations: who directed or
//! acted in what).

use mstream_kernel::resource::{Derived, Field, Resource};

/// An artist (`/api/artists/`): a unique name, a description, and their
/// credits as nested relations.
pub static ARTIST: Resource = Resource {
    name: "artists",
    noun: "artist",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::text("about", 350).filter().search(),
        Field::derived("credits", Derived::ObjectList),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A credit (`/api/artconrelation/`): an artist's role in a content.
pub static ARTIST_CONTENT_RELATION: Resource = Resource {
    name: "artconrelation",
    noun: "artist content relation",
    fields: &[
        Field::id(),
        Field::reference("artist", "artists")
            .filter()
            .search()
            .order(),
        Field::derived("artist_name", Derived::Text),
        Field::reference("content", "contents")
            .filter()
            .search()
            .order(),
        Field::derived("content_name", Derived::Text),
        Field::text("relation", 70).listed(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};
