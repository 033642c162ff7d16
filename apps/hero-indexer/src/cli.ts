import fs from 'node:fs';
import readline from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import { ConfigError } from '@hero/core';
import type { DbInfo, DbSummary, IndexerClient, IndexSchemaInput, SearchResult } from '@hero/indexer/client';

const program = new Command('hero-indexer')
  .description('hero_indexer: full-text search')
  .exitOverride()
  .showHelpAfterError(false);

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

program
  .command('serve', { isDefault: true })
  .description('run hero_indexer in the foreground (rpc.sock)')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .addOption(socketDirOption())
  .option('--data-dir <dir>', 'where indexes are kept (default ~/hero/var/hero_indexer)')
  .option('--cache-mb <n>', 'cache for segment data (MiB)', positiveInt('--cache-mb'))
  .option('--language <name>', 'default language of new indexes (english, none)')
  .action(async (o: { config?: string; logLevel: string; socketDir?: string; dataDir?: string; cacheMb?: number; language?: string }) => {
    const { configSchema, run } = await import('@hero/indexer');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: { socket_dir: o.socketDir, data_dir: o.dataDir, cache_mb: o.cacheMb, default_language: o.language },
    });
    await serveForeground({ service: 'hero_indexer', config, logLevel: o.logLevel, run });
  });

/** Runs `fn` with a client for hero_indexer's rpc.sock, closing it afterwards. */
async function withClient<T>(socketDir: string | undefined, fn: (c: IndexerClient) => Promise<T>): Promise<T> {
  const { IndexerClient } = await import('@hero/indexer/client');
  const c = IndexerClient.forSocketDir(cliSocketDir(socketDir), { timeoutMs: 300_000 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const summaryTable = (rows: DbSummary[]) => formatTable(rows.map((r) => ({ ...r })), ['name', 'docs', 'segments', 'language', 'open']);

program
  .command('list')
  .description('list indexes')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.list(), !!o.json, summaryTable));
  });

/** `name:type[:stored=false][:indexed=false][:boost=2]` → a field definition. */
function parseField(spec: string): [string, IndexSchemaInput['fields'][string]] {
  const [name, type, ...opts] = spec.split(':');
  const types = ['text', 'keyword', 'numeric', 'date', 'bool'];
  if (!name || !type || !types.includes(type)) {
    throw new ConfigError(`invalid --field "${spec}" (expected name:type[:boost=N][:stored=false][:indexed=false], type one of ${types.join(', ')})`);
  }
  const def: IndexSchemaInput['fields'][string] = { type: type as 'text' };
  for (const o of opts) {
    const [k, v] = o.split('=');
    if (k === 'boost' && v !== undefined && Number(v) > 0) def.boost = Number(v);
    else if ((k === 'stored' || k === 'indexed') && (v === 'true' || v === 'false')) def[k] = v === 'true';
    else throw new ConfigError(`invalid option "${o}" in --field "${spec}"`);
  }
  return [name, def];
}

function readSchema(arg: string): IndexSchemaInput {
  const text = arg.trimStart().startsWith('{') ? arg : fs.readFileSync(arg, 'utf8');
  try {
    return JSON.parse(text) as IndexSchemaInput;
  } catch (err) {
    throw new ConfigError(`--schema: invalid JSON: ${(err as Error).message}`);
  }
}

const infoText = (i: DbInfo) =>
  [
    formatTable([{ name: i.name, docs: i.docs, deleted: i.deleted, segments: i.segments, generation: i.generation, size: `${(i.size_bytes / 2 ** 20).toFixed(1)} MiB`, pending: i.pending }]),
    '',
    formatTable(Object.entries(i.schema.fields).map(([name, f]) => ({ field: name, ...f }))),
    `language: ${i.schema.language}`,
  ].join('\n');

program
  .command('create <db>')
  .description('create an index: --schema <file|json> or one --field per field')
  .option('--schema <file|json>', 'schema as JSON ({"fields": {...}, "language": ...}) or a file holding it')
  .option('--field <spec>', 'name:type[:boost=N][:stored=false][:indexed=false] (repeatable)', collect)
  .option('--language <name>', 'stemming and stopwords (english, none)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, o: { schema?: string; field?: string[]; language?: string; socketDir?: string; json?: boolean }) => {
    let schema: IndexSchemaInput;
    if (o.schema) schema = readSchema(o.schema);
    else if (o.field?.length) schema = { fields: Object.fromEntries(o.field.map(parseField)) };
    else throw new ConfigError('create needs --schema or at least one --field');
    if (o.language) schema.language = o.language;
    await withClient(o.socketDir, async (c) => printResult(await c.create(db, schema), !!o.json, infoText));
  });

program
  .command('info <db>')
  .description('show an index: counts, segments and schema')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.info(db), !!o.json, infoText));
  });

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise. */
class Progress {
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly started = Date.now();
  constructor(private readonly total: number, private readonly enabled: boolean) {}
  update(bytes: number, docs: number, final = false): void {
    if (!this.enabled) return;
    const frac = this.total ? Math.min(1, bytes / this.total) : 1;
    const secs = (Date.now() - this.started) / 1000 || 0.001;
    const text = `${(frac * 100).toFixed(0).padStart(3)}% ${docs.toLocaleString('en-US')} docs ${(bytes / 2 ** 20 / secs).toFixed(1)} MiB/s`;
    if (process.stderr.isTTY) {
      if (!final && Date.now() - this.lastDraw < 100) return;
      this.lastDraw = Date.now();
      const width = 30;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      process.stderr.write(`\r[${bar}] ${text}${final ? '\n' : ''}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastDecile && !final) return;
      this.lastDecile = decile;
      process.stderr.write(`[progress] ${text}\n`);
    }
  }
}

/**
 * Default cap on the JSON-line bytes of one `doc.add` call: half the service's default
 * `max_request_mb` (64), which the CLI cannot ask the service for. The other half is headroom
 * for the JSON-RPC envelope; lower `--batch-mb` for a service configured with a smaller limit.
 */
const DEFAULT_BATCH_MB = 32;

program
  .command('add <db> <file>')
  .description('add documents from a JSON-lines file (one {"id": ..., ...} per line), then commit')
  .option('--batch <n>', 'documents per doc.add call', positiveInt('--batch'), 1000)
  .option('--batch-mb <n>', "most MiB of JSON per doc.add call (keep under the service's max_request_mb)", positiveNumber('--batch-mb'), DEFAULT_BATCH_MB)
  .option('--commit-every <n>', 'commit after this many documents', positiveInt('--commit-every'), 50_000)
  .option('--no-progress', 'no progress bar')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, file: string, o: { batch: number; batchMb: number; commitEvery: number; progress: boolean; socketDir?: string; json?: boolean }) => {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const maxBatchBytes = Math.floor(o.batchMb * 2 ** 20);
    await withClient(o.socketDir, async (c) => {
      await c.info(db); // fail early on an unknown index
      const progress = new Progress(size, o.progress && size >= 1 << 20);
      const input = fs.createReadStream(file);
      // bytes of the lines handed over so far: the stream itself reads ahead of the batches sent
      let bytes = 0;
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      let batch: Record<string, unknown>[] = [];
      // JSON bytes of the batch as sent: its lines plus a comma each
      let batchBytes = 0;
      let added = 0;
      let sinceCommit = 0;
      let lineNo = 0;
      let firstLine = 0;
      let lastLine = 0;
      const send = async () => {
        if (!batch.length) return;
        try {
          await c.add(db, batch);
        } catch (err) {
          throw new Error(`lines ${firstLine}-${lastLine}: ${(err as Error).message}`);
        }
        added += batch.length;
        sinceCommit += batch.length;
        batch = [];
        batchBytes = 0;
        if (sinceCommit >= o.commitEvery) {
          await c.commit(db);
          sinceCommit = 0;
        }
        progress.update(bytes, added);
      };
      try {
        let bad: string | undefined;
        for await (const line of lines) {
          lineNo++;
          const lineBytes = Buffer.byteLength(line) + 1;
          bytes += lineBytes;
          if (line.trim() === '') continue;
          let doc: unknown;
          try {
            doc = JSON.parse(line);
          } catch (err) {
            bad = `line ${lineNo}: invalid JSON: ${(err as Error).message}`;
            break;
          }
          if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
            bad = `line ${lineNo}: expected a JSON object`;
            break;
          }
          // a line over the cap on its own still goes, alone: the service judges it
          if (batchBytes + lineBytes > maxBatchBytes) await send();
          if (!batch.length) firstLine = lineNo;
          batch.push(doc as Record<string, unknown>);
          batchBytes += lineBytes;
          lastLine = lineNo;
          if (batch.length >= o.batch) await send();
        }
        // the valid lines before a bad one are sent too
        await send();
        if (bad) throw new Error(bad);
      } catch (err) {
        // keep what was accepted before the bad line or batch
        if (added) await c.commit(db);
        throw new Error(`${(err as Error).message} (${added} documents before it were added and committed)`);
      } finally {
        input.destroy();
      }
      const r = await c.commit(db);
      progress.update(size, added, true);
      printResult({ added, generation: r.generation, docs: r.docs }, !!o.json, (d: { added: number; docs: number }) =>
        `added ${d.added} documents; ${db} now holds ${d.docs}`,
      );
    });
  });

function parseFilter(spec: string): [string, unknown] {
  const m = /^([^=<>]+)(>=|<=|=|>|<)(.*)$/.exec(spec);
  if (!m) throw new ConfigError(`invalid --filter "${spec}" (expected field=value, field>=n, field<n, ...)`);
  const [, field, op, raw] = m as unknown as [string, string, string, string];
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) && op !== '=' ? Number(raw) : raw;
  if (op === '=') return [field, raw.includes(',') ? raw.split(',') : value];
  const key = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' }[op]!;
  return [field, { [key]: value }];
}

function mergeFilters(specs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    const [f, v] = parseFilter(s);
    const prev = out[f];
    out[f] = prev && typeof prev === 'object' && !Array.isArray(prev) && typeof v === 'object' && !Array.isArray(v) ? { ...prev, ...v } : v;
  }
  return out;
}

const resultText = (r: SearchResult, showFields: boolean) => {
  const lines = [`${r.total} hits (${r.took_ms} ms)`];
  if (r.hits.length) {
    lines.push(
      formatTable(
        r.hits.map((h) => {
          const row: Record<string, unknown> = { id: h.id, score: h.score.toFixed(3) };
          if (showFields && h.doc) for (const [k, v] of Object.entries(h.doc)) if (k !== 'id') row[k] = typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}...` : v;
          return row;
        }),
      ),
    );
  }
  for (const h of r.hits) for (const hl of h.highlights ?? []) {
    let s = hl.snippet;
    for (const [a, b] of [...hl.matches].reverse()) s = `${s.slice(0, a)}[${s.slice(a, b)}]${s.slice(b)}`;
    lines.push(`  ${h.id} ${hl.field}: ${s.replace(/\s+/g, ' ')}`);
  }
  for (const [f, values] of Object.entries(r.facets ?? {})) lines.push(`facet ${f}: ${values.map((v) => `${v.value} (${v.count})`).join(', ')}`);
  return lines.join('\n');
};

program
  .command('search <db> <query>')
  .description('search an index (terms, "phrases", +must -not, AND/OR/NOT, field:x, pre*, fuzzy~1, field:[a TO b])')
  .option('--limit <n>', 'hits per page', nonNegativeInt('--limit'), 10)
  .option('--offset <n>', 'hits to skip', nonNegativeInt('--offset'), 0)
  .option('--filter <cond>', 'field=value[,value], field>=n, field<n ... (repeatable)', collect)
  .option('--sort <field[:desc]>', 'sort key (repeatable; _score for relevance)', collect)
  .option('--facet <field>', 'count values of a keyword/bool field (repeatable)', collect)
  .option('--highlight', 'print highlighted snippets')
  .option('--fields <list>', 'stored fields to show (comma separated)')
  .option('--and', 'require every clause (default: any)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, query: string, o: { limit: number; offset: number; filter?: string[]; sort?: string[]; facet?: string[]; highlight?: boolean; fields?: string; and?: boolean; socketDir?: string; json?: boolean }) => {
    const sort = (o.sort ?? []).map((s) => {
      const [field, order] = s.split(':');
      if (!field || (order !== undefined && order !== 'asc' && order !== 'desc')) throw new ConfigError(`invalid --sort "${s}" (field[:asc|desc])`);
      return order ? { field, order: order as 'asc' | 'desc' } : { field };
    });
    await withClient(o.socketDir, async (c) => {
      const r = await c.search({
        db,
        query,
        limit: o.limit,
        offset: o.offset,
        ...(o.filter ? { filters: mergeFilters(o.filter) as never } : {}),
        ...(sort.length ? { sort } : {}),
        ...(o.facet ? { facets: o.facet } : {}),
        ...(o.highlight ? { highlight: true } : {}),
        ...(o.fields !== undefined ? { fields: o.fields.split(',').filter(Boolean) } : o.json ? {} : { fields: [] }),
        ...(o.and ? { default_operator: 'and' as const } : {}),
      });
      printResult(r, !!o.json, (d: SearchResult) => resultText(d, o.fields !== undefined));
    });
  });

program
  .command('get <db> <id>')
  .description('print a stored document')
  .addOption(socketDirOption())
  .action(async (db: string, id: string, o: { socketDir?: string }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.get(db, id), true));
  });

program
  .command('rm <db> <ids...>')
  .description('delete documents by id and commit')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, ids: string[], o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.delete(db, ids, true), !!o.json, (d: { deleted: number }) => `deleted ${d.deleted}`));
  });

program
  .command('commit <db>')
  .description('commit pending changes')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.commit(db), !!o.json, (d: { generation: number; docs: number }) => `generation ${d.generation}, ${d.docs} documents`));
  });

program
  .command('drop <db>')
  .description('delete an index and its files')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (db: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => printResult(await c.deleteDb(db), !!o.json, () => `dropped ${db}`));
  });

await runProgram(program);
