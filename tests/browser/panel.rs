//! What an admin does in the panel, step by step, as a user sees it.

use serde_json::json;

use crate::harness::{with_browser, Browser, PASSWORD};

/// Creates one entity through the panel's form; ends on its detail page.
async fn create(b: &Browser, resource: &str, text_fields: &[(&str, &str)], label: &str) {
    b.click(&format!("nav a[data-resource='{resource}']")).await;
    b.click("#new").await;
    for (field, value) in text_fields {
        b.fill(&format!("#f-{field}"), value).await;
    }
    if resource == "contents" {
        b.pick("genre", "Dra", "Drama").await;
        b.pick("cast", "keanu", "Keanu Reeves").await;
        b.pick("parental_control_tags", "PG", "PG-13").await;
        b.pick("type", "mov", "Movie").await;
    }
    b.click("#save").await;
    b.find_text("#record-label", label).await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn an_admin_curates_the_catalog_in_the_panel() {
    with_browser("catalog", |mut b| async move {
        b.account("curator", true).await;

        // `/admin` redirects to the panel, which asks who you are.
        b.open("/admin").await;
        b.find("#login-username").await;
        b.shot("sign-in").await;

        // A wrong password is refused with the API's message.
        b.sign_in("curator", "not-the-password").await;
        b.find_text(
            "#login-errors",
            "Unable to log in with provided credentials.",
        )
        .await;
        b.shot("sign-in-refused").await;

        b.sign_in("curator", PASSWORD).await;
        b.find_text("#whoami", "curator").await;
        let token_in_url = b.driver.current_url().await.expect("url").to_string();
        assert!(
            !token_in_url.contains("token"),
            "the token never goes into a URL: {token_in_url}"
        );
        b.shot("signed-in").await;

        // The building blocks of a content, then the content itself.
        create(&b, "genre", &[("name", "Drama")], "Drama").await;
        b.find_text("#flash", "created").await;
        b.shot("genre-created").await;
        create(&b, "genre", &[("name", "Comedy")], "Comedy").await;
        create(&b, "contype", &[("type", "Movie")], "Movie").await;
        create(&b, "parcontag", &[("name", "PG-13")], "PG-13").await;
        create(
            &b,
            "artists",
            &[("name", "Keanu Reeves"), ("about", "Actor.")],
            "Keanu Reeves",
        )
        .await;

        // A duplicate genre name: the API's field error, next to the field.
        b.click("nav a[data-resource='genre']").await;
        b.click("#new").await;
        b.fill("#f-name", "Drama").await;
        b.click("#save").await;
        b.find_text("#err-name", "genre with this name already exists.")
            .await;
        b.find(".field.invalid[data-field='name']").await;
        b.shot("duplicate-genre").await;

        // Required fields left empty: the API's messages, each by its field.
        b.click("nav a[data-resource='contents']").await;
        b.click("#new").await;
        b.fill("#f-name", "Nameless about").await;
        b.click("#save").await;
        b.find_text("#err-about", "This field may not be blank.")
            .await;
        b.find_text("#err-genre", "This list may not be empty.")
            .await;
        b.find_text("#err-type", "This field is required.").await;
        b.shot("content-required-fields").await;

        create(
            &b,
            "contents",
            &[
                ("name", "The Matrix"),
                ("about", "A hacker learns the truth."),
            ],
            "The Matrix",
        )
        .await;
        b.find_text("dd[data-field='genre'] a", "Drama").await;
        b.find_text("dd[data-field='cast'] a", "Keanu Reeves").await;
        b.find_text("dd[data-field='type'] a", "Movie").await;
        b.shot("content-created").await;

        // Edit: the form comes filled in (pickers included); save a new name.
        b.click("#edit").await;
        b.find_text(".picker[data-field='genre'] .chip", "Drama")
            .await;
        b.fill("#f-name", "The Matrix Reloaded").await;
        b.shot("content-edit").await;
        b.click("#save").await;
        b.find_text("#record-label", "The Matrix Reloaded").await;
        b.find_text("#flash", "saved").await;

        // The content list shows names, not ids, and filters by genre.
        b.click("nav a[data-resource='contents']").await;
        b.find_text("#list tbody td", "Drama").await;
        b.shot("content-list").await;

        // Search and ordering on the genre list.
        b.click("nav a[data-resource='genre']").await;
        b.find_text("#list tbody a.row-link", "Comedy").await;
        b.fill("#search", "dra").await;
        b.click("#apply").await;
        b.gone_text("#list tbody a.row-link", "Comedy").await;
        b.find_text("#list tbody a.row-link", "Drama").await;
        b.find_text("#count", "1–1 of 1").await;
        b.shot("genre-search").await;
        b.click("#clear").await;
        b.find_text("#list tbody a.row-link", "Comedy").await;
        b.click("a.sort[data-order='name']").await;
        b.find("a.sort.asc[data-order='name']").await;
        b.find_text("#list tbody tr:first-child a.row-link", "Comedy")
            .await;
        b.click("a.sort[data-order='name']").await;
        b.find("a.sort.desc[data-order='name']").await;
        b.find_text("#list tbody tr:first-child a.row-link", "Drama")
            .await;
        b.shot("genre-ordered-desc").await;

        // Delete asks first; cancelling keeps the row, confirming removes it.
        let comedy_row = "#list tbody tr:nth-child(2)";
        b.find_text(comedy_row, "Comedy").await;
        b.click(&format!("{comedy_row} button[data-action='delete']"))
            .await;
        b.find_text("#confirm-title", "Delete this genre?").await;
        b.shot("delete-confirm").await;
        b.click("#confirm-cancel").await;
        b.find_text("#list tbody a.row-link", "Comedy").await;
        b.click(&format!("{comedy_row} button[data-action='delete']"))
            .await;
        b.click("#confirm-ok").await;
        b.find_text("#flash", "Deleted genre").await;
        b.gone_text("#list tbody a.row-link", "Comedy").await;
        b.shot("genre-deleted").await;

        // Deleting from a detail page goes back to the list.
        b.click("nav a[data-resource='contents']").await;
        b.click("#list tbody a.row-link").await;
        b.click("#delete").await;
        b.click("#confirm-ok").await;
        b.find_text("#list tbody td.empty", "No contents found.")
            .await;
        b.shot("content-deleted").await;

        // Signing out forgets the token; a non-admin gets a clear no.
        b.click("#sign-out").await;
        b.find("#login-username").await;
        b.account("viewer", false).await;
        b.sign_in("viewer", PASSWORD).await;
        b.find_text("#not-admin h1", "This panel is for admins only")
            .await;
        b.shot("not-admin").await;
        b.click("#sign-out").await;
        b.find("#login-username").await;
        b
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn an_admin_manages_users_roles_and_subscriptions() {
    with_browser("users", |mut b| async move {
        b.account("boss", true).await;
        b.account("carol", false).await;
        let token = b.token("boss").await;
        b.app
            .create(&token, "submodels", json!({"name": "Gold"}))
            .await;
        b.app
            .create(&token, "submodels", json!({"name": "Silver"}))
            .await;

        b.open("/admin/").await;
        b.sign_in("boss", PASSWORD).await;
        b.click("nav a[data-resource='users']").await;
        b.find_text("#list tbody a.row-link", "carol").await;
        // Users are made by signing up, not here.
        assert!(
            b.driver.find(thirtyfour::By::Css("#new")).await.is_err(),
            "no New button for users"
        );
        b.shot("users").await;

        // Make carol an admin from the list, then unmake her.
        let carol = "#list tbody tr:nth-child(2)";
        b.find_text(carol, "carol").await;
        b.click(&format!("{carol} button[data-action='toggle-admin']"))
            .await;
        b.find_text("#flash", "carol is now an admin.").await;
        b.find_text(
            &format!("{carol} button[data-action='toggle-admin']"),
            "Remove admin",
        )
        .await;
        b.shot("carol-admin").await;
        b.click(&format!("{carol} button[data-action='toggle-admin']"))
            .await;
        b.find_text("#flash", "carol is no longer an admin.").await;

        // Assign her a plan on her page, then change it.
        b.click(&format!("{carol} a.row-link")).await;
        b.find_text("#current-plan", "No subscription.").await;
        b.fill("#assign-plan", "gol").await;
        b.click_text(".picker[data-field='plan'] button.option", "Gold")
            .await;
        b.click("#assign").await;
        b.find_text("#current-plan", "Current plan: Gold").await;
        b.shot("carol-subscribed").await;
        b.fill("#assign-plan", "sil").await;
        b.click_text(".picker[data-field='plan'] button.option", "Silver")
            .await;
        b.click("#assign").await;
        b.find_text("#current-plan", "Current plan: Silver").await;

        // The subscription list shows it by name.
        b.click("nav a[data-resource='submap']").await;
        b.find_text("#list tbody td", "Silver").await;
        b.find_text("#list tbody td", "carol").await;
        b.shot("subscriptions").await;
        b
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn an_admin_uploads_media_and_plays_it() {
    with_browser("media", |mut b| async move {
        b.account("editor", true).await;
        let token = b.token("editor").await;
        b.app.content(&token, "Big Buck Bunny").await;
        // A real 4-second H.264 clip (160×120, made with ffmpeg's test
        // pattern), so the page must actually decode and seek it.
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/browser/fixtures/clip.mp4")
            .canonicalize()
            .expect("the video fixture");

        b.open("/admin/").await;
        b.sign_in("editor", PASSWORD).await;
        b.click("nav a[data-resource='conmediafile']").await;
        b.click("#new").await;
        b.fill("#f-name", "Trailer").await;
        b.pick("content", "bunny", "Big Buck Bunny").await;
        b.find("#f-file")
            .await
            .send_keys(file.display().to_string())
            .await
            .expect("choose file");
        b.shot("upload-form").await;
        b.click("#save").await;
        b.find_text("#record-label", "Trailer").await;
        let player = b.find("video#player").await;
        let src = player.attr("src").await.expect("src").expect("a file URL");
        assert!(
            src.starts_with(&b.app.url("/content/")) && src.contains("signature="),
            "{src}"
        );
        let status = b
            .driver
            .execute(
                "return fetch(arguments[0], {headers: {Range: 'bytes=0-9'}}).then(r => r.status)",
                vec![json!(src)],
            )
            .await
            .expect("range request");
        assert_eq!(status.json(), &json!(206), "seeking needs byte ranges");
        // The browser decodes the first frame from the signed URL, then
        // seeks (byte ranges again) and has a frame at the new position.
        let played = b
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                const v = document.querySelector('video#player');
                const report = (stage) => done({stage, ready: v.readyState,
                    time: v.currentTime, duration: v.duration,
                    error: v.error && v.error.code});
                const timer = setTimeout(() => report('timeout'), 15000);
                const seek = () => {
                    v.addEventListener('seeked', () => {
                        const check = () => v.readyState >= 2
                            ? (clearTimeout(timer), report('seeked'))
                            : setTimeout(check, 20);
                        check();
                    }, {once: true});
                    v.currentTime = 2.5;
                };
                v.addEventListener('error', () => report('error'));
                if (v.readyState >= 2) { seek(); }
                else { v.addEventListener('loadeddata', seek, {once: true}); v.load(); }"#,
                vec![],
            )
            .await
            .expect("playback script");
        let played = played.json();
        assert_eq!(played["stage"], "seeked", "{played}");
        assert!(played["ready"].as_u64().unwrap_or(0) >= 2, "{played}");
        assert!(
            (played["time"].as_f64().unwrap_or(0.0) - 2.5).abs() < 0.5,
            "{played}"
        );
        assert!(
            (played["duration"].as_f64().unwrap_or(0.0) - 4.0).abs() < 0.5,
            "{played}"
        );
        b.shot("media-detail").await;
        b
    })
    .await;
}
