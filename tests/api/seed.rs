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
