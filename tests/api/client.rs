//! The typed client (`mstream-client`) against the real server: what a Rust
//! service using the domain crates sees.

use mstream_client::{Client, Error, Upload};
use mstream_content::{Content, ContentField, ContentPatch, ContentQuery, MediaFile, NewMediaFile};
use mstream_genres::{Genre, GenrePatch, NewGenre};
use mstream_kernel::user::{Account, AccountField, AccountPatch, AccountQuery};
use mstream_kernel::About;
use mstream_reviews::{NewReview, Rating, Review};
use mstream_subscriptions::{NewPlan, Plan, PlanField, PlanQuery};

use crate::helpers::{png, spawn_app, spawn_app_with};
use crate::typed::{admin, content, name, user};

#[tokio::test]
async fn typed_crud_reads_back_what_it_wrote() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (genre, made) = content(&admin, "Arrival").await;
    assert_eq!(made.genre, vec![genre.id]);
    assert_eq!(made.genre_name, vec!["Arrival genre"]);
    assert_eq!(made.type_name.as_deref(), Some("Arrival type"));
    assert_eq!(made.rating, 0.0);

    let contents = admin.resource::<Content>();
    assert_eq!(contents.get(made.id).await.unwrap(), made);
    let patched = contents
        .patch(
            made.id,
            &ContentPatch {
                name: Some(name("Arrival (2016)")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.name, "Arrival (2016)");
    assert_eq!(
        patched.cast, made.cast,
        "a patch keeps what it does not carry"
    );

    let genres = admin.resource::<Genre>();
    let renamed = genres
        .update(
            genre.id,
            &NewGenre {
                name: name("Science fiction"),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.content, vec!["Arrival (2016)"]);
    let renamed = genres
        .patch(
            genre.id,
            &GenrePatch {
                name: Some(name("Sci-fi")),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Sci-fi");

    content(&admin, "Dune").await;
    let page = contents
        .list(
            &ContentQuery::new()
                .search("arrival")
                .filter(ContentField::Genre, genre.id)
                .order_by_desc(ContentField::Rating),
        )
        .await
        .unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(page.results[0].id, made.id);

    contents.delete(made.id).await.unwrap();
    assert!(matches!(
        contents.get(made.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn field_errors_arrive_typed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let genres = admin.resource::<Genre>();
    genres
        .create(&NewGenre {
            name: name("Drama"),
        })
        .await
        .unwrap();
    let err = genres
        .create(&NewGenre {
            name: name("Drama"),
        })
        .await
        .unwrap_err();
    let Error::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.messages("name"),
        ["genre with this name already exists."]
    );

    // A content whose references do not exist.
    let (_, made) = content(&admin, "Heat").await;
    let err = admin
        .resource::<Content>()
        .patch(
            made.id,
            &ContentPatch {
                genre: Some(vec![mstream_kernel::GenreId::new()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.field_errors().is_some_and(|e| e.has("genre")),
        "{err:?}"
    );

    let bad = Client::new(&app.base)
        .unwrap()
        .log_in("nobody", "Wrong-pass-1")
        .await
        .unwrap_err();
    assert_eq!(
        bad.field_errors()
            .map(|e| e.messages("non_field_errors").to_vec()),
        Some(vec![
            "Unable to log in with provided credentials.".to_owned()
        ])
    );
}

#[tokio::test]
async fn auth_failures_are_their_own_variants() {
    let app = spawn_app().await;
    let anonymous = Client::new(&app.base).unwrap();
    let err = anonymous
        .resource::<Genre>()
        .list(&Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(err.status(), Some(401));

    let user = user(&app, "viewer").await;
    let err = user
        .resource::<Genre>()
        .create(&NewGenre {
            name: name("Drama"),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");

    let admin = admin(&app).await;
    let err = admin
        .resource::<Genre>()
        .get(mstream_kernel::GenreId::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");

    // An admin makes the user an admin through the typed users resource.
    let viewer = user.me().await.unwrap();
    let users = admin.resource::<Account>();
    let listed = users
        .list(&AccountQuery::new().filter(AccountField::Username, "viewer"))
        .await
        .unwrap();
    assert_eq!(
        listed.results.iter().map(|a| a.id).collect::<Vec<_>>(),
        [viewer.id]
    );
    assert!(
        listed.results[0].updated.is_some(),
        "/api/users/ shows `updated`"
    );
    let promoted = users
        .patch(
            viewer.id,
            &AccountPatch {
                is_admin: Some(true),
            },
        )
        .await
        .unwrap();
    assert!(promoted.is_admin);
    user.resource::<Genre>()
        .create(&NewGenre {
            name: name("Drama"),
        })
        .await
        .unwrap();

    user.log_out(false).await.unwrap();
    assert!(matches!(user.me().await, Err(Error::Unauthenticated(_))));
}

#[tokio::test]
async fn throttling_says_when_to_retry() {
    let app = spawn_app_with(|s| s.throttle.user_per_minute = 2).await;
    let user = user(&app, "hasty").await;
    user.me().await.unwrap();
    user.me().await.unwrap();
    let err = user.me().await.unwrap_err();
    let Error::Throttled { retry_after, .. } = err else {
        panic!("{err:?}")
    };
    let wait = retry_after.expect("Retry-After");
    assert!(wait.as_secs() >= 1 && wait.as_secs() <= 60, "{wait:?}");
}

#[tokio::test]
async fn pages_link_to_each_other() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let plans = admin.resource::<Plan>();
    for plan in ["Basic", "Family", "Premium"] {
        plans.create(&NewPlan { name: name(plan) }).await.unwrap();
    }
    let query = PlanQuery::new().order_by(PlanField::Name).page_size(2);
    let first = plans.list(&query).await.unwrap();
    assert_eq!(first.count, 3);
    assert_eq!(
        first
            .results
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Basic", "Family"]
    );
    let second = admin
        .next_page(&first)
        .await
        .unwrap()
        .expect("a second page");
    assert_eq!(
        second
            .results
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Premium"]
    );
    assert!(admin.next_page(&second).await.unwrap().is_none());
    let back = admin
        .previous_page(&second)
        .await
        .unwrap()
        .expect("the first page");
    assert_eq!(back, first);
    let err = plans.list(&query.clone().page(3)).await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound(ref d) if d == "Invalid page."),
        "{err:?}"
    );
}

#[tokio::test]
async fn reviews_media_and_the_catalog() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (_, made) = content(&admin, "Alien").await;

    let reviewer = user(&app, "critic").await;
    let review: Review = reviewer
        .resource()
        .create(&NewReview {
            content: made.id,
            title: name("Terrifying"),
            review: About::parse("In space no one can hear you scream.").unwrap(),
            rating: Rating::new(4).unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(review.user, reviewer.me().await.unwrap().id);

    let bytes = png(2048);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(500).map(|c| Ok(c.to_vec())).collect();
    let media: MediaFile = admin
        .upload_media(
            &NewMediaFile {
                name: name("Poster"),
                content: made.id,
            },
            Upload::stream("poster.png", futures_util::stream::iter(chunks)),
        )
        .await
        .unwrap();
    assert_eq!(media.size, 2048);
    assert_eq!(media.mime_type, "image/png");

    let entry = reviewer.catalog_entry(made.id).await.unwrap();
    assert_eq!(entry.content.rating, 4.0);
    assert_eq!(entry.media.len(), 1);
    assert_eq!(
        entry.media[0].stream_url, None,
        "no subscription, no stream"
    );
    let entry = admin.catalog_entry(made.id).await.unwrap();
    let url = entry.media[0]
        .stream_url
        .clone()
        .expect("admins may stream");
    let streamed = admin.fetch_stream(&url, Some((0, Some(7)))).await.unwrap();
    assert_eq!(streamed.status().as_u16(), 206);
    assert_eq!(streamed.bytes().await.unwrap().as_ref(), &bytes[..8]);
    let err = admin
        .fetch_stream(&format!("{url}0"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");

    let page = reviewer
        .catalog(&ContentQuery::new().search("alien"))
        .await
        .unwrap();
    assert_eq!(page.count, 1);
}

#[tokio::test]
async fn a_resumable_upload_goes_on_from_where_the_server_stands() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (_, made) = content(&admin, "Resumed").await;
    let bytes = crate::helpers::mp4(300_000);
    let body = NewMediaFile {
        name: name("Resumed master"),
        content: made.id,
    };
    let upload = admin
        .create_upload(&body, "master.mp4", bytes.len() as u64)
        .await
        .unwrap();
    assert_eq!(admin.upload_offset(&upload).await.unwrap(), 0);

    // The first client's source gives out half-way through its second
    // chunk: one whole chunk reached the server.
    let mut cut_short = std::io::Cursor::new(bytes[..150_000].to_vec());
    let stopped = admin
        .resume_upload(&upload, &mut cut_short, 100_000)
        .await
        .unwrap_err();
    assert!(matches!(stopped, Error::Usage(_)), "{stopped}");
    assert_eq!(admin.upload_offset(&upload).await.unwrap(), 100_000);

    // Another client, knowing only the URL, finishes it.
    let again = Client::new(&app.base)
        .unwrap()
        .with_token(admin.token().unwrap());
    let mut whole = std::io::Cursor::new(bytes.clone());
    let media = again
        .resume_upload(&upload, &mut whole, 64 * 1024)
        .await
        .unwrap();
    assert_eq!(media.name, "Resumed master");
    assert_eq!(media.content, made.id);
    assert_eq!(media.size, 300_000);
    assert_eq!(
        media.sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    let url = media.file.clone().unwrap();
    let served = admin
        .fetch_stream(&url, None)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), bytes.as_slice());
    // The upload is over: its URL is gone.
    assert!(matches!(
        admin.upload_offset(&upload).await,
        Err(Error::NotFound(_))
    ));

    // A plain user cannot start one.
    let viewer = user(&app, "viewer").await;
    assert!(matches!(
        viewer.create_upload(&body, "x.mp4", 10).await,
        Err(Error::Forbidden(_))
    ));
}
