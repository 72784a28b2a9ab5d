//! SPEC §3: the catalog management API. Behaviour (cascades, one
//! subscription per user) goes through the typed client; filters, search,
//! ordering, pages and DRF's shapes are the wire itself and stay in JSON.

use futures_util::future::join_all;
use mstream_artists::{Artist, Credit, NewCredit};
use mstream_client::Error;
use mstream_content::{Content, ContentType};
use mstream_genres::Genre;
use mstream_subscriptions::{NewPlan, NewSubscription, Plan, Subscription};
use serde_json::{json, Value as Json};

use crate::helpers::{spawn_app, TestApp};
use crate::typed::{self, name, signed_up};

fn ids(list: &Json) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `count` contents named `c0…`, all with the same `about`, genre, cast,
/// tag and type.
async fn contents_sharing_relations(app: &TestApp, admin: &str, count: usize, about: &str) {
    let kind = app.create(admin, "contype", json!({"type": "Movie"})).await;
    let genre = app.create(admin, "genre", json!({"name": "G"})).await;
    let tag = app.create(admin, "parcontag", json!({"name": "T"})).await;
    let artist = app
        .create(admin, "artists", json!({"name": "A", "about": "a"}))
        .await;
    for i in 0..count {
        let body = json!({"name": format!("c{i}"), "about": about, "genre": [genre["id"]],
            "cast": [artist["id"]], "parental_control_tags": [tag["id"]], "type": kind["id"]});
        app.create(admin, "contents", body).await;
    }
}

fn names(list: &Json) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn genre_crud_with_modelviewset_semantics() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .post("/api/genre/", &admin, json!({"name": "  Drama  "}))
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("{}/api/genre/{id}/", app.base).as_str())
    );
    assert_eq!(
        created.body["name"], "Drama",
        "surrounding whitespace is trimmed"
    );
    assert_eq!(created.body["content"], json!([]));
    let path = format!("/api/genre/{id}/");
    assert_eq!(
        app.put(&path, &admin, json!({})).await.body,
        json!({"name": ["This field is required."]})
    );
    let put = app.put(&path, &admin, json!({"name": "Thriller"})).await;
    assert_eq!(put.status, 200);
    assert_eq!(put.body["name"], "Thriller");
    assert!(put.body["updated"].as_str() > created.body["updated"].as_str());
    assert_eq!(app.patch(&path, &admin, json!({})).await.status, 200);
    let too_long = app
        .patch(&path, &admin, json!({"name": "x".repeat(71)}))
        .await;
    assert_eq!(
        too_long.body,
        json!({"name": ["Ensure this field has no more than 70 characters."]})
    );
    app.create(&admin, "genre", json!({"name": "Comedy"})).await;
    let duplicate = app.patch(&path, &admin, json!({"name": "Comedy"})).await;
    assert_eq!(duplicate.status, 400);
    assert_eq!(
        duplicate.body,
        json!({"name": ["genre with this name already exists."]})
    );
    assert_eq!(
        app.get(&path, &admin).await.body["name"],
        "Thriller",
        "failed writes change nothing"
    );
    let deleted = app.delete(&path, &admin).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_null());
    assert_eq!(app.get(&path, &admin).await.status, 404);
}

#[tokio::test]
async fn contents_validate_their_relations() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "The Matrix").await;
    let missing = uuid::Uuid::new_v4();
    let r = app
        .post(
            "/api/contents/",
            &admin,
            json!({"name": "Other", "about": "x", "genre": [missing], "cast": [], "parental_control_tags": "x", "type": "nope"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["cast"], json!(["This list may not be empty."]));
    assert_eq!(
        r.body["parental_control_tags"],
        json!(["Expected a list of items but got type \"str\"."])
    );
    assert_eq!(r.body["type"], json!(["“nope” is not a valid UUID."]));
    let r = app
        .post(
            "/api/contents/",
            &admin,
            json!({"name": "Other", "about": "x", "genre": [missing], "cast": content["cast"],
                   "parental_control_tags": content["parental_control_tags"], "type": content["type"]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({"genre": [format!("Invalid pk \"{missing}\" - object does not exist.")]})
    );
    assert_eq!(app.get("/api/contents/", &admin).await.body["count"], 1);
    // Every write-only id is returned on read too, with its names.
    assert_eq!(content["genre_name"], json!(["The Matrix genre"]));
    assert_eq!(content["type_name"], "The Matrix type");
    assert_eq!(content["rating"], 0.0);
    assert_eq!(content["reviews_count"], 0);
}

#[tokio::test]
async fn lists_filter_search_order_and_paginate() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let speed = app.content(&admin, "Speed").await;
    let alien = app.content(&admin, "Alien").await;
    // m2m "has this id", repeated parameters OR-ed.
    let by_genre = app
        .get(
            &format!(
                "/api/contents/?genre={}",
                matrix["genre"][0].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(names(&by_genre.body), ["The Matrix"]);
    let either = app
        .get(
            &format!(
                "/api/contents/?cast={}&cast={}",
                matrix["cast"][0].as_str().unwrap(),
                alien["cast"][0].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(names(&either.body), ["The Matrix", "Alien"]);
    let by_type = app
        .get(
            &format!("/api/contents/?type={}", speed["type"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(names(&by_type.body), ["Speed"]);
    // A well-formed id that matches nothing is an empty page; a malformed one a 400.
    let none = app
        .get(
            &format!("/api/contents/?genre={}", uuid::Uuid::new_v4()),
            &admin,
        )
        .await;
    assert_eq!(none.body["count"], 0);
    let bad = app
        .get("/api/contents/?genre=zzz&rating__gte=high", &admin)
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        json!({"genre": ["Enter a valid UUID."], "rating__gte": ["Enter a number."]})
    );
    // Search: every term, case-insensitively, over text and related names; terms are data.
    let search = app
        .get("/api/contents/?search=ALIEN%20artist", &admin)
        .await;
    assert_eq!(names(&search.body), ["Alien"]);
    let literal = app.get("/api/contents/?search=%25", &admin).await;
    assert_eq!(literal.body["count"], 0, "% is a character, not a wildcard");
    let quote = app
        .get("/api/contents/?search=%27%20OR%201%3D1%20--", &admin)
        .await;
    assert_eq!(quote.status, 200);
    assert_eq!(quote.body["count"], 0);
    // Ordering, unknown fields ignored.
    let ordered = app.get("/api/contents/?ordering=-name,bogus", &admin).await;
    assert_eq!(names(&ordered.body), ["The Matrix", "Speed", "Alien"]);
    let default = app.get("/api/contents/", &admin).await;
    assert_eq!(
        names(&default.body),
        ["The Matrix", "Speed", "Alien"],
        "default: created ascending"
    );
    // Pages keep the other parameters in absolute links.
    let first = app
        .get("/api/genre/?page_size=2&ordering=name", &admin)
        .await;
    assert_eq!(first.body["count"], 3);
    let next = first.body["next"].as_str().unwrap();
    assert!(
        next.starts_with(&app.base) && next.contains("ordering=name") && next.contains("page=2"),
        "{next}"
    );
    assert!(first.body["previous"].is_null());
    let second = app.get(next.strip_prefix(&app.base).unwrap(), &admin).await;
    assert_eq!(second.body["results"].as_array().unwrap().len(), 1);
    assert!(second.body["next"].is_null());
    assert!(
        !second.body["previous"].as_str().unwrap().contains("page="),
        "page 1 has no page parameter"
    );
    let last = app
        .get("/api/genre/?page=last&page_size=2&ordering=name", &admin)
        .await;
    assert_eq!(last.status, 200);
    assert_eq!(
        last.body["results"].as_array().unwrap().len(),
        1,
        "page=last is page 2"
    );
    assert!(last.body["next"].is_null());
    for page in ["page=3&page_size=2", "page=0", "page=abc"] {
        let r = app.get(&format!("/api/genre/?{page}"), &admin).await;
        assert_eq!(r.status, 404, "{page}");
        assert_eq!(r.body, json!({"detail": "Invalid page."}));
    }
}

#[tokio::test]
async fn equal_sort_keys_never_repeat_or_skip_rows_across_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    contents_sharing_relations(&app, &admin, 7, "same").await;
    let mut seen = Vec::new();
    for page in 1..=4 {
        let r = app
            .get(
                &format!("/api/contents/?ordering=about&page_size=2&page={page}"),
                &admin,
            )
            .await;
        seen.extend(ids(&r.body));
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7));
}

#[tokio::test]
async fn searches_are_counted_ordered_and_paged_like_any_list() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    contents_sharing_relations(&app, &admin, 7, "a quiet saga").await;
    let other = app.content(&admin, "Unrelated").await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = app
            .get(
                &format!("/api/contents/?search=SAGA&ordering=-name&page_size=3&page={page}"),
                &admin,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["count"], 7);
        assert_eq!(
            r.body["next"].is_null(),
            page == 3,
            "page {page}: {}",
            r.body
        );
        assert_eq!(r.body["previous"].is_null(), page == 1);
        assert!(
            r.body["results"][0]["genre_name"].is_array(),
            "derived fields"
        );
        seen.extend(names(&r.body));
    }
    assert_eq!(seen, ["c6", "c5", "c4", "c3", "c2", "c1", "c0"]);
    let past = app
        .get("/api/contents/?search=saga&page_size=3&page=4", &admin)
        .await;
    assert_eq!(past.status, 404);
    assert_eq!(past.body, json!({"detail": "Invalid page."}));
    let last = app
        .get(
            "/api/contents/?search=saga&ordering=-name&page_size=3&page=last",
            &admin,
        )
        .await;
    assert_eq!((last.status, names(&last.body)), (200, vec!["c0".into()]));
    assert_eq!(last.body["count"], 7);
    // Search and filters together: the filter narrows the matches.
    let r = app
        .get(
            &format!(
                "/api/contents/?search=saga&type={}",
                other["type"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(r.body["count"], 0, "{}", r.body);
    let none = app.get("/api/contents/?search=zzzz", &admin).await;
    assert_eq!((none.status, none.body["count"].clone()), (200, json!(0)));
}

/// A content is found by the names of what it refers to as they are now:
/// renames, deletes and relinks of its genres, cast, tags and type, and its
/// own edits, all show in the next search.
#[tokio::test]
async fn search_follows_renames_deletes_and_relinks_of_related_entities() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let alien = app.content(&admin, "Alien").await;
    app.content(&admin, "Speed").await;
    let id = alien["id"].as_str().unwrap();
    let search = |terms: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let r = app
                .get(&format!("/api/contents/?search={terms}"), admin)
                .await;
            assert_eq!(r.status, 200, "{terms}: {}", r.body);
            names(&r.body)
        }
    };
    assert_eq!(search("alien%20ARTIST").await, ["Alien"]);
    let artist = alien["cast"][0].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/artists/{artist}/"),
            &admin,
            json!({"name": "Sigourney Weaver"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(search("weaver").await, ["Alien"], "an artist's new name");
    assert!(search("alien%20artist").await.is_empty(), "its old name");

    let genre = alien["genre"][0].as_str().unwrap();
    app.patch(
        &format!("/api/genre/{genre}/"),
        &admin,
        json!({"name": "Horror"}),
    )
    .await;
    assert_eq!(search("horror").await, ["Alien"], "a genre's new name");

    let kind = alien["type"].as_str().unwrap();
    app.patch(
        &format!("/api/contype/{kind}/"),
        &admin,
        json!({"type": "Feature film"}),
    )
    .await;
    assert_eq!(search("FEATURE").await, ["Alien"], "a type's new name");
    assert_eq!(search("fe").await, ["Alien"], "a short term scans");

    let tag = alien["parental_control_tags"][0].as_str().unwrap();
    assert_eq!(search("alien%20tag").await, ["Alien"]);
    let r = app.delete(&format!("/api/parcontag/{tag}/"), &admin).await;
    assert_eq!(r.status, 204);
    assert!(
        search("alien%20tag").await.is_empty(),
        "a deleted tag's name"
    );

    let ripley = app
        .create(&admin, "artists", json!({"name": "Ripley", "about": "x"}))
        .await;
    app.patch(
        &format!("/api/contents/{id}/"),
        &admin,
        json!({"cast": [ripley["id"]], "name": "Aliens"}),
    )
    .await;
    assert_eq!(
        search("ripley%20aliens").await,
        ["Aliens"],
        "relinked, renamed"
    );
    assert!(search("weaver").await.is_empty(), "no longer in the cast");
    let r = app
        .delete(
            &format!("/api/artists/{}/", ripley["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(search("ripley").await.is_empty(), "a deleted artist's name");
    assert_eq!(
        search("speed%20artist").await,
        ["Speed"],
        "others untouched"
    );

    // Terms are data on the index path too: wildcards and quotes match
    // themselves.
    app.content(&admin, "100% Wolf").await;
    assert_eq!(search("100%25").await, ["100% Wolf"]);
    assert!(search("100_").await.is_empty());
    assert!(search("wo%22lf").await.is_empty());
    assert!(search("%22%22%22").await.is_empty());
}

#[tokio::test]
async fn cascades_follow_the_seed() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (genre, content) = typed::content(&admin, "The Matrix").await;
    let artist = content.cast[0];
    let credit: Credit = admin
        .resource()
        .create(&NewCredit {
            artist,
            content: content.id,
            relation: name("Actor"),
        })
        .await
        .unwrap();
    let credits = admin
        .resource::<Artist>()
        .get(artist)
        .await
        .unwrap()
        .credits;
    assert_eq!(credits[0].relation, "Actor");
    assert_eq!(credits[0].content_name.as_deref(), Some("The Matrix"));
    let contents = admin.resource::<Content>();
    // Deleting a genre takes it off the content; the content stays.
    admin.resource::<Genre>().delete(genre.id).await.unwrap();
    assert!(contents.get(content.id).await.unwrap().genre.is_empty());
    // Deleting an artist removes their credits and casting.
    admin.resource::<Artist>().delete(artist).await.unwrap();
    assert!(matches!(
        admin.resource::<Credit>().get(credit.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(contents.get(content.id).await.unwrap().cast.is_empty());
    // Deleting a type deletes its contents.
    admin
        .resource::<ContentType>()
        .delete(content.kind)
        .await
        .unwrap();
    assert!(matches!(
        contents.get(content.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn subscriptions_one_per_user_and_plans_cascade() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (bob, signed) = signed_up(&app, "bob").await;
    let plan: Plan = admin
        .resource()
        .create(&NewPlan {
            name: name("Premium"),
        })
        .await
        .unwrap();
    let subscribe = NewSubscription {
        user: signed.id,
        plan: plan.id,
    };
    let subscription: Subscription = admin.resource().create(&subscribe).await.unwrap();
    assert_eq!(subscription.user_user.as_deref(), Some("bob"));
    assert_eq!(subscription.plan_name.as_deref(), Some("Premium"));
    match admin.resource::<Subscription>().create(&subscribe).await {
        Err(Error::Invalid(errors)) => assert_eq!(
            errors.messages("user"),
            ["user subscription with this user already exists."]
        ),
        other => panic!("a second subscription: {other:?}"),
    }
    let mine = bob.me().await.unwrap().subscription.expect("subscribed");
    assert_eq!(mine.plan, plan.id);
    assert_eq!(mine.plan_name.as_deref(), Some("Premium"));
    admin.resource::<Plan>().delete(plan.id).await.unwrap();
    assert!(bob.me().await.unwrap().subscription.is_none());
}

#[tokio::test]
async fn concurrent_duplicate_creates_give_one_201_and_clean_400s() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let attempts = (0..32).map(|_| app.post("/api/genre/", &admin, json!({"name": "Same"})));
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_list_runs_the_same_number_of_queries_whatever_the_page_size() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    contents_sharing_relations(&app, &admin, 100, "x").await;
    let mut counts = Vec::new();
    for size in [1, 10, 100] {
        let before = app.queries_run().await;
        let r = app
            .get(&format!("/api/contents/?page_size={size}"), &admin)
            .await;
        assert_eq!(r.body["results"].as_array().unwrap().len(), size);
        counts.push(app.queries_run().await - before);
    }
    assert_eq!(
        counts[0], counts[2],
        "queries per list must not grow with the page: {counts:?}"
    );
    // Count, page, and one statement for every relation; on PostgreSQL
    // also the `SELECT 1` that checks each pooled connection.
    assert!(counts[2] <= 5, "{counts:?}");
}

#[tokio::test]
async fn a_repeated_read_is_reused_until_anything_is_written() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let genre = app
        .post("/api/genre/", &admin, json!({"name": "Noir"}))
        .await;
    let genre_id = genre.body["id"].as_str().unwrap().to_owned();
    let content = app.content(&admin, "Brick").await;
    let detail = format!("/api/contents/{}/", content["id"].as_str().unwrap());
    let first = app.get("/api/contents/", &admin).await;
    app.get(&detail, &admin).await;
    let before = app.queries_run().await;
    let again = app.get("/api/contents/", &admin).await;
    app.get(&detail, &admin).await;
    assert_eq!(again.body, first.body);
    // Each request reads the write generations once (to know that no
    // process wrote since); neither runs its list or detail statements.
    assert!(
        app.queries_run().await - before <= 2,
        "the same list and detail again, with nothing written between"
    );
    // A write of anything (here a genre the content links to) is seen by
    // the next read at once.
    let patched = app
        .patch(&detail, &admin, json!({"genre": [genre_id]}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let renamed = app
        .patch(
            &format!("/api/genre/{genre_id}/"),
            &admin,
            json!({"name": "Neo-noir"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let list = app.get("/api/contents/", &admin).await;
    assert_eq!(list.body["results"][0]["genre_name"], json!(["Neo-noir"]));
    assert_eq!(
        app.get(&detail, &admin).await.body["genre_name"],
        json!(["Neo-noir"])
    );
    // A refused write changes nothing, and reads stay correct after it.
    let genres = app.get("/api/genre/", &admin).await.body;
    let refused = app.post("/api/genre/", &admin, json!({"name": ""})).await;
    assert_eq!(refused.status, 400);
    assert_eq!(app.get("/api/genre/", &admin).await.body, genres);
    let made = app
        .post("/api/genre/", &admin, json!({"name": "Giallo"}))
        .await;
    assert_eq!(made.status, 201);
    assert_eq!(
        app.get("/api/genre/", &admin).await.body["count"],
        genres["count"].as_u64().unwrap() + 1,
        "a create is listed at once"
    );
}

/// `GET path` as `token`: its status.
async fn status_of(app: &TestApp, path: &str, token: &str) -> u16 {
    app.get(path, token).await.status
}

/// SPEC §3: deleting a content deletes its relations and reviews (and the
/// ratings they fed are gone with it).
#[tokio::test]
async fn deleting_a_content_deletes_its_relations_and_reviews() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let doomed = app.content(&admin, "Heat").await;
    let kept = app.content(&admin, "Ronin").await;
    let bob = app.signup("bob").await;
    let mut relations = Vec::new();
    let mut reviews = Vec::new();
    for content in [&doomed, &kept] {
        let relation = app
            .create(
                &admin,
                "artconrelation",
                json!({"artist": content["cast"][0], "content": content["id"], "relation": "Actor"}),
            )
            .await;
        relations.push(format!(
            "/api/artconrelation/{}/",
            relation["id"].as_str().unwrap()
        ));
        let review = app
            .create(
                &bob.token,
                "reviews",
                json!({"content": content["id"], "title": "t", "review": "r", "rating": 4}),
            )
            .await;
        reviews.push(format!("/api/reviews/{}/", review["id"].as_str().unwrap()));
    }
    let did = doomed["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/contents/{did}/"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(
        status_of(&app, &relations[0], &admin).await,
        404,
        "its relation"
    );
    assert_eq!(
        status_of(&app, &reviews[0], &admin).await,
        404,
        "its review"
    );
    assert_eq!(
        status_of(&app, &relations[1], &admin).await,
        200,
        "another's relation"
    );
    assert_eq!(
        status_of(&app, &reviews[1], &admin).await,
        200,
        "another's review"
    );
    assert_eq!(
        app.get(&format!("/api/reviews/?content={did}"), &admin)
            .await
            .body["count"],
        0
    );
    let artist = doomed["cast"][0].as_str().unwrap();
    let credits = app.get(&format!("/api/artists/{artist}/"), &admin).await;
    assert_eq!(credits.body["credits"], json!([]), "no credit names it");
}

/// SPEC §3: deleting a user deletes its subscription (and only its own).
#[tokio::test]
async fn deleting_a_user_deletes_its_subscription() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bob = app.signup("bob").await;
    let carol = app.signup("carol").await;
    let plan = app
        .create(&admin, "submodels", json!({"name": "Premium"}))
        .await;
    let mut subs = Vec::new();
    for user in [&bob, &carol] {
        let sub = app
            .create(
                &admin,
                "submap",
                json!({"user": user.id, "plan": plan["id"]}),
            )
            .await;
        subs.push(format!("/api/submap/{}/", sub["id"].as_str().unwrap()));
    }
    assert_eq!(app.delete("/user/delete/", &bob.token).await.status, 204);
    assert_eq!(status_of(&app, &subs[0], &admin).await, 404);
    assert_eq!(status_of(&app, &subs[1], &admin).await, 200);
    let left = app.get("/api/submap/", &admin).await;
    assert_eq!(left.body["count"], 1);
    assert_eq!(left.body["results"][0]["user_user"], "carol");
}

/// SPEC §3: a genre's and a tag's `content` lists the names of their
/// contents, and follows links, renames and deletes.
#[tokio::test]
async fn genres_and_tags_list_their_contents_by_name() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let heat = app.content(&admin, "Heat").await;
    let genre = heat["genre"][0].as_str().unwrap().to_owned();
    let tag = heat["parental_control_tags"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let ronin = app
        .create(
            &admin,
            "contents",
            json!({
                "name": "Ronin", "about": "x", "genre": [genre], "cast": heat["cast"],
                "parental_control_tags": [tag], "type": heat["type"],
            }),
        )
        .await;
    let listed = |resource: &'static str, id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut names: Vec<String> = app
                .get(&format!("/api/{resource}/{id}/"), &admin)
                .await
                .body["content"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(listed("genre", genre.clone()).await, ["Heat", "Ronin"]);
    assert_eq!(listed("parcontag", tag.clone()).await, ["Heat", "Ronin"]);
    let rid = ronin["id"].as_str().unwrap();
    let renamed = app
        .patch(
            &format!("/api/contents/{rid}/"),
            &admin,
            json!({"name": "Ronin (1998)"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        listed("genre", genre.clone()).await,
        ["Heat", "Ronin (1998)"]
    );
    let hid = heat["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/contents/{hid}/"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(listed("genre", genre.clone()).await, ["Ronin (1998)"]);
    assert_eq!(listed("parcontag", tag.clone()).await, ["Ronin (1998)"]);
    let page = app.get(&format!("/api/genre/?id={genre}"), &admin).await;
    assert_eq!(
        page.body["results"][0]["content"],
        json!(["Ronin (1998)"]),
        "in lists too"
    );
}
