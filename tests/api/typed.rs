//! Fixtures for the behaviour tests that speak to the server through the
//! typed client (`mstream-client`), as another Rust service would: the
//! domain types in, the domain types out, no JSON by hand. Tests whose
//! point is the wire format itself keep the raw helpers of `helpers.rs`.

use mstream_artists::{Artist, NewArtist};
use mstream_client::{Client, SignUp, SignedUp};
use mstream_content::{
    Content, ContentType, NewContent, NewContentType, NewParentalControlTag, ParentalControlTag,
};
use mstream_genres::{Genre, NewGenre};
use mstream_kernel::{About, Name};

use crate::helpers::TestApp;

/// A name that passes the SPEC's rules.
pub fn name(text: &str) -> Name {
    Name::parse(text).unwrap()
}

/// The suite's admin, through the typed client.
pub async fn admin(app: &TestApp) -> Client {
    Client::new(&app.base)
        .unwrap()
        .with_token(app.admin().await)
}

/// A new user, signed up through the API, and their client.
pub async fn user(app: &TestApp, username: &str) -> Client {
    signed_up(app, username).await.0
}

/// As [`user`], with what the sign-up answered (the account's id).
pub async fn signed_up(app: &TestApp, username: &str) -> (Client, SignedUp) {
    let anonymous = Client::new(&app.base).unwrap();
    let signed = anonymous
        .sign_up(&SignUp::new(
            username,
            format!("{username}@example.com"),
            "Correct-horse-9",
        ))
        .await
        .unwrap();
    (anonymous.with_token(signed.token.clone()), signed)
}

/// A genre, a type, a tag and an artist, then a content using them.
pub async fn content(admin: &Client, label: &str) -> (Genre, Content) {
    let genre: Genre = admin
        .resource()
        .create(&NewGenre {
            name: name(&format!("{label} genre")),
        })
        .await
        .unwrap();
    let kind: ContentType = admin
        .resource()
        .create(&NewContentType {
            name: name(&format!("{label} type")),
        })
        .await
        .unwrap();
    let tag: ParentalControlTag = admin
        .resource()
        .create(&NewParentalControlTag {
            name: name(&format!("{label} tag")),
        })
        .await
        .unwrap();
    let artist: Artist = admin
        .resource()
        .create(&NewArtist {
            name: name(&format!("{label} artist")),
            about: About::parse("Acts.").unwrap(),
        })
        .await
        .unwrap();
    let content: Content = admin
        .resource()
        .create(&NewContent {
            name: name(label),
            about: About::parse(&format!("About {label}.")).unwrap(),
            genre: vec![genre.id],
            cast: vec![artist.id],
            parental_control_tags: vec![tag.id],
            kind: kind.id,
        })
        .await
        .unwrap();
    (genre, content)
}
