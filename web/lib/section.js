// A case page's section on one list of the API ({items}): loaded on arrival and again by
// load(); a 401 ends the session, a 403 is the policy's "no", a 404 or 503 a part of the API
// this server does not offer (yet) — the section says so and the rest of the page goes on.
import { useEffect, useState } from 'preact/hooks';
import { api, create, retryKey } from './api.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { errorsFrom, problemMessage } from './fields.js';

const NONE = { fields: {}, general: [] };

// data: the whole answer (its items are items); status: null (loaded or loading), 'denied',
// 'unavailable' or an error sentence.
export function useList(path, onSessionEnded) {
  const [data, setData] = useState(null);
  const [items, setItems] = useState(null);
  const [status, setStatus] = useState(null);
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else if (err.status === 403) setStatus('denied');
    else if (err.status === 404 || err.status === 503) setStatus('unavailable');
    else setStatus(problemMessage(err));
  };
  const load = () => api('GET', path).then((o) => {
    setData(o);
    setItems(o.items);
    return o;
  }, fail);
  useEffect(() => { load(); }, [path]);
  // replace(item): a changed item in its place (the answer of a PATCH)
  const replace = (item) => setItems((xs) => xs.map((x) => (x.id === item.id ? { ...x, ...item } : x)));
  return { data, items, status, fail, load, replace };
}

// The section's card: its heading (id: the heading's id), then what the status says instead of
// the list (denied: the section's own "not allowed" sentence), or the children.
export function Section({ id, title, denied, status, children }) {
  let body = children;
  if (status === 'denied') body = html`<p class="muted">${denied}</p>`;
  else if (status === 'unavailable') body = html`<p class="muted">${t('section.unavailable')}</p>`;
  else if (status) body = html`<p class="alert" role="alert">${status}</p>`;
  return html`<section class="card" aria-labelledby=${id}><h2 id=${id}>${title}</h2>${body}</section>`;
}

// A section's form that adds an item: its values v (blank to start; set(key) is an input's
// handler), open or not, the errors by field and busy. submit POSTs body(v) to path with an
// Idempotency-Key kept across the retries of the same values, then clears, closes and awaits
// onAdded(); a refusal puts the API's reasons by the fields (fieldOf(pointer) -> id).
// request(body), when given, sends instead of the create (a change that needs If-Match).
export function useAddForm({ path, blank, body, fieldOf, onAdded, onSessionEnded, request }) {
  const [v, setV] = useState(blank);
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [retry] = useState(retryKey);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      await (request ? request(body(v)) : create(path, body(v), retry));
      setV(blank);
      setErrors(NONE);
      setOpen(false);
      await onAdded();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, fieldOf));
    }
    setBusy(false);
  };
  const cancel = () => {
    setOpen(false);
    setErrors(NONE);
  };
  return { v, setV, set, open, show: () => setOpen(true), cancel, errors, busy, submit };
}

// A one-tap change of an item of a page's list (list: usePaged's): run(item, request) sends
// request(item) and puts the answer in the item's place; a failure is said in error.
export function useItemChange(list, onSessionEnded) {
  const [error, setError] = useState(null);
  const run = (item, request) => request(item).then((n) => {
    setError(null);
    list.replace({ ...item, ...n });
  }, (err) => {
    if (err.status === 401) onSessionEnded();
    else setError(problemMessage(err));
  });
  return { error, run };
}

// One submit with the API's reasons by the fields (fieldOf: pointer -> field id): send() is
// the request; onDone gets its answer.
export function useSubmit(send, fieldOf, onDone, onSessionEnded) {
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await send();
      setErrors(NONE);
      onDone(res);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setErrors(errorsFrom(err, fieldOf));
    }
    setBusy(false);
  };
  return { errors, busy, submit };
}
