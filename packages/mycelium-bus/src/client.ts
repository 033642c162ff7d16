/**
 * Typed client for the Mycelium message API, as served by `@hero/mycelium-bus` (and by a real
 * Mycelium daemon's JSON-RPC API). No server code lives here.
 */
import { HeroError, RpcClient, type CallOptions, type RpcClientOptions } from '@hero/core';
import { WsRpcClient } from './ws-client.js';

// ---------------------------------------------------------------------------------------------
// Wire types (exactly as on the wire: base64 payloads and topics, camelCase fields)
// ---------------------------------------------------------------------------------------------

/** Where a message goes: an overlay IP in the receiver's subnet, or its hex public key. */
export type MessageDestination = { ip: string } | { pk: string };

/** Body of `pushMessage` / `pushMessageReply`: topic and payload are padded standard base64. */
export interface PushMessageBody {
  dst: MessageDestination;
  topic?: string;
  payload: string;
}

/** A received message as returned by `popMessage` (and by `pushMessage` when a reply came). */
export interface InboundMessage {
  /** 16 lowercase hex characters. */
  id: string;
  srcIp: string;
  srcPk: string;
  dstIp: string;
  dstPk: string;
  /** base64, absent when the message has no topic. */
  topic?: string;
  /** base64. */
  payload: string;
}

/** Returned by `pushMessage` when no reply is awaited or none came in time. */
export interface PushMessageResponseId {
  id: string;
}

/** `pushMessage` result: the reply when one came within `reply_timeout`, else the id. */
export type PushMessageResponse = InboundMessage | PushMessageResponseId;

/** Transmission state of an outbound message. */
export type TransmissionState =
  | 'pending'
  | 'received'
  | 'read'
  | 'aborted'
  | { sending: { pending: number; sent: number; acked: number } };

/** `getMessageInfo` result. */
export interface MessageStatusResponse {
  /** IP of the receiving node. */
  dst: string;
  state: TransmissionState;
  /** Unix seconds. */
  created: number;
  /** Unix seconds after which an unread message is given up. */
  deadline: number;
  msgLen: number;
}

/** `getInfo` result. */
export interface NodeInfo {
  nodeSubnet: string;
  nodeIp?: string;
  nodePubkey: string;
  nodeStartTime?: number;
}

/** `getPublicKeyFromIp` result. */
export interface PublicKeyResponse {
  NodePubKey: string;
}

// ---------------------------------------------------------------------------------------------
// Decoded convenience types
// ---------------------------------------------------------------------------------------------

/** Bytes given to the client: a string is sent as its UTF-8 bytes. */
export type Bytes = string | Uint8Array;

/** An {@link InboundMessage} with topic and payload decoded. */
export interface Message {
  id: string;
  srcIp: string;
  srcPk: string;
  dstIp: string;
  dstPk: string;
  /** The topic as UTF-8 text (Mycelium topics are UTF-8), undefined without a topic. */
  topic: string | undefined;
  /** The topic bytes, undefined without a topic. */
  topicBytes: Buffer | undefined;
  payload: Buffer;
}

/** A destination: `{ip}`, `{pk}`, or a string that is a 64-hex public key or an IPv6 address. */
export type Destination = MessageDestination | string;

/** A message to push, with raw bytes or text instead of base64. */
export interface OutgoingMessage {
  dst: Destination;
  topic?: Bytes;
  payload: Bytes;
}

export interface PopOptions {
  /** Leave the message in the queue (default false). */
  peek?: boolean;
  /** Seconds to wait for a message (default 0: return at once). */
  timeout?: number;
  /** Only messages whose topic starts with these bytes. */
  topic?: Bytes;
  signal?: AbortSignal;
}

export interface MyceliumClientOptions extends RpcClientOptions {
  /**
   * `ws`: JSON-RPC over one WebSocket with calls multiplexed on it — the fast path for serving
   * loops (pop → handle → reply) and busy senders; the default for a socket path.
   * `http`: one HTTP request per call, works with any Mycelium JSON-RPC server; the default
   * for an http(s) URL (which may be a real Mycelium daemon).
   */
  transport?: 'http' | 'ws';
  /**
   * WebSocket transport only: calls made in the same tick that cannot wait on the server (all
   * but long polls and pushes with a reply timeout) go out as one JSON-RPC batch frame, and
   * come back as one array — like ioredis' auto-pipelining. Off by default.
   */
  autoBatch?: boolean;
}

interface Caller {
  call<T>(method: string, params?: unknown, opts?: CallOptions): Promise<T>;
  close(): Promise<void>;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Encodes bytes (or UTF-8 text) as padded standard base64. */
export function toBase64(b: Bytes): string {
  return (typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString(
    'base64',
  );
}

/** Normalises a {@link Destination} to the wire form. */
export function toDestination(dst: Destination): MessageDestination {
  if (typeof dst !== 'string') return dst;
  return HEX64.test(dst) ? { pk: dst.toLowerCase() } : { ip: dst };
}

/** Decodes an {@link InboundMessage}. */
export function decodeMessage(m: InboundMessage): Message {
  const topicBytes = m.topic === undefined || m.topic === null ? undefined : Buffer.from(m.topic, 'base64');
  return {
    id: m.id,
    srcIp: m.srcIp,
    srcPk: m.srcPk,
    dstIp: m.dstIp,
    dstPk: m.dstPk,
    topic: topicBytes?.toString('utf8'),
    topicBytes,
    payload: Buffer.from(m.payload, 'base64'),
  };
}

/** True when a `pushMessage` result is a reply rather than just the message id. */
export function isReply(r: PushMessageResponse): r is InboundMessage {
  return 'payload' in r;
}

function toBody(msg: OutgoingMessage): PushMessageBody {
  const body: PushMessageBody = { dst: toDestination(msg.dst), payload: toBase64(msg.payload) };
  if (msg.topic !== undefined) body.topic = toBase64(msg.topic);
  return body;
}

/** Extra ms given to the HTTP call beyond a server-side wait, so the server answers first. */
const WAIT_SLACK_MS = 10_000;

const NO_OPTS: CallOptions = Object.freeze({});
const waitOptsByWait = new Map<number, CallOptions>();
/** Call options for a server-side wait of `waitSecs`, made once per value in use. */
function waitOptsFor(waitSecs: number): CallOptions {
  let o = waitOptsByWait.get(waitSecs);
  if (!o) {
    o = Object.freeze({ timeoutMs: waitSecs * 1000 + WAIT_SLACK_MS });
    if (waitOptsByWait.size < 64) waitOptsByWait.set(waitSecs, o);
  }
  return o;
}

/**
 * Client for the Mycelium message API over a Unix socket path (`…/mycelium/rpc.sock`) or an
 * http(s) base URL. Payloads and topics are base64-encoded for you; `*Raw` methods take and
 * return the wire shapes.
 */
export class MyceliumClient {
  /** The underlying JSON-RPC caller (HTTP `RpcClient` or the WebSocket client). */
  readonly rpc: Caller;
  readonly target: string;

  constructor(target: string, options: MyceliumClientOptions = {}) {
    this.target = target;
    const { transport, autoBatch, ...rest } = options;
    const ws = transport ? transport === 'ws' : !/^https?:\/\//.test(target);
    this.rpc = ws
      ? new WsRpcClient(target, { ...(rest.timeoutMs === undefined ? {} : { timeoutMs: rest.timeoutMs }), autoBatch: autoBatch ?? false })
      : new RpcClient(target, rest);
  }

  // ----- messages -----

  /** Pushes a message; returns its id. */
  async send(msg: OutgoingMessage): Promise<string> {
    const r = await this.pushMessageRaw(toBody(msg));
    return r.id;
  }

  /**
   * Pushes a message and waits up to `timeoutSecs` for its reply. Resolves with the decoded
   * reply, or rejects with HERO_TIMEOUT (`data.id` holds the message id) when none came.
   */
  async request(msg: OutgoingMessage, timeoutSecs: number, opts: { signal?: AbortSignal } = {}): Promise<Message> {
    const r = await this.pushMessageRaw(toBody(msg), timeoutSecs, opts);
    if (isReply(r)) return decodeMessage(r);
    throw new HeroError('HERO_TIMEOUT', `no reply to message ${r.id} within ${timeoutSecs}s`, { data: { id: r.id } });
  }

  /** `pushMessage` with decoding: the decoded reply when one came, else `{id}`. */
  async pushMessage(msg: OutgoingMessage, replyTimeout?: number): Promise<Message | PushMessageResponseId> {
    const r = await this.pushMessageRaw(toBody(msg), replyTimeout);
    return isReply(r) ? decodeMessage(r) : r;
  }

  /** `pushMessage [message, reply_timeout?]` with the wire body. */
  pushMessageRaw(
    body: PushMessageBody,
    replyTimeout?: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<PushMessageResponse> {
    const params = replyTimeout === undefined ? [body] : [body, replyTimeout];
    return this.rpc.call<PushMessageResponse>('pushMessage', params, this.waitOpts(replyTimeout, opts.signal));
  }

  /** Pops (or peeks) the next message, waiting up to `timeout` seconds; null when none came. */
  async popMessage(opts: PopOptions = {}): Promise<Message | null> {
    const topic = opts.topic === undefined ? undefined : toBase64(opts.topic);
    const m = await this.popMessageRaw(opts.peek, opts.timeout, topic, { signal: opts.signal });
    return m ? decodeMessage(m) : null;
  }

  /** `popMessage [peek?, timeout?, topic?]` with the wire shapes (topic in base64). */
  popMessageRaw(
    peek?: boolean,
    timeout?: number,
    topic?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<InboundMessage | null> {
    // positional, like Mycelium's own clients: [peek, timeout, topic], trailing ones omitted
    const params: unknown[] = [peek ?? false, timeout ?? 0];
    if (topic !== undefined) params.push(topic);
    else if (timeout === undefined) params.length = peek === undefined ? 0 : 1;
    return this.rpc.call<InboundMessage | null>('popMessage', params, this.waitOpts(timeout, opts.signal));
  }

  /** Replies to message `id`; a sender waiting on it gets the reply directly. */
  pushMessageReply(id: string, msg: OutgoingMessage): Promise<boolean> {
    return this.pushMessageReplyRaw(id, toBody(msg));
  }

  /** Replies to a received message: sent back to its source key. */
  reply(to: Pick<Message, 'id' | 'srcPk'>, payload: Bytes, topic?: Bytes): Promise<boolean> {
    return this.pushMessageReply(to.id, { dst: { pk: to.srcPk }, payload, ...(topic === undefined ? {} : { topic }) });
  }

  /** `pushMessageReply [id, message]` with the wire body. */
  pushMessageReplyRaw(id: string, body: PushMessageBody): Promise<boolean> {
    return this.rpc.call<boolean>('pushMessageReply', [id, body]);
  }

  /** State of an outbound message. */
  getMessageInfo(id: string): Promise<MessageStatusResponse> {
    return this.rpc.call<MessageStatusResponse>('getMessageInfo', [id]);
  }

  // ----- node -----

  /** The node's subnet, IP and public key. */
  getInfo(): Promise<NodeInfo> {
    return this.rpc.call<NodeInfo>('getInfo');
  }

  /** The public key of the node owning `ip`. */
  getPublicKeyFromIp(ip: string): Promise<PublicKeyResponse> {
    return this.rpc.call<PublicKeyResponse>('getPublicKeyFromIp', [ip]);
  }

  // ----- topics (topic arguments are bytes or text; base64 done here) -----

  getDefaultTopicAction(): Promise<boolean> {
    return this.rpc.call<boolean>('getDefaultTopicAction');
  }

  setDefaultTopicAction(accept: boolean): Promise<boolean> {
    return this.rpc.call<boolean>('setDefaultTopicAction', [accept]);
  }

  /** Configured topics as UTF-8 text. */
  async getTopics(): Promise<string[]> {
    return (await this.getTopicsRaw()).map((t) => Buffer.from(t, 'base64').toString('utf8'));
  }

  /** Configured topics in base64. */
  getTopicsRaw(): Promise<string[]> {
    return this.rpc.call<string[]>('getTopics');
  }

  addTopic(topic: Bytes): Promise<boolean> {
    return this.rpc.call<boolean>('addTopic', [toBase64(topic)]);
  }

  removeTopic(topic: Bytes): Promise<boolean> {
    return this.rpc.call<boolean>('removeTopic', [toBase64(topic)]);
  }

  getTopicSources(topic: Bytes): Promise<string[]> {
    return this.rpc.call<string[]>('getTopicSources', [toBase64(topic)]);
  }

  addTopicSource(topic: Bytes, subnet: string): Promise<boolean> {
    return this.rpc.call<boolean>('addTopicSource', [toBase64(topic), subnet]);
  }

  removeTopicSource(topic: Bytes, subnet: string): Promise<boolean> {
    return this.rpc.call<boolean>('removeTopicSource', [toBase64(topic), subnet]);
  }

  getTopicForwardSocket(topic: Bytes): Promise<string | null> {
    return this.rpc.call<string | null>('getTopicForwardSocket', [toBase64(topic)]);
  }

  setTopicForwardSocket(topic: Bytes, socketPath: string): Promise<boolean> {
    return this.rpc.call<boolean>('setTopicForwardSocket', [toBase64(topic), socketPath]);
  }

  removeTopicForwardSocket(topic: Bytes): Promise<boolean> {
    return this.rpc.call<boolean>('removeTopicForwardSocket', [toBase64(topic)]);
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.rpc.close();
  }

  private waitOpts(waitSecs: number | undefined, signal: AbortSignal | undefined): CallOptions {
    const waits = waitSecs !== undefined && Number.isFinite(waitSecs) && waitSecs > 0;
    // the common calls (no signal) share their options objects: none is made per call
    if (!signal) return waits ? waitOptsFor(waitSecs) : NO_OPTS;
    const opts: { timeoutMs?: number; signal?: AbortSignal } = { signal };
    if (waits) opts.timeoutMs = waitSecs * 1000 + WAIT_SLACK_MS;
    return opts;
  }
}
