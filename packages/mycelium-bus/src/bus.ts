/**
 * The in-memory message bus: per-topic bounded inbox queues, long-poll poppers, reply waiters
 * and the sender-side records behind `getMessageInfo`. Pure state with timers; no sockets.
 */
import { HeroError } from '@hero/core';
import type { InboundMessage, MessageStatusResponse } from './client.js';
import { Fifo } from './fifo.js';
import { RecordRing, type RecordRef } from './records.js';

export type OutState = 'pending' | 'received' | 'read' | 'aborted';

/** Sender-side record of a message pushed to the upstream daemon (local ones are in {@link RecordRing}). */
export interface OutRecord {
  dst: string;
  state: OutState;
  /** Unix seconds. */
  created: number;
  /** Unix seconds. */
  deadline: number;
  msgLen: number;
}

/** A message held by the bus; topic and payload stay base64 as they came in. */
export interface Envelope {
  id: string;
  srcIp: string;
  srcPk: string;
  dstIp: string;
  dstPk: string;
  /** Topic bytes as a latin1 string ('' without a topic). */
  topicKey: string;
  /** base64 topic, undefined without a topic. */
  topic: string | undefined;
  /** base64 payload. */
  payload: string;
  /** Payload plus topic bytes: what the queue limits count. */
  size: number;
  /** The record to update when the message is read or expires (messages pushed here). */
  record: RecordRef | undefined;
  seq: number;
  expiresAt: number;
  /** Wire JSON of the message, made once when first popped or peeked. */
  json?: string;
}

export interface BusLimits {
  /** Messages held per topic. */
  maxQueueMessages: number;
  /** Bytes held per topic. */
  maxQueueBytes: number;
  /** Bytes held over all topics. */
  maxTotalBytes: number;
  /** How long an unread message is kept (ms). */
  messageTtlMs: number;
  /** Sender-side records kept for `getMessageInfo` (oldest dropped first). */
  maxRecords: number;
}

interface Waiter {
  prefix: string | undefined;
  peek: boolean;
  resolve: (env: Envelope | null) => void;
  /** Served or cancelled; a cancelled one stays in the list until the next compaction. */
  gone: boolean;
}

interface TopicQueue {
  fifo: Fifo<Envelope>;
  bytes: number;
}

/** Wire form of an envelope. */
export function toInbound(env: Envelope): InboundMessage {
  const m: InboundMessage = {
    id: env.id,
    srcIp: env.srcIp,
    srcPk: env.srcPk,
    dstIp: env.dstIp,
    dstPk: env.dstPk,
    payload: env.payload,
  };
  if (env.topic !== undefined) {
    return { id: m.id, srcIp: m.srcIp, srcPk: m.srcPk, dstIp: m.dstIp, dstPk: m.dstPk, topic: env.topic, payload: m.payload };
  }
  return m;
}

/** JSON text of the few address strings in use (node IPs and keys), kept once made. */
const quoted = new Map<string, string>();

function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size >= 1024) quoted.clear();
    quoted.set(s, q);
  }
  return q;
}

/**
 * Wire JSON of an envelope (the same text as `JSON.stringify(toInbound(env))`), made once
 * however often the message is peeked.
 */
export function inboundJson(env: Envelope): string {
  if (env.json !== undefined) return env.json;
  const { srcIp, srcPk, dstIp, dstPk, topic } = env;
  // fields of a message pulled from an upstream daemon may be missing: the generic way then
  if (typeof srcIp !== 'string' || typeof srcPk !== 'string' || typeof dstIp !== 'string' || typeof dstPk !== 'string') {
    return (env.json = JSON.stringify(toInbound(env)));
  }
  // id (hex) and payload (base64) were checked on the way in and need no escaping
  return (env.json =
    `{"id":"${env.id}","srcIp":${quote(srcIp)},"srcPk":${quote(srcPk)},"dstIp":${quote(dstIp)},"dstPk":${quote(dstPk)}` +
    `${topic === undefined ? '' : `,"topic":${quote(topic)}`},"payload":"${env.payload}"}`);
}

/** Wire form of a record. */
export function toStatus(r: OutRecord): MessageStatusResponse {
  return { dst: r.dst, state: r.state, created: r.created, deadline: r.deadline, msgLen: r.msgLen };
}

export class Bus {
  readonly limits: BusLimits;
  private readonly queues = new Map<string, TopicQueue>();
  private totalBytes = 0;
  private totalMessages = 0;
  private waiters: Waiter[] = [];
  /** Cancelled waiters still in `waiters` (removed in bulk: a cancel costs O(1)). */
  private cancelled = 0;
  private readonly replyWaiters = new Map<string, (m: InboundMessage | undefined) => void>();
  /** Records of the messages pushed here. */
  readonly records: RecordRing;
  /** Records of the messages pushed to the upstream daemon (under the ids it gave them). */
  readonly upstreamRecords = new Map<string, OutRecord>();
  /** Upstream record ids oldest first: a Map's own order gets slow to walk from the front after many deletes. */
  private readonly recordOrder = new Fifo<string>();
  private seq = 0;
  private closed = false;

  constructor(limits: BusLimits) {
    this.limits = limits;
    this.records = new RecordRing(limits.maxRecords, Math.ceil(limits.messageTtlMs / 1000));
  }

  /** Counters for `getInfo`-style reporting and tests. */
  stats(): { messages: number; bytes: number; topics: number; waiters: number; replyWaiters: number } {
    return {
      messages: this.totalMessages,
      bytes: this.totalBytes,
      topics: this.queues.size,
      waiters: this.waiters.length - this.cancelled,
      replyWaiters: this.replyWaiters.size,
    };
  }

  /** Remembers the record of a message pushed upstream, dropping the oldest beyond the cap. */
  addUpstreamRecord(id: string, r: OutRecord): void {
    const size = this.upstreamRecords.size;
    this.upstreamRecords.set(id, r);
    if (this.upstreamRecords.size !== size) this.recordOrder.push(id);
    while (this.upstreamRecords.size > this.limits.maxRecords) this.upstreamRecords.delete(this.recordOrder.shift()!);
  }

  /** Sets the state of a message's record, when it has one. */
  mark(env: Pick<Envelope, 'record'>, state: OutState): void {
    if (env.record) this.records.mark(env.record, state);
  }

  /**
   * Delivers a message to the inbox: straight to the first waiting popper whose topic filter
   * matches (peekers see it too), else into its topic queue. Throws HERO_QUEUE_FULL when the
   * queue is at its limit: the message is refused, nothing already queued is dropped.
   */
  deliver(init: Omit<Envelope, 'seq' | 'expiresAt'>, now = Date.now()): void {
    if (this.closed) throw new HeroError('HERO_UNAVAILABLE', 'message bus is shutting down', { rpcCode: -32015 });
    const env = init as Envelope;
    env.seq = ++this.seq;
    env.expiresAt = now + this.limits.messageTtlMs;
    let consumer = -1;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (!w.gone && !w.peek && (w.prefix === undefined || env.topicKey.startsWith(w.prefix))) {
        consumer = i;
        break;
      }
    }
    if (consumer === -1) this.checkRoom(env);
    else if (!this.hasPeekerBefore(consumer, env.topicKey)) {
      // the common hand-off: one popper takes it, nobody else is to see it
      const w = this.waiters[consumer]!;
      this.waiters.splice(consumer, 1);
      w.gone = true;
      this.mark(env, 'read');
      w.resolve(env);
      return;
    }
    const end = consumer === -1 ? this.waiters.length : consumer + 1;
    const served: Waiter[] = [];
    const kept: Waiter[] = [];
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.gone) continue;
      if (i < end && (w.prefix === undefined || env.topicKey.startsWith(w.prefix))) {
        w.gone = true;
        served.push(w);
      } else kept.push(w);
    }
    this.waiters = kept;
    this.cancelled = 0;
    if (consumer === -1) {
      this.enqueue(env);
      this.mark(env, 'received');
    } else {
      this.mark(env, 'read');
    }
    for (const w of served) w.resolve(env);
  }

  private hasPeekerBefore(end: number, topicKey: string): boolean {
    for (let i = 0; i < end; i++) {
      const w = this.waiters[i]!;
      if (!w.gone && w.peek && (w.prefix === undefined || topicKey.startsWith(w.prefix))) return true;
    }
    return false;
  }

  private checkRoom(env: Envelope): void {
    const q = this.queues.get(env.topicKey);
    const count = q ? q.fifo.length : 0;
    const bytes = q ? q.bytes : 0;
    const L = this.limits;
    if (count + 1 > L.maxQueueMessages || bytes + env.size > L.maxQueueBytes || this.totalBytes + env.size > L.maxTotalBytes) {
      const why =
        count + 1 > L.maxQueueMessages
          ? `${L.maxQueueMessages} messages`
          : bytes + env.size > L.maxQueueBytes
            ? `${L.maxQueueBytes} bytes for the topic`
            : `${L.maxTotalBytes} bytes in total`;
      throw new HeroError('HERO_QUEUE_FULL', `inbox full (limit ${why}); message refused`, {
        rpcCode: -32015,
        data: { limit: why },
      });
    }
  }

  private enqueue(env: Envelope): void {
    let q = this.queues.get(env.topicKey);
    if (!q) {
      q = { fifo: new Fifo<Envelope>(), bytes: 0 };
      this.queues.set(env.topicKey, q);
    }
    q.fifo.push(env);
    q.bytes += env.size;
    this.totalBytes += env.size;
    this.totalMessages++;
  }

  /** The queue holding the oldest message matching `prefix`. */
  private pick(prefix: string | undefined): [string, TopicQueue] | undefined {
    let best: [string, TopicQueue] | undefined;
    let bestSeq = Infinity;
    if (prefix !== undefined && prefix.length > 0) {
      for (const entry of this.queues) {
        if (!entry[0].startsWith(prefix)) continue;
        const s = entry[1].fifo.peek()!.seq;
        if (s < bestSeq) {
          bestSeq = s;
          best = entry;
        }
      }
      return best;
    }
    for (const entry of this.queues) {
      const s = entry[1].fifo.peek()!.seq;
      if (s < bestSeq) {
        bestSeq = s;
        best = entry;
      }
    }
    return best;
  }

  /** Takes (or peeks) the oldest matching message now; undefined when none is queued. */
  take(prefix: string | undefined, peek: boolean): Envelope | undefined {
    const found = this.pick(prefix);
    if (!found) return undefined;
    const [key, q] = found;
    if (peek) return q.fifo.peek();
    const env = q.fifo.shift()!;
    q.bytes -= env.size;
    this.totalBytes -= env.size;
    this.totalMessages--;
    if (q.fifo.length === 0) this.queues.delete(key);
    this.mark(env, 'read');
    return env;
  }

  /**
   * Pops (or peeks) the oldest message whose topic starts with `prefix`, waiting up to
   * `timeoutMs` for one; null when none came. Waiters are served in arrival order.
   */
  pop(prefix: string | undefined, peek: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Envelope | null> {
    const now = this.take(prefix, peek);
    if (now) return Promise.resolve(now);
    if (timeoutMs <= 0 || this.closed || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const cancel = this.wait(prefix, peek, timeoutMs, (env) => {
        // the listener goes with the wait: a caller may reuse one signal for many pops
        signal?.removeEventListener('abort', cancel);
        resolve(env);
      });
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /**
   * Waits up to `timeoutMs` (> 0) for a message matching `prefix` (call {@link take} first):
   * `done` is called exactly once, synchronously from the push that delivers the message (so
   * its answer can leave with the push's), or with null on timeout, cancel or close (at once
   * when the bus is closed). Returns the cancel function.
   */
  wait(prefix: string | undefined, peek: boolean, timeoutMs: number, done: (env: Envelope | null) => void): () => void {
    if (this.closed) {
      done(null);
      return () => {};
    }
    const w: Waiter = {
      prefix,
      peek,
      gone: false,
      resolve: (env) => {
        clearTimeout(timer);
        done(env);
      },
    };
    const cancel = () => {
      if (w.gone) return;
      w.gone = true;
      this.cancelled++;
      // drop the cancelled in bulk once they are half the list: a connection closing with
      // thousands of polls costs linear time, not quadratic
      if (this.cancelled > 32 && this.cancelled * 2 > this.waiters.length) {
        this.waiters = this.waiters.filter((x) => !x.gone);
        this.cancelled = 0;
      }
      w.resolve(null);
    };
    const timer = setTimeout(cancel, timeoutMs);
    this.waiters.push(w);
    return cancel;
  }

  /** Waits up to `timeoutMs` for a reply to message `id`; undefined on timeout. */
  waitReply(id: string, timeoutMs: number, signal?: AbortSignal): Promise<InboundMessage | undefined> {
    if (timeoutMs <= 0 || this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (m: InboundMessage | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.replyWaiters.get(id) === done) this.replyWaiters.delete(id);
        resolve(m);
      };
      const onAbort = () => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.replyWaiters.set(id, done);
    });
  }

  /** Reserves the reply slot of `id` before the message is delivered, so no reply can slip past. */
  hasReplyWaiter(id: string): boolean {
    return this.replyWaiters.has(id);
  }

  /** Stops waiting for a reply to `id` (the waiter sees a timeout). */
  cancelReply(id: string): void {
    this.replyWaiters.get(id)?.(undefined);
  }

  /** Hands a reply to the sender waiting on `id`; false when nobody waits. */
  resolveReply(id: string, reply: InboundMessage): boolean {
    const w = this.replyWaiters.get(id);
    if (!w) return false;
    w(reply);
    return true;
  }

  /** Drops expired unread messages (their records become `aborted`) and old records. */
  sweep(now = Date.now()): number {
    let dropped = 0;
    for (const [key, q] of this.queues) {
      for (let head = q.fifo.peek(); head && head.expiresAt <= now; head = q.fifo.peek()) {
        q.fifo.shift();
        q.bytes -= head.size;
        this.totalBytes -= head.size;
        this.totalMessages--;
        this.mark(head, 'aborted');
        dropped++;
      }
      if (q.fifo.length === 0) this.queues.delete(key);
    }
    const nowSecs = Math.floor(now / 1000);
    // records outlive their deadline so senders can still ask what became of a message
    const keepSecs = Math.max(300, Math.ceil(this.limits.messageTtlMs / 1000));
    this.records.prune(nowSecs, keepSecs);
    for (let id = this.recordOrder.peek(); id !== undefined; id = this.recordOrder.peek()) {
      const r = this.upstreamRecords.get(id);
      // ids are in creation order: stop at the first record still worth keeping
      if (r && r.deadline + keepSecs > nowSecs) break;
      this.recordOrder.shift();
      this.upstreamRecords.delete(id);
    }
    return dropped;
  }

  /** Ends every wait: poppers get null, reply waiters time out. Further deliveries fail. */
  close(): void {
    this.closed = true;
    const ws = this.waiters;
    this.waiters = [];
    this.cancelled = 0;
    for (const w of ws) {
      if (w.gone) continue;
      w.gone = true;
      w.resolve(null);
    }
    for (const w of [...this.replyWaiters.values()]) w(undefined);
    this.replyWaiters.clear();
  }
}
