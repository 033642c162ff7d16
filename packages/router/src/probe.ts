import http from 'node:http';
import type { SocketStatus } from './schemas.js';


export interface ProbeResult {
  status: SocketStatus;
  protocol?: 'openrpc' | 'ui' | 'rest';
  title?: string;
  version?: string;
  description?: string;
  /** Why the socket is not healthy. */
  error?: string;
  /** The OpenRPC document, when asked for and served. */
  spec?: Record<string, unknown>;
}

type Fetched =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'refused'; message: string }
  | { kind: 'not_http'; message: string }
  | { kind: 'timeout' };

const MAX_PROBE_BODY = 8 * 1024 * 1024;

/** One GET of a JSON document over a Unix socket, on a fresh connection. */
function getJson(socketPath: string, path: string, timeoutMs: number): Promise<Fetched> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Fetched) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    const req = http.get({ socketPath, path, agent: false, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_PROBE_BODY) return done({ kind: 'ok', status: res.statusCode ?? 0, body: undefined });
        chunks.push(c);
      });
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        done({ kind: 'ok', status: res.statusCode ?? 0, body });
      });
      res.on('error', (err) => done({ kind: 'not_http', message: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTSOCK' || code === 'EACCES') {
        done({ kind: 'refused', message: `${code}` });
      } else done({ kind: 'not_http', message: err.message });
    });
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Probes one socket: `/.well-known/heroservice.json`, then `/health`, then (when `wantSpec`
 * and the service speaks OpenRPC) `/openrpc.json`.
 */
export async function probeSocket(socketPath: string, timeoutMs: number, wantSpec: boolean): Promise<ProbeResult> {
  const info = await getJson(socketPath, '/.well-known/heroservice.json', timeoutMs);
  if (info.kind === 'refused') return { status: 'inactive', error: `nothing accepts connections (${info.message})` };
  if (info.kind === 'timeout') return { status: 'unknown', error: `no reply within ${timeoutMs} ms` };
  if (info.kind === 'not_http') return { status: 'non_rpc', error: 'does not speak HTTP' };
  const doc = info.body as Record<string, unknown> | undefined;
  if (info.status !== 200 || !doc || typeof doc !== 'object') {
    return { status: 'non_rpc', error: `no heroservice.json (HTTP ${info.status})` };
  }
  const p = doc.protocol;
  const out: ProbeResult = {
    status: 'unknown',
    protocol: p === 'openrpc' || p === 'ui' || p === 'rest' ? p : undefined,
    title: str(doc.title),
    version: str(doc.version),
    description: str(doc.description),
  };
  const health = await getJson(socketPath, '/health', timeoutMs);
  if (health.kind === 'ok' && health.status === 200 && (health.body as { status?: unknown } | undefined)?.status === 'ok') {
    out.status = 'healthy';
  } else {
    out.status = 'unhealthy';
    out.error =
      health.kind === 'ok'
        ? `health answered HTTP ${health.status}`
        : health.kind === 'timeout'
          ? `health: no reply within ${timeoutMs} ms`
          : `health: ${health.message}`;
    if (health.kind === 'refused') out.status = 'inactive';
  }
  if (wantSpec && out.protocol === 'openrpc' && out.status === 'healthy') {
    const spec = await getJson(socketPath, '/openrpc.json', timeoutMs);
    if (spec.kind === 'ok' && spec.status === 200 && spec.body && typeof spec.body === 'object') {
      out.spec = spec.body as Record<string, unknown>;
    }
  }
  return out;
}
