"""Checks a deployment of two mstream processes behind a proxy (run by
.ci/scaleout.sh): every write made through one process is read at once
through the other, budgets are counted across both, and a replaced media
file is served by both. Standard library only. Exits non-zero on the first
broken promise, printing what was seen.
"""

import argparse
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, headers=None, raw=None):
        data = None
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Token {token}"
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if raw is not None:
            data, content_type = raw
            hdrs["Content-Type"] = content_type
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def json(self, method, path, token=None, body=None, expect=(200, 201), **kw):
        status, payload, _ = self.call(method, path, token, body, **kw)
        if status not in expect:
            fail(f"{method} {self.base}{path}: {status} {payload[:300]!r}")
        return json.loads(payload) if payload else None


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def multipart(fields, file_bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="poster.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + file_bytes
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def png(seed):
    # A PNG signature and IHDR chunk, then filler: sniffed as image/png.
    header = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61")
    return header + random.Random(seed).randbytes(4096)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--probes", type=int, default=1000)
    args = parser.parse_args()
    proxy, a, b = Api(args.proxy), Api(args.a), Api(args.b)

    admin = proxy.json("POST", "/user/login/", body={"username": args.admin, "password": args.password})["token"]

    # A small catalog, made through the proxy.
    genre = proxy.json("POST", "/api/genre/", admin, {"name": "Probe genre"})
    kind = proxy.json("POST", "/api/contype/", admin, {"type": "Probe type"})
    tag = proxy.json("POST", "/api/parcontag/", admin, {"name": "Probe tag"})
    artist = proxy.json("POST", "/api/artists/", admin, {"name": "Probe artist", "about": "x"})
    content = proxy.json(
        "POST",
        "/api/contents/",
        admin,
        {
            "name": "Probe content",
            "about": "x",
            "genre": [genre["id"]],
            "cast": [artist["id"]],
            "parental_control_tags": [tag["id"]],
            "type": kind["id"],
        },
    )
    detail = f"/api/contents/{content['id']}/"
    reviewer_name = f"reviewer{uuid.uuid4().hex[:8]}"
    reviewer = proxy.json(
        "POST",
        "/user/signup/",
        body={
            "username": reviewer_name,
            "email": f"{reviewer_name}@example.com",
            "password": "Correct-horse-9",
            "confirm_password": "Correct-horse-9",
        },
    )
    review = proxy.json(
        "POST",
        "/api/reviews/",
        reviewer["token"],
        {"content": content["id"], "title": "t", "review": "r", "rating": 3},
    )

    # Budgets stay at the SPEC's 60 a minute during the probes: the
    # reviewer writes as an admin (whose budget is unlimited here), token
    # and admin-flag probes rotate over users who each stay under 60, and
    # each sign-in comes from an address of its own (the processes trust
    # the loopback peer's X-Forwarded-For).
    a.json("PATCH", f"/api/users/{reviewer['id']}/", admin, {"is_admin": True})

    def signup(n):
        name = f"probe{n}{uuid.uuid4().hex[:6]}"
        user = proxy.json(
            "POST",
            "/user/signup/",
            body={"username": name, "email": f"{name}@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
        return name, user

    token_users = [signup(n) for n in range(30)]
    flag_users = [signup(100 + n) for n in range(10)]

    stale = []
    kinds = {}

    def probe_rename(n):
        resource, field, names = random.choice(
            [("genre", "name", "genre_name"), ("contype", "type", "type_name"), ("parcontag", "name", "parental_control_tags_name"), ("artists", "name", "cast_name")]
        )
        target = {"genre": genre, "contype": kind, "parcontag": tag, "artists": artist}[resource]
        writer, reader = random.choice([(a, b), (b, a)])
        reader.json("GET", detail, admin)  # the reader caches the old answer
        new_name = f"{resource} {n}"
        writer.json("PATCH", f"/api/{resource}/{target['id']}/", admin, {field: new_name})
        seen = reader.json("GET", detail, admin)[names]
        wanted = new_name if resource == "contype" else [new_name]
        return seen == wanted, f"{names}: {seen!r}, wanted {wanted!r}"

    def probe_rating(n):
        writer, reader = random.choice([(a, b), (b, a)])
        reader.json("GET", detail, admin)
        rating = n % 6
        writer.json("PATCH", f"/api/reviews/{review['id']}/", reviewer["token"], {"rating": rating})
        seen = reader.json("GET", detail, admin)["rating"]
        return seen == float(rating), f"rating {seen}, wanted {rating}"

    def probe_token(n):
        writer, reader = random.choice([(a, b), (b, a)])
        name, _ = token_users[(n // 4) % len(token_users)]
        # A device of its own: the revoked token it presents last counts
        # against its address's budget of bad tokens, not the others'.
        device = {"X-Forwarded-For": f"198.51.{(n // 4) // 250}.{(n // 4) % 250}"}
        token = writer.json(
            "POST",
            "/user/login/",
            body={"username": name, "password": "Correct-horse-9"},
            headers=device,
        )["token"]
        status, _, _ = reader.call("GET", "/user/me/", token, headers=device)
        if status != 200:
            return False, f"a fresh token gave {status}"
        writer.json("POST", "/user/logout/", token, expect=(204,), headers=device)
        status, _, _ = reader.call("GET", "/user/me/", token, headers=device)
        return status == 401, f"a logged-out token gave {status}"

    def probe_admin(n):
        writer, reader = random.choice([(a, b), (b, a)])
        _, user = flag_users[(n // 4) % len(flag_users)]
        grant = (n // 4 // len(flag_users)) % 2 == 0
        writer.json("PATCH", f"/api/users/{user['id']}/", admin, {"is_admin": grant})
        status, _, _ = reader.call("GET", "/api/genre/", user["token"])
        return status == (200 if grant else 403), f"is_admin={grant} but /api/genre/ gave {status}"

    probes = [probe_rename, probe_rating, probe_token, probe_admin]
    for n in range(args.probes):
        probe = probes[n % len(probes)]
        ok, what = probe(n)
        kinds[probe.__name__] = kinds.get(probe.__name__, 0) + 1
        if not ok:
            stale.append(f"probe {n} ({probe.__name__}): {what}")
    print(f"{args.probes} write-then-read-elsewhere probes {kinds}: {len(stale)} stale")
    if stale:
        fail("\n".join(stale[:20]))

    # A replaced media file: the new URL plays on both processes, the old
    # one on neither.
    body, content_type = multipart({"name": "Poster", "content": content["id"]}, png(1))
    media = a.json("POST", "/api/conmediafile/", admin, raw=(body, content_type))
    old_path = urllib.parse.urlsplit(media["file"])
    for server in (a, b):
        status, data, _ = server.call("GET", f"{old_path.path}?{old_path.query}")
        if status != 200 or data != png(1):
            fail(f"the first file from {server.base}: {status}")
    body, content_type = multipart({"name": "Poster", "content": content["id"]}, png(2))
    replaced = b.json("PUT", f"/api/conmediafile/{media['id']}/", admin, raw=(body, content_type))
    new_path = urllib.parse.urlsplit(replaced["file"])
    for server in (a, b):
        listed = server.json("GET", f"/api/conmediafile/{media['id']}/", admin)
        if urllib.parse.urlsplit(listed["file"]).path != new_path.path:
            fail(f"{server.base} lists the old file after the replacement")
        status, data, _ = server.call("GET", f"{new_path.path}?{new_path.query}")
        if status != 200 or data != png(2):
            fail(f"the replaced file from {server.base}: {status}")
        status, _, _ = server.call("GET", f"{old_path.path}?{old_path.query}")
        if status != 404:
            fail(f"the removed file from {server.base}: {status}, wanted 404")
    print("a replaced media file: new bytes served by both processes, the old URL 404 on both")

    # Budgets across both processes: the 61st request of a user, alternating
    # between them, is refused; so is an address's, through the proxy.
    name = f"budget{uuid.uuid4().hex[:8]}"
    client = "203.0.113.7"  # the address the proxy reports for this client
    user = proxy.json(
        "POST",
        "/user/signup/",
        body={"username": name, "email": f"{name}@example.com", "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"},
        headers={"X-Forwarded-For": client},
    )
    statuses = [(a, b)[i % 2].call("GET", "/user/me/", user["token"])[0] for i in range(61)]
    if statuses[:60] != [200] * 60 or statuses[60] != 429:
        fail(f"a user's budget across both processes: {statuses}")
    anonymous = [proxy.call("GET", "/api/", headers={"X-Forwarded-For": client})[0] for _ in range(60)]
    # The signup was this address's first request.
    if anonymous[:59] != [200] * 59 or anonymous[59] != 429:
        fail(f"an address's budget across both processes: {anonymous}")
    print("budgets: the 61st request of a user and of an address is 429 across both processes")

    # Past nginx's request-line buffer the proxy answers, in the API's
    # error shape (docs/deploy.md): actix-http alone would answer an empty
    # 400 past 64 KiB, before mstream's own 414 could run.
    for length in (9_000, 70_000, 200_000):
        status, payload, headers = proxy.call("GET", "/api/genre/?search=" + "a" * length)
        content_type = headers.get("Content-Type", "")
        try:
            detail = json.loads(payload).get("detail", "")
        except ValueError:
            detail = ""
        if status != 414 or not content_type.startswith("application/json") or not detail:
            fail(f"a {length}-byte URI through nginx: {status} {content_type} {payload[:200]!r}")
    print("URIs of 9 KB, 70 KB and 200 KB through nginx: 414 with a JSON detail")


if __name__ == "__main__":
    main()
