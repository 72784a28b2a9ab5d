//! `mstream seed`: a catalog the API then serves, obeying the API's rules.

use mstream_service::seed::{seed, SeedPlan, SEEDED_PASSWORD};
use serde_json::{json, Value as Json};

use crate::helpers::{spawn_app, TestApp};

const PLAN: SeedPlan = SeedPlan {
    contents: 30,
    artists: 20,
    users: 6,
    reviews: 70,
    seed: 7,
};

async fn seeded_app(plan: SeedPlan) -> TestApp {
    let app = spawn_app().await;
    let hash = bcrypt::hash(SEEDED_PASSWORD, 4).unwrap();
    let made = app
        .services
        .ctx
        .run(move |conn| seed(conn, plan, &hash, &mut |_, _| {}))
        .await
        .unwrap();
    assert_eq!((made.contents, made.reviews), (plan.contents, plan.reviews));
    app
}

fn all(page: &Json) -> Vec<Json> {
    page["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_seeded_catalog_is_served_and_its_ratings_are_exact() {
    let app = seeded_app(PLAN).await;
    let admin = app.admin().await;
    let contents = app.get("/api/contents/?page_size=100", &admin).await;
    assert_eq!(contents.body["count"], 30);
    let mut names: Vec<String> = all(&contents.body)
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 30, "content names are unique");
    assert_eq!(app.get("/api/reviews/", &admin).await.body["count"], 70);
    assert_eq!(app.get("/api/artists/", &admin).await.body["count"], 20);
    for content in all(&contents.body).iter().take(10) {
        let id = content["id"].as_str().unwrap();
        let reviews = app
            .get(&format!("/api/reviews/?content={id}&page_size=100"), &admin)
            .await;
        let ratings: Vec<f64> = all(&reviews.body)
            .iter()
            .map(|r| r["rating"].as_f64().unwrap())
            .collect();
        let mean = if ratings.is_empty() {
            0.0
        } else {
            ratings.iter().sum::<f64>() / ratings.len() as f64
        };
        assert!(
            (content["rating"].as_f64().unwrap() - mean).abs() < 1e-9,
            "{content}"
        );
        assert_eq!(content["reviews_count"], ratings.len());
        assert!(
            !content["genre"].as_array().unwrap().is_empty()
                && !content["cast"].as_array().unwrap().is_empty()
        );
    }
    // Seeded users sign in with the printed password and may review.
    let login = app
        .send(
            reqwest::Method::POST,
            "/user/login/",
            None,
            Some(&json!({"username": "viewer1", "password": SEEDED_PASSWORD})),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
}

async fn content_names(app: &TestApp) -> Vec<String> {
    let token = app.admin().await;
    let page = app
        .get("/api/contents/?page_size=100&ordering=name", &token)
        .await;
    all(&page.body)
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_catalog_and_a_full_one_is_refused() {
    let first = seeded_app(PLAN).await;
    let second = seeded_app(PLAN).await;
    let a = content_names(&first).await;
    let b = content_names(&second).await;
    assert_eq!(a, b);
    let hash = bcrypt::hash(SEEDED_PASSWORD, 4).unwrap();
    let again = first
        .services
        .ctx
        .run(move |conn| seed(conn, PLAN, &hash, &mut |_, _| {}))
        .await;
    assert!(again.is_err(), "seeding a non-empty catalog is refused");
}

/// Every content of `/api/contents/` in `ordering`, read page by page
/// without a search.
async fn every_content(app: &TestApp, admin: &str, ordering: &str) -> Vec<Json> {
    let mut contents = Vec::new();
    for page in 1.. {
        let reply = app
            .get(
                &format!("/api/contents/?page_size=100&page={page}&ordering={ordering}"),
                admin,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        contents.extend(all(&reply.body));
        if reply.body["next"].is_null() {
            return contents;
        }
    }
    unreachable!()
}

/// Whether `term` appears, ignoring case, in what a content is searched by:
/// its name and about, and the names of its genres, cast, tags and type.
fn mentions(content: &Json, term: &str) -> bool {
    let mut text = String::new();
    for field in ["name", "about", "type_name"] {
        text.push_str(content[field].as_str().unwrap_or(""));
        text.push(' ');
    }
    for field in ["genre_name", "cast_name", "parental_control_tags_name"] {
        for name in content[field].as_array().into_iter().flatten() {
            text.push_str(name.as_str().unwrap_or(""));
            text.push(' ');
        }
    }
    text.to_lowercase().contains(&term.to_lowercase())
}

/// A search finds exactly the contents that mention every term, in the
/// asked order, whether a term matches a few contents (read by match) or
/// more than a thousand (the page walks the ordering's index, issue #18).
#[tokio::test]
async fn searches_of_common_and_rare_terms_page_exactly_what_matches() {
    let app = seeded_app(SeedPlan {
        contents: 2_400,
        artists: 300,
        users: 20,
        reviews: 2_000,
        seed: 11,
    })
    .await;
    let admin = app.admin().await;
    for ordering in ["-rating", "name", "-reviews_count", "created"] {
        let everything = every_content(&app, &admin, ordering).await;
        assert_eq!(everything.len(), 2_400);
        // "the" is in every name, "and" in about half the abouts; a cast
        // member's surname and a two-term search are rarer.
        let surname = everything[7]["cast_name"][0]
            .as_str()
            .and_then(|name| name.split(' ').nth(1))
            .unwrap()
            .to_owned();
        for search in [
            vec!["the"],
            vec!["and"],
            vec![surname.as_str()],
            vec!["and", "the"],
        ] {
            let expected: Vec<&Json> = everything
                .iter()
                .filter(|c| search.iter().all(|term| mentions(c, term)))
                .map(|c| &c["id"])
                .collect();
            let query = search.join("%20");
            let pages = expected.len().div_ceil(100).max(1);
            for page in [1, pages.div_ceil(2), pages] {
                let reply = app
                    .get(
                        &format!(
                            "/api/contents/?search={query}&ordering={ordering}&page_size=100&page={page}"
                        ),
                        &admin,
                    )
                    .await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                assert_eq!(
                    reply.body["count"].as_u64(),
                    Some(expected.len() as u64),
                    "count of {search:?}"
                );
                let ids: Vec<&Json> = reply.body["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| &c["id"])
                    .collect();
                let start = (page - 1) * 100;
                let want = &expected[start.min(expected.len())..(start + 100).min(expected.len())];
                assert_eq!(ids, want, "page {page} of {search:?} by {ordering}");
            }
        }
    }
}
