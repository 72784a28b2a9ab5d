//! A content's related names as every reader sees them (issue #18): the
//! list and the detail show the names of its genres, cast, tags and type as
//! they are now, in name order, after renames, deletes and relinks of any
//! of them — whether they come from the content's stored read model or
//! from the relation tables.

use serde_json::{json, Value as Json};

use crate::helpers::{spawn_app, TestApp};

/// The related fields of `id`'s detail and of its row in the list.
async fn related(app: &TestApp, admin: &str, id: &str) -> [Json; 2] {
    let detail = app.get(&format!("/api/contents/{id}/"), admin).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let list = app.get("/api/contents/?page_size=100", admin).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let row = list.body["results"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == json!(id)))
        .cloned()
        .unwrap_or(Json::Null);
    let pick = |c: &Json| {
        json!({
            "genre": c["genre"], "genre_name": c["genre_name"],
            "cast": c["cast"], "cast_name": c["cast_name"],
            "parental_control_tags": c["parental_control_tags"],
            "parental_control_tags_name": c["parental_control_tags_name"],
            "type": c["type"], "type_name": c["type_name"],
        })
    };
    [pick(&detail.body), pick(&row)]
}

#[tokio::test]
async fn related_names_follow_renames_deletes_and_relinks_in_list_and_detail() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let heat = app.content(&admin, "Heat").await;
    let other = app.content(&admin, "Ronin").await;
    let id = heat["id"].as_str().unwrap();
    let genre = heat["genre"][0].clone();
    let artist = heat["cast"][0].clone();
    let tag = heat["parental_control_tags"][0].clone();
    let kind = heat["type"].clone();

    // Several genres: ids and names in name order, as one list.
    let crime = app.create(&admin, "genre", json!({"name": "Crime"})).await;
    let zeta = app.create(&admin, "genre", json!({"name": "Zeta"})).await;
    let r = app
        .patch(
            &format!("/api/contents/{id}/"),
            &admin,
            json!({"genre": [zeta["id"], genre, crime["id"]]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for seen in related(&app, &admin, id).await {
        assert_eq!(seen["genre_name"], json!(["Crime", "Heat genre", "Zeta"]));
        assert_eq!(seen["genre"], json!([crime["id"], genre, zeta["id"]]));
    }

    // Renames of each related entity.
    let renames = [
        ("genre", &genre, json!({"name": "Aaa thriller"})),
        ("artists", &artist, json!({"name": "Al Pacino"})),
        ("parcontag", &tag, json!({"name": "R"})),
        ("contype", &kind, json!({"type": "Feature film"})),
    ];
    for (resource, target, body) in renames {
        let r = app
            .patch(
                &format!("/api/{resource}/{}/", target.as_str().unwrap()),
                &admin,
                body,
            )
            .await;
        assert_eq!(r.status, 200, "{resource}: {}", r.body);
    }
    for seen in related(&app, &admin, id).await {
        assert_eq!(
            seen["genre_name"],
            json!(["Aaa thriller", "Crime", "Zeta"]),
            "renamed genre, re-sorted"
        );
        assert_eq!(seen["cast_name"], json!(["Al Pacino"]));
        assert_eq!(seen["parental_control_tags_name"], json!(["R"]));
        assert_eq!(seen["type_name"], json!("Feature film"));
    }

    // Deletes remove the id and the name; relinks replace them.
    let r = app
        .delete(
            &format!("/api/genre/{}/", crime["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .delete(
            &format!("/api/parcontag/{}/", tag.as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(r.status, 204);
    let de_niro = app
        .create(&admin, "artists", json!({"name": "De Niro", "about": "x"}))
        .await;
    let r = app
        .patch(
            &format!("/api/contents/{id}/"),
            &admin,
            json!({"cast": [de_niro["id"], artist]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for seen in related(&app, &admin, id).await {
        assert_eq!(seen["genre"], json!([genre, zeta["id"]]));
        assert_eq!(seen["genre_name"], json!(["Aaa thriller", "Zeta"]));
        assert_eq!(seen["parental_control_tags"], json!([]));
        assert_eq!(seen["parental_control_tags_name"], json!([]));
        assert_eq!(seen["cast"], json!([artist, de_niro["id"]]));
        assert_eq!(seen["cast_name"], json!(["Al Pacino", "De Niro"]));
    }
    let r = app
        .delete(
            &format!("/api/artists/{}/", artist.as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(r.status, 204);
    for seen in related(&app, &admin, id).await {
        assert_eq!(seen["cast"], json!([de_niro["id"]]));
        assert_eq!(seen["cast_name"], json!(["De Niro"]));
    }

    // The other content was left as it was.
    let untouched = related(&app, &admin, other["id"].as_str().unwrap()).await;
    for seen in untouched {
        assert_eq!(seen["genre_name"], json!(["Ronin genre"]));
        assert_eq!(seen["cast_name"], json!(["Ronin artist"]));
        assert_eq!(seen["parental_control_tags_name"], json!(["Ronin tag"]));
        assert_eq!(seen["type_name"], json!("Ronin type"));
    }
}

/// Names with JSON's special characters and non-ASCII text survive.
#[tokio::test]
async fn related_names_keep_quotes_backslashes_and_unicode() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Amélie").await;
    let id = content["id"].as_str().unwrap();
    let name = "Jean-Pierre \"JP\" Jeunet \\ 監督 ,]";
    let r = app
        .patch(
            &format!("/api/artists/{}/", content["cast"][0].as_str().unwrap()),
            &admin,
            json!({ "name": name }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for seen in related(&app, &admin, id).await {
        assert_eq!(seen["cast_name"], json!([name]));
        assert_eq!(seen["type_name"], json!("Amélie type"));
    }
}
