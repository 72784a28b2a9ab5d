"""A tus client as a user would run one: tuspy, resuming through its URL
storage. Prints `offset N` after every chunk (for .ci/tus.sh to watch) and
`done URL` at the end.

Usage: tus_client.py BASE TOKEN CONTENT_ID FILE STORAGE CHUNK_BYTES
"""

import sys

from tusclient import client
from tusclient.storage import filestorage

base, token, content, path, storage_path, chunk = sys.argv[1:7]
tus = client.TusClient(f"{base}/api/uploads/", headers={"Authorization": f"Token {token}"})
storage = filestorage.FileStorage(storage_path)
uploader = tus.uploader(
    path,
    chunk_size=int(chunk),
    metadata={"content": content, "filename": "tus-ci.mp4"},
    store_url=True,
    url_storage=storage,
    # A server restarting answers nothing for a moment: tuspy asks for the
    # offset again and goes on.
    retries=60,
    retry_delay=1,
    upload_checksum=True,
)
resumed = uploader.url is not None
print(f"{'resuming' if resumed else 'starting'} at offset {uploader.offset}"
      f" of {uploader.get_file_size()} ({uploader.url})", flush=True)
size = uploader.get_file_size()
uploader.stop_at = size
while uploader.offset < size:
    uploader.upload_chunk()
    print(f"offset {uploader.offset}", flush=True)
print(f"done {uploader.url}", flush=True)
