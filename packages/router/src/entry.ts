import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { sendJson } from '@hero/core';
import type { Access } from './auth.js';
import { rawHeader } from './headers.js';
import { parseRoute } from './names.js';
import { rawJson, type Proxy } from './proxy.js';
import type { Registry } from './registry.js';

export interface EntryOptions {
  registry: Registry;
  proxy: Proxy;
  access: Access;
  /** X-Hero-Context when access control gives none. */
  context: string;
  /** The router's own API: `/rpc`, `/health`, `/openrpc.json`, heroservice.json. */
  api: http.RequestListener;
  /** The dashboard, mounted at `/admin/`. */
  admin: http.RequestListener;
}

const UNAUTHORIZED = { error: 'unauthorized', message: 'a valid bearer token is required' };
const FORBIDDEN = { error: 'forbidden', message: 'client address not allowed' };

/** `/admin`, `/admin/…` or `/admin?…`. */
function isAdmin(url: string): boolean {
  if (!url.startsWith('/admin')) return false;
  const c = url.charCodeAt(6);
  return Number.isNaN(c) || c === 47 || c === 63;
}

function isApi(url: string): boolean {
  const q = url.indexOf('?');
  const p = q === -1 ? url : url.slice(0, q);
  return p === '/rpc' || p === '/health' || p === '/openrpc.json' || p === '/.well-known/heroservice.json';
}

/** The TCP entry point: access check, the router's own endpoints, then the proxy. */
export function createEntry(o: EntryOptions): { request: http.RequestListener; upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void } {
  const { registry, proxy, access } = o;

  const authorize = (req: http.IncomingMessage): string | 401 | 403 => {
    if (!access.enabled) return o.context;
    const r = access.check(req.socket.remoteAddress, rawHeader(req.rawHeaders, 'authorization'));
    return typeof r === 'number' ? r : r.context;
  };

  const request: http.RequestListener = (req, res) => {
    const context = authorize(req);
    if (context === 401) {
      res.setHeader('www-authenticate', 'Bearer realm="hero_router"');
      return sendJson(res, 401, UNAUTHORIZED);
    }
    if (context === 403) return sendJson(res, 403, FORBIDDEN);
    const url = req.url ?? '/';
    const route = parseRoute(url);
    if (typeof route === 'object' && route.service !== 'admin' && route.service !== '.well-known') {
      const entry = registry.get(route.service, route.name);
      if (entry) return proxy.forward(req, res, entry, route.rest, context);
      void registry.lookupOnDisk(route.service, route.name).then((found) => {
        if (found) proxy.forward(req, res, found, route.rest, context);
        else sendJson(res, 404, { error: 'not_found', message: `no service socket /${route.service}/${route.name}` });
      });
      return;
    }
    if (isAdmin(url)) {
      const rest = url.slice(6);
      if (rest === '' || rest.charCodeAt(0) === 63) {
        res.writeHead(308, { location: `/admin/${rest}`, 'content-length': 0 });
        return void res.end();
      }
      req.url = rest;
      return o.admin(req, res);
    }
    if (isApi(url)) return o.api(req, res);
    if (route === 'bad_path' || route === 'bad_name') {
      return sendJson(res, 400, {
        error: 'bad_request',
        message: route === 'bad_name' ? 'service and socket names must match [A-Za-z0-9_.-]+' : 'path not allowed',
      });
    }
    if (url === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(302, { location: '/admin/', 'content-length': 0 });
      return void res.end();
    }
    sendJson(res, 404, { error: 'not_found', message: 'use /<service>/<socket>/<path>, /rpc or /admin/' });
  };

  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const context = authorize(req);
    if (context === 401) return rawJson(socket, 401, 'Unauthorized', UNAUTHORIZED);
    if (context === 403) return rawJson(socket, 403, 'Forbidden', FORBIDDEN);
    const route = parseRoute(req.url ?? '/');
    if (typeof route !== 'object') {
      return rawJson(socket, route === undefined ? 404 : 400, route === undefined ? 'Not Found' : 'Bad Request', {
        error: route === undefined ? 'not_found' : 'bad_request',
        message: 'upgrades are proxied on /<service>/<socket>/<path> only',
      });
    }
    const go = (entry: Parameters<Proxy['upgrade']>[3] | undefined) => {
      if (entry) proxy.upgrade(req, socket, head, entry, route.rest, context);
      else rawJson(socket, 404, 'Not Found', { error: 'not_found', message: `no service socket /${route.service}/${route.name}` });
    };
    const entry = registry.get(route.service, route.name);
    if (entry) go(entry);
    else void registry.lookupOnDisk(route.service, route.name).then(go);
  };

  return { request, upgrade };
}
