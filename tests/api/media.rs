//! SPEC §5 and §6: uploads, signed byte-range streaming, the catalog.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use mstream_artists::{Credit, NewCredit};
use mstream_client::{Client, Error, Upload};
use mstream_content::{
    CatalogCredit, Content, ContentQuery, MediaFile, MediaFilePatch, NewMediaFile,
};
use mstream_subscriptions::{NewPlan, NewSubscription, Plan, Subscription};

use crate::helpers::{reply, spawn_app, spawn_app_with, Reply, TestApp};
use crate::typed;

/// `n` bytes of an MP4 (uploads are sniffed: the bytes must be media).
fn bytes(n: usize) -> Vec<u8> {
    crate::helpers::mp4(n)
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    content: &Json,
    name: &str,
    data: Vec<u8>,
    file_name: &str,
) -> Reply {
    let form = media_form(content, name, data, file_name);
    send_form(
        app,
        token,
        reqwest::Method::POST,
        "/api/conmediafile/",
        form,
    )
    .await
}

/// `PUT /api/conmediafile/<id>/` with new bytes.
async fn replace(
    app: &TestApp,
    token: &str,
    id: &str,
    content: &Json,
    name: &str,
    data: Vec<u8>,
    file_name: &str,
) -> Reply {
    let form = media_form(content, name, data, file_name);
    let path = format!("/api/conmediafile/{id}/");
    send_form(app, token, reqwest::Method::PUT, &path, form).await
}

fn media_form(content: &Json, name: &str, data: Vec<u8>, file_name: &str) -> Form {
    Form::new()
        .text("name", name.to_owned())
        .text("content", content["id"].as_str().unwrap().to_owned())
        .part("file", Part::bytes(data).file_name(file_name.to_owned()))
}

async fn send_form(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    form: Form,
) -> Reply {
    let response = app
        .client
        .request(method, app.url(path))
        .header("Authorization", format!("Token {token}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    reply(response).await
}

async fn fetch(
    app: &TestApp,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_upload_is_hashed_stored_and_streamed_with_ranges() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "The Matrix").await;
    let data = bytes(300_000);
    let uploaded_before = app.metric("mstream_upload_bytes_total").await;
    let r = upload(
        &app,
        &admin,
        &content,
        "Trailer",
        data.clone(),
        "trailer.mp4",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Other tests share the process's recorder: at least this upload's bytes.
    assert!(app.metric("mstream_upload_bytes_total").await - uploaded_before >= 300_000.0);
    assert_eq!(r.body["sha256"], hex::encode(Sha256::digest(&data)));
    assert_eq!(r.body["size"], 300_000);
    assert_eq!(r.body["mime_type"], "video/mp4");
    assert_eq!(r.body["content_name"], "The Matrix");
    let url = r.body["file"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/content/content/", app.base)) && url.contains(".mp4?expires="),
        "{url}"
    );
    let streamed_before = app.metric("mstream_stream_bytes_total").await;
    let (status, headers, body) = fetch(&app, &url, &[]).await;
    assert_eq!((status, body.len()), (200, data.len()));
    assert_eq!(body, data);
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(headers["content-type"], "video/mp4");
    let (status, headers, body) = fetch(&app, &url, &[("Range", "bytes=1000-1999")]).await;
    assert_eq!(status, 206);
    assert_eq!(headers["content-range"], "bytes 1000-1999/300000");
    assert_eq!(body, &data[1000..2000]);
    assert!(
        app.metric("mstream_stream_bytes_total").await - streamed_before >= 301_000.0,
        "the whole file and the range are counted as streamed"
    );
    let (status, _, _) = fetch(&app, &url, &[("Range", "bytes=400000-")]).await;
    assert_eq!(status, 416);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = fetch(&app, &url, &[("If-None-Match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0));
    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-length"], "300000");
    // The stored name is the server's, never the client's.
    let on_disk = app.media_files_on_disk();
    assert_eq!(on_disk.len(), 1);
    assert!(!on_disk[0].to_string_lossy().contains("trailer"));
}

#[tokio::test]
async fn every_kind_of_range_returns_exactly_the_right_bytes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Stalker").await;
    // Larger than a streaming chunk (256 KiB) and than a prefetched range.
    let size = 1_300_000;
    let data = bytes(size);
    let r = upload(&app, &admin, &content, "Film", data.clone(), "film.mp4").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let url = r.body["file"].as_str().unwrap().to_owned();
    let (status, headers, body) = fetch(&app, &url, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-length"], size.to_string().as_str());
    assert!(body == data, "the whole file, across chunks");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    for (range, first, last) in [
        ("bytes=0-0", 0, 0),
        ("bytes=262143-262144", 262_143, 262_144),
        ("bytes=524287-524288", 524_287, 524_288),
        ("bytes=100000-1200000", 100_000, 1_200_000),
        ("bytes=1000-", 1000, size - 1),
        ("bytes=-500", size - 500, size - 1),
        ("bytes=1299999-5000000", size - 1, size - 1),
    ] {
        let (status, headers, body) = fetch(&app, &url, &[("Range", range)]).await;
        assert_eq!(status, 206, "{range}");
        assert_eq!(
            headers["content-range"],
            format!("bytes {first}-{last}/{size}").as_str(),
            "{range}"
        );
        assert_eq!(
            headers["content-length"],
            (last - first + 1).to_string().as_str()
        );
        assert!(body == data[first..=last], "{range}: wrong bytes");
    }
    // A stale If-Range validator: the whole file, not the range.
    let (status, _, body) = fetch(
        &app,
        &url,
        &[("Range", "bytes=0-9"), ("If-Range", "\"stale\"")],
    )
    .await;
    assert_eq!((status, body.len()), (200, size));
    let (status, _, body) =
        fetch(&app, &url, &[("Range", "bytes=10-19"), ("If-Range", &etag)]).await;
    assert_eq!((status, body), (206, data[10..20].to_vec()));
    let (status, headers, _) = fetch(&app, &url, &[("Range", "bytes=2000000-")]).await;
    assert_eq!(status, 416);
    assert_eq!(headers["content-range"], format!("bytes */{size}").as_str());
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The server's own expiry, through time: URLs signed with a configured
/// lifetime of 2 s work until it has passed and are refused after.
#[tokio::test]
async fn media_urls_need_a_valid_unexpired_signature() {
    let app = spawn_app_with(|s| s.media.url_ttl_secs = 2).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Speed").await;
    let signed_after = unix_now();
    let r = upload(
        &app,
        &admin,
        &content,
        "Clip",
        crate::helpers::webm(1000),
        "clip.webm",
    )
    .await;
    let url = r.body["file"].as_str().unwrap().to_owned();
    let (bare, query) = url.split_once('?').unwrap();
    assert_eq!(fetch(&app, bare, &[]).await.0, 403);
    let flipped = if url.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &url[..url.len() - 1]);
    assert_eq!(fetch(&app, &tampered, &[]).await.0, 403);
    let expires: u64 = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("expires="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (signed_after + 2..=unix_now() + 2).contains(&expires),
        "the configured lifetime: expires={expires}, signed after {signed_after}"
    );
    assert_eq!(fetch(&app, &url, &[]).await.0, 200, "within its lifetime");
    // Wait out the lifetime (about 2 s): the expiry is decided by the
    // server's clock, which this test cannot move.
    while unix_now() <= expires {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(fetch(&app, &url, &[]).await.0, 403, "expired");
    let again = app
        .get(
            &format!("/api/conmediafile/{}/", r.body["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    let renewed = again.body["file"].as_str().unwrap();
    assert_eq!(
        fetch(&app, renewed, &[]).await.0,
        200,
        "a new read signs anew"
    );
}

#[tokio::test]
async fn public_media_still_never_leave_the_media_root() {
    let app = spawn_app_with(|s| s.media.public = true).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Alien").await;
    let r = upload(&app, &admin, &content, "Clip", bytes(1000), "clip.mp4").await;
    let url = r.body["file"].as_str().unwrap().to_owned();
    assert!(!url.contains('?'), "public media are not signed: {url}");
    assert_eq!(fetch(&app, &url, &[]).await.0, 200);
    std::fs::write(app.media_root().join(".secret"), b"x").unwrap();
    std::fs::write(app.media_root().parent().unwrap().join("outside.txt"), b"x").unwrap();
    for path in [
        "/content/%2e%2e/outside.txt",
        "/content/..%2Foutside.txt",
        "/content/.secret",
        "/content/content/missing.mp4",
        "/content/%2Fetc%2Fpasswd",
    ] {
        let (status, _, _) = fetch(&app, &app.url(path), &[]).await;
        assert_eq!(status, 404, "{path}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            app.media_root().parent().unwrap().join("outside.txt"),
            app.media_root().join("link.txt"),
        )
        .unwrap();
        assert_eq!(
            fetch(&app, &app.url("/content/link.txt"), &[]).await.0,
            404,
            "symlinks out of the root"
        );
        let outside = app.media_root().parent().unwrap().to_path_buf();
        std::os::unix::fs::symlink(&outside, app.media_root().join("door")).unwrap();
        assert_eq!(
            fetch(&app, &app.url("/content/door/outside.txt"), &[])
                .await
                .0,
            404,
            "a linked folder out of the root"
        );
        let stored = url.split("/content/").nth(1).unwrap().to_owned();
        std::os::unix::fs::symlink(
            app.media_root().join(&stored),
            app.media_root().join("alias.mp4"),
        )
        .unwrap();
        assert_eq!(
            fetch(&app, &app.url("/content/alias.mp4"), &[]).await.0,
            200,
            "a symlink that stays inside the root is followed"
        );
    }
}

#[tokio::test]
async fn refused_uploads_leave_no_file_and_no_row() {
    let app = spawn_app_with(|s| s.media.max_upload_bytes = 10_000).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Heat").await;
    let big = upload(&app, &admin, &content, "Too big", bytes(50_000), "big.mp4").await;
    assert_eq!(big.status, 413, "{}", big.body);
    let missing = json!({"id": uuid::Uuid::new_v4()});
    let bad = upload(&app, &admin, &missing, "Orphan", bytes(100), "x.mp4").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body["content"][0]
            .as_str()
            .unwrap()
            .starts_with("Invalid pk"),
        "{}",
        bad.body
    );
    let json_create = app
        .post(
            "/api/conmediafile/",
            &admin,
            json!({"name": "x", "content": content["id"]}),
        )
        .await;
    assert_eq!(
        json_create.body,
        json!({"file": ["No file was submitted."]})
    );
    let ok = upload(&app, &admin, &content, "Fine", bytes(100), "fine.mp4").await;
    assert_eq!(ok.status, 201);
    let dup = upload(&app, &admin, &content, "Fine", bytes(100), "dup.mp4").await;
    assert_eq!(
        dup.body,
        json!({"name": ["content media file with this name already exists."]})
    );
    assert_eq!(app.get("/api/conmediafile/", &admin).await.body["count"], 1);
    assert_eq!(
        app.media_files_on_disk().len(),
        1,
        "{:?}",
        app.media_files_on_disk()
    );
}

#[tokio::test]
async fn replacing_and_deleting_manage_the_bytes() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, solaris) = typed::content(&admin, "Solaris").await;
    let first = admin
        .upload_media(
            &NewMediaFile {
                name: typed::name("Film"),
                content: solaris.id,
            },
            Upload::bytes("film.mp4", bytes(2000)),
        )
        .await
        .unwrap();
    let patched = admin
        .patch_media(
            first.id,
            &MediaFilePatch {
                name: Some(typed::name("Film (restored)")),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(patched.name, "Film (restored)");
    assert_eq!(patched.sha256, first.sha256, "no new file: bytes kept");

    let new_bytes = bytes(3000);
    let replaced = admin
        .patch_media(
            first.id,
            &MediaFilePatch::default(),
            Some(Upload::bytes("film.mkv", new_bytes.clone())),
        )
        .await
        .unwrap();
    assert_eq!(replaced.size, 3000);
    assert_eq!(
        replaced.sha256,
        hex::encode(Sha256::digest(&new_bytes)),
        "the stored digest is that of the new bytes"
    );
    let url = replaced.file.clone().expect("a signed URL");
    let body = admin
        .fetch_stream(&url, None)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, new_bytes);
    assert_eq!(app.media_files_on_disk().len(), 1, "the old bytes are gone");

    admin
        .resource::<Content>()
        .delete(solaris.id)
        .await
        .unwrap();
    assert!(
        app.media_files_on_disk().is_empty(),
        "deleting the content removed its bytes"
    );
    assert!(matches!(
        admin.resource::<MediaFile>().get(first.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn the_catalog_streams_for_subscribers_only() {
    let app = spawn_app().await;
    let admin = typed::admin(&app).await;
    let (_, arrival) = typed::content(&admin, "Arrival").await;
    let artist = arrival.cast[0];
    admin
        .resource::<Credit>()
        .create(&NewCredit {
            artist,
            content: arrival.id,
            relation: typed::name("Director"),
        })
        .await
        .unwrap();
    admin
        .upload_media(
            &NewMediaFile {
                name: typed::name("Feature"),
                content: arrival.id,
            },
            Upload::bytes("feature.mp4", bytes(500)),
        )
        .await
        .unwrap();
    let viewer = typed::user(&app, "viewer").await;
    let (subscriber, signed) = typed::signed_up(&app, "subscriber").await;
    let plan: Plan = admin
        .resource()
        .create(&NewPlan {
            name: typed::name("Premium"),
        })
        .await
        .unwrap();
    admin
        .resource::<Subscription>()
        .create(&NewSubscription {
            user: signed.id,
            plan: plan.id,
        })
        .await
        .unwrap();

    let anonymous = Client::new(&app.base).unwrap();
    assert!(matches!(
        anonymous.catalog(&ContentQuery::new()).await,
        Err(Error::Unauthenticated(_))
    ));
    let found = viewer
        .catalog(&ContentQuery::new().search("arrival"))
        .await
        .unwrap();
    assert_eq!(found.count, 1);
    assert_eq!(found.results[0].id, arrival.id);

    let plain = viewer.catalog_entry(arrival.id).await.unwrap();
    assert_eq!(
        plain.credits,
        [CatalogCredit {
            artist,
            artist_name: Some("Arrival artist".to_owned()),
            relation: "Director".to_owned(),
        }]
    );
    assert_eq!(plain.media[0].name, "Feature");
    assert_eq!(plain.media[0].stream_url, None, "not subscribed: no stream");

    let subscribed = subscriber.catalog_entry(arrival.id).await.unwrap();
    let url = subscribed.media[0]
        .stream_url
        .clone()
        .expect("a stream URL");
    let first_bytes = subscriber
        .fetch_stream(&url, Some((0, Some(9))))
        .await
        .unwrap();
    assert_eq!(first_bytes.status(), 206);
    assert_eq!(first_bytes.bytes().await.unwrap().len(), 10);
    let as_admin = admin.catalog_entry(arrival.id).await.unwrap();
    assert!(as_admin.media[0].stream_url.is_some(), "admins stream too");
    assert!(
        matches!(
            viewer.resource::<Content>().get(arrival.id).await,
            Err(Error::Forbidden(_))
        ),
        "management API stays admin-only"
    );
}

/// A file is kept open between range requests; whatever removes it — the
/// API replacing or deleting it, or someone deleting it on disk — its URL
/// answers 404 from the next request on, never the old bytes.
#[tokio::test]
async fn files_kept_open_between_ranges_stop_serving_once_removed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Stalker").await;
    let data = bytes(100_000);
    let served = |url: String| {
        let app = &app;
        async move {
            // The second request of each pair is served from the kept handle.
            let mut statuses = Vec::new();
            for range in ["bytes=0-9", "bytes=10-19"] {
                let (status, _, body) = fetch(app, &url, &[("Range", range)]).await;
                statuses.push((status, body.len()));
            }
            statuses
        }
    };

    let first = upload(&app, &admin, &content, "Cut 1", data.clone(), "a.mp4").await;
    let url = first.body["file"].as_str().unwrap().to_owned();
    assert_eq!(served(url.clone()).await, [(206, 10), (206, 10)]);
    let (status, _, body) = fetch(&app, &url, &[("Range", "bytes=99990-")]).await;
    assert_eq!((status, body.as_slice()), (206, &data[99_990..]));
    // Replaced through the API: the old URL is gone at once.
    let id = first.body["id"].as_str().unwrap();
    let replaced = replace(&app, &admin, id, &content, "Cut 1", bytes(50), "b.mp4").await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(served(url).await, [(404, 23), (404, 23)]);
    let url = replaced.body["file"].as_str().unwrap().to_owned();
    assert_eq!(served(url.clone()).await, [(206, 10), (206, 10)]);
    // Deleted through the API.
    assert_eq!(
        app.delete(&format!("/api/conmediafile/{id}/"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(served(url).await, [(404, 23), (404, 23)]);
    // Deleted on disk by someone else: the kept handle notices.
    let second = upload(&app, &admin, &content, "Cut 2", data, "c.mp4").await;
    let url = second.body["file"].as_str().unwrap().to_owned();
    assert_eq!(served(url.clone()).await, [(206, 10), (206, 10)]);
    for file in app.media_files_on_disk() {
        std::fs::remove_file(file).unwrap();
    }
    assert_eq!(served(url).await, [(404, 23), (404, 23)]);
}

/// Sets `path`'s modification time to `age` ago.
fn backdate(path: &std::path::Path, age: std::time::Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[tokio::test]
async fn bytes_no_media_file_names_are_swept_once_past_their_grace_period() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Orphans").await;
    let data = bytes(10_000);
    let r = upload(&app, &admin, &content, "Kept", data.clone(), "kept.mp4").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let url = r.body["file"].as_str().unwrap().to_owned();
    let grace = mstream_service::media::ORPHAN_GRACE;
    let long_ago = grace * 3;
    // A real media file, as old as the orphan: its row names it.
    let real = app.media_files_on_disk();
    assert_eq!(real.len(), 1);
    backdate(&real[0], long_ago);
    // What a process killed between placing bytes and committing their row
    // leaves (long ago), and bytes another process placed a moment ago
    // whose row is not committed yet.
    let stored = app.media_root().join("content");
    let orphan = stored.join(format!("{}.mp4", uuid::Uuid::new_v4()));
    let fresh = stored.join(format!("{}.mp4", uuid::Uuid::new_v4()));
    // Not the server's to judge: another name, and other folders.
    let foreign = stored.join("notes.txt");
    let staged = app
        .media_root()
        .join(".tmp")
        .join(format!("{}.mp4", uuid::Uuid::new_v4()));
    let hls = app
        .media_root()
        .join("hls")
        .join(format!("{}.mp4", uuid::Uuid::new_v4()));
    for path in [&orphan, &fresh, &foreign, &staged, &hls] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"bytes").unwrap();
    }
    for path in [&orphan, &foreign, &staged, &hls] {
        backdate(path, long_ago);
    }
    backdate(&fresh, grace / 2);

    // The sweep (every process runs it at start-up and periodically).
    app.services.media.sweep_orphans().await.expect("sweep");
    assert!(!orphan.exists(), "the old orphan is removed");
    for path in [&fresh, &foreign, &staged, &hls, &real[0]] {
        assert!(path.exists(), "{} is kept", path.display());
    }
    let (status, _, body) = fetch(&app, &url, &[]).await;
    assert_eq!((status, body), (200, data), "the media file still streams");
    assert_eq!(app.services.media.sweep_orphans().await.expect("sweep"), 0);
}

/// The 24-byte `ftyp` box that opens an ISO MP4 file: what a sniffer
/// recognises as video/mp4.
const MP4_HEADER: [u8; 24] = *b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";

/// `n` bytes that start as an MP4 file does, then filler.
fn mp4(n: usize) -> Vec<u8> {
    let mut data = MP4_HEADER.to_vec();
    data.extend(bytes(n - MP4_HEADER.len()));
    data
}

/// SPEC §5 beyond plain ranges: `If-Modified-Since`, unsatisfiable and
/// multiple ranges, `HEAD` with `Range`, `Range` with `If-None-Match`.
#[tokio::test]
async fn conditional_and_unusual_range_requests() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Ran").await;
    let size = 10_000;
    let data = mp4(size);
    let r = upload(&app, &admin, &content, "Film", data.clone(), "film.mp4").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let url = r.body["file"].as_str().unwrap().to_owned();
    let (status, headers, _) = fetch(&app, &url, &[]).await;
    assert_eq!(status, 200);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let modified = headers["last-modified"].to_str().unwrap().to_owned();

    let (status, _, body) = fetch(&app, &url, &[("If-Modified-Since", &modified)]).await;
    assert_eq!((status, body.len()), (304, 0), "not modified since");
    let (status, _, body) = fetch(
        &app,
        &url,
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    )
    .await;
    assert_eq!((status, body.len()), (200, size), "modified since 2001");

    for range in ["bytes=5-1", "bytes=-0", "bytes=10000-"] {
        let (status, headers, body) = fetch(&app, &url, &[("Range", range)]).await;
        assert_eq!(status, 416, "{range}");
        assert_eq!(
            headers["content-range"],
            format!("bytes */{size}").as_str(),
            "{range}"
        );
        assert!(body.is_empty(), "{range}");
    }

    let head = app
        .client
        .head(&url)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    // RFC 9110 §14.2 defines ranges for GET only: HEAD describes the whole
    // file (docs/decisions.md, "HEAD with Range").
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-length"], "10000");
    assert_eq!(head.headers()["accept-ranges"], "bytes");
    assert!(head.headers().get("content-range").is_none());
    assert!(head.bytes().await.unwrap().is_empty(), "HEAD has no body");

    // If-None-Match is decided before Range (RFC 9110 §13.2.2).
    let (status, _, body) = fetch(
        &app,
        &url,
        &[("Range", "bytes=0-9"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, body) = fetch(
        &app,
        &url,
        &[("Range", "bytes=0-9"), ("If-None-Match", "\"other\"")],
    )
    .await;
    assert_eq!((status, body), (206, data[..10].to_vec()));

    // Several ranges: the first one only, described by its Content-Range
    // (docs/decisions.md, "Multi-range requests").
    let (status, headers, body) = fetch(&app, &url, &[("Range", "bytes=20-29,100-199")]).await;
    assert_eq!(status, 206);
    assert_eq!(headers["content-range"], "bytes 20-29/10000");
    assert_eq!(headers["content-type"], "video/mp4", "not multipart");
    assert_eq!(body, data[20..30].to_vec());
}

/// A replaced file is new bytes under a new ETag: a client's cached copy
/// is not revalidated as current.
#[tokio::test]
async fn a_replaced_file_gets_a_new_etag() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Ikiru").await;
    let first = upload(&app, &admin, &content, "Film", mp4(2000), "film.mp4").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let id = first.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        first.header("location"),
        Some(format!("{}/api/conmediafile/{id}/", app.base).as_str()),
        "a created media file's Location"
    );
    let (_, headers, _) = fetch(&app, first.body["file"].as_str().unwrap(), &[]).await;
    let old_etag = headers["etag"].to_str().unwrap().to_owned();
    // Same size, other bytes: the ETag must not come from the size alone.
    let mut new_bytes = mp4(2000);
    for b in &mut new_bytes[MP4_HEADER.len()..] {
        *b ^= 0xff;
    }
    let replaced = replace(
        &app,
        &admin,
        &id,
        &content,
        "Film",
        new_bytes.clone(),
        "film.mp4",
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let url = replaced.body["file"].as_str().unwrap();
    let (status, headers, body) = fetch(&app, url, &[("If-None-Match", &old_etag)]).await;
    assert_eq!(status, 200, "the old ETag does not match the new bytes");
    assert_eq!(body, new_bytes);
    assert_ne!(headers["etag"].to_str().unwrap(), old_etag);
}

/// SPEC §3: deleting a content type deletes its contents and, with them,
/// their media files (rows and bytes on disk), relations and reviews.
#[tokio::test]
async fn deleting_a_type_deletes_its_contents_media_bytes_relations_and_reviews() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tampopo").await;
    let other = app.content(&admin, "Ugetsu").await;
    let media = upload(&app, &admin, &content, "Film", mp4(2000), "film.mp4").await;
    assert_eq!(media.status, 201, "{}", media.body);
    let kept = upload(&app, &admin, &other, "Other", mp4(1000), "other.mp4").await;
    assert_eq!(kept.status, 201, "{}", kept.body);
    let relation = app
        .create(
            &admin,
            "artconrelation",
            json!({"artist": content["cast"][0], "content": content["id"], "relation": "Director"}),
        )
        .await;
    let bob = app.signup("bob").await;
    let review = app
        .create(
            &bob.token,
            "reviews",
            json!({"content": content["id"], "title": "t", "review": "r", "rating": 5}),
        )
        .await;
    assert_eq!(app.media_files_on_disk().len(), 2);

    let kind = content["type"].as_str().unwrap();
    let deleted = app.delete(&format!("/api/contype/{kind}/"), &admin).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    for path in [
        format!("/api/contents/{}/", content["id"].as_str().unwrap()),
        format!("/api/conmediafile/{}/", media.body["id"].as_str().unwrap()),
        format!("/api/artconrelation/{}/", relation["id"].as_str().unwrap()),
        format!("/api/reviews/{}/", review["id"].as_str().unwrap()),
    ] {
        assert_eq!(app.get(&path, &admin).await.status, 404, "{path}");
    }
    let on_disk = app.media_files_on_disk();
    assert_eq!(
        on_disk.len(),
        1,
        "only the other content's file: {on_disk:?}"
    );
    let (status, _, _) = fetch(&app, media.body["file"].as_str().unwrap(), &[]).await;
    assert_eq!(status, 404, "the deleted file is not served");
    let (status, _, _) = fetch(&app, kept.body["file"].as_str().unwrap(), &[]).await;
    assert_eq!(status, 200, "another type's media stay");
}
