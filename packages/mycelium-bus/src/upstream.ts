/**
 * A real Mycelium daemon reached through its REST API (`/api/v1/messages…`): messages for other
 * nodes are pushed there, and its inbox is pulled into ours.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { HeroError, UnavailableError } from '@hero/core';
import type { InboundMessage, MessageStatusResponse, PushMessageBody, PublicKeyResponse } from './client.js';
import { isMessageId } from './message-id.js';

/** A URL without its user:password part, for logs. */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}

export class Upstream {
  readonly url: string;
  /** The URL without credentials, for messages and logs. */
  readonly display: string;
  private readonly agent: Dispatcher;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
    this.display = redactUrl(this.url);
    this.agent = new Agent({ keepAliveTimeout: 4000, connections: 16 });
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ status: number; json: unknown }> {
    const timeout = opts.timeoutMs ?? 30_000;
    let res;
    try {
      res = await request(this.url + path, {
        method,
        dispatcher: this.agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new UnavailableError(`upstream ${this.display} unreachable: ${(err as Error).message}`, { rpcCode: -32015, cause: err });
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.statusCode, json };
  }

  private unexpected(what: string, status: number): HeroError {
    return new UnavailableError(`upstream ${what} failed: HTTP ${status}`, { rpcCode: -32015 });
  }

  /** Pushes a message; `reply` is set when the upstream returned one, `timedOut` on its 408. */
  async push(
    body: PushMessageBody,
    replyTimeout: number | undefined,
    signal?: AbortSignal,
  ): Promise<{ id: string; reply?: InboundMessage; timedOut: boolean }> {
    const q = replyTimeout === undefined ? '' : `?reply_timeout=${replyTimeout}`;
    const timeoutMs = (replyTimeout ?? 0) * 1000 + 30_000;
    const { status, json } = await this.call('POST', `/api/v1/messages${q}`, body, { timeoutMs, signal });
    // the id is all a caller gets back (and what later lookups use): an answer without a valid
    // one is the upstream's fault, not a message id
    const id = (json as { id?: unknown } | null)?.id;
    if ((status === 200 || status === 201 || status === 408) && !isMessageId(id)) {
      throw new UnavailableError(`upstream push answered HTTP ${status} without a valid message id`, { rpcCode: -32015 });
    }
    if (status === 200) return { id: id as string, reply: json as InboundMessage, timedOut: false };
    if (status === 201 || status === 408) return { id: id as string, timedOut: status === 408 };
    if (status === 400) {
      throw new HeroError('HERO_INVALID', `upstream rejected the message: ${typeof json === 'string' ? json : 'bad request'}`, {
        rpcCode: -32602,
      });
    }
    throw this.unexpected('push', status);
  }

  /** Waits up to `timeoutSecs` for a message in the upstream inbox and takes it. */
  async pop(timeoutSecs: number, signal?: AbortSignal): Promise<InboundMessage | null> {
    const { status, json } = await this.call('GET', `/api/v1/messages?timeout=${timeoutSecs}`, undefined, {
      timeoutMs: timeoutSecs * 1000 + 30_000,
      signal,
    });
    if (status === 200) return json as InboundMessage;
    if (status === 204) return null;
    throw this.unexpected('pop', status);
  }

  async reply(id: string, body: PushMessageBody): Promise<void> {
    const { status } = await this.call('POST', `/api/v1/messages/reply/${id}`, body);
    if (status !== 204 && status !== 200) throw this.unexpected('reply', status);
  }

  async status(id: string): Promise<MessageStatusResponse | undefined> {
    const { status, json } = await this.call('GET', `/api/v1/messages/status/${id}`);
    if (status === 200) return json as MessageStatusResponse;
    if (status === 404) return undefined;
    throw this.unexpected('status', status);
  }

  async publicKey(ip: string): Promise<PublicKeyResponse | undefined> {
    const { status, json } = await this.call('GET', `/api/v1/pubkey/${encodeURIComponent(ip)}`);
    if (status === 200) return json as PublicKeyResponse;
    if (status === 404) return undefined;
    throw this.unexpected('pubkey', status);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
