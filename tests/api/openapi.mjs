// The API's answers against docs/openapi.yaml (build/PROFILE/openapi.json, made by
// tools/yaml2json): the operation for the method and path, the status among its responses,
// the media type, the documented headers present, and the JSON body valid against the
// response schema — no undocumented member, no missing required one, the right types, enums
// and formats. A request the server accepted must also be one the document's request schema
// describes. lib.mjs runs it on every answer its request helpers get; each operation and
// status answered is noted in $SP_WORK/openapi-seen.jsonl for after/openapi.check.mjs.
//
// The validator knows a small set of JSON Schema keywords; a response schema using another
// one is an error, so the document cannot say what nothing checks.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const doc = JSON.parse(readFileSync(process.env.SP_OPENAPI, 'utf8'));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SEGMENT = /^[A-Za-z0-9_@-]{1,64}$/; // what a ":name" segment of a route accepts (routes.c param_ok)
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const IGNORED = new Set(['description', 'title', 'default', 'example', 'examples']);

// The value a local "$ref" names ("#/components/schemas/Case").
export function deref(d, v) {
  for (let hops = 0; v && typeof v === 'object' && '$ref' in v; hops++) {
    if (hops > 16 || !v.$ref.startsWith('#/')) throw new Error(`bad $ref ${v.$ref}`);
    const target = v.$ref.slice(2).split('/').reduce((at, k) => at?.[k], d);
    if (target === undefined) throw new Error(`unresolved $ref ${v.$ref}`);
    v = target;
  }
  return v;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v; // string, boolean, number, object
}

// Errors of value v against schema s at pointer at (an array of "pointer: reason").
export function validate(d, s, v, at = '', errors = []) {
  const siblings = s && typeof s === 'object' && '$ref' in s ? s : null;
  const schema = deref(d, s);
  for (const k of Object.keys(siblings || {}))
    if (k !== '$ref' && !IGNORED.has(k) && !k.startsWith('x-'))
      throw new Error(`schema at ${at || '/'}: keyword ${k} beside $ref is not checked`);
  for (const k of Object.keys(schema)) {
    if (IGNORED.has(k) || k.startsWith('x-')) continue;
    if (!KEYWORDS.has(k)) throw new Error(`schema at ${at || '/'}: keyword ${k} is not checked`);
  }
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((b) => validate(d, b, v, at, []).length === 0).length;
    if (ok !== 1) errors.push(`${at}: matches ${ok} of the oneOf branches, not 1`);
  }
  if (schema.type !== undefined) {
    const types = [].concat(schema.type);
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      errors.push(`${at}: is ${t}, the document says ${types.join(' or ')}`);
      return errors;
    }
  }
  if (schema.enum && !schema.enum.some((e) => e === v)) errors.push(`${at}: ${JSON.stringify(v)} is not in the enum`);
  if (schema.const !== undefined && schema.const !== v) errors.push(`${at}: is not ${JSON.stringify(schema.const)}`);
  if (typeof v === 'string') {
    if (schema.format === 'uuid' && !UUID.test(v)) errors.push(`${at}: is not a uuid`);
    if (schema.format === 'date-time' && !DATE_TIME.test(v)) errors.push(`${at}: is not a date-time`);
    if (schema.format && !['uuid', 'date-time'].includes(schema.format))
      throw new Error(`schema at ${at || '/'}: format ${schema.format} is not checked`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(v)) errors.push(`${at}: does not match ${schema.pattern}`);
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) errors.push(`${at}: is under ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) errors.push(`${at}: is over ${schema.maximum}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) errors.push(`${at}: has fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && v.length > schema.maxItems) errors.push(`${at}: has more than ${schema.maxItems} items`);
    if (schema.uniqueItems && new Set(v.map((e) => JSON.stringify(e))).size !== v.length) errors.push(`${at}: has duplicate items`);
    if (schema.items) v.forEach((e, i) => validate(d, schema.items, e, `${at}/${i}`, errors));
  }
  if (typeOf(v) === 'object') {
    const props = schema.properties || {};
    if (schema.properties && schema.additionalProperties !== false)
      throw new Error(`schema at ${at || '/'}: an object schema must say additionalProperties: false`);
    for (const k of schema.required || []) if (!(k in v)) errors.push(`${at}/${k}: is required and missing`);
    for (const [k, e] of Object.entries(v)) {
      if (!(k in props)) {
        if (schema.additionalProperties === false) errors.push(`${at}/${k}: is not in the document`);
        continue;
      }
      validate(d, props[k], e, `${at}/${k}`, errors);
    }
  }
  return errors;
}
const KEYWORDS = new Set(['type', 'enum', 'const', 'format', 'pattern', 'minimum', 'maximum',
  'items', 'minItems', 'maxItems', 'uniqueItems', 'properties', 'required',
  'additionalProperties', 'oneOf']);

// Keywords that no check reads, in every schema of the document (components, parameters,
// headers, request and response bodies, and what they hold): a list of "where: keyword".
export function unknownKeywords(d) {
  const out = [];
  const seen = new Set();
  const walk = (schema, at) => {
    if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    for (const k of Object.keys(schema))
      if (!KEYWORDS.has(k) && !IGNORED.has(k) && k !== '$ref' && !k.startsWith('x-')) out.push(`${at}: ${k}`);
    for (const [k, v] of Object.entries(schema.properties || {})) walk(v, `${at}/properties/${k}`);
    if (schema.items) walk(schema.items, `${at}/items`);
    (schema.oneOf || []).forEach((b, i) => walk(b, `${at}/oneOf/${i}`));
  };
  for (const [name, schema] of Object.entries(d.components?.schemas || {})) walk(schema, `#/components/schemas/${name}`);
  for (const [kind, all] of Object.entries({ parameters: d.components?.parameters, headers: d.components?.headers }))
    for (const [name, v] of Object.entries(all || {})) walk(v.schema, `#/components/${kind}/${name}/schema`);
  const bodies = (where, owner) => {
    for (const [type, media] of Object.entries(owner?.content || {})) walk(media.schema, `${where}/content/${type}`);
  };
  for (const [name, r] of Object.entries(d.components?.responses || {})) bodies(`#/components/responses/${name}`, r);
  for (const [t, item] of Object.entries(d.paths))
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      bodies(`${m} ${t} request`, op.requestBody);
      for (const [status, r] of Object.entries(op.responses || {})) bodies(`${m} ${t} ${status}`, r);
      for (const p of op.parameters || []) walk(p.schema, `${m} ${t} parameter`);
    }
  return out;
}

// The document's path template for a request path ("/api/v1/cases/{id}"), or null.
export function templateOf(d, pathname) {
  const segs = pathname.split('/');
  for (const t of Object.keys(d.paths)) {
    const ts = t.split('/');
    if (ts.length === segs.length &&
        ts.every((s, i) => (/^\{.+\}$/.test(s) ? SEGMENT.test(segs[i]) : s === segs[i])))
      return t;
  }
  return null;
}

// The paths the document covers; the web shell's static routes are not among them.
export function inScope(pathname) {
  return pathname.startsWith('/api/') || pathname === '/healthz' || pathname === '/metrics';
}

// What is wrong with the request body sent (text, or undefined for none) that the server
// accepted (2xx): it must be one the operation's request schema describes.
export function acceptedRequestErrors(d, method, path, sent) {
  const pathname = path.split('?')[0];
  const template = inScope(pathname) && templateOf(d, pathname);
  const op = template && d.paths[template][method.toLowerCase()];
  if (!op) return [];
  const where = `${method} ${template} request`;
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (!schema) return sent === undefined || sent === '' ? [] : [`${where}: a body was accepted where the document has none`];
  if (sent === undefined) return [`${where}: accepted without the body the document requires`];
  let body;
  try { body = JSON.parse(sent); } catch { return [`${where}: accepted a body that is not JSON`]; }
  return validate(d, schema, body).map((e) => `${where}: body${e}`);
}

// What is wrong with an answer { status, headers, text } to method path: a list of reasons.
export function answerErrors(d, method, path, { status, headers, text }) {
  const pathname = path.split('?')[0];
  if (!inScope(pathname)) return [];
  const template = templateOf(d, pathname);
  const op = template && d.paths[template][method.toLowerCase()];
  const where = `${method} ${template || pathname} ${status}`;
  let response;
  if (op) {
    response = op.responses[String(status)];
    if (!response) return [`${where}: the status is not documented for this operation`];
    response = deref(d, response);
  } else {
    // no operation: the pipeline's 404 or 405 (or a refusal before routing), a problem
    response = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  }
  const errors = [];
  for (const name of Object.keys(response.headers || {}))
    if (!headers.get(name)) errors.push(`${where}: header ${name} is documented and missing`);
  const type = (headers.get('content-type') || '').split(';')[0].trim();
  if (!response.content) {
    if (text !== '') errors.push(`${where}: a body where the document has none`);
    return errors;
  }
  const media = response.content[type];
  if (!media) return [...errors, `${where}: content type ${type || '(none)'} is not documented`];
  if (!type.endsWith('json')) return errors;
  let body;
  try { body = JSON.parse(text); } catch { return [...errors, `${where}: the body is not JSON`]; }
  return [...errors, ...validate(d, media.schema, body).map((e) => `${where}: body${e}`)];
}

// Every operation of the document: "METHOD template".
export function operations(d) {
  const out = [];
  for (const [t, item] of Object.entries(d.paths))
    for (const m of METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${t}`);
  return out;
}

// Check an answer the tests got (and, when it is a success, the body sent: sent is its text,
// undefined when none): throws listing what the document does not say; notes the operation
// and status as seen.
export function checkAnswer(method, path, res, sent) {
  const errors = answerErrors(doc, method, path, res);
  if (res.status >= 200 && res.status < 300) errors.push(...acceptedRequestErrors(doc, method, path, sent));
  if (errors.length) throw new Error(`the answer differs from docs/openapi.yaml:\n  ${errors.join('\n  ')}`);
  const pathname = path.split('?')[0];
  const template = inScope(pathname) && templateOf(doc, pathname);
  if (template && doc.paths[template][method.toLowerCase()] && process.env.SP_WORK)
    appendFileSync(join(process.env.SP_WORK, 'openapi-seen.jsonl'),
      JSON.stringify({ op: `${method.toUpperCase()} ${template}`, status: res.status }) + '\n');
}
