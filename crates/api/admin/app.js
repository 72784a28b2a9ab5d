// The admin panel: sign-in, then one list/detail/form per resource, all
// built from the declarations in /admin/resources.json. Routes live in the
// URL fragment: #/<resource>?<list query>, #/<resource>/new,
// #/<resource>/<id>, #/<resource>/<id>/edit.

import { api, ApiError, path, session, upload } from './api.js';
import { display, h, help, humanize, input, labelOf, picker, schema, title } from './widgets.js';

const root = document.getElementById('app');
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
  if (!resource) return go(`#/${schema.keys().next().value}`);
  const main = h('main', { id: 'main', class: 'content' }, h('p', { class: 'loading' }, 'Loading…'));
  root.replaceChildren(shell(resource.name, main));
  try {
    let view;
    if (parts.length === 1) view = await listView(resource, query);
    else if (parts[1] === 'new' && resource.create) view = await formView(resource, null);
    else if (parts[2] === 'edit') view = await formView(resource, parts[1]);
    else view = await detailView(resource, parts[1]);
    main.replaceChildren(...[flashBox(), view].flat().filter(Boolean));
  } catch (e) {
    main.replaceChildren(h('div', { class: 'banner error', role: 'alert' }, e.message));
  }
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
  const nav = h('nav', { class: 'sidebar', 'aria-label': 'Resources' },
    h('ul', {}, [...schema.values()].map((r) => h('li', {},
      h('a', { href: `#/${r.name}`, class: r.name === active ? 'active' : '', 'data-resource': r.name }, title(r))))));
  const top = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, 'mstream ', h('span', {}, 'admin')),
    h('span', { class: 'who' }, 'Signed in as ', h('strong', { id: 'whoami' }, me.username)),
    h('button', { type: 'button', id: 'sign-out', class: 'link', onclick: signOut }, 'Sign out'));
  return h('div', { class: 'layout' }, top, nav, main);
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
    filters.length ? h('div', { class: 'filters' },
      filters.map((c) => h('label', { class: 'filter' }, h('span', {}, c.label), c.el))) : null);

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
  const rows = page.results.map((r) => {
    const cells = cols.map((f, i) => {
      const text = display(f, r);
      if (i === 0) return h('td', {}, h('a', { href: `#/${resource.name}/${r.id}`, class: 'row-link' }, text));
      return h('td', { title: display(f, r, true), class: `k-${f.kind}` }, text);
    });
    const actions = h('td', { class: 'row-actions' },
      resource.name === 'users' ? adminToggle(r) : null,
      h('a', { class: 'button small', href: `#/${resource.name}/${r.id}/edit`, 'data-action': 'edit' }, 'Edit'),
      resource.delete ? h('button', {
        type: 'button', class: 'small danger', 'data-action': 'delete',
        onclick: () => remove(resource, r, () => go(listHash(query))),
      }, 'Delete') : null);
    return h('tr', { 'data-id': r.id }, cells, actions);
  });
  const table = h('table', { class: 'list', id: 'list' },
    h('thead', {}, h('tr', {}, cols.map(headCell), h('th', { class: 'row-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: String(cols.length + 1), class: 'empty' }, `No ${title(resource).toLowerCase()} found.`))));

  // pagination
  const current = Number(query.get('page') || 1);
  const pageLink = (n, label, rel, enabled) => {
    const q = new URLSearchParams(query);
    if (n > 1) q.set('page', String(n)); else q.delete('page');
    return enabled ? h('a', { class: 'button small', href: listHash(q), rel }, label) : h('span', { class: 'button small disabled' }, label);
  };
  const first = page.count === 0 ? 0 : (current - 1) * (page.results.length ? Number(query.get('page_size') || 20) : 0) + 1;
  const pager = h('div', { class: 'pager', id: 'pager' },
    h('span', { id: 'count' }, page.count === 0 ? 'Nothing to show' : `${first}–${first + page.results.length - 1} of ${page.count}`),
    pageLink(current - 1, '‹ Previous', 'prev', !!page.previous),
    pageLink(current + 1, 'Next ›', 'next', !!page.next));

  return [
    h('div', { class: 'page-head' },
      h('h1', {}, title(resource)),
      h('code', { class: 'api-path' }, path(resource.name)),
      resource.create ? h('a', { class: 'button primary', id: 'new', href: `#/${resource.name}/new` }, `New ${resource.noun}`) : null),
    toolbar, h('div', { class: 'table-wrap' }, table), pager,
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

/** Asks, then deletes; `after()` runs on success. */
async function remove(resource, record, after) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = `Delete this ${resource.noun}?`;
  document.getElementById('confirm-text').textContent =
    `“${labelOf(resource.name, record)}” will be deleted, with everything that depends on it. This cannot be undone.`;
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'ok') return;
  try {
    await api.del(path(resource.name, record.id));
    flash = `Deleted ${resource.noun} “${labelOf(resource.name, record)}”.`;
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
  const extras = resource.name === 'users' ? await userExtras(record) : null;
  return [
    h('div', { class: 'page-head' },
      h('h1', {}, `${humanize(resource.noun)}: `, h('span', { id: 'record-label' }, labelOf(resource.name, record))),
      h('a', { class: 'button', href: `#/${resource.name}` }, '‹ Back to list'),
      h('a', { class: 'button primary', id: 'edit', href: `#/${resource.name}/${record.id}/edit` }, 'Edit'),
      resource.delete ? h('button', {
        type: 'button', class: 'danger', id: 'delete',
        onclick: () => remove(resource, record, () => go(`#/${resource.name}`)),
      }, 'Delete') : null),
    h('dl', { class: 'detail card' }, rows),
    extras,
  ];
}

function detailValue(f, record) {
  const v = record[f.name];
  if (f.kind === 'file') {
    if (!v) return '—';
    return h('div', { class: 'media' },
      h('video', { controls: true, preload: 'metadata', src: v, id: 'player' }),
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
    if (record) w.set(record[f.name]);
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
  const cancel = h('a', { class: 'button', href: creating ? `#/${resource.name}` : `#/${resource.name}/${id}` }, 'Cancel');

  const form = h('form', { class: 'card edit', id: 'edit-form', novalidate: true }, topErrors, rows,
    multipart ? h('div', { class: 'progress' }, bar, barText) : null,
    h('div', { class: 'form-actions' }, submit, cancel));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
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
      if (multipart) {
        const data = new FormData();
        for (const [k, v] of Object.entries(values)) {
          if (v === null) continue;
          if (Array.isArray(v)) v.forEach((x) => data.append(k, x));
          else data.append(k, v instanceof File ? v : String(v));
        }
        bar.hidden = false;
        bar.value = 0;
        saved = await upload(method, target, data, (sent, total) => {
          bar.value = Math.round((sent / total) * 100);
          barText.textContent = `${bar.value}% (${(sent / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`;
        });
      } else {
        saved = creating ? await api.post(target, values) : await api.patch(target, values);
      }
      flash = `${humanize(resource.noun)} “${labelOf(resource.name, saved)}” ${creating ? 'created' : 'saved'}.`;
      go(`#/${resource.name}/${saved.id}`);
    } catch (err) {
      showErrors(form, topErrors, err);
      submit.disabled = false;
      bar.hidden = true;
      barText.textContent = '';
    }
  });

  return [
    h('div', { class: 'page-head' },
      h('h1', {}, creating ? `New ${resource.noun}` : `Edit ${resource.noun}: ${labelOf(resource.name, record)}`)),
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
