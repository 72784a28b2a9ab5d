// Building blocks driven by the resource declarations from
// /admin/resources.json: cells, form inputs, related-object pickers.

import { api, path } from './api.js';

/** The declarations, by resource name (set once at start). */
export const schema = new Map();

/** `h('div', {class: 'x'}, child, 'text')`: a DOM element; text is text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `parental_control_tags` → `Parental control tags`. */
export function humanize(name) {
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A resource's title: its noun, plural, capitalised. */
export function title(resource) {
  return humanize(resource.noun) + 's';
}

/** What names an entity of `resourceName` (its label field, or its id). */
export function labelOf(resourceName, record) {
  const r = schema.get(resourceName);
  const v = r && r.label ? record[r.label] : null;
  return v === undefined || v === null || v === '' ? String(record.id || '') : String(v);
}

const cache = new Map();
/** The label of entity `id` of `to`, fetched once per page load. */
export async function fetchLabel(to, id) {
  const key = `${to}/${id}`;
  if (!cache.has(key)) {
    cache.set(key, api.get(path(to, id)).then((r) => labelOf(to, r), () => id));
  }
  return cache.get(key);
}
export function rememberLabel(to, record) {
  cache.set(`${to}/${record.id}`, Promise.resolve(labelOf(to, record)));
}

function shortText(s, max = 60) {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function formatTime(v, full) {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return full ? d.toISOString().replace('.000Z', 'Z') : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A derived object (or list of them) in words: its non-id strings. */
function describeObject(o) {
  if (o === null || o === undefined) return '—';
  if (Array.isArray(o)) return o.map(describeObject).join(', ') || '—';
  if (typeof o !== 'object') return String(o);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-/;
  const parts = Object.values(o).filter((v) => typeof v === 'string' && !uuid.test(v));
  return parts.join(' · ') || '…';
}

/** A field's value as plain text, for tables (`full` = no truncation). */
export function display(field, record, full = false) {
  const cut = (s) => (full ? s : shortText(s));
  let v = record[field.name];
  if ((field.kind === 'ref' || field.kind === 'refs') && field.names) v = record[field.names];
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return '—';
  switch (field.kind) {
    case 'bool': return v ? 'Yes' : 'No';
    case 'float': return Number(v).toFixed(2).replace(/\.?0+$/, '') || '0';
    case 'timestamp': return full ? String(v) : formatTime(v, false);
    case 'file': return 'file';
    case 'packaging': return v.state === 'queued' || v.state === 'running' ? `${v.state} ${v.progress ?? 0} %` : v.state;
    case 'id': return full ? v : v.slice(0, 8);
    case 'ref': return field.names ? cut(String(v)) : (full ? v : v.slice(0, 8));
    case 'derived':
      if (typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object'))) return cut(describeObject(v));
      return cut(Array.isArray(v) ? v.join(', ') : String(v));
    default: return cut(Array.isArray(v) ? v.join(', ') : String(v));
  }
}

/** A search-as-you-type picker for `ref` (one) or `refs` (many) fields.
 *  Returns `{el, value(), set(ids)}`; `value()` is an id, null, or a list. */
export function picker(field, { id, onChange } = {}) {
  const many = field.kind === 'refs';
  const target = schema.get(field.to);
  let chosen = []; // [{id, label}]
  const chips = h('span', { class: 'chips' });
  const listId = `${id || field.name}-options`;
  const options = h('ul', { class: 'options', role: 'listbox', hidden: true, id: listId });
  // One Tab stop per picker: the input. Arrow keys move through the
  // options, Enter chooses, Escape closes, Backspace in an empty input
  // removes the last choice.
  const input = h('input', {
    type: 'search',
    id,
    role: 'combobox',
    autocomplete: 'off',
    placeholder: 'Type to search…',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-label': `Search ${target ? title(target).toLowerCase() : field.to}`,
  });
  let active = -1;
  const optionButtons = () => [...options.querySelectorAll('button.option')];
  const highlight = (i) => {
    const all = optionButtons();
    if (!all.length) return;
    active = (i + all.length) % all.length;
    all.forEach((b, k) => {
      b.classList.toggle('active', k === active);
      b.parentElement.setAttribute('aria-selected', String(k === active));
    });
    input.setAttribute('aria-activedescendant', all[active].parentElement.id);
    all[active].scrollIntoView({ block: 'nearest' });
  };
  const el = h('div', { class: 'picker', 'data-field': field.name }, chips, input, options);

  const render = () => {
    chips.replaceChildren(...chosen.map((c) => h('span', { class: 'chip', 'data-id': c.id },
      c.label,
      h('button', {
        type: 'button', class: 'chip-remove', title: 'Remove', 'aria-label': `Remove ${c.label}`, tabindex: '-1',
        onclick: () => { chosen = chosen.filter((x) => x.id !== c.id); render(); changed(); },
      }, '×'))));
  };
  const changed = () => onChange && onChange();
  const choose = (record) => {
    const item = { id: record.id, label: labelOf(field.to, record) };
    rememberLabel(field.to, record);
    chosen = many ? chosen.filter((c) => c.id !== item.id).concat([item]) : [item];
    render();
    input.value = '';
    close();
    changed();
  };

  let seq = 0;
  let timer = null;
  // Closing also forgets pending and in-flight searches, whose answers
  // would otherwise reopen the list over the form after a choice.
  const close = () => {
    clearTimeout(timer);
    seq += 1;
    options.hidden = true;
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const search = async () => {
    const mine = ++seq;
    const q = input.value.trim();
    const qs = new URLSearchParams({ page_size: '10' });
    if (q) qs.set('search', q);
    let page;
    try {
      page = await api.get(`${path(field.to)}?${qs}`);
    } catch (e) {
      if (mine !== seq) return;
      options.replaceChildren(h('li', { class: 'empty' }, e.message));
      options.hidden = false;
      return;
    }
    if (mine !== seq) return;
    const rows = page.results.map((r, i) => h('li', { role: 'option', id: `${listId}-${i}`, 'aria-selected': 'false' },
      h('button', {
        type: 'button', class: 'option', 'data-id': r.id, tabindex: '-1',
        onmousedown: (e) => e.preventDefault(), onclick: () => choose(r),
      }, labelOf(field.to, r))));
    options.replaceChildren(...(rows.length ? rows : [h('li', { class: 'empty' }, 'Nothing found')]));
    options.hidden = false;
    active = -1;
    input.setAttribute('aria-expanded', 'true');
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener('focus', search);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (options.hidden) { search(); return; }
      highlight(active + (e.key === 'ArrowDown' ? 1 : -1));
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      const all = optionButtons();
      const pick = all[active >= 0 ? active : 0];
      if (pick && !options.hidden) pick.click();
    }
    if (e.key === 'Backspace' && input.value === '' && chosen.length) {
      chosen = chosen.slice(0, -1);
      render();
      changed();
    }
  });
  el.addEventListener('focusout', (e) => {
    if (!el.contains(e.relatedTarget)) close();
  });

  return {
    el,
    input,
    value: () => (many ? chosen.map((c) => c.id) : (chosen[0] ? chosen[0].id : null)),
    /** Chooses `ids`; `names` — the names the record already carries
     *  (e.g. `genre_name` beside `genre`) — spare a request per id. */
    async set(ids, names) {
      const list = (Array.isArray(ids) ? ids : [ids]).filter(Boolean);
      const known = names === undefined || names === null ? [] : [].concat(names);
      if (known.length === list.length) {
        chosen = list.map((x, i) => ({ id: x, label: String(known[i]) }));
      } else {
        chosen = await Promise.all(list.map(async (x) => ({ id: x, label: await fetchLabel(field.to, x) })));
      }
      render();
    },
  };
}

/** The input for one writable field. Returns `{el, value(), set(v)}`;
 *  `value()` is undefined for "nothing entered". */
export function input(field, inputId) {
  switch (field.kind) {
    case 'text': {
      const long = field.max > 100;
      const el = h(long ? 'textarea' : 'input', {
        id: inputId, name: field.name, maxlength: String(field.max), rows: long ? '4' : undefined,
        type: long ? undefined : 'text',
      });
      return { el, value: () => el.value, set: (v) => { el.value = v ?? ''; } };
    }
    case 'int': {
      const el = h('input', {
        id: inputId, name: field.name, type: 'number', step: '1',
        min: Number.isSafeInteger(field.min) ? String(field.min) : undefined,
        max: Number.isSafeInteger(field.max) ? String(field.max) : undefined,
      });
      return {
        el,
        value: () => (el.value === '' ? undefined : Number(el.value)),
        set: (v) => { el.value = v ?? ''; },
      };
    }
    case 'bool': {
      const el = h('input', { id: inputId, name: field.name, type: 'checkbox' });
      return { el, value: () => el.checked, set: (v) => { el.checked = !!v; } };
    }
    case 'ref':
    case 'refs': {
      const p = picker(field, { id: inputId });
      return { el: p.el, value: () => { const v = p.value(); return v === null ? undefined : v; }, set: (v, names) => p.set(v, names) };
    }
    case 'file': {
      const el = h('input', { id: inputId, name: field.name, type: 'file', accept: 'video/*,audio/*,image/*' });
      return { el, value: () => (el.files && el.files[0]) || undefined, set: () => {} };
    }
    default: {
      const el = h('input', { id: inputId, name: field.name, type: 'text' });
      return { el, value: () => el.value, set: (v) => { el.value = v ?? ''; } };
    }
  }
}

/** The help line under a field's input. */
export function help(field, creating) {
  const bits = [];
  if (field.kind === 'text') bits.push(`At most ${field.max} characters.`);
  if (field.kind === 'int' && Number.isSafeInteger(field.max)) bits.push(`From ${field.min} to ${field.max}.`);
  if (field.kind === 'refs') bits.push('Pick one or more.');
  if (field.kind === 'file' && !creating) bits.push('Leave empty to keep the current file.');
  if (field.unique) bits.push('Must be unique.');
  return bits.join(' ');
}
