import type http from 'node:http';

/** Writes a JSON response with a content length. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

/**
 * Reads a request body up to `limit` bytes. Over the limit it answers 413, closes the
 * connection and returns undefined.
 */
export function readBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      sendJson(res, 413, { error: 'payload_too_large', message: `request body exceeds ${limit} bytes` });
      req.resume();
      resolve(undefined);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.once('error', () => {
      if (!done) resolve(undefined);
      done = true;
    });
  });
}
