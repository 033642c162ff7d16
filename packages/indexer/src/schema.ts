import { z } from 'zod';
import { HeroError } from '@hero/core';
import { getLanguage, languageNames } from './language.js';
import type { FieldType, IndexSchema } from './client.js';

export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export const fieldSchema = z.strictObject({
  type: z.enum(['text', 'keyword', 'numeric', 'date', 'bool']).describe('text (analyzed), keyword (exact), numeric, date, bool'),
  stored: z.boolean().default(true).describe('keep the value so it is returned with hits and can be highlighted'),
  indexed: z.boolean().default(true).describe('make the field searchable and filterable'),
  boost: z.number().positive().max(1000).default(1).describe('BM25 weight multiplier for text fields'),
});

export const indexSchemaSchema = z.strictObject({
  fields: z
    .record(z.string().regex(FIELD_NAME, 'field names are letters, digits, _ . - and start with a letter or _'), fieldSchema)
    .refine((f) => Object.keys(f).length > 0, 'a schema needs at least one field')
    .refine((f) => !Object.hasOwn(f, 'id'), '"id" is the document id and cannot be a field')
    .describe('field name → definition'),
  language: z.string().optional().describe(`stemming and stopwords: ${languageNames().join(', ')}; default from config`),
  default_fields: z.array(z.string()).optional().describe('text fields searched by clauses without a field (default: all indexed text fields)'),
});

/** A schema checked for consistency (languages, default fields); throws HERO_INVALID. */
export function checkSchema(input: z.input<typeof indexSchemaSchema>, defaultLanguage: string): IndexSchema {
  const parsed = indexSchemaSchema.safeParse(input);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${['schema', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new HeroError('HERO_INVALID', `invalid schema: ${msg}`, { rpcCode: -32602 });
  }
  const s = parsed.data;
  const language = s.language ?? defaultLanguage;
  if (!getLanguage(language)) {
    throw new HeroError('HERO_INVALID', `unknown language "${language}" (known: ${languageNames().join(', ')})`, { rpcCode: -32602 });
  }
  const textFields = Object.entries(s.fields).filter(([, f]) => f.type === 'text' && f.indexed).map(([n]) => n);
  for (const f of s.default_fields ?? []) {
    if (!textFields.includes(f)) {
      throw new HeroError('HERO_INVALID', `default field "${f}" is not an indexed text field`, { rpcCode: -32602 });
    }
  }
  const out: IndexSchema = { fields: s.fields, language };
  if (s.default_fields) out.default_fields = s.default_fields;
  return out;
}

/** True when two schemas describe the same index. */
export function sameSchema(a: IndexSchema, b: IndexSchema): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(s: IndexSchema): unknown {
  const fields = Object.keys(s.fields).sort().map((k) => [k, s.fields[k]]);
  return { fields, language: s.language, default_fields: s.default_fields ?? null };
}

/** A field value after validation: dates are epoch milliseconds. */
export type FieldValue = string | string[] | number | boolean;

/** A validated document. */
export interface ValidDoc {
  id: string;
  values: Map<string, FieldValue>;
  /** JSON of the stored fields (and id), as returned by doc.get. */
  stored: string;
}

export function invalid(message: string, data?: Record<string, unknown>): HeroError {
  return new HeroError('HERO_INVALID', message, { rpcCode: -32602, ...(data ? { data } : {}) });
}

/** Parses a date given as an ISO-8601 string or epoch milliseconds; undefined when it is not one. */
export function parseDate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^-?\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Checks one incoming document against the schema (unknown fields, types, size). */
export function validateDoc(raw: unknown, schema: IndexSchema, maxBytes: number, index = 0): ValidDoc {
  const where = `document ${index}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(`${where}: must be an object`);
  const obj = raw as Record<string, unknown>;
  const idRaw = obj.id;
  if (!((typeof idRaw === 'string' && idRaw.length > 0 && idRaw.length <= 512) || (typeof idRaw === 'number' && Number.isFinite(idRaw)))) {
    throw invalid(`${where}: "id" must be a non-empty string (at most 512 characters) or a number`);
  }
  const id = String(idRaw);
  const values = new Map<string, FieldValue>();
  const stored: Record<string, unknown> = { id };
  let allStored = true;
  for (const [name, v] of Object.entries(obj)) {
    if (name === 'id') continue;
    const def = Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;
    if (!def) throw invalid(`document "${id}": unknown field "${name}"`, { id, field: name });
    if (v === null || v === undefined) continue;
    const value = convert(v, def.type);
    if (value === undefined) throw invalid(`document "${id}": field "${name}" expects ${describeType(def.type)}`, { id, field: name });
    values.set(name, value);
    if (def.stored) stored[name] = def.type === 'date' ? new Date(value as number).toISOString() : value;
    else allStored = false;
  }
  const storedJson = JSON.stringify(stored);
  // the stored JSON is the document itself when every field is stored (dates aside): measure it
  // instead of serializing the document a second time
  const json = allStored ? storedJson : JSON.stringify(obj);
  const size = json.length * 3 <= maxBytes ? json.length : Buffer.byteLength(json);
  if (size > maxBytes) {
    throw new HeroError('HERO_TOO_LARGE', `document "${id}" is ${size} bytes; the limit is ${maxBytes}`, { rpcCode: -32602, data: { id, size, limit: maxBytes } });
  }
  return { id, values, stored: storedJson };
}

function describeType(t: FieldType): string {
  switch (t) {
    case 'text':
      return 'a string or an array of strings';
    case 'keyword':
      return 'a string or an array of strings';
    case 'numeric':
      return 'a finite number';
    case 'date':
      return 'an ISO-8601 date string or epoch milliseconds';
    case 'bool':
      return 'true or false';
  }
}

function convert(v: unknown, t: FieldType): FieldValue | undefined {
  switch (t) {
    case 'text':
    case 'keyword':
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      return undefined;
    case 'numeric':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'date':
      return parseDate(v);
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
  }
}
