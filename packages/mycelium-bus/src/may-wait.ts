/** Which calls can block on the server: long polls and pushes awaiting a reply. No I/O. */

/** The wait (seconds) a call asks for: `popMessage`'s `timeout`, `pushMessage`'s `reply_timeout`. */
function waitParam(params: unknown, index: number, name: string): unknown {
  if (Array.isArray(params)) return params[index];
  if (typeof params === 'object' && params !== null) return (params as Record<string, unknown>)[name];
  return undefined;
}

/** True when `method` with `params` may wait on the server before it answers. */
export function mayWait(method: unknown, params: unknown): boolean {
  if (method === 'popMessage') {
    const t = waitParam(params, 1, 'timeout');
    return typeof t === 'number' && t > 0;
  }
  if (method === 'pushMessage') {
    const t = waitParam(params, 1, 'reply_timeout');
    return typeof t === 'number' && t > 0;
  }
  return false;
}
