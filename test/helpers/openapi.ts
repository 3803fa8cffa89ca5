import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { SHARED_SPECS, skipReason } from './shared.js';

/**
 * Validates the requests a provider sends against the vendor's official OpenAPI file, so the msw
 * handlers check the wire format against the spec and not only against our own reading of it.
 *
 * Specs live in `../shared/reference/specs` (outside the repo); set `PIXMUX_SPECS_DIR` to look elsewhere.
 * When the folder is absent, `specSkipReason(file)` says why, so a suite can `describe.skipIf(...)` (in CI it throws).
 *
 * @example
 * const skip = specSkipReason('openai.yaml');
 * it.skipIf(skip)('sends a request the spec accepts', async () => {
 *   expectValidRequestBody('openai.yaml', 'post', '/images/generations', 'application/json', body);
 * });
 */

/** Where the spec files are read from. */
export const SPECS_DIR = process.env.PIXMUX_SPECS_DIR ?? SHARED_SPECS;

type Json = Record<string, unknown>;

interface LoadedSpec {
  document: Json;
  /** One ajv per coercion mode: multipart and form bodies carry every value as a string. */
  ajv: { json: Ajv2020; form: Ajv2020 };
  validators: Map<string, ValidateFunction>;
}

const cache = new Map<string, LoadedSpec>();

export function specPath(specFile: string): string {
  return resolve(SPECS_DIR, specFile);
}

function specMissing(specFile: string): string | undefined {
  const path = specPath(specFile);
  if (existsSync(path)) return undefined;
  return `OpenAPI spec ${specFile} not found at ${path} (set PIXMUX_SPECS_DIR or check out ../shared); skipping spec validation`;
}

/**
 * Undefined when the spec file can be read, otherwise a sentence saying why the check is skipped (for `it.skipIf`).
 * In CI a missing spec throws instead: the run fails rather than skipping the wire-format checks.
 */
export function specSkipReason(specFile: string): string | undefined {
  return skipReason(specMissing(specFile)) || undefined;
}

/** The parsed spec, parsed once per process (openai.yaml is 3 MB). */
export function loadSpec(specFile: string): LoadedSpec {
  const cached = cache.get(specFile);
  if (cached) return cached;
  const reason = specMissing(specFile);
  if (reason) throw new Error(reason);
  const document = parse(readFileSync(specPath(specFile), 'utf8'), { maxAliasCount: -1 }) as Json;
  rewriteNullable(document, new WeakSet());
  const loaded: LoadedSpec = { document, ajv: { json: makeAjv(document, false), form: makeAjv(document, true) }, validators: new Map() };
  cache.set(specFile, loaded);
  return loaded;
}

export type RequestBody = FormData | URLSearchParams | Record<string, unknown>;

export interface ValidateOptions {
  /** Also report top-level fields the schema does not declare (catches misspelt fields). @default true */
  rejectUnknownFields?: boolean;
}

/**
 * Validates a request body against the operation's `requestBody` schema for this content type.
 * `body` is the parsed JSON object, or a `FormData` / `URLSearchParams` / plain object of form fields
 * (files become the string "<binary>"; repeated fields become arrays; string values are coerced to the
 * schema's types, as a server parsing a form would).
 *
 * @returns readable error lines; empty when the body is valid.
 */
export function validateRequestBody(specFile: string, method: string, path: string, contentType: string, body: RequestBody, options: ValidateOptions = {}): string[] {
  const spec = loadSpec(specFile);
  const pointer = requestBodyPointer(spec.document, method, path, contentType);
  const isForm = contentType !== 'application/json';
  const key = `${isForm ? 'form' : 'json'} ${pointer}`;
  const validate = spec.validators.get(key) ?? (isForm ? spec.ajv.form : spec.ajv.json).compile({ $ref: `spec#${pointer}` });
  spec.validators.set(key, validate);
  const data = isForm ? formToObject(body) : structuredClone(body);
  const errors = validate(data) ? [] : describeErrors(validate.errors ?? []);
  if (options.rejectUnknownFields ?? true) {
    const known = declaredProperties(spec.document, resolvePointer(spec.document, pointer) as Json);
    if (known) {
      for (const field of Object.keys(data as Json)) if (!known.has(field)) errors.push(`/${field}: is not declared by the spec`);
    }
  }
  return errors;
}

/** Throws an Error listing every problem when the body does not match the spec. */
export function expectValidRequestBody(specFile: string, method: string, path: string, contentType: string, body: RequestBody, options?: ValidateOptions): void {
  const errors = validateRequestBody(specFile, method, path, contentType, body, options);
  if (errors.length > 0) {
    throw new Error(`${method.toUpperCase()} ${path} (${contentType}) does not match ${specFile}:\n  ${errors.join('\n  ')}`);
  }
}

/** Names of the operation's declared request content types, for tests that want to pick one. */
export function requestContentTypes(specFile: string, method: string, path: string): string[] {
  const operation = findOperation(loadSpec(specFile).document, method, path);
  const requestBody = resolveRef(loadSpec(specFile).document, operation.requestBody) as Json | undefined;
  return Object.keys((requestBody?.content as Json | undefined) ?? {});
}

function makeAjv(document: Json, coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, coerceTypes: coerceTypes ? 'array' : false, discriminator: false });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;
  addFormats(ajv);
  for (const format of ['binary', 'byte', 'int32', 'int64', 'float', 'double', 'password']) ajv.addFormat(format, true);
  ajv.addSchema(document, 'spec');
  return ajv;
}

function findOperation(document: Json, method: string, path: string): Json {
  const paths = (document.paths ?? {}) as Json;
  const item = paths[path] as Json | undefined;
  if (!item) throw new Error(`the spec has no path ${path} (paths like it: ${Object.keys(paths).filter((p) => p.includes(path.split('/')[1] ?? '')).slice(0, 5).join(', ')})`);
  const operation = item[method.toLowerCase()] as Json | undefined;
  if (!operation) throw new Error(`the spec has no ${method.toUpperCase()} ${path}`);
  return operation;
}

/** The JSON pointer of the body schema, with the requestBody's own $ref followed. */
function requestBodyPointer(document: Json, method: string, path: string, contentType: string): string {
  const operation = findOperation(document, method, path);
  let requestBodyPointer = `/paths/${escapePointer(path)}/${method.toLowerCase()}/requestBody`;
  const ref = (operation.requestBody as Json | undefined)?.$ref;
  if (typeof ref === 'string') requestBodyPointer = ref.slice(1);
  const requestBody = resolvePointer(document, requestBodyPointer) as Json | undefined;
  const content = requestBody?.content as Json | undefined;
  if (!content?.[contentType]) throw new Error(`${method.toUpperCase()} ${path} takes no ${contentType} body (it takes: ${Object.keys(content ?? {}).join(', ') || 'none'})`);
  return `${requestBodyPointer}/content/${escapePointer(contentType)}/schema`;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolvePointer(document: Json, pointer: string): unknown {
  let node: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Json | undefined)?.[segment];
  }
  return node;
}

function resolveRef(document: Json, node: unknown): unknown {
  let current = node;
  for (let depth = 0; depth < 20 && current && typeof (current as Json).$ref === 'string'; depth++) {
    current = resolvePointer(document, ((current as Json).$ref as string).slice(1));
  }
  return current;
}

/** Property names a schema declares, through $ref and allOf; undefined when it allows anything. */
function declaredProperties(document: Json, schema: Json | undefined): Set<string> | undefined {
  const resolved = resolveRef(document, schema) as Json | undefined;
  if (!resolved || typeof resolved !== 'object') return undefined;
  if (resolved.additionalProperties !== undefined && resolved.additionalProperties !== false) return undefined;
  const names = new Set(Object.keys((resolved.properties as Json | undefined) ?? {}));
  for (const part of (resolved.allOf as Json[] | undefined) ?? []) {
    const inner = declaredProperties(document, part);
    if (!inner) return undefined;
    for (const name of inner) names.add(name);
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const variants = resolved[keyword] as Json[] | undefined;
    if (!variants) continue;
    for (const part of variants) {
      const inner = declaredProperties(document, part);
      if (!inner) return undefined;
      for (const name of inner) names.add(name);
    }
  }
  return names.size > 0 ? names : undefined;
}

/**
 * OpenAPI 3.0's `nullable: true` (which some 3.1 files still carry) is not JSON Schema:
 * rewrite each such schema as `anyOf: [schema, { type: 'null' }]`.
 */
function rewriteNullable(node: unknown, seen: WeakSet<object>): void {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) rewriteNullable(item, seen);
    return;
  }
  const record = node as Json;
  for (const value of Object.values(record)) rewriteNullable(value, seen);
  if (record.nullable === true) {
    const inner: Json = {};
    for (const [key, value] of Object.entries(record)) {
      if (key === 'nullable' || key === 'description' || key === 'example' || key === 'default') continue;
      inner[key] = value;
      delete record[key];
    }
    delete record.nullable;
    record.anyOf = [inner, { type: 'null' }];
  }
}

function formToObject(body: RequestBody): Json {
  if (!(body instanceof FormData) && !(body instanceof URLSearchParams)) return structuredClone(body) as Json;
  const out: Json = {};
  for (const [name, value] of body.entries()) {
    const item = typeof value === 'string' ? value : '<binary>';
    const existing = out[name];
    if (existing === undefined) out[name] = item;
    else out[name] = Array.isArray(existing) ? [...existing, item] : [existing, item];
  }
  return out;
}

/** Readable lines, without the echoes of the `nullable` rewrite ("must be null", "must match a schema in anyOf"). */
function describeErrors(errors: ErrorObject[]): string[] {
  const specific = errors.filter((error) => !(error.keyword === 'type' && (error.params as { type?: unknown }).type === 'null') && error.keyword !== 'anyOf');
  const lines = (specific.length > 0 ? specific : errors).map(describeError);
  return [...new Set(lines)];
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '(body)';
  const extra = error.keyword === 'enum' ? ` (${JSON.stringify((error.params as { allowedValues?: unknown[] }).allowedValues)})` : '';
  return `${where}: ${error.message ?? error.keyword}${extra}`;
}
