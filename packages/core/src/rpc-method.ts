import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';

/** What a handler knows about the call it serves. */
export interface CallContext {
  headers: IncomingHttpHeaders;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
  /** How the call arrived: a Unix socket, TCP, or in-process (bus, tests). */
  transport: 'unix' | 'tcp' | 'internal';
}

/** One RPC method: zod params (object; positional params follow key order) and result. */
export interface RpcMethod<P extends z.ZodObject = z.ZodObject, R extends z.ZodType = z.ZodType> {
  summary?: string;
  description?: string;
  params: P;
  result: R;
  handler: (params: z.output<P>, call: CallContext) => z.input<R> | Promise<z.input<R>>;
}

/** Declares a method with its handler typed from the schemas. */
export function method<P extends z.ZodObject, R extends z.ZodType>(def: RpcMethod<P, R>): RpcMethod<P, R> {
  return def;
}
