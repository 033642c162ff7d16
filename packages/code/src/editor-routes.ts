import { readBody, sendJson, type HttpRoute, type RpcHandler } from '@hero/core';

const BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The editor page's API: `POST /rpc` runs the same JSON-RPC methods as rpc.sock. A JSON
 * content type is required so a cross-site form post (when the socket is proxied to a
 * browser) cannot reach it without a CORS preflight.
 */
export function editorRoutes(rpc: Pick<RpcHandler, 'dispatch'>): HttpRoute {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/rpc') return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method_not_allowed', message: 'POST /rpc only' });
      return true;
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendJson(res, 415, { error: 'unsupported_media_type', message: 'content-type must be application/json' });
      return true;
    }
    const body = await readBody(req, res, BODY_LIMIT);
    if (body === undefined) return true;
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return true;
    }
    const out = await rpc.dispatch(message, { headers: req.headers, transport: 'unix' });
    if (out === undefined) res.writeHead(204).end();
    else sendJson(res, 200, out);
    return true;
  };
}
