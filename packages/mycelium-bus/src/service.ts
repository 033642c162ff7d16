/**
 * The message service: everything behind the JSON-RPC methods and the REST routes. Local
 * destinations are delivered into the bus; others go to the upstream daemon when one is set.
 */
import { HeroError, NotFoundError, type RunContext } from '@hero/core';
import type { InboundMessage, MessageStatusResponse, NodeInfo, PublicKeyResponse, PushMessageBody } from './client.js';
import { base64Length, isBase64 } from './base64.js';
import { Bus, toInbound, toStatus, type Envelope } from './bus.js';
import { forwardToSocket, refusedForwardSocket } from './forward.js';
import { addressOfPublicKey, type Identity } from './identity.js';
import { formatIpv6, formatSubnet, parseIpv6, parseSubnet, subnetContains, type Subnet } from './ipv6.js';
import { isMessageId } from './message-id.js';
import type { TopicRules } from './topics.js';
import type { Upstream } from './upstream.js';

/** Sender keys remembered for `getPublicKeyFromIp` (most recent kept). */
const KNOWN_KEYS = 10_000;

/** Mycelium topics are at most 255 bytes. */
export const MAX_TOPIC_BYTES = 255;

/** JSON-RPC codes the Mycelium daemon uses where its spec names none. */
export const CODES = {
  invalidIp: -32007,
  popInvalidTopic: -32013,
  pushFailed: -32015,
  replyInvalidId: -32018,
  infoInvalidId: -32020,
  invalidTopic: -32021,
  invalidSubnet: -32023,
  topicNotFound: -32030,
  /** The spec's codes for "not found". */
  notFound: 404,
} as const;

type Logger = NonNullable<RunContext['logger']>;

export interface ServiceOptions {
  identity: Identity;
  bus: Bus;
  rules: TopicRules;
  upstream: Upstream | undefined;
  maxMessageBytes: number;
  forwardTimeoutMs: number;
  startTime: number;
  logger: Logger | undefined;
  /** The Hero socket dir: forward sockets set over RPC must lie outside it. */
  socketDir: string;
}

/** What `pushMessage` did: the id, and the reply when one was awaited and came. */
export interface PushResult {
  id: string;
  reply?: InboundMessage;
  timedOut: boolean;
}

interface Target {
  local: boolean;
  ip: string;
  ipBytes: Uint8Array;
}

function invalid(message: string, rpcCode: number): HeroError {
  return new HeroError('HERO_INVALID', message, { rpcCode });
}

/** Topic bytes (latin1 key) of a base64 topic, checked for encoding and length. */
export function topicKey(b64: string, rpcCode: number): string {
  if (!isBase64(b64)) throw invalid('topic must be padded standard base64', rpcCode);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_TOPIC_BYTES) throw invalid(`topic exceeds ${MAX_TOPIC_BYTES} bytes (${bytes.length})`, rpcCode);
  return bytes.toString('latin1');
}

/** Distinct topics whose keys are remembered; a hot loop pushes and pops the same few. */
const TOPIC_CACHE = 256;

function keyToBase64(key: string): string {
  return Buffer.from(key, 'latin1').toString('base64');
}

export class MessageService {
  private readonly o: ServiceOptions;
  private readonly ownSubnet: Subnet;
  /** Keys of senders seen, by overlay IP, for `getPublicKeyFromIp`. */
  private readonly knownKeys = new Map<string, string>();
  /** Valid base64 topics already decoded to their keys. */
  private readonly topicKeys = new Map<string, string>();

  constructor(options: ServiceOptions) {
    this.o = options;
    const net = new Uint8Array(16);
    net.set(options.identity.ipBytes.subarray(0, 8));
    this.ownSubnet = { bytes: net, prefix: 64 };
  }

  get bus(): Bus {
    return this.o.bus;
  }

  /** Where a destination leads: this node, or elsewhere. */
  private target(dst: PushMessageBody['dst']): Target {
    const id = this.o.identity;
    if ('pk' in dst) {
      const pk = dst.pk.toLowerCase();
      if (pk === id.pkHex) return { local: true, ip: id.ip, ipBytes: id.ipBytes };
      const ipBytes = addressOfPublicKey(Buffer.from(pk, 'hex'));
      return { local: false, ip: formatIpv6(ipBytes), ipBytes };
    }
    const ipBytes = parseIpv6(dst.ip);
    if (!ipBytes) throw invalid(`destination ${JSON.stringify(dst.ip)} is not an IPv6 address`, -32602);
    return { local: subnetContains(this.ownSubnet, ipBytes), ip: formatIpv6(ipBytes), ipBytes };
  }

  /** {@link topicKey} with the few topics in use remembered (only valid ones are kept). */
  private keyOf(b64: string, rpcCode: number): string {
    const hit = this.topicKeys.get(b64);
    if (hit !== undefined) return hit;
    const key = topicKey(b64, rpcCode);
    if (this.topicKeys.size >= TOPIC_CACHE) this.topicKeys.clear();
    this.topicKeys.set(b64, key);
    return key;
  }

  private noRoute(ip: string): HeroError {
    return new HeroError('HERO_NO_ROUTE', `no route to ${ip}: not this node and no upstream Mycelium configured`, {
      rpcCode: CODES.pushFailed,
    });
  }

  /** Checks size limits of a push body; returns the topic key. */
  private checkBody(body: PushMessageBody): string {
    const topic = body.topic ?? undefined;
    const key = topic === undefined ? '' : this.keyOf(topic, CODES.pushFailed);
    const len = base64Length(body.payload);
    if (len > this.o.maxMessageBytes) {
      throw new HeroError('HERO_TOO_LARGE', `payload of ${len} bytes exceeds the limit of ${this.o.maxMessageBytes} bytes`, {
        rpcCode: CODES.pushFailed,
      });
    }
    return key;
  }

  /**
   * `pushMessage`: delivers or forwards the message; with `replyTimeout` waits for the reply.
   * `timedOut` is true when a reply was awaited and none came (REST answers 408). A local push
   * that waits for nothing completes synchronously (bad input throws).
   */
  pushMessage(body: PushMessageBody, replyTimeout: number | undefined, signal?: AbortSignal): PushResult | Promise<PushResult> {
    const key = this.checkBody(body);
    const t = this.target(body.dst);
    if (!t.local) return this.pushUpstream(body, t, replyTimeout, signal);
    const created = Math.floor(Date.now() / 1000);
    const msgLen = base64Length(body.payload);
    const { id, ref } = this.o.bus.records.add(t.ip, created, msgLen);
    const me = this.o.identity;
    const env: Omit<Envelope, 'seq' | 'expiresAt'> = {
      id,
      srcIp: me.ip,
      srcPk: me.pkHex,
      dstIp: t.ip,
      dstPk: me.pkHex,
      topicKey: key,
      topic: key === '' ? undefined : body.topic!,
      payload: body.payload,
      size: msgLen + key.length,
      record: ref,
    };
    const waiting = replyTimeout !== undefined && replyTimeout > 0 ? this.o.bus.waitReply(id, replyTimeout * 1000, signal) : undefined;
    try {
      this.accept(env, me.ipBytes);
    } catch (err) {
      if (waiting) this.o.bus.cancelReply(id);
      this.o.bus.records.drop(ref);
      throw err;
    }
    if (!waiting) return replyTimeout === undefined ? { id, timedOut: false } : { id, timedOut: true };
    return waiting.then((reply) => (reply ? { id, reply, timedOut: false } : { id, timedOut: true }));
  }

  private async pushUpstream(body: PushMessageBody, t: Target, replyTimeout: number | undefined, signal?: AbortSignal): Promise<PushResult> {
    const up = this.o.upstream;
    if (!up) throw this.noRoute(t.ip);
    const clean: PushMessageBody = { dst: body.dst, payload: body.payload };
    if (body.topic) clean.topic = body.topic;
    const r = await up.push(clean, replyTimeout, signal);
    const now = Math.floor(Date.now() / 1000);
    this.o.bus.addUpstreamRecord(r.id, {
      dst: t.ip,
      state: 'pending',
      created: now,
      deadline: now + Math.ceil(this.o.bus.limits.messageTtlMs / 1000),
      msgLen: base64Length(body.payload),
    });
    return r;
  }

  /** Topic rules and forward sockets, then the inbox. Replies skip the rules. */
  private accept(env: Omit<Envelope, 'seq' | 'expiresAt'>, src: Uint8Array, isReply = false): void {
    if (!isReply) {
      if (!this.o.rules.accepts(env.topicKey, src)) {
        // like Mycelium: a message refused by the topic rules is dropped, not bounced
        this.o.bus.mark(env, 'aborted');
        this.o.logger?.debug({ id: env.id }, 'message dropped by topic rules');
        return;
      }
      const socket = this.o.rules.forwardSocketOf(env.topicKey);
      if (socket) {
        void this.forward(env, socket);
        return;
      }
    }
    this.o.bus.deliver(env);
  }

  private async forward(env: Omit<Envelope, 'seq' | 'expiresAt'>, socket: string): Promise<void> {
    let answer: Buffer;
    try {
      const refused = refusedForwardSocket(socket, this.o.socketDir);
      if (refused) throw new HeroError('HERO_INVALID', refused);
      answer = await forwardToSocket(socket, Buffer.from(env.payload, 'base64'), this.o.forwardTimeoutMs, this.o.maxMessageBytes);
    } catch (err) {
      this.o.logger?.warn({ err, id: env.id, socket }, 'forward socket failed; message kept in the inbox');
      try {
        this.o.bus.deliver(env);
      } catch (derr) {
        this.o.bus.mark(env, 'aborted');
        this.o.logger?.warn({ err: derr, id: env.id }, 'message dropped');
      }
      return;
    }
    this.o.bus.mark(env, 'read');
    if (answer.length === 0) return;
    const me = this.o.identity;
    const reply: PushMessageBody = { dst: { pk: env.srcPk }, payload: answer.toString('base64') };
    if (env.topic !== undefined) reply.topic = env.topic;
    try {
      await this.pushMessageReply(env.id, reply);
    } catch (err) {
      this.o.logger?.warn({ err, id: env.id, src: me.ip }, 'forward socket answer not delivered');
    }
  }

  /** `popMessage`: the oldest message whose topic starts with `topic` (base64), waiting up to `timeout` s. */
  async popMessage(peek: boolean, timeout: number, topic: string | undefined, signal?: AbortSignal): Promise<InboundMessage | null> {
    const env = await this.o.bus.pop(this.popPrefix(topic), peek, timeout * 1000, signal);
    return env ? toInbound(env) : null;
  }

  /** Topic key of a `popMessage` filter (base64); throws the daemon's -32013 when invalid. */
  popPrefix(topic: string | undefined): string | undefined {
    return topic === undefined ? undefined : this.keyOf(topic, CODES.popInvalidTopic);
  }

  /**
   * `pushMessageReply`: straight to a waiting sender, else delivered like a message. Completes
   * synchronously unless the reply goes to the upstream daemon.
   */
  pushMessageReply(id: string, body: PushMessageBody): boolean | Promise<boolean> {
    if (!isMessageId(id)) throw invalid(`message id must be 16 hex characters (got ${JSON.stringify(id)})`, CODES.replyInvalidId);
    const mid = id.toLowerCase();
    const key = this.checkBody(body);
    const t = this.target(body.dst);
    const me = this.o.identity;
    const reply: InboundMessage =
      key === ''
        ? { id: mid, srcIp: me.ip, srcPk: me.pkHex, dstIp: t.ip, dstPk: 'pk' in body.dst ? body.dst.pk.toLowerCase() : me.pkHex, payload: body.payload }
        : {
            id: mid,
            srcIp: me.ip,
            srcPk: me.pkHex,
            dstIp: t.ip,
            dstPk: 'pk' in body.dst ? body.dst.pk.toLowerCase() : me.pkHex,
            topic: body.topic!,
            payload: body.payload,
          };
    if (this.o.bus.resolveReply(mid, reply)) return true;
    if (!t.local) {
      const up = this.o.upstream;
      if (!up) throw this.noRoute(t.ip);
      const clean: PushMessageBody = { dst: body.dst, payload: body.payload };
      if (body.topic) clean.topic = body.topic;
      return up.reply(mid, clean).then(() => true);
    }
    // nobody waits: the reply lands in the inbox like any message (as Mycelium does)
    this.accept(
      {
        id: mid,
        srcIp: me.ip,
        srcPk: me.pkHex,
        dstIp: t.ip,
        dstPk: me.pkHex,
        topicKey: key,
        topic: reply.topic,
        payload: body.payload,
        size: base64Length(body.payload) + key.length,
        record: undefined,
      },
      me.ipBytes,
      true,
    );
    return true;
  }

  /** Accepts a message pulled from the upstream daemon into the local inbox. */
  acceptIncoming(m: InboundMessage): void {
    const src = parseIpv6(m.srcIp);
    if (!isMessageId(m.id) || !src || typeof m.payload !== 'string' || !isBase64(m.payload)) {
      this.o.logger?.warn({ id: m.id }, 'malformed message from upstream dropped');
      return;
    }
    let key = '';
    if (m.topic !== undefined && m.topic !== null) key = Buffer.from(m.topic, 'base64').toString('latin1');
    if (typeof m.srcPk === 'string' && /^[0-9a-f]{64}$/.test(m.srcPk)) {
      this.knownKeys.delete(formatIpv6(src));
      this.knownKeys.set(formatIpv6(src), m.srcPk);
      if (this.knownKeys.size > KNOWN_KEYS) this.knownKeys.delete(this.knownKeys.keys().next().value!);
    }
    this.accept(
      {
        id: m.id,
        srcIp: m.srcIp,
        srcPk: m.srcPk,
        dstIp: m.dstIp,
        dstPk: m.dstPk,
        topicKey: key,
        topic: key === '' ? undefined : m.topic,
        payload: m.payload,
        size: base64Length(m.payload) + key.length,
        record: undefined,
      },
      src,
    );
  }

  async getMessageInfo(id: string): Promise<MessageStatusResponse> {
    if (!isMessageId(id)) throw invalid(`message id must be 16 hex characters (got ${JSON.stringify(id)})`, CODES.infoInvalidId);
    const mid = id.toLowerCase();
    const local = this.o.bus.records.get(mid);
    if (local) return local;
    const r = this.o.bus.upstreamRecords.get(mid);
    if (r && this.o.upstream) {
      const remote = await this.o.upstream.status(mid);
      if (remote) return remote;
    }
    if (!r) throw new NotFoundError('Message not found', { rpcCode: CODES.notFound });
    return toStatus(r);
  }

  getInfo(): NodeInfo & { nodeIp: string; nodeStartTime: number } {
    const id = this.o.identity;
    return { nodeSubnet: id.subnet, nodeIp: id.ip, nodePubkey: id.pkHex, nodeStartTime: this.o.startTime };
  }

  async getPublicKeyFromIp(ip: string): Promise<PublicKeyResponse> {
    const bytes = parseIpv6(ip);
    if (!bytes) throw invalid(`${JSON.stringify(ip)} is not an IPv6 address`, CODES.invalidIp);
    if (subnetContains(this.ownSubnet, bytes)) return { NodePubKey: this.o.identity.pkHex };
    const known = this.knownKeys.get(formatIpv6(bytes));
    if (known) return { NodePubKey: known };
    const remote = await this.o.upstream?.publicKey(formatIpv6(bytes));
    if (remote) return remote;
    throw new NotFoundError('Public key not found', { rpcCode: CODES.notFound });
  }

  // ----- topics -----

  getDefaultTopicAction(): boolean {
    return this.o.rules.defaultAccept;
  }

  setDefaultTopicAction(accept: boolean): boolean {
    this.o.rules.defaultAccept = accept;
    return true;
  }

  getTopics(): string[] {
    return this.o.rules.topics().map(keyToBase64);
  }

  addTopic(topic: string): boolean {
    this.o.rules.add(topicKey(topic, CODES.invalidTopic));
    return true;
  }

  removeTopic(topic: string): boolean {
    this.o.rules.remove(topicKey(topic, CODES.invalidTopic));
    return true;
  }

  getTopicSources(topic: string): string[] {
    const e = this.o.rules.get(topicKey(topic, CODES.invalidTopic));
    if (!e) throw new NotFoundError('Topic not configured', { rpcCode: CODES.topicNotFound });
    return e.sources.map(formatSubnet);
  }

  private subnet(text: string): Subnet {
    const s = parseSubnet(text);
    if (!s) throw invalid(`${JSON.stringify(text)} is not an IPv6 subnet (addr/len)`, CODES.invalidSubnet);
    return s;
  }

  addTopicSource(topic: string, subnet: string): boolean {
    const key = topicKey(topic, CODES.invalidTopic);
    this.o.rules.addSource(key, this.subnet(subnet));
    return true;
  }

  removeTopicSource(topic: string, subnet: string): boolean {
    const key = topicKey(topic, CODES.invalidTopic);
    this.o.rules.removeSource(key, this.subnet(subnet));
    return true;
  }

  getTopicForwardSocket(topic: string): string | null {
    return this.o.rules.forwardSocketOf(topicKey(topic, CODES.invalidTopic)) ?? null;
  }

  setTopicForwardSocket(topic: string, socketPath: string): boolean {
    const key = topicKey(topic, CODES.invalidTopic);
    if (typeof socketPath !== 'string' || socketPath === '') throw invalid('socket_path must be a non-empty path', -32602);
    const refused = refusedForwardSocket(socketPath, this.o.socketDir);
    if (refused) throw invalid(refused, -32602);
    // a forward socket needs a listed topic; list it (with no sources it would block senders,
    // so an unlisted topic keeps following the default action through the rules below)
    if (!this.o.rules.get(key)) {
      this.o.rules.add(key);
      if (this.o.rules.defaultAccept) this.o.rules.addSource(key, { bytes: new Uint8Array(16), prefix: 0 });
    }
    this.o.rules.setForwardSocket(key, socketPath);
    return true;
  }

  removeTopicForwardSocket(topic: string): boolean {
    this.o.rules.setForwardSocket(topicKey(topic, CODES.invalidTopic), undefined);
    return true;
  }
}
