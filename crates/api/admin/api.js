// The panel's only way to the server: the JSON API under /api/ and /user/.
// Signing in sets an HttpOnly, SameSite=Strict cookie (out of this code's
// reach) that every tab of the panel shares; the server accepts it only on
// requests that carry the panel's own header, X-Mstream-Panel, which only
// same-origin code can send (docs/decisions.md, "Signed in across tabs").
// The token the sign-in returns is never stored by the panel.

export const session = {
  signedIn: false,
  set() { this.signedIn = true; },
  clear() { this.signedIn = false; },
};

/** The retry time of the last 429, in seconds, for the panel to show. */
export function retryAfter(error) {
  const seconds = Number(error && error.retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** A non-2xx answer: `status` and the parsed body (DRF shape). */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

function describe(status, body) {
  if (body && typeof body === 'object' && typeof body.detail === 'string') return body.detail;
  if (status === 0) return 'The server could not be reached.';
  if (status === 413) return 'The file is too large for this server.';
  return `The server answered ${status}.`;
}

function headers(extra = {}) {
  return { Accept: 'application/json', 'X-Mstream-Panel': '1', ...extra };
}

function parse(text) {
  if (!text) return null;
  try { return JSON.parse(text); } catch { return { detail: text.slice(0, 200) }; }
}

function expired(status) {
  // A revoked or expired token: forget it so the sign-in form shows.
  if (status === 401 && session.signedIn) {
    session.clear();
    window.dispatchEvent(new CustomEvent('mstream:signed-out'));
  }
}

/** JSON request; resolves to the parsed body (null for 204). */
export async function request(method, path, body) {
  const init = { method, headers: headers(), credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null);
  }
  const data = parse(await response.text());
  if (!response.ok) {
    expired(response.status);
    const error = new ApiError(response.status, data);
    error.retryAfter = response.headers.get('Retry-After');
    throw error;
  }
  return data;
}

/** multipart/form-data over XMLHttpRequest, reporting upload progress as
 *  `onProgress(sentBytes, totalBytes)`. */
export function upload(method, path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      const data = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else { expired(xhr.status); reject(new ApiError(xhr.status, data)); }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, null)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, { detail: 'The upload was cancelled.' })));
    xhr.send(formData);
  });
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
};

/** Path of a resource's list, or of one entity. */
export function path(resource, id) {
  return id ? `/api/${resource}/${encodeURIComponent(id)}/` : `/api/${resource}/`;
}

// ---------------------------------------------------------------- tus

const TUS_CHUNK = 4 * 1024 * 1024;
const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(String(s))));

/** The localStorage key of an upload in progress: the same file (name,
 *  size, lastModified) for the same target — a new media file of a
 *  content, or the media file whose bytes it replaces — resumes it after
 *  a reload. */
function tusKey(file, { content, media }) {
  const target = media ? `media=${media}` : content;
  return `mstream.tus:${file.name}:${file.size}:${file.lastModified}:${target}`;
}

async function tusFetch(method, url, extra, body) {
  let response;
  try {
    response = await fetch(url, {
      method, body, credentials: 'same-origin',
      headers: headers({ 'Tus-Resumable': '1.0.0', ...extra }),
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    expired(response.status);
    const error = new ApiError(response.status, parse(await response.text()));
    error.retryAfter = response.headers.get('Retry-After');
    throw error;
  }
  return response;
}

/** Uploads `file` over tus (`/api/uploads/`, docs/decisions.md
 *  "Resumable uploads over tus") in 4 MiB PATCHes: as a new media file of
 *  `content` named `name`, or, given `media`, as the new bytes of that
 *  media file (no `name` nor `filename` then: the server would rename the
 *  media file after them; the form saves the other fields itself). The
 *  upload's URL is kept in localStorage until the last byte, so picking
 *  the same file again after a reload resumes it from the server's offset
 *  (HEAD). Resolves to `{ id, resumedFrom }`, the media file's id and the
 *  offset it resumed from (0 for a fresh one).
 *  `window.mstreamTusStopAfter = n` (a test hook) stops after n chunks. */
export async function tusUpload(file, { content, name, media }, onProgress) {
  const key = tusKey(file, { content, media });
  let url = localStorage.getItem(key);
  let offset = 0;
  if (url) {
    try {
      const head = await tusFetch('HEAD', url, {});
      offset = Number(head.headers.get('Upload-Offset')) || 0;
    } catch (e) {
      if (e.status !== 404 && e.status !== 410 && e.status !== 403) throw e;
      localStorage.removeItem(key);
      url = null;
    }
  }
  const resumedFrom = offset;
  if (!url) {
    const fields = media ? [['media', media]] : [['content', content], ['name', name], ['filename', file.name]];
    const meta = fields
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k} ${b64(v)}`).join(',');
    const created = await tusFetch('POST', '/api/uploads/', {
      'Upload-Length': String(file.size), 'Upload-Metadata': meta,
    });
    url = new URL(created.headers.get('Location'), location.href).toString();
    localStorage.setItem(key, url);
  }
  onProgress(offset, file.size, resumedFrom);
  let chunks = 0;
  for (;;) {
    const stopAfter = window.mstreamTusStopAfter;
    if (typeof stopAfter === 'number' && chunks >= stopAfter) {
      throw new ApiError(0, { detail: `The upload stopped at ${offset} bytes (test hook).` });
    }
    const answer = await tusFetch('PATCH', url, {
      'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream',
    }, file.slice(offset, offset + TUS_CHUNK));
    chunks += 1;
    offset = Number(answer.headers.get('Upload-Offset'));
    onProgress(offset, file.size);
    const id = answer.headers.get('Mstream-Media-File');
    if (id) {
      localStorage.removeItem(key);
      return { id, resumedFrom };
    }
    if (!(offset < file.size)) throw new ApiError(0, { detail: 'The upload ended without a media file.' });
  }
}
