//! SPEC §4: reviews, ownership and the rating mean. The behaviour tests
//! speak through the typed client; the one about DRF's exact messages for
//! malformed bodies speaks JSON, since the wire is its point.

use futures_util::future::join_all;
use mstream_client::{Client, Error};
use mstream_content::Content;
use mstream_kernel::ContentId;
use mstream_reviews::{NewReview, Rating, Review, ReviewField, ReviewPatch, ReviewQuery};
use serde_json::{json, Value as Json};

use crate::helpers::{spawn_app, TestApp};
use crate::typed::{self, name, signed_up, user};

/// A content's mean rating and review count, as an admin reads it.
async fn mean(admin: &Client, id: ContentId) -> (f64, i64) {
    let content = admin.resource::<Content>().get(id).await.unwrap();
    (content.rating, content.reviews_count)
}

fn new_review(content: ContentId, rating: i64) -> NewReview {
    NewReview {
        content,
        title: name("t"),
        review: mstream_kernel::About::parse("r").unwrap(),
        rating: Rating::new(rating).unwrap(),
    }
}

fn rating(n: i64) -> Option<Rating> {
    Some(Rating::new(n).unwrap())
}

async fn content_rating(app: &TestApp, admin: &str, id: &str) -> (f64, i64) {
    let c = app.get(&format!("/api/contents/{id}/"), admin).await.body;
    (
        c["rating"].as_f64().unwrap(),
        c["reviews_count"].as_i64().unwrap(),
    )
}

fn review(content: &Json, rating: i64) -> Json {
    json!({"content": content["id"], "title": "t", "review": "r", "rating": rating})
}

#[tokio::test]
async fn the_mean_follows_every_change() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, matrix) = typed::content(&admin, "The Matrix").await;
    let (_, speed) = typed::content(&admin, "Speed").await;
    let (bob, bob_account) = signed_up(&app, "bob").await;
    let carol = user(&app, "carol").await;
    let b: Review = bob
        .resource()
        .create(&new_review(matrix.id, 5))
        .await
        .unwrap();
    assert_eq!(b.user, bob_account.id, "the author is whoever sends it");
    carol
        .resource::<Review>()
        .create(&new_review(matrix.id, 2))
        .await
        .unwrap();
    assert_eq!(mean(&admin, matrix.id).await, (3.5, 2));
    let reviews = bob.resource::<Review>();
    let changed = ReviewPatch {
        rating: rating(3),
        ..Default::default()
    };
    assert_eq!(
        reviews.patch(b.id, &changed).await.unwrap().rating,
        Rating::new(3).unwrap()
    );
    assert_eq!(mean(&admin, matrix.id).await, (2.5, 2));
    let moved = ReviewPatch {
        content: Some(speed.id),
        ..Default::default()
    };
    assert_eq!(reviews.patch(b.id, &moved).await.unwrap().content, speed.id);
    assert_eq!(mean(&admin, matrix.id).await, (2.0, 1));
    assert_eq!(mean(&admin, speed.id).await, (3.0, 1));
    reviews.delete(b.id).await.unwrap();
    assert_eq!(mean(&admin, speed.id).await, (0.0, 0));
    // Deleting the author's account removes their reviews from the mean.
    carol.delete_account().await.unwrap();
    assert_eq!(mean(&admin, matrix.id).await, (0.0, 0));
}

#[tokio::test]
async fn only_the_author_edits_and_admins_only_delete() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, matrix) = typed::content(&admin, "The Matrix").await;
    let bob = user(&app, "bob").await;
    let eve = user(&app, "eve").await;
    let r: Review = bob
        .resource()
        .create(&new_review(matrix.id, 4))
        .await
        .unwrap();
    let as_eve = eve.resource::<Review>();
    assert_eq!(
        as_eve.get(r.id).await.unwrap(),
        r,
        "anyone signed in reads reviews"
    );
    assert_eq!(as_eve.list(&ReviewQuery::new()).await.unwrap().count, 1);
    let zero = ReviewPatch {
        rating: rating(0),
        ..Default::default()
    };
    assert!(matches!(
        as_eve.patch(r.id, &zero).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        as_eve.delete(r.id).await,
        Err(Error::Forbidden(_))
    ));
    let as_admin = admin.resource::<Review>();
    assert!(
        matches!(as_admin.patch(r.id, &zero).await, Err(Error::Forbidden(_))),
        "admins moderate, they do not rewrite"
    );
    assert_eq!(
        bob.resource::<Review>().get(r.id).await.unwrap().rating,
        Rating::new(4).unwrap()
    );
    let anonymous = Client::new(&app.base).unwrap();
    assert!(matches!(
        anonymous
            .resource::<Review>()
            .list(&ReviewQuery::new())
            .await,
        Err(Error::Unauthenticated(_))
    ));
    as_admin.delete(r.id).await.expect("admins delete");
}

#[tokio::test]
async fn bad_reviews_are_refused_without_rating_drift() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let bob = app.signup("bob").await;
    app.create(&bob.token, "reviews", review(&matrix, 4)).await;
    let cases = [
        (json!(6), "Ensure this value is less than or equal to 5."),
        (
            json!(-1),
            "Ensure this value is greater than or equal to 0.",
        ),
        (json!(2.5), "A valid integer is required."),
        (json!("five"), "A valid integer is required."),
    ];
    let carol = app.signup("carol").await;
    for (rating, message) in cases {
        let r = app
            .post(
                "/api/reviews/",
                &carol.token,
                json!({"content": matrix["id"], "title": "t", "review": "r", "rating": rating}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body, json!({"rating": [message]}));
    }
    let missing = app
        .post(
            "/api/reviews/",
            &carol.token,
            json!({"title": "t", "review": "r", "rating": 1}),
        )
        .await;
    assert_eq!(
        missing.body,
        json!({"content": ["This field is required."]})
    );
    let unknown = uuid::Uuid::new_v4();
    let r = app
        .post(
            "/api/reviews/",
            &carol.token,
            json!({"content": unknown, "title": "t", "review": "r", "rating": 1}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"content": [format!("Invalid pk \"{unknown}\" - object does not exist.")]})
    );
    let twice = app
        .post("/api/reviews/", &bob.token, review(&matrix, 1))
        .await;
    assert_eq!(twice.status, 400);
    assert_eq!(
        twice.body,
        json!({"non_field_errors": ["You have already reviewed this content."]})
    );
    assert_eq!(
        content_rating(&app, &admin, matrix["id"].as_str().unwrap()).await,
        (4.0, 1)
    );
}

#[tokio::test]
async fn concurrent_reviews_keep_the_mean_exact() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, matrix) = typed::content(&admin, "The Matrix").await;
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(user(&app, &format!("user{i}")).await);
    }
    let creates = users.iter().enumerate().map(|(i, u)| async move {
        u.resource::<Review>()
            .create(&new_review(matrix.id, (i % 6) as i64))
            .await
    });
    let made: Vec<Review> = join_all(creates)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every review is made");
    // Now half update while the other half delete, all at once. The outcome
    // is fixed whatever the interleaving: the ten even-numbered reviews
    // remain, rated (i / 2) % 6 = 0, 1, 2, 3, 4, 5, 0, 1, 2, 3 — sum 21.
    let ops = made
        .iter()
        .zip(&users)
        .enumerate()
        .map(|(i, (r, u))| async move {
            let reviews = u.resource::<Review>();
            if i % 2 == 0 {
                let change = ReviewPatch {
                    rating: rating(((i / 2) % 6) as i64),
                    ..Default::default()
                };
                reviews.patch(r.id, &change).await.map(drop)
            } else {
                reviews.delete(r.id).await
            }
        });
    let outcomes = join_all(ops).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(mean(&admin, matrix.id).await, (21.0 / 10.0, 10));
    let remaining = admin
        .resource::<Review>()
        .list(
            &ReviewQuery::new()
                .filter(ReviewField::Content, matrix.id)
                .page_size(100),
        )
        .await
        .unwrap();
    let mut kept: Vec<_> = remaining.results.iter().map(|r| r.id).collect();
    kept.sort_unstable();
    let mut expected: Vec<_> = made.iter().step_by(2).map(|r| r.id).collect();
    expected.sort_unstable();
    assert_eq!(kept, expected, "exactly the updated reviews remain");
}

#[tokio::test]
async fn simultaneous_duplicate_reviews_give_exactly_one_201() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, matrix) = typed::content(&admin, "The Matrix").await;
    let bob = user(&app, "bob").await;
    let reviews = bob.resource::<Review>();
    let bodies: Vec<NewReview> = (0..8).map(|i| new_review(matrix.id, i % 6)).collect();
    let outcomes = join_all(bodies.iter().map(|body| reviews.create(body))).await;
    let made: Vec<&Review> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(made.len(), 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| match o {
            Ok(_) => true,
            Err(Error::Invalid(errors)) => errors.has("non_field_errors"),
            Err(_) => false,
        }),
        "the others are refused as duplicates: {outcomes:?}"
    );
    let only = f64::from(made[0].rating.get());
    assert_eq!(mean(&admin, matrix.id).await, (only, 1));
}
