// The admin panel: sign-in, then one list/detail/form per resource, all
// built from the declarations in /admin/resources.json. Routes live in the
// URL fragment: #/<resource>?<list query>, #/<resource>/new,
// #/<resource>/<id>, #/<resource>/<id>/edit.

import { api, ApiError, path, retryAfter, session, tusUpload, upload } from './api.js';
import { display, h, help, humanize, input, labelOf, picker, schema, title } from './widgets.js';

const root = document.getElementById('app');

/** Each list's columns, in one place (Django admin's `list_display`): the
 *  fields a row shows, one line each (the rest is in the detail and on
 *  hover). A resource not listed here shows its fields as declared. */
const LIST_DISPLAY = {
  genre: ['name', 'content', 'created'],
  parcontag: ['name', 'created'],
  contype: ['type', 'created'],
  artists: ['name', 'about', 'created'],
  contents: ['name', 'type', 'genre', 'rating', 'reviews_count', 'created'],
  conmediafile: ['name', 'content', 'mime_type', 'size', 'created'],
  artconrelation: ['artist', 'content', 'relation', 'created'],
  reviews: ['title', 'content', 'rating', 'created'],
  submodels: ['name', 'created'],
  submap: ['user', 'plan', 'created'],
  users: ['username', 'email', 'is_admin', 'created'],
};

/** The index's groups (Django admin's apps). */
const GROUPS = [
  ['Catalog', ['contents', 'contype', 'genre', 'parcontag', 'reviews']],
  ['People', ['artists', 'artconrelation']],
  ['Media', ['conmediafile']],
  ['Accounts & plans', ['users', 'submodels', 'submap']],
];

/** Resources whose delete has a preview (`/api/<name>/<id>/delete-preview/`). */
const previewable = (name) => name !== 'reviews' && name !== 'users';
let me = null;
let flash = null; // a message shown once on the next page

// ---------------------------------------------------------------- start

async function start() {
  try {
    const decl = await fetch('/admin/resources.json', { headers: { Accept: 'application/json' } }).then((r) => r.json());
    for (const r of decl.resources) schema.set(r.name, r);
  } catch {
    root.replaceChildren(h('p', { class: 'error' }, 'Could not load the panel description from the server.'));
    return;
  }
  window.addEventListener('hashchange', route);
  window.addEventListener('mstream:signed-out', () => { me = null; route(); });
  await route();
}

async function whoami() {
  if (me) return me;
  try {
    // Signed in already when another tab signed in (the panel cookie).
    me = await api.get('/user/me/');
    session.set();
  } catch (e) {
    if (e.status === 401) session.clear();
    else throw e;
  }
  return me;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?');
  const parts = p.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(q) };
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  let user;
  try {
    user = await whoami();
  } catch (e) {
    root.replaceChildren(h('p', { class: 'error' }, e.message));
    return;
  }
  if (!user) return loginView();
  if (!user.is_admin) return notAdminView(user);
  const { parts, query } = parseHash();
  const resource = schema.get(parts[0]);
  if (parts.length && !resource) return go('#/');
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' }, h('p', { class: 'loading' }, 'Loading…'));
  root.replaceChildren(shell(resource ? resource.name : '', main));
  try {
    let view;
    if (!resource) view = await indexView();
    else if (parts.length === 1) view = await listView(resource, query);
    else if (parts[1] === 'new' && resource.create) view = await formView(resource, null);
    else if (parts[2] === 'edit') view = await formView(resource, parts[1]);
    else if (parts[2] === 'history') view = await historyView(resource, parts[1]);
    else view = await detailView(resource, parts[1]);
    main.replaceChildren(...[flashBox(), view].flat().filter(Boolean));
  } catch (e) {
    main.replaceChildren(failure(e));
  }
}

/** An error inside the normal frame; a 429 says when to try again. */
function failure(e) {
  if (e.status === 429) {
    const wait = retryAfter(e);
    return h('div', { class: 'banner error', role: 'alert', id: 'throttled' },
      h('p', {}, `The server is asking the panel to slow down (too many requests). `,
        wait ? `Try again in ${wait} second${wait === 1 ? '' : 's'}.` : 'Try again in a moment.'),
      h('button', { type: 'button', onclick: () => route() }, 'Try again'));
  }
  return h('div', { class: 'banner error', role: 'alert' }, e.message);
}

function flashBox() {
  if (!flash) return null;
  const box = h('div', { class: 'banner ok', role: 'status', id: 'flash' }, flash);
  flash = null;
  return box;
}

async function signOut() {
  try { await api.post('/user/logout/'); } catch { /* the token is dropped anyway */ }
  session.clear();
  me = null;
  location.hash = '';
  route();
}

// ---------------------------------------------------------------- frame

function shell(active, main) {
  const nav = h('nav', { class: 'sidebar', id: 'sidebar', 'aria-label': 'Resources' },
    h('ul', {},
      h('li', {}, h('a', { href: '#/', class: active === '' ? 'active' : '', id: 'nav-index' }, 'Home')),
      [...schema.values()].map((r) => h('li', {},
        h('a', { href: `#/${r.name}`, class: r.name === active ? 'active' : '', 'data-resource': r.name }, title(r))))));
  // The skip link moves focus without touching the hash (the hash is the route).
  const skip = h('a', {
    class: 'skip-link', id: 'skip-link', href: '#main',
    onclick: (e) => { e.preventDefault(); main.focus(); },
  }, 'Skip to content');
  const layout = h('div', { class: 'layout' });
  const menu = h('button', {
    type: 'button', id: 'menu-toggle', class: 'link menu-toggle', 'aria-controls': 'sidebar', 'aria-expanded': 'false',
    onclick: () => {
      const open = layout.classList.toggle('nav-open');
      menu.setAttribute('aria-expanded', String(open));
    },
  }, 'Menu');
  const top = h('header', { class: 'topbar' },
    menu,
    h('a', { class: 'brand', href: '#/' }, 'mstream ', h('span', {}, 'admin')),
    h('span', { class: 'who' }, h('span', { class: 'who-label' }, 'Signed in as '), h('strong', { id: 'whoami' }, me.username)),
    h('button', { type: 'button', id: 'sign-out', class: 'link', onclick: signOut }, 'Sign out'));
  layout.append(top, nav, main);
  return h('div', {}, skip, layout);
}

// ---------------------------------------------------------------- index

async function indexView() {
  const known = GROUPS.map(([name, members]) => [name, members.filter((m) => schema.has(m))]);
  const counts = new Map();
  await Promise.all(known.flatMap(([, members]) => members).map(async (name) => {
    try { counts.set(name, (await api.get(`${path(name)}?page_size=1`)).count); } catch { counts.set(name, null); }
  }));
  let recent;
  try {
    recent = (await api.get('/api/history/?page_size=10')).results;
  } catch (e) {
    recent = e;
  }
  const groups = known.filter(([, members]) => members.length).map(([name, members]) =>
    h('section', { class: 'card group', 'data-group': name },
      h('h2', {}, name),
      h('table', { class: 'index' }, h('tbody', {}, members.map((m) => {
        const r = schema.get(m);
        return h('tr', { 'data-resource': m },
          h('th', {}, h('a', { href: `#/${m}` }, title(r))),
          h('td', { class: 'count', 'data-count': m }, counts.get(m) ?? '—'),
          h('td', { class: 'add' }, r.create ? h('a', { class: 'button small', href: `#/${m}/new` }, '+ Add') : null));
      })))));
  const actions = recent instanceof Error
    ? h('p', { class: 'error' }, recent.message)
    : recent.length
      ? h('ul', { class: 'recent', id: 'recent-actions' }, recent.map((entry) => h('li', { 'data-action': entry.action },
        h('span', { class: `action ${entry.action}` }, entry.action),
        ' ',
        schema.has(entry.resource) && entry.action !== 'delete'
          ? h('a', { href: `#/${entry.resource}/${entry.object}` }, entry.object_repr)
          : h('span', {}, entry.object_repr),
        h('span', { class: 'help' }, ` ${schema.has(entry.resource) ? schema.get(entry.resource).noun : entry.resource} · ${entry.actor_name} · ${when(entry.time)}`))))
      : h('p', { class: 'help', id: 'recent-actions' }, 'No actions yet.');
  return [
    h('div', { class: 'page-head' }, h('h1', {}, 'Site administration')),
    h('div', { class: 'index-grid' },
      h('div', { class: 'groups' }, groups),
      h('section', { class: 'card recent-card' }, h('h2', {}, 'Recent actions'), actions)),
  ];
}

function when(time) {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().slice(0, 16).replace('T', ' ');
}

function describeValue(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.map(describeValue).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** One object's history, newest first (Django admin's "History"). */
async function historyView(resource, id) {
  const page = await api.get(`/api/history/?object=${encodeURIComponent(id)}&page_size=100`);
  const rows = page.results.map((entry) => h('tr', { 'data-action': entry.action },
    h('td', {}, when(entry.time)),
    h('td', {}, entry.actor_name),
    h('td', {}, entry.action),
    h('td', { class: 'changes' }, Object.keys(entry.changes || {}).length
      ? h('ul', {}, Object.entries(entry.changes).map(([field, c]) => h('li', { 'data-field': field },
        h('strong', {}, humanize(field)), ': ',
        h('span', { class: 'old' }, describeValue(c.old)), ' → ',
        h('span', { class: 'new' }, describeValue(c.new)))))
      : '—')));
  const label = page.results.length ? page.results[0].object_repr : id;
  return [
    h('div', { class: 'page-head' },
      h('h1', {}, `History: ${label}`),
      h('a', { class: 'button', href: `#/${resource.name}/${id}` }, `‹ Back to the ${resource.noun}`)),
    h('table', { class: 'list history', id: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Date/time'), h('th', {}, 'User'), h('th', {}, 'Action'), h('th', {}, 'Changes'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'No history for this object.')))),
  ];
}

function loginView(message) {
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const errors = h('div', { class: 'form-errors', id: 'login-errors', role: 'alert' }, message || '');
  const button = h('button', { type: 'submit', id: 'login-submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card login', id: 'login-form' },
    h('h1', {}, 'mstream ', h('span', {}, 'admin')),
    errors,
    h('label', { for: 'login-username' }, 'Username'), username,
    h('label', { for: 'login-password' }, 'Password'), password,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    errors.textContent = '';
    try {
      await api.post('/user/login/', { username: username.value, password: password.value });
      session.set();
      me = null;
      await route();
    } catch (err) {
      const b = err.body || {};
      errors.textContent = [].concat(b.non_field_errors || [], b.username || [], b.password || []).join(' ') || err.message;
      button.disabled = false;
    }
  });
  root.replaceChildren(h('div', { class: 'centered' }, form));
  username.focus();
}

function notAdminView(user) {
  root.replaceChildren(h('div', { class: 'centered' },
    h('div', { class: 'card', id: 'not-admin' },
      h('h1', {}, 'This panel is for admins only'),
      h('p', {}, 'You are signed in as ', h('strong', {}, user.username),
        ', which is not an admin account. Ask an admin to give you access.'),
      h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'))));
}

// ---------------------------------------------------------------- lists

/** The table's columns: every readable field except the id, `updated`, and
 *  derived names already shown in their reference's column. */
function columns(resource) {
  const chosen = (LIST_DISPLAY[resource.name] || [])
    .map((name) => resource.fields.find((f) => f.name === name)).filter(Boolean);
  // A media file's packaging (HLS job) is not a declared field: a column of its own.
  if (resource.name === 'conmediafile') chosen.push({ name: 'packaging', kind: 'packaging' });
  if (chosen.length) return chosen;
  const shown = new Set(resource.fields.filter((f) => f.names).map((f) => f.names));
  return resource.fields.filter((f) => f.kind !== 'id' && f.name !== 'updated' && !shown.has(f.name));
}

/** Filter controls for the simple cases: flags, references, number ranges. */
function filterControls(resource, query) {
  const controls = [];
  for (const f of resource.fields) {
    if (!f.filter) continue;
    if (f.kind === 'bool') {
      const sel = h('select', { id: `filter-${f.name}`, 'data-filter': f.name },
        h('option', { value: '' }, 'Any'), h('option', { value: 'true' }, 'Yes'), h('option', { value: 'false' }, 'No'));
      sel.value = query.get(f.name) || '';
      controls.push({ label: humanize(f.name), el: sel, apply: (q) => setOrDelete(q, f.name, sel.value) });
    } else if ((f.kind === 'ref' || f.kind === 'refs') && schema.has(f.to)) {
      const p = picker({ ...f, kind: 'ref' }, { id: `filter-${f.name}` });
      if (query.get(f.name)) p.set(query.get(f.name));
      controls.push({ label: humanize(f.name), el: p.el, apply: (q) => setOrDelete(q, f.name, p.value() || '') });
    } else if (f.range && f.kind === 'timestamp') {
      // Date range (Django admin's date hierarchy, simplified): whole days
      // in UTC, `to` included (sent as `__lt` the next day).
      const day = 86400000;
      const shift = (date, by) => (date ? new Date(Date.parse(`${date}T00:00:00Z`) + by).toISOString().slice(0, 10) : '');
      const from = h('input', { type: 'date', id: `filter-${f.name}-from`, 'aria-label': `${humanize(f.name)} from` });
      const to = h('input', { type: 'date', id: `filter-${f.name}-to`, 'aria-label': `${humanize(f.name)} to` });
      from.value = (query.get(`${f.name}__gte`) || '').slice(0, 10);
      to.value = shift((query.get(`${f.name}__lt`) || '').slice(0, 10), -day);
      controls.push({
        label: humanize(f.name),
        el: h('span', { class: 'range' }, from, '–', to),
        apply: (q) => { setOrDelete(q, `${f.name}__gte`, from.value); setOrDelete(q, `${f.name}__lt`, shift(to.value, day)); },
      });
    } else if (f.range && (f.kind === 'int' || f.kind === 'float')) {
      const min = h('input', { type: 'number', step: 'any', placeholder: 'min', id: `filter-${f.name}-min`, class: 'narrow' });
      const max = h('input', { type: 'number', step: 'any', placeholder: 'max', id: `filter-${f.name}-max`, class: 'narrow' });
      min.value = query.get(`${f.name}__gte`) || '';
      max.value = query.get(`${f.name}__lte`) || '';
      controls.push({
        label: humanize(f.name),
        el: h('span', { class: 'range' }, min, '–', max),
        apply: (q) => { setOrDelete(q, `${f.name}__gte`, min.value); setOrDelete(q, `${f.name}__lte`, max.value); },
      });
    }
  }
  return controls;
}

function setOrDelete(q, k, v) {
  if (v === '' || v === null || v === undefined) q.delete(k);
  else q.set(k, v);
}

async function listView(resource, query) {
  const page = await api.get(`${path(resource.name)}?${query}`);
  const cols = columns(resource);
  const ordering = query.get('ordering') || '';
  const listHash = (q) => `#/${resource.name}${q.toString() ? '?' + q : ''}`;

  // toolbar: search + filters
  const searchable = resource.fields.some((f) => f.search);
  const search = h('input', { type: 'search', id: 'search', placeholder: `Search ${title(resource).toLowerCase()}…`, value: query.get('search') || '' });
  const filters = filterControls(resource, query);
  const apply = (e) => {
    if (e) e.preventDefault();
    const q = new URLSearchParams(query);
    setOrDelete(q, 'search', search.value.trim());
    for (const c of filters) c.apply(q);
    q.delete('page');
    go(listHash(q));
  };
  const clear = [...query.keys()].some((k) => k !== 'ordering')
    ? h('a', { class: 'button', id: 'clear', href: listHash(new URLSearchParams(ordering ? { ordering } : {})) }, 'Clear')
    : null;
  const toolbar = h('form', { class: 'toolbar', id: 'list-toolbar', onsubmit: apply },
    h('div', { class: 'search-row' },
      searchable ? search : h('span', { class: 'grow' }),
      h('button', { type: 'submit', id: 'apply' }, searchable ? 'Search' : 'Filter'),
      clear),
    // On a phone the filters fold away unless one is in use.
    filters.length ? h('details', {
      class: 'filters-box', id: 'filters-box',
      open: window.matchMedia('(min-width: 761px)').matches
        || [...query.keys()].some((k) => !['search', 'ordering', 'page', 'page_size'].includes(k)),
    }, h('summary', {}, 'Filters'), h('div', { class: 'filters' },
      filters.map((c) => h('label', { class: 'filter' }, h('span', {}, c.label), c.el)))) : null);

  // table
  const headCell = (f) => {
    if (!f.order) return h('th', {}, humanize(f.name));
    const dir = ordering === f.name ? 'asc' : ordering === `-${f.name}` ? 'desc' : null;
    const q = new URLSearchParams(query);
    q.set('ordering', dir === 'asc' ? `-${f.name}` : f.name);
    q.delete('page');
    return h('th', { 'aria-sort': dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined },
      h('a', { href: listHash(q), class: `sort ${dir || ''}`, 'data-order': f.name }, humanize(f.name),
        h('span', { class: 'arrow' }, dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '↕')));
  };
  const selected = new Set();
  const bulkButton = h('button', { type: 'button', class: 'small danger', id: 'bulk-delete', disabled: true }, 'Delete selected');
  const syncBulk = () => {
    bulkButton.disabled = selected.size === 0;
    bulkButton.textContent = selected.size ? `Delete selected (${selected.size})` : 'Delete selected';
  };
  const rows = page.results.map((r) => {
    const cells = cols.map((f, i) => {
      const text = display(f, r);
      const attrs = { title: display(f, r, true), class: `cell k-${f.kind}`, 'data-label': humanize(f.name) };
      if (i === 0) return h('td', attrs, h('a', { href: `#/${resource.name}/${r.id}`, class: 'row-link' }, text));
      return h('td', attrs, text);
    });
    const box = h('input', {
      type: 'checkbox', class: 'select-row', 'aria-label': `Select ${labelOf(resource.name, r)}`,
      onchange: (e) => { if (e.target.checked) selected.add(r); else selected.delete(r); syncBulk(); },
    });
    if (resource.delete) cells.unshift(h('td', { class: 'select' }, box));
    const actions = h('td', { class: 'row-actions' },
      resource.name === 'users' ? adminToggle(r) : null,
      h('a', { class: 'button small', href: `#/${resource.name}/${r.id}/edit`, 'data-action': 'edit' }, 'Edit'),
      resource.delete ? h('button', {
        type: 'button', class: 'small danger', 'data-action': 'delete',
        onclick: () => remove(resource, r, () => go(listHash(query))),
      }, 'Delete') : null);
    return h('tr', { 'data-id': r.id }, cells, actions);
  });
  const selectAll = h('input', {
    type: 'checkbox', id: 'select-all', 'aria-label': 'Select every row of this page',
    onchange: (e) => {
      for (const box of table.querySelectorAll('input.select-row')) {
        if (box.checked !== e.target.checked) box.click();
      }
    },
  });
  const table = h('table', { class: 'list', id: 'list', 'data-resource': resource.name },
    h('colgroup', {}, resource.delete ? h('col', { class: 'c-select' }) : null, cols.map((f) => h('col', { class: `c-${f.kind}` })), h('col', { class: 'c-actions' })),
    h('thead', {}, h('tr', {}, resource.delete ? h('th', { class: 'select' }, selectAll) : null, cols.map(headCell), h('th', { class: 'row-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: String(cols.length + (resource.delete ? 2 : 1)), class: 'empty' }, `No ${title(resource).toLowerCase()} found.`))));
  bulkButton.addEventListener('click', () => removeMany(resource, [...selected], () => go(listHash(query))));
  const bulkBar = resource.delete ? h('div', { class: 'bulk-bar' }, bulkButton) : null;

  // pagination
  const size = Math.max(1, Number(query.get('page_size')) || 20);
  const last = Math.max(1, Math.ceil(page.count / size));
  const current = query.get('page') === 'last' ? last : Number(query.get('page') || 1);
  const pageLink = (n, label, rel, enabled, extra = {}) => {
    const q = new URLSearchParams(query);
    if (n > 1) q.set('page', String(n)); else q.delete('page');
    return enabled ? h('a', { class: 'button small', href: listHash(q), rel, ...extra }, label) : h('span', { class: 'button small disabled', ...extra }, label);
  };
  const numbers = [];
  for (let n = Math.max(1, current - 2); n <= Math.min(last, current + 2); n += 1) {
    numbers.push(n === current
      ? h('span', { class: 'button small current', 'aria-current': 'page', 'data-page': String(n) }, String(n))
      : pageLink(n, String(n), undefined, true, { 'data-page': String(n) }));
  }
  const first = page.count === 0 ? 0 : (current - 1) * size + 1;
  const pager = h('nav', { class: 'pager', id: 'pager', 'aria-label': 'Pages' },
    h('span', { id: 'count' }, page.count === 0 ? 'Nothing to show' : `${first}–${first + page.results.length - 1} of ${page.count}`),
    pageLink(1, '« First', 'first', current > 1, { id: 'page-first' }),
    pageLink(current - 1, '‹ Previous', 'prev', !!page.previous),
    numbers,
    pageLink(current + 1, 'Next ›', 'next', !!page.next),
    pageLink(last, 'Last »', 'last', current < last, { id: 'page-last' }));

  return [
    h('div', { class: 'page-head' },
      h('h1', {}, title(resource)),
      h('code', { class: 'api-path' }, path(resource.name)),
      resource.create ? h('a', { class: 'button primary', id: 'new', href: `#/${resource.name}/new` }, `New ${resource.noun}`) : null),
    toolbar, bulkBar, h('div', { class: 'table-wrap' }, table), pager,
  ];
}

function adminToggle(user) {
  const self = me && me.id === user.id;
  return h('button', {
    type: 'button', class: 'small', 'data-action': 'toggle-admin', disabled: self, title: self ? 'You cannot change your own role here' : undefined,
    onclick: async (e) => {
      e.target.disabled = true;
      try {
        await api.patch(path('users', user.id), { is_admin: !user.is_admin });
        flash = `${user.username} is ${user.is_admin ? 'no longer' : 'now'} an admin.`;
        route();
      } catch (err) {
        flash = null;
        alertBanner(err.message);
        e.target.disabled = false;
      }
    },
  }, user.is_admin ? 'Remove admin' : 'Make admin');
}

function alertBanner(text) {
  const main = document.getElementById('main');
  if (!main) return;
  main.querySelector('.banner.error')?.remove();
  main.prepend(h('div', { class: 'banner error', role: 'alert' }, text));
}

/** What deleting `records` removes, summed per resource (from each one's
 *  delete preview): `[{resource, count, names}]`. */
async function previewOf(resource, records) {
  const total = new Map();
  for (const record of records) {
    const deletes = previewable(resource.name)
      ? (await api.get(`${path(resource.name, record.id)}delete-preview/`)).deletes
      : [{ resource: resource.name, count: 1, names: [labelOf(resource.name, record)] }];
    for (const d of deletes) {
      const sum = total.get(d.resource) || { resource: d.resource, count: 0, names: [] };
      sum.count += d.count;
      sum.names = sum.names.concat(d.names).slice(0, 5);
      total.set(d.resource, sum);
    }
  }
  return [...total.values()];
}

/** Shows the confirmation with what goes; resolves to whether to go on. */
async function confirmDelete(heading, intro, summary) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = heading;
  const text = document.getElementById('confirm-text');
  const items = summary.map((d) => {
    const r = schema.get(d.resource);
    const name = r ? title(r) : humanize(d.resource);
    const more = d.count > d.names.length ? `, and ${d.count - d.names.length} more` : '';
    return h('li', { 'data-resource': d.resource }, h('strong', {}, `${name}: ${d.count}`), ` (${d.names.join(', ')}${more})`);
  });
  text.replaceChildren(h('p', {}, intro), h('ul', { id: 'confirm-summary' }, items), h('p', {}, 'This cannot be undone.'));
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  return dialog.returnValue === 'ok';
}

/** Asks (showing what the delete removes), then deletes; `after()` runs on success. */
async function remove(resource, record, after) {
  try {
    const summary = await previewOf(resource, [record]);
    const ok = await confirmDelete(`Delete this ${resource.noun}?`,
      `Deleting “${labelOf(resource.name, record)}” removes all of the following:`, summary);
    if (!ok) return;
    await api.del(path(resource.name, record.id));
    flash = `Deleted ${resource.noun} “${labelOf(resource.name, record)}”.`;
    after();
  } catch (e) {
    alertBanner(e.message);
  }
}

/** Bulk delete (Django admin's "Delete selected"): one confirmation for all. */
async function removeMany(resource, records, after) {
  if (!records.length) return;
  try {
    const summary = await previewOf(resource, records);
    const ok = await confirmDelete(`Delete ${records.length} ${records.length === 1 ? resource.noun : title(resource).toLowerCase()}?`,
      'Deleting the selected entries removes all of the following:', summary);
    if (!ok) return;
    let done = 0;
    for (const record of records) {
      try {
        await api.del(path(resource.name, record.id));
        done += 1;
      } catch (e) {
        if (e.status !== 404) throw e; // gone with an earlier one's cascade
      }
    }
    flash = `Deleted ${done} ${done === 1 ? resource.noun : title(resource).toLowerCase()}.`;
    after();
  } catch (e) {
    alertBanner(e.message);
  }
}

// ---------------------------------------------------------------- detail

async function detailView(resource, id) {
  const record = await api.get(path(resource.name, id));
  const rows = [];
  for (const f of resource.fields) {
    if (resource.fields.some((g) => g.names === f.name)) continue;
    rows.push(h('dt', {}, humanize(f.name)), h('dd', { 'data-field': f.name }, detailValue(f, record)));
  }
  const detail = h('dl', { class: 'detail card' }, rows);
  let extras = null;
  if (resource.name === 'users') extras = await userExtras(record);
  if (resource.name === 'conmediafile') {
    // Packaged while the page is open (again, after the bytes were
    // replaced): the player moves to the new HLS stream in place, where
    // the viewer was, and the card shows the new bytes' size, checksum
    // and link.
    extras = packagingSection(resource, record, (r) => {
      const video = detail.querySelector('video#player');
      if (video) switchToHls(video, r.hls_url, r.duration);
      refreshDetail(resource, detail, r);
    });
    // A stream that fails to load may be a run that a newer one replaced
    // and removed: ask now rather than at the next poll, up to 10 s away.
    const video = detail.querySelector('video#player');
    if (video) {
      const askNow = () => extras.askNow();
      video.addEventListener('error', askNow);
      video.addEventListener('streamfailed', askNow);
    }
  }
  return [
    h('div', { class: 'page-head' },
      h('h1', {}, `${humanize(resource.noun)}: `, h('span', { id: 'record-label' }, labelOf(resource.name, record))),
      h('a', { class: 'button', href: `#/${resource.name}` }, '‹ Back to list'),
      h('a', { class: 'button primary', id: 'edit', href: `#/${resource.name}/${record.id}/edit` }, 'Edit'),
      h('a', { class: 'button', id: 'history-link', href: `#/${resource.name}/${record.id}/history` }, 'History'),
      resource.delete ? h('button', {
        type: 'button', class: 'danger', id: 'delete',
        onclick: () => remove(resource, record, () => go(`#/${resource.name}`)),
      }, 'Delete') : null),
    detail,
    extras,
  ];
}

/** Redraws the values of a detail card that `record` changed, in place.
 *  A file's player is left alone (it moves to a new run itself); only its
 *  link follows. */
function refreshDetail(resource, detail, record) {
  for (const f of resource.fields) {
    const dd = detail.querySelector(`dd[data-field="${f.name}"]`);
    if (!dd) continue;
    if (f.kind === 'file') {
      const link = dd.querySelector('.media > a');
      if (link && record[f.name]) link.href = record[f.name];
      continue;
    }
    const next = h('dd', {}, detailValue(f, record));
    if (next.innerHTML !== dd.innerHTML) dd.replaceChildren(...next.childNodes);
  }
}

function detailValue(f, record) {
  const v = record[f.name];
  if (f.kind === 'file') {
    if (!v) return '—';
    return h('div', { class: 'media' },
      player(v, record.hls_url),
      h('a', { href: v, target: '_blank', rel: 'noopener' }, 'Open the file'));
  }
  if ((f.kind === 'ref' || f.kind === 'refs') && v && schema.has(f.to)) {
    const ids = Array.isArray(v) ? v : [v];
    const names = f.names ? [].concat(record[f.names] ?? []) : [];
    return h('span', { class: 'refs' }, ids.map((x, i) => h('a', { href: `#/${f.to}/${x}`, class: 'chip' },
      names.length === ids.length ? names[i] : x.slice(0, 8))));
  }
  return display(f, record, true);
}

/** How often a media file's page asks for its packaging while the job is
 *  queued or running, and the longest wait between asks after failures. */
const PACKAGING_POLL_MS = 2000;
const PACKAGING_POLL_MAX_MS = 30000;
/** How often it asks once the state is final (the bytes may be replaced
 *  and packaged again from elsewhere), while the page is visible;
 *  `localStorage['mstream.watchMs']` overrides it (the browser tests make
 *  it long, to tell an ask made at once from the next poll). */
const packagingWatchMs = () => Number(localStorage.getItem('mstream.watchMs')) || 10000;

/** A media file's HLS packaging (docs/hls.md): state, progress, reason,
 *  poster and duration. While the job is queued or running the record is
 *  fetched again every 2 s, else every 10 s while the page is visible
 *  (backing off up to 30 s while the server fails to answer), and the
 *  section redrawn in place when it changed; polling stops when the page
 *  is left or the record is gone. `onReady(record)` is called each time
 *  a poll finds the packaging ready. `section.askNow()` asks at once
 *  (at most once a second): the player calls it when its stream fails,
 *  which is what a removed run looks like to it. */
function packagingSection(resource, record, onReady) {
  const section = h('section', { class: 'card extras', id: 'packaging' });
  const pending = (p) => p && (p.state === 'queued' || p.state === 'running');
  // What the section shows (URLs are signed anew on every fetch: only
  // their run counts), to redraw — and reload the poster — on a change only.
  const shown = (r) => JSON.stringify([r.packaging, r.duration, r.name, hlsRunOf(r.poster_url)]);
  let drawn = null;
  const draw = (r) => {
    if (shown(r) === drawn) return;
    drawn = shown(r);
    const p = r.packaging;
    const rows = [];
    if (!p) {
      rows.push(h('p', { id: 'packaging-state', 'data-state': 'none' }, 'Not packaged for HLS (audio, image, or no job).'));
    } else {
      rows.push(h('p', {},
        'State: ', h('strong', { id: 'packaging-state', 'data-state': p.state }, p.state),
        pending(p)
          ? [' ', h('progress', { id: 'packaging-progress', max: 100, value: p.progress ?? 0 }), ` ${p.progress ?? 0} %`]
          : null));
      if (p.reason) rows.push(h('p', { class: 'field-error', id: 'packaging-reason' }, `Reason: ${p.reason}`));
    }
    rows.push(h('p', { id: 'media-duration' }, 'Duration: ',
      r.duration === null || r.duration === undefined ? '—' : formatDuration(r.duration)));
    if (r.poster_url) rows.push(h('img', { id: 'poster', class: 'poster', src: r.poster_url, alt: `Poster of ${r.name}` }));
    section.replaceChildren(h('h2', {}, 'Streaming (HLS packaging)'), ...rows);
  };
  let last = record;
  let timer = null;
  let delay = 0;
  let askedAt = 0;
  const poll = (after) => {
    delay = after;
    timer = setTimeout(ask, after);
  };
  section.askNow = () => {
    if (Date.now() - askedAt < 1000 || !section.isConnected) return;
    clearTimeout(timer);
    ask();
  };
  const ask = async () => {
    askedAt = Date.now();
    if (!section.isConnected) return;
    // A hidden page does not ask while nothing is pending.
    if (document.hidden && !pending(last.packaging)) {
      poll(delay);
      return;
    }
    let r;
    try {
      r = await api.get(path(resource.name, record.id));
    } catch (e) {
      // Gone, or no longer allowed: nothing more to follow. Anything else
      // (the server restarting, 429) may pass: ask again, less often.
      if (e.status === 404 || e.status === 401 || e.status === 403) return;
      poll(Math.min(delay * 2, PACKAGING_POLL_MAX_MS));
      return;
    }
    if (!section.isConnected) return;
    last = r;
    draw(r);
    if (r.packaging && r.packaging.state === 'ready' && onReady) onReady(r);
    poll(pending(r.packaging) ? PACKAGING_POLL_MS : packagingWatchMs());
  };
  draw(record);
  poll(pending(record.packaging) ? PACKAGING_POLL_MS : packagingWatchMs());
  return section;
}

/** The packaging run a signed HLS URL (`…/<media>/<run>/<file>`) names,
 *  or null: a replaced file packaged again is served from a new run. */
function hlsRunOf(url) {
  if (!url) return null;
  const parts = new URL(url, location.href).pathname.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : null;
}

/** Seconds → `m:ss` (or `h:mm:ss`), with the exact value kept. */
function formatDuration(seconds) {
  const s = Math.round(Number(seconds));
  const two = (n) => String(n).padStart(2, '0');
  const text = s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
  return h('span', { 'data-seconds': String(seconds), title: `${seconds} s` }, text);
}

/** The panel's player: the HLS stream when the file is packaged — the
 *  browser's own HLS if it has it, else the vendored hls.js over Media
 *  Source Extensions — otherwise the progressive file. `data-source` says
 *  which (`native-hls`, `hls.js`, `progressive`). */
function player(fileUrl, hlsUrl) {
  const video = h('video', { controls: true, preload: 'metadata', id: 'player' });
  if (!hlsUrl || !attachHls(video, hlsUrl)) {
    video.dataset.source = 'progressive';
    video.src = fileUrl;
  }
  return video;
}

/** hls.js instances by the player they drive, to stop one replaced. */
const hlsPlayers = new WeakMap();

/** Points `video` at the HLS stream `hlsUrl` (native, else hls.js) and
 *  sets `data-source` and `data-run` (the packaging run it plays); false
 *  when the browser can play HLS neither way. */
function attachHls(video, hlsUrl) {
  // `localStorage['mstream.player'] = 'hls.js'` skips native HLS (to check
  // hls.js in a browser that has both; the browser tests use it).
  const preferHlsJs = localStorage.getItem('mstream.player') === 'hls.js';
  const previous = hlsPlayers.get(video);
  if (previous) {
    previous.destroy();
    hlsPlayers.delete(video);
  }
  delete video.dataset.hlsError;
  video.dataset.run = hlsRunOf(hlsUrl) ?? '';
  if (!preferHlsJs && video.canPlayType('application/vnd.apple.mpegurl')) {
    video.dataset.source = 'native-hls';
    video.src = hlsUrl;
    return true;
  }
  if (window.Hls && window.Hls.isSupported()) {
    video.dataset.source = 'hls.js';
    // No worker: the panel's CSP allows scripts from 'self' only, not blob:.
    const hls = new window.Hls({ enableWorker: false });
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) video.dataset.hlsError = `${data.type}: ${data.details}`;
      // A playlist or segment that fails to load (before hls.js's own
      // retries give up) may be a run removed after a newer one: say so.
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) video.dispatchEvent(new Event('streamfailed'));
    });
    hls.loadSource(hlsUrl);
    hls.attachMedia(video);
    hlsPlayers.set(video, hls);
    return true;
  }
  delete video.dataset.run;
  return false;
}

/** Moves a player to the HLS stream `hlsUrl` without leaving the page
 *  when it is still on the progressive file, or on another packaging run
 *  than `hlsUrl`'s (the bytes were replaced and packaged again; the old
 *  run's folder is removed once the new one is done). The speed and
 *  whether it was playing are kept, and the position when it lies within
 *  the new stream (`duration` seconds, else the stream's own); a new
 *  source starts paused at 0 otherwise. */
function switchToHls(video, hlsUrl, duration) {
  if (!hlsUrl || !video.isConnected) return;
  const onHls = video.dataset.source === 'native-hls' || video.dataset.source === 'hls.js';
  if (onHls && video.dataset.run === hlsRunOf(hlsUrl)) return;
  if (!onHls && video.dataset.source !== 'progressive') return;
  const at = video.currentTime;
  const rate = video.playbackRate;
  const playing = !video.paused && !video.ended;
  if (!attachHls(video, hlsUrl)) return;
  video.addEventListener('loadedmetadata', () => {
    video.playbackRate = rate;
    const length = Number.isFinite(duration) ? duration : video.duration;
    if (at > 0 && !(at >= length)) video.currentTime = at;
    if (playing) video.play().catch(() => { /* the controls still offer play */ });
  }, { once: true });
}

/** A user's "continue watching" (`GET /api/progress/?user=<id>`, admins
 *  only): media, content and position/duration, most recent first. */
async function continueWatching(user) {
  const heading = h('h2', {}, 'Continue watching');
  let page;
  try {
    page = await api.get(`/api/progress/?user=${encodeURIComponent(user.id)}`);
  } catch (e) {
    return [heading, h('p', { class: 'field-error', id: 'watching' }, e.message)];
  }
  if (!page.results.length) return [heading, h('p', { id: 'watching' }, 'Nothing started and unfinished.')];
  const time = (s) => (s === null || s === undefined ? '?' : formatDuration(s));
  const more = page.count > page.results.length ? h('p', { class: 'help' }, `The ${page.results.length} most recent of ${page.count}.`) : null;
  return [heading, h('table', { id: 'watching', class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Media'), h('th', {}, 'Content'), h('th', {}, 'Position'))),
    h('tbody', {}, page.results.map((p) => h('tr', { 'data-media': p.media },
      h('td', {}, h('a', { href: `#/conmediafile/${p.media}` }, p.media_name)),
      h('td', {}, h('a', { href: `#/contents/${p.content}` }, p.content_name)),
      h('td', { class: 'position' }, time(p.position), ' / ', time(p.duration)))))), more];
}

/** A user's page: admin role and subscription. */
async function userExtras(user) {
  const plans = schema.get('submap');
  const planField = plans.fields.find((f) => f.name === 'plan');
  const p = picker(planField, { id: 'assign-plan' });
  const errors = h('div', { class: 'field-error', id: 'err-assign' });
  const assign = async (e) => {
    e.preventDefault();
    errors.textContent = '';
    const plan = p.value();
    if (!plan) { errors.textContent = 'Pick a plan first.'; return; }
    try {
      const existing = await api.get(`${path('submap')}?user=${encodeURIComponent(user.id)}`);
      if (existing.results.length) await api.patch(path('submap', existing.results[0].id), { plan });
      else await api.post(path('submap'), { user: user.id, plan });
      flash = `Subscription of ${user.username} saved.`;
      route();
    } catch (err) {
      const b = err.body || {};
      errors.textContent = [].concat(b.plan || [], b.user || [], b.non_field_errors || []).join(' ') || err.message;
    }
  };
  return h('section', { class: 'card extras' },
    await continueWatching(user),
    h('h2', {}, 'Role'),
    h('p', {}, user.is_admin ? 'This user is an admin. ' : 'This user is not an admin. ', adminToggle(user)),
    h('h2', {}, 'Subscription'),
    h('p', { id: 'current-plan' }, user.subscription ? `Current plan: ${user.subscription.plan_name}` : 'No subscription.'),
    h('form', { class: 'inline', id: 'assign-form', onsubmit: assign },
      h('label', { for: 'assign-plan' }, 'Plan'), p.el,
      h('button', { type: 'submit', class: 'primary', id: 'assign' }, user.subscription ? 'Change plan' : 'Assign plan'),
      errors));
}

// ---------------------------------------------------------------- forms

async function formView(resource, id) {
  const creating = id === null;
  const record = creating ? null : await api.get(path(resource.name, id));
  const writable = resource.fields.filter((f) => f.write !== 'read_only');
  const multipart = writable.some((f) => f.kind === 'file');
  const inputs = new Map();
  const rows = writable.map((f) => {
    const inputId = `f-${f.name}`;
    const w = input(f, inputId);
    inputs.set(f.name, w);
    if (record) w.set(record[f.name], f.names ? record[f.names] : undefined);
    const required = f.write === 'required' || (creating && f.write === 'required_on_create');
    return h('div', { class: `field k-${f.kind}`, 'data-field': f.name },
      h('label', { for: inputId }, humanize(f.name), required ? h('span', { class: 'req', title: 'required' }, ' *') : null),
      w.el,
      h('div', { class: 'help' }, help(f, creating)),
      h('div', { class: 'field-error', id: `err-${f.name}`, role: 'alert' }));
  });
  const topErrors = h('div', { class: 'form-errors', id: 'form-errors', role: 'alert' });
  const bar = h('progress', { id: 'upload-progress', max: '100', value: '0', hidden: true });
  const barText = h('span', { id: 'upload-text', class: 'help' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'save' }, creating ? `Create ${resource.noun}` : 'Save changes');
  const another = resource.create
    ? h('button', { type: 'submit', id: 'save-add-another', 'data-next': 'another' }, 'Save and add another') : null;
  const keepEditing = h('button', { type: 'submit', id: 'save-continue', 'data-next': 'continue' }, 'Save and continue editing');
  const cancel = h('a', { class: 'button', href: creating ? `#/${resource.name}` : `#/${resource.name}/${id}` }, 'Cancel');

  const form = h('form', { class: 'card edit', id: 'edit-form', novalidate: true }, topErrors, rows,
    multipart ? h('div', { class: 'progress' }, bar, barText) : null,
    h('div', { class: 'form-actions' }, submit, another, keepEditing, cancel));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const next = (e.submitter && e.submitter.dataset.next) || 'detail';
    clearErrors(form, topErrors);
    const values = {};
    for (const f of writable) {
      const v = inputs.get(f.name).value();
      if (v === undefined) {
        // Nothing entered: leave it out on create (the API says what is
        // required); on edit send null so a cleared value is not kept.
        if (!creating && f.kind !== 'file') values[f.name] = null;
        continue;
      }
      values[f.name] = v;
    }
    submit.disabled = true;
    try {
      let saved;
      const method = creating ? 'POST' : 'PATCH';
      const target = creating ? path(resource.name) : path(resource.name, id);
      const progress = (sent, total) => {
        bar.value = Math.round((sent / total) * 100);
        barText.textContent = `${bar.value}% (${(sent / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`;
      };
      if (resource.name === 'conmediafile' && values.file instanceof File) {
        // A media file's bytes go over tus, new or replaced: they survive a
        // dropped connection and, the same file picked again after a
        // reload, resume where they stopped. On an edit the other fields
        // are saved first, as JSON: a refused value is reported before any
        // byte is sent, and the upload carries only the bytes.
        const { file, ...rest } = values;
        if (!creating) await api.patch(target, rest);
        bar.hidden = false;
        bar.value = 0;
        const into = creating ? { content: values.content, name: values.name } : { media: id };
        const done = await tusUpload(file, into, (sent, total, from) => {
          if (from !== undefined) bar.dataset.resumedFrom = String(from);
          progress(sent, total);
        });
        saved = await api.get(path(resource.name, done.id));
        // Where the last upload started, for whoever checks after the page changed.
        sessionStorage.setItem('mstream.resumedFrom', String(done.resumedFrom));
      } else if (multipart) {
        const data = new FormData();
        for (const [k, v] of Object.entries(values)) {
          if (v === null) continue;
          if (Array.isArray(v)) v.forEach((x) => data.append(k, x));
          else data.append(k, v instanceof File ? v : String(v));
        }
        bar.hidden = false;
        bar.value = 0;
        saved = await upload(method, target, data, progress);
      } else {
        saved = creating ? await api.post(target, values) : await api.patch(target, values);
      }
      flash = `${humanize(resource.noun)} “${labelOf(resource.name, saved)}” ${creating ? 'created' : 'saved'}.`;
      if (next === 'another') {
        flash += ` You may add another ${resource.noun} below.`;
        go(`#/${resource.name}/new`);
      } else if (next === 'continue') {
        flash += ' You may edit it again below.';
        go(`#/${resource.name}/${saved.id}/edit`);
      } else {
        go(`#/${resource.name}/${saved.id}`);
      }
    } catch (err) {
      showErrors(form, topErrors, err);
      submit.disabled = false;
      bar.hidden = true;
      barText.textContent = '';
    }
  });

  return [
    h('div', { class: 'page-head' },
      h('h1', {}, creating ? `New ${resource.noun}` : `Edit ${resource.noun}: ${labelOf(resource.name, record)}`),
      creating ? null : h('a', { class: 'button', id: 'history-link', href: `#/${resource.name}/${id}/history` }, 'History')),
    form,
  ];
}

function clearErrors(form, top) {
  top.replaceChildren();
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
}

/** The API's 400 `{"field": ["msg"]}` next to each field; the rest
 *  (`non_field_errors`, `detail`, unknown keys, other statuses) on top. */
function showErrors(form, top, err) {
  const rest = [];
  const body = err instanceof ApiError ? err.body : null;
  if (err.status === 400 && body && typeof body === 'object' && !body.detail) {
    for (const [k, msgs] of Object.entries(body)) {
      const text = [].concat(msgs).map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
      const slot = form.querySelector(`#err-${CSS.escape(k)}`);
      if (slot) {
        slot.textContent = text;
        slot.closest('.field').classList.add('invalid');
      } else {
        rest.push(k === 'non_field_errors' ? text : `${humanize(k)}: ${text}`);
      }
    }
  } else {
    rest.push(err.message);
  }
  top.replaceChildren(...rest.map((t) => h('p', {}, t)));
  const first = form.querySelector('.field.invalid input, .field.invalid textarea');
  if (first) first.focus();
}

start();
