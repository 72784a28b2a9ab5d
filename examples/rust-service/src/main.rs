//! A tour of mstream from another Rust service: sign in, build a small
//! catalog from typed values, read and list it with typed queries, meet a
//! typed field error, and post a review as a new user. Only the domain
//! crates and `mstream-client` are used; no JSON is written by hand.
//!
//! ```text
//! MSTREAM_URL=http://127.0.0.1:8000 MSTREAM_ADMIN_USER=admin \
//! MSTREAM_ADMIN_PASSWORD=… cargo run --manifest-path examples/rust-service/Cargo.toml
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use mstream_artists::{Artist, NewArtist};
use mstream_client::{Client, Error, SignUp};
use mstream_content::{
    Content, ContentField, ContentQuery, ContentType, NewContent, NewContentType,
    NewParentalControlTag, ParentalControlTag,
};
use mstream_genres::{Genre, NewGenre};
use mstream_kernel::{About, Name};
use mstream_reviews::{NewReview, Rating, Review};

type Failure = Box<dyn std::error::Error>;

fn env(key: &str) -> Result<String, Failure> {
    std::env::var(key).map_err(|_| format!("set {key}").into())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let base = env("MSTREAM_URL")?;
    let admin = Client::new(&base)?
        .log_in(&env("MSTREAM_ADMIN_USER")?, &env("MSTREAM_ADMIN_PASSWORD")?)
        .await?;
    println!("signed in as {}", admin.me().await?.username);

    // Names are unique; a run id lets the tour run again on the same server.
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() % 1_000_000_000;
    let name = |label: &str| Name::parse(&format!("{label} {run}"));

    let genre: Genre = admin
        .resource()
        .create(&NewGenre {
            name: name("Sci-fi")?,
        })
        .await?;
    let kind: ContentType = admin
        .resource()
        .create(&NewContentType {
            name: name("Movie")?,
        })
        .await?;
    let tag: ParentalControlTag = admin
        .resource()
        .create(&NewParentalControlTag {
            name: name("PG-13")?,
        })
        .await?;
    let artist: Artist = admin
        .resource()
        .create(&NewArtist {
            name: name("Amy Adams")?,
            about: About::parse("Plays a linguist.")?,
        })
        .await?;
    let new = NewContent {
        name: name("Arrival")?,
        about: About::parse("Linguists meet heptapods.")?,
        genre: vec![genre.id],
        cast: vec![artist.id],
        parental_control_tags: vec![tag.id],
        kind: kind.id,
    };
    let made: Content = admin.resource().create(&new).await?;

    let read: Content = admin.resource().get(made.id).await?;
    assert_eq!(read.name, new.name);
    assert_eq!(read.genre_name, vec![genre.name.to_string()]);
    println!(
        "created {} ({}), type {:?}",
        read.name, read.id, read.type_name
    );

    let query = ContentQuery::new()
        .search(&format!("arrival {run}"))
        .filter(ContentField::Genre, genre.id)
        .order_by_desc(ContentField::Rating);
    let page = admin.resource::<Content>().list(&query).await?;
    assert_eq!(page.count, 1, "the typed query finds the content");
    println!(
        "listed ?{}: {} result(s)",
        query.to_query_string(),
        page.count
    );

    // The same name again: the server refuses it with a typed field error.
    match admin.resource::<Content>().create(&new).await {
        Err(Error::Invalid(errors)) => {
            println!("refused as expected: name: {:?}", errors.messages("name"));
            assert!(errors.has("name"));
        }
        other => return Err(format!("a duplicate name was not refused: {other:?}").into()),
    }

    let anonymous = Client::new(&base)?;
    let username = format!("viewer{run}");
    let signed = anonymous
        .sign_up(&SignUp::new(
            &username,
            format!("{username}@example.com"),
            "Correct-horse-9",
        ))
        .await?;
    let viewer = anonymous.with_token(signed.token);
    let review: Review = viewer
        .resource()
        .create(&NewReview {
            content: made.id,
            title: Name::parse("Quietly huge")?,
            review: About::parse("The best first-contact film in years.")?,
            rating: Rating::new(5).ok_or("a rating is 0 to 5")?,
        })
        .await?;
    assert_eq!(review.user, signed.id);
    let rated = viewer.catalog_entry(made.id).await?;
    assert_eq!(rated.content.rating, 5.0);
    println!(
        "{} reviewed it: rating now {}",
        signed.username, rated.content.rating
    );
    Ok(())
}
