/**
 * Mycelium's REST API (`/api/v1/messages…`, `/api/v1/admin`, `/api/v1/pubkey/{ip}`) served on the
 * same socket as JSON-RPC, with the daemon's status codes.
 */
import type http from 'node:http';
import { readBody, sendJson, toHeroError, type HttpRoute } from '@hero/core';
import { z } from 'zod';
import { pushBodySchema, waitSecs } from './schemas.js';
import type { MessageService } from './service.js';

const STATUS: Record<string, number> = {
  HERO_INVALID: 400,
  HERO_INVALID_PARAMS: 400,
  HERO_TOO_LARGE: 413,
  HERO_NOT_FOUND: 404,
  HERO_QUEUE_FULL: 429,
  HERO_NO_ROUTE: 503,
  HERO_UNAVAILABLE: 503,
};

class BadRequest extends Error {}

function fail(res: http.ServerResponse, err: unknown): void {
  if (err instanceof BadRequest) return sendJson(res, 400, { error: 'bad_request', message: err.message });
  const he = toHeroError(err);
  const status = STATUS[he.code] ?? 500;
  if (status === 500) return sendJson(res, 500, { error: 'internal', message: 'Internal error' });
  sendJson(res, status, { error: he.code, message: he.message });
}

function noContent(res: http.ServerResponse): void {
  res.writeHead(204).end();
}

function bool(v: string | null, name: string): boolean | undefined {
  if (v === null) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new BadRequest(`${name} must be true or false`);
}

function seconds(v: string | null, name: string): number | undefined {
  if (v === null) return undefined;
  const n = /^\d{1,10}$/.test(v) ? Number(v) : NaN;
  const r = waitSecs.safeParse(n);
  if (!r.success) throw new BadRequest(`${name} must be an integer number of seconds between 0 and ${waitSecs.maxValue}`);
  return r.data;
}

async function json(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<unknown | typeof TOO_LARGE> {
  const body = await readBody(req, res, limit);
  if (body === undefined) return TOO_LARGE;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequest('request body is not valid JSON');
  }
}
const TOO_LARGE = Symbol('too large');

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new BadRequest(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return r.data;
}

function segment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequest('malformed percent-encoding in the path');
  }
}

/** The REST routes, as an `HttpRoute` for `serveRpc({routes})`. */
export function restRoutes(svc: MessageService, bodyLimit: number): HttpRoute {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!path.startsWith('/api/v1/')) return false;
    const m = req.method ?? 'GET';
    const parts = path.slice('/api/v1/'.length).split('/');
    const ac = new AbortController();
    res.once('close', () => ac.abort());
    try {
      if (parts[0] === 'admin' && parts.length === 1 && m === 'GET') {
        sendJson(res, 200, svc.getInfo());
        return true;
      }
      if (parts[0] === 'pubkey' && parts.length === 2 && m === 'GET') {
        sendJson(res, 200, await svc.getPublicKeyFromIp(segment(parts[1]!)));
        return true;
      }
      if (parts[0] !== 'messages') return false;
      const rest = parts.slice(1);
      if (rest.length === 0) {
        if (m === 'GET') {
          const q = url.searchParams;
          const msg = await svc.popMessage(
            bool(q.get('peek'), 'peek') ?? false,
            seconds(q.get('timeout'), 'timeout') ?? 0,
            q.get('topic') ?? undefined,
            ac.signal,
          );
          if (msg) sendJson(res, 200, msg);
          else noContent(res);
          return true;
        }
        if (m === 'POST') {
          const replyTimeout = seconds(url.searchParams.get('reply_timeout'), 'reply_timeout');
          const raw = await json(req, res, bodyLimit);
          if (raw === TOO_LARGE) return true;
          const r = await svc.pushMessage(parse(pushBodySchema, raw), replyTimeout, ac.signal);
          if (r.reply) sendJson(res, 200, r.reply);
          else sendJson(res, r.timedOut ? 408 : 201, { id: r.id });
          return true;
        }
        return false;
      }
      if (rest[0] === 'reply' && rest.length === 2 && m === 'POST') {
        const raw = await json(req, res, bodyLimit);
        if (raw === TOO_LARGE) return true;
        await svc.pushMessageReply(segment(rest[1]!), parse(pushBodySchema, raw));
        noContent(res);
        return true;
      }
      if (rest[0] === 'status' && rest.length === 2 && m === 'GET') {
        sendJson(res, 200, await svc.getMessageInfo(segment(rest[1]!)));
        return true;
      }
      if (rest[0] !== 'topics') return false;
      const t = rest.slice(1);
      if (t.length === 0) {
        if (m === 'GET') {
          sendJson(res, 200, svc.getTopics());
          return true;
        }
        if (m === 'POST') {
          const raw = await json(req, res, 64 * 1024);
          if (raw === TOO_LARGE) return true;
          svc.addTopic(parse(z.string(), raw));
          res.writeHead(201).end();
          return true;
        }
        return false;
      }
      if (t[0] === 'default' && t.length === 1) {
        if (m === 'GET') {
          sendJson(res, 200, { accept: svc.getDefaultTopicAction() });
          return true;
        }
        if (m === 'PUT') {
          const raw = await json(req, res, 64 * 1024);
          if (raw === TOO_LARGE) return true;
          svc.setDefaultTopicAction(parse(z.object({ accept: z.boolean() }), raw).accept);
          noContent(res);
          return true;
        }
        return false;
      }
      const topic = segment(t[0]!);
      if (t.length === 1 && m === 'DELETE') {
        svc.removeTopic(topic);
        noContent(res);
        return true;
      }
      if (t[1] === 'sources') {
        if (t.length === 2 && m === 'GET') {
          sendJson(res, 200, svc.getTopicSources(topic));
          return true;
        }
        if (t.length === 2 && m === 'POST') {
          const raw = await json(req, res, 64 * 1024);
          if (raw === TOO_LARGE) return true;
          svc.addTopicSource(topic, parse(z.object({ subnet: z.string() }), raw).subnet);
          noContent(res);
          return true;
        }
        // the subnet's "/" may arrive encoded (%2F) or as two segments
        if (t.length >= 3 && t.length <= 4 && m === 'DELETE') {
          svc.removeTopicSource(topic, t.slice(2).map(segment).join('/'));
          noContent(res);
          return true;
        }
        return false;
      }
      if (t[1] === 'forward' && t.length === 2) {
        if (m === 'GET') {
          sendJson(res, 200, svc.getTopicForwardSocket(topic));
          return true;
        }
        if (m === 'PUT') {
          const raw = await json(req, res, 64 * 1024);
          if (raw === TOO_LARGE) return true;
          svc.setTopicForwardSocket(topic, parse(z.object({ socket_path: z.string() }), raw).socket_path);
          noContent(res);
          return true;
        }
        if (m === 'DELETE') {
          svc.removeTopicForwardSocket(topic);
          noContent(res);
          return true;
        }
      }
      return false;
    } catch (err) {
      fail(res, err);
      return true;
    }
  };
}
