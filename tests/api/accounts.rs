//! SPEC §2: sign-up, sign-in, tokens, accounts, `/api/users/`. Token
//! lifecycles go through the typed client; sign-up's field-by-field
//! messages, forms and what a response must never show are the wire's.

use reqwest::Method;
use serde_json::json;
use sha2::Digest as _;

use mstream_client::{Client, Error};

use crate::helpers::{reply, spawn_app};
use crate::typed;

#[tokio::test]
async fn signup_by_form_gives_a_token_that_me_accepts() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/user/signup/"))
        .form(&[
            ("username", "alice"),
            ("email", "alice@example.com"),
            ("password", "Correct-horse-9"),
            ("confirm_password", "Correct-horse-9"),
        ])
        .send()
        .await
        .unwrap();
    let r = reply(response).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["token"].as_str().unwrap();
    assert_eq!(token.len(), 40);
    assert!(token
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(r.body["username"], "alice");
    let me = app.get("/user/me/", token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], r.body["id"]);
    assert_eq!(me.body["is_admin"], false);
    assert!(me.body["subscription"].is_null());
    let keys: Vec<&str> = me
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "username",
            "email",
            "is_admin",
            "subscription",
            "created"
        ]
    );
}

#[tokio::test]
async fn signup_refuses_bad_input_field_by_field_and_creates_nothing() {
    let app = spawn_app().await;
    app.signup("bob").await;
    let cases = [
        (
            json!({"username": "BOB", "email": "new@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"}),
            "username",
        ),
        (
            json!({"username": "carol", "email": "BOB@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"}),
            "email",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "short1", "confirm_password": "short1"}),
            "password",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "1234567890", "confirm_password": "1234567890"}),
            "password",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "password123", "confirm_password": "password123"}),
            "password",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-8"}),
            "confirm_password",
        ),
        (
            json!({"username": "car ol", "email": "carol@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"}),
            "username",
        ),
        (
            json!({"username": "carol", "email": "not-an-email", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"}),
            "email",
        ),
        (
            json!({"email": "carol@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"}),
            "username",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .send(Method::POST, "/user/signup/", None, Some(&body))
            .await;
        assert_eq!(r.status, 400, "{body} -> {}", r.body);
        assert!(
            r.body[field].is_array(),
            "{body}: expected an error on {field}, got {}",
            r.body
        );
    }
    let r = app.send(Method::POST, "/user/signup/", None, Some(&json!({"username": "bob", "email": "bob@example.com", "password": "1234567890", "confirm_password": "1234567890"}))).await;
    let messages: Vec<&str> = r.body["password"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"This password is entirely numeric."),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"This password is too common."),
        "{messages:?}"
    );
    // None of the refused sign-ups made an account.
    let login = app
        .send(
            Method::POST,
            "/user/login/",
            None,
            Some(&json!({"username": "carol", "password": "Correct-horse-9"})),
        )
        .await;
    assert_eq!(login.status, 400);
}

#[tokio::test]
async fn tokens_are_per_sign_in_and_revoked_one_or_all() {
    let app = spawn_app().await;
    let bob = typed::user(&app, "bob").await;
    let anonymous = Client::new(&app.base).unwrap();
    match anonymous.log_in("bob", "wrong-password").await {
        Err(Error::Invalid(errors)) => assert_eq!(
            errors.messages("non_field_errors"),
            ["Unable to log in with provided credentials."]
        ),
        other => panic!("a wrong password: {other:?}"),
    }
    let second = anonymous.log_in("bob", "Correct-horse-9").await.unwrap();
    let third = anonymous.log_in("bob", "Correct-horse-9").await.unwrap();
    assert_ne!(second.token(), third.token(), "a token per sign-in");
    for device in [&bob, &second, &third] {
        assert_eq!(device.me().await.unwrap().username, "bob");
    }
    second.log_out(false).await.unwrap();
    match second.me().await {
        Err(Error::Unauthenticated(detail)) => assert_eq!(detail, "Invalid token."),
        other => panic!("a revoked token: {other:?}"),
    }
    // The header that goes with it is the wire's business.
    let revoked = app.get("/user/me/", second.token().unwrap()).await;
    assert_eq!(revoked.header("www-authenticate"), Some("Token"));
    assert!(third.me().await.is_ok(), "other devices stay signed in");
    third.log_out(true).await.unwrap();
    for device in [&bob, &third] {
        assert!(matches!(device.me().await, Err(Error::Unauthenticated(_))));
    }
}

#[tokio::test]
async fn tokens_are_stored_only_as_digests() {
    let app = spawn_app().await;
    let bob = app.signup("bob").await;
    let pool = app.services.ctx.pool().clone();
    let token = bob.token.clone();
    let (by_raw, by_digest) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let raw = mstream_db::accounts::user_by_token(&mut conn, &token).unwrap();
        let digest =
            mstream_db::accounts::user_by_token(&mut conn, &mstream_service::token::digest(&token))
                .unwrap();
        (raw, digest)
    })
    .await
    .unwrap();
    assert!(by_raw.is_none(), "the raw token must not be stored");
    assert_eq!(by_digest.unwrap().username, "bob");
}

#[tokio::test]
async fn deleting_the_account_revokes_its_tokens() {
    let app = spawn_app().await;
    let bob = typed::user(&app, "bob").await;
    bob.delete_account().await.unwrap();
    assert!(matches!(bob.me().await, Err(Error::Unauthenticated(_))));
    let anonymous = Client::new(&app.base).unwrap();
    assert!(matches!(
        anonymous.log_in("bob", "Correct-horse-9").await,
        Err(Error::Invalid(_))
    ));
    // The name is free again.
    typed::user(&app, "bob").await;
}

#[tokio::test]
async fn admins_list_users_and_grant_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bob = app.signup("bob").await;
    app.signup("carol").await;
    assert_eq!(app.get("/api/users/", &bob.token).await.status, 403);
    assert_eq!(
        app.send(Method::GET, "/api/users/", None, None)
            .await
            .status,
        401
    );
    let list = app.get("/api/users/?search=bo", &admin).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["count"], 1);
    let user = &list.body["results"][0];
    assert_eq!(user["username"], "bob");
    assert!(user.get("password_hash").is_none() && user.get("token").is_none());
    assert!(user["updated"].is_string());
    let filtered = app.get("/api/users/?is_admin=true", &admin).await;
    assert_eq!(filtered.body["count"], 1);
    assert_eq!(app.get("/api/genre/", &bob.token).await.status, 403);
    let granted = app
        .patch(
            &format!("/api/users/{}/", bob.id),
            &admin,
            json!({"is_admin": true, "username": "mallory"}),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(granted.body["is_admin"], true);
    assert_eq!(granted.body["username"], "bob", "username is read-only");
    assert_eq!(app.get("/api/genre/", &bob.token).await.status, 200);
    assert_eq!(
        app.delete(&format!("/api/users/{}/", bob.id), &admin)
            .await
            .status,
        405
    );
}

/// What must never be in a response: a bcrypt hash (`$2…`), the stored
/// SHA-256 digest of any token, or a raw token other than the caller's own.
struct Secrets {
    tokens: Vec<String>,
}

impl Secrets {
    fn assert_absent(&self, what: &str, body: &str, own_token: Option<&str>) {
        assert!(!body.contains("$2"), "{what} shows a password hash: {body}");
        for token in &self.tokens {
            let digest: String = sha2::Sha256::digest(token.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                !body.to_lowercase().contains(&digest),
                "{what} shows a token digest: {body}"
            );
            if Some(token.as_str()) != own_token {
                assert!(
                    !body.contains(token.as_str()),
                    "{what} shows another's token: {body}"
                );
            }
        }
    }
}

/// SPEC §2: `/api/users/` "never shows password hashes or tokens" — nor
/// does any other response that shows a user.
#[tokio::test]
async fn no_response_shows_a_password_hash_or_a_token() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let second = app.login("bob", "Correct-horse-9").await;
    assert_eq!(second.status, 200);
    let bob_again = second.body["token"].as_str().unwrap().to_owned();
    let secrets = Secrets {
        tokens: vec![
            admin.clone(),
            alice.token.clone(),
            bob.token.clone(),
            bob_again.clone(),
        ],
    };
    secrets.assert_absent("login", &second.body.to_string(), Some(&bob_again));

    let content = app.content(&admin, "Heat").await;
    let plan = app
        .create(&admin, "submodels", json!({"name": "Gold"}))
        .await;
    let sub = app
        .create(
            &admin,
            "submap",
            json!({"user": bob.id, "plan": plan["id"]}),
        )
        .await;
    secrets.assert_absent("POST /api/submap/", &sub.to_string(), None);
    let review = app
        .create(
            &bob.token,
            "reviews",
            json!({"content": content["id"], "title": "t", "review": "r", "rating": 4}),
        )
        .await;
    secrets.assert_absent("POST /api/reviews/", &review.to_string(), None);
    let granted = app
        .patch(
            &format!("/api/users/{}/", alice.id),
            &admin,
            json!({"is_admin": true}),
        )
        .await;
    assert_eq!(granted.status, 200);
    secrets.assert_absent("PATCH /api/users/", &granted.body.to_string(), None);

    let as_admin = [
        "/user/me/".to_owned(),
        "/api/users/".to_owned(),
        "/api/users/?search=bob".to_owned(),
        format!("/api/users/{}/", bob.id),
        format!("/api/users/{}/", alice.id),
        "/api/submap/".to_owned(),
        format!("/api/submap/{}/", sub["id"].as_str().unwrap()),
        "/api/reviews/".to_owned(),
        "/admin/resources.json".to_owned(),
    ];
    for path in &as_admin {
        let r = app.get(path, &admin).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        secrets.assert_absent(path, &r.body.to_string(), None);
    }
    for (user, token) in [
        ("bob", &bob.token),
        ("bob", &bob_again),
        ("alice", &alice.token),
    ] {
        for path in ["/user/me/", "/api/reviews/"] {
            let r = app.get(path, token).await;
            assert_eq!(r.status, 200, "{user} {path}: {}", r.body);
            secrets.assert_absent(path, &r.body.to_string(), None);
        }
    }
    let options = app
        .send(Method::OPTIONS, "/api/users/", Some(&admin), None)
        .await;
    secrets.assert_absent("OPTIONS /api/users/", &options.body.to_string(), None);
}

/// SPEC §1: `/user/login/` also takes a form body, as DRF clients post.
#[tokio::test]
async fn login_by_form_gives_a_working_token() {
    let app = spawn_app().await;
    let bob = app.signup("bob").await;
    let response = app
        .client
        .post(app.url("/user/login/"))
        .form(&[("username", "bob"), ("password", "Correct-horse-9")])
        .send()
        .await
        .unwrap();
    let login = reply(response).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.body["token"].as_str().unwrap();
    assert_ne!(token, bob.token, "a new token per sign-in");
    let me = app.get("/user/me/", token).await;
    assert_eq!((me.status, &me.body["id"]), (200, &json!(bob.id)));
    let response = app
        .client
        .post(app.url("/user/login/"))
        .form(&[("username", "bob"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    let refused = reply(response).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
}

/// SPEC §2: usernames of 1–150 characters; 151 is refused and makes nothing.
#[tokio::test]
async fn usernames_may_be_150_characters_not_151() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let signup = |username: String| {
        let body = json!({
            "username": username, "email": format!("{}@example.com", &username[..5]),
            "password": "Correct-horse-9", "confirm_password": "Correct-horse-9",
        });
        let app = &app;
        async move {
            app.send(Method::POST, "/user/signup/", None, Some(&body))
                .await
        }
    };
    let longest = "a".repeat(150);
    let ok = signup(longest.clone()).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["username"], longest.as_str());
    let too_long = signup(format!("b{}", "c".repeat(150))).await;
    assert_eq!(too_long.status, 400);
    assert_eq!(
        too_long.body,
        json!({"username": ["Ensure this field has no more than 150 characters."]})
    );
    let users = app.get("/api/users/", &admin).await;
    assert_eq!(
        users.body["count"], 2,
        "the admin and the 150-character user"
    );
}

fn usernames(page: &serde_json::Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

/// SPEC §2: `/api/users/` filters by `username`, `email` and `is_admin`, and
/// orders.
#[tokio::test]
async fn admins_filter_and_order_users() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let admin_name = app.get("/user/me/", &admin).await.body["username"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["carol", "alice", "bob"] {
        app.signup(name).await;
    }
    let get = |query: &str| {
        let path = format!("/api/users/?{query}");
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app.get(&path, &admin).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.body
        }
    };
    assert_eq!(usernames(&get("username=bob").await), ["bob"]);
    assert_eq!(
        usernames(&get("username=bo").await),
        Vec::<&str>::new(),
        "exact"
    );
    assert_eq!(usernames(&get("email=alice@example.com").await), ["alice"]);
    assert_eq!(
        usernames(&get("is_admin=true").await),
        [admin_name.as_str()]
    );
    assert_eq!(
        usernames(&get("is_admin=false&ordering=username").await),
        ["alice", "bob", "carol"]
    );
    assert_eq!(
        usernames(&get("is_admin=false&ordering=-username").await),
        ["carol", "bob", "alice"]
    );
    assert_eq!(
        usernames(&get("is_admin=false").await),
        ["carol", "alice", "bob"],
        "default: by creation"
    );
    assert_eq!(
        usernames(&get("is_admin=false&ordering=-created").await),
        ["bob", "alice", "carol"]
    );
    let bad = app.get("/api/users/?is_admin=perhaps", &admin).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body["is_admin"].is_array(), "{}", bad.body);
}
