import fs from 'node:fs/promises';
import path from 'node:path';
import { HeroError, NotFoundError } from '@hero/core';
import { estimateTokens, isBinary } from './content.js';
import type { JsonStore } from './json-store.js';
import { PathRefusedError, cleanRelPath } from './path-guard.js';
import { NotRegularFileError, readRegularFile } from './safe-read.js';
import { normaliseExtensions } from './search.js';
import { contextNameSchema, type Context, type RenderResult } from './types.js';
import { walk } from './walk.js';
import type { Workspace } from './workspace.js';

/** The header line put before each file in a rendered context. */
export function fileHeader(rel: string, bytes: number): string {
  return `===== ${rel} (${bytes} bytes) =====\n`;
}

/** Named contexts (selections of files) and their rendering into one prompt text. */
export class Contexts {
  constructor(
    private readonly store: JsonStore,
    private readonly ws: Workspace,
    private readonly maxBytes: number,
  ) {}

  /** Creates or replaces a context; paths are checked for syntax (not existence) now. */
  async set(c: { name: string; paths: string[]; extensions: string[]; description: string }): Promise<Context> {
    const paths = [...new Set(c.paths.map((p) => cleanRelPath(p)))];
    const ctx: Context = {
      name: c.name,
      description: c.description,
      paths,
      extensions: [...normaliseExtensions(c.extensions)],
      updated_at: new Date().toISOString(),
    };
    await this.store.put(c.name, ctx);
    return ctx;
  }

  async get(name: string): Promise<Context> {
    contextNameSchema.parse(name);
    const c = await this.store.get<Context>(name);
    if (!c) throw new NotFoundError(`no context named ${name}`);
    return c;
  }

  async list(): Promise<Context[]> {
    const out: Context[] = [];
    for (const k of await this.store.keys()) {
      const c = await this.store.get<Context>(k).catch(() => undefined);
      if (c) out.push(c);
    }
    return out;
  }

  async delete(name: string): Promise<boolean> {
    return this.store.delete(name);
  }

  /**
   * Renders contexts into one text: a header and the contents of every selected file, in the
   * order given (directories expanded in name order, .gitignore honoured). Binary and missing
   * files are listed as skipped; over the byte cap is a HERO_TOO_LARGE error.
   */
  async render(names: string[]): Promise<RenderResult> {
    const contexts = [];
    for (const n of names) contexts.push(await this.get(n));
    const seen = new Set<string>();
    const parts: string[] = [];
    const files: RenderResult['files'] = [];
    const skipped: RenderResult['skipped'] = [];
    let total = 0;

    const add = async (clientRel: string, real: string) => {
      if (seen.has(real)) return;
      seen.add(real);
      let buf: Buffer;
      try {
        // Each file is capped by the render cap itself; the total is checked below.
        buf = (await readRegularFile(real, clientRel, this.maxBytes)).buf;
      } catch (err) {
        if (err instanceof NotRegularFileError) {
          skipped.push({ path: clientRel, reason: 'not_a_file' });
          return;
        }
        if (err instanceof HeroError && err.code === 'HERO_TOO_LARGE') {
          throw new HeroError('HERO_TOO_LARGE', `rendering ${names.join(', ')} exceeds the ${this.maxBytes}-byte cap at ${clientRel}; narrow the paths or extensions`, {
            data: { max_bytes: this.maxBytes, at: clientRel },
          });
        }
        throw err;
      }
      if (isBinary(buf)) {
        skipped.push({ path: clientRel, reason: 'binary' });
        return;
      }
      const header = fileHeader(clientRel, buf.length);
      const body = buf.toString('utf8');
      const piece = header + body + (body.endsWith('\n') || body === '' ? '' : '\n') + '\n';
      const size = Buffer.byteLength(piece);
      if (total + size > this.maxBytes) {
        throw new HeroError(
          'HERO_TOO_LARGE',
          `rendering ${names.join(', ')} exceeds the ${this.maxBytes}-byte cap at ${clientRel}; narrow the paths or extensions`,
          { data: { max_bytes: this.maxBytes, at: clientRel } },
        );
      }
      total += size;
      parts.push(piece);
      files.push({ path: clientRel, bytes: buf.length });
    };

    for (const c of contexts) {
      const exts = normaliseExtensions(c.extensions);
      for (const p of c.paths) {
        let resolved;
        try {
          resolved = await this.ws.root.resolveExisting(p);
        } catch (err) {
          if (err instanceof NotFoundError) skipped.push({ path: p, reason: 'not_found' });
          else if (err instanceof PathRefusedError) skipped.push({ path: p, reason: 'refused' });
          else throw err;
          continue;
        }
        const st = await fs.stat(resolved.real);
        if (st.isFile()) {
          await add(resolved.rel, resolved.real);
        } else if (st.isDirectory()) {
          const startRel = this.ws.root.relOf(resolved.real);
          for await (const e of walk(this.ws.root.real, startRel, { maxDepth: Infinity, gitignore: this.ws.gitignore() })) {
            if (e.type !== 'file') continue;
            if (exts.size > 0 && !exts.has(path.extname(e.name).toLowerCase())) continue;
            const suffix = startRel ? e.rel.slice(startRel.length + 1) : e.rel;
            await add(resolved.rel ? `${resolved.rel}/${suffix}` : suffix, path.join(this.ws.root.real, e.rel));
          }
        } else {
          skipped.push({ path: resolved.rel, reason: 'not_a_file' });
        }
      }
    }
    const text = parts.join('');
    return { names, text, files, skipped, total_bytes: total, token_estimate: estimateTokens(total) };
  }
}
