"""Drives mstream through a client generated from its own /api/schema/.

Run by .ci/client.sh with the generated package importable as `client`,
MSTREAM_BASE and MSTREAM_ADMIN_TOKEN set. Every call goes through the
generated typed functions, every answer is parsed into the generated
models, and undocumented status codes raise (raise_on_unexpected_status),
so a schema that does not describe what the server does fails here.
"""

import datetime
import io
import os
import sys
import uuid

from client import AuthenticatedClient, Client
from client.api.catalog import catalog_list, catalog_retrieve
from client.api.conmediafile import conmediafile_create
from client.api.contents import contents_create, contents_list, contents_retrieve
from client.api.contype import contype_create
from client.api.artists import artists_create
from client.api.genre import genre_create, genre_list
from client.api.parcontag import parcontag_create
from client.api.reviews import reviews_create, reviews_list
from client.api.submodels import submodels_create
from client.api.submap import submap_create
from client.api.user import user_login, user_me, user_signup
from client.models import (
    ArtistRequest,
    CatalogEntry,
    Content,
    ContentMediaFile,
    ContentMediaFileRequest,
    ContentRequest,
    ContentTypeRequest,
    FieldErrors,
    Genre,
    GenreRequest,
    LoginRequest,
    Me,
    PaginatedContentList,
    PaginatedGenreList,
    PaginatedReviewList,
    ParentalControlTagRequest,
    Review,
    ReviewRequest,
    SignedUp,
    SignupRequest,
    SubscriptionPlanRequest,
    UserSubscriptionRequest,
)
from client.types import File

BASE = os.environ["MSTREAM_BASE"]


def authed(token):
    return AuthenticatedClient(
        base_url=BASE, token=token, prefix="Token", raise_on_unexpected_status=True
    )


def expect(value, kind, what):
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    return value


def main():
    admin = authed(os.environ["MSTREAM_ADMIN_TOKEN"])
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    suffix = uuid.uuid4().hex[:8]
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)

    genre = expect(
        genre_create.sync(client=admin, body=GenreRequest(name=f"Noir {suffix}")),
        Genre,
        "genre_create",
    )
    duplicate = genre_create.sync(client=admin, body=GenreRequest(name=f"Noir {suffix}"))
    expect(duplicate, FieldErrors, "duplicate genre_create")
    kind = contype_create.sync(client=admin, body=ContentTypeRequest(type_=f"Film {suffix}"))
    tag = parcontag_create.sync(client=admin, body=ParentalControlTagRequest(name=f"PG {suffix}"))
    artist = artists_create.sync(
        client=admin, body=ArtistRequest(name=f"Bogart {suffix}", about="Actor")
    )
    content = expect(
        contents_create.sync(
            client=admin,
            body=ContentRequest(
                name=f"The Big Sleep {suffix}",
                about="A private detective",
                genre=[genre.id],
                cast=[artist.id],
                parental_control_tags=[tag.id],
                type_=kind.id,
            ),
        ),
        Content,
        "contents_create",
    )
    if content.genre_name != [genre.name] or content.rating != 0.0:
        sys.exit(f"contents_create returned {content!r}")

    listed = expect(
        genre_list.sync(client=admin, search=f"noir {suffix}", created_gte=before),
        PaginatedGenreList,
        "genre_list",
    )
    if [g.id for g in listed.results] != [genre.id]:
        sys.exit(f"genre_list search+filter: {listed!r}")
    found = expect(
        contents_list.sync(client=admin, genre=[genre.id], ordering="-rating"),
        PaginatedContentList,
        "contents_list",
    )
    if found.count != 1:
        sys.exit(f"contents_list ?genre=: {found!r}")

    media = expect(
        conmediafile_create.sync(
            client=admin,
            body=ContentMediaFileRequest(
                name=f"Trailer {suffix}",
                content=content.id,
                file=File(
                    payload=io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + bytes(4096)),
                    file_name="trailer.mp4",
                    mime_type="video/mp4",
                ),
            ),
        ),
        ContentMediaFile,
        "conmediafile_create",
    )
    if media.size != 4108 or media.mime_type != "video/mp4":
        sys.exit(f"conmediafile_create returned {media!r}")

    password = "Generated-client-9"
    signed_up = expect(
        user_signup.sync(
            client=anonymous,
            body=SignupRequest(
                username=f"viewer{suffix}",
                email=f"viewer{suffix}@example.com",
                password=password,
                confirm_password=password,
            ),
        ),
        SignedUp,
        "user_signup",
    )
    login = user_login.sync(
        client=anonymous,
        body=LoginRequest(username=f"viewer{suffix}", password=password),
    )
    viewer = authed(login.token)
    me = expect(user_me.sync(client=viewer), Me, "user_me")
    if me.id != signed_up.id or me.is_admin:
        sys.exit(f"user_me: {me!r}")

    review = expect(
        reviews_create.sync(
            client=viewer,
            body=ReviewRequest(content=content.id, title="Sharp", review="Fine film", rating=4),
        ),
        Review,
        "reviews_create",
    )
    reviews = expect(
        reviews_list.sync(client=viewer, content=[content.id]),
        PaginatedReviewList,
        "reviews_list",
    )
    if [r.id for r in reviews.results] != [review.id]:
        sys.exit(f"reviews_list: {reviews!r}")
    rated = contents_retrieve.sync(client=admin, id=content.id)
    if rated.rating != 4.0 or rated.reviews_count != 1:
        sys.exit(f"rating after a review: {rated!r}")

    # Browsing: no stream URL until the viewer subscribes.
    entry = expect(
        catalog_retrieve.sync(client=viewer, id=content.id), CatalogEntry, "catalog_retrieve"
    )
    if [m.stream_url for m in entry.media] != [None]:
        sys.exit(f"catalog_retrieve before subscribing: {entry!r}")
    plan = submodels_create.sync(client=admin, body=SubscriptionPlanRequest(name=f"Gold {suffix}"))
    submap_create.sync(client=admin, body=UserSubscriptionRequest(user=me.id, plan=plan.id))
    entry = catalog_retrieve.sync(client=viewer, id=content.id)
    url = entry.media[0].stream_url
    if not isinstance(url, str) or "/content/" not in url or "signature=" not in url:
        sys.exit(f"catalog_retrieve after subscribing: {entry!r}")
    page = expect(
        catalog_list.sync(client=viewer, search=f"sleep {suffix}"),
        PaginatedContentList,
        "catalog_list",
    )
    if [c.id for c in page.results] != [content.id]:
        sys.exit(f"catalog_list: {page!r}")
    streamed = viewer.get_httpx_client().get(url, headers={"Range": "bytes=4-11"})
    if streamed.status_code != 206 or streamed.content != b"ftypmp42":
        sys.exit(f"stream_url: {streamed.status_code} {streamed.content!r}")
    print("client_check.py: the generated client signed up, curated, reviewed, browsed and streamed")


if __name__ == "__main__":
    main()
