/**
 * admin.sock: the dashboard page, its JSON API, JSON-RPC (same methods as rpc.sock) and the
 * live log stream (Server-Sent Events).
 */
import type http from 'node:http';
import { readBody, sendJson, type HttpRoute, type RpcHandler } from '@hero/core';
import type { JobManager } from './job-manager.js';
import type { LogHub } from './log-hub.js';
import type { ScheduleManager } from './schedule-manager.js';
import type { ServiceManager } from './service-manager.js';
import { DASHBOARD_HTML } from './dashboard-html.js';

export interface AdminDeps {
  services: ServiceManager;
  jobs: JobManager;
  schedules: ScheduleManager;
  hub: LogHub;
  rpc: () => RpcHandler | undefined;
  info: () => Record<string, unknown>;
}

/** Open SSE responses, ended when the server stops (so closing does not wait for them). */
export class SseRegistry {
  private readonly open = new Set<http.ServerResponse>();
  add(res: http.ServerResponse) {
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
  }
  closeAll() {
    for (const r of this.open) r.end();
    this.open.clear();
  }
}

/** `GET …/logs/stream?source=svc:x&lines=50`: the last lines, then every new one, as SSE. */
export function logStreamRoute(hub: LogHub, sse: SseRegistry, paths: string[]): HttpRoute {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || !paths.includes(url.pathname)) return false;
    let source = url.searchParams.get('source') ?? undefined;
    if (source && !source.startsWith('svc:') && !source.startsWith('job:')) source = `svc:${source}`;
    const backlog = Math.min(Math.max(Number(url.searchParams.get('lines') ?? 50) || 0, 0), 10_000);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': hero_proc log stream\n\n');
    sse.add(res);
    const send = (l: unknown) => res.write(`data: ${JSON.stringify(l)}\n\n`);
    if (backlog > 0) for (const l of hub.tail(source, backlog)) send({ ...l, source: l.source ?? source });
    const unsubscribe = hub.subscribe(source, send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    heartbeat.unref();
    res.once('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
    });
    return true;
  };
}

/** The admin routes: `/rpc`, `/api/overview`, `/api/logs/stream`. */
export function adminRoutes(d: AdminDeps, sse: SseRegistry): HttpRoute {
  const stream = logStreamRoute(d.hub, sse, ['/api/logs/stream', '/logs/stream']);
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/rpc') {
      const body = await readBody(req, res, 16 * 1024 * 1024);
      if (body === undefined) return true;
      let msg: unknown;
      try {
        msg = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return true;
      }
      const rpc = d.rpc();
      if (!rpc) {
        sendJson(res, 503, { error: 'unavailable', message: 'starting' });
        return true;
      }
      const out = await rpc.dispatch(msg, { headers: req.headers, transport: 'unix' });
      if (out === undefined) res.writeHead(204).end();
      else sendJson(res, 200, out);
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/api/overview') {
      const stats = new Map((await d.services.stats()).map((s) => [s.name, s]));
      const services = d.services.list().map((s) => ({ ...s, stats: stats.get(s.name) ?? null }));
      sendJson(res, 200, {
        info: d.info(),
        services,
        jobs: d.jobs.list({ limit: 50 }),
        schedules: d.schedules.list(),
      });
      return true;
    }
    return stream(req, res);
  };
}

export { DASHBOARD_HTML };
