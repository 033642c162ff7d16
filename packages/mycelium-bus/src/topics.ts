/**
 * Topic rules, as Mycelium applies them: a topic in the allow-list accepts messages only from its
 * listed source subnets (an empty list blocks everyone); a topic not listed follows the default
 * action. A listed topic may also name a forward socket. Topics are keyed by their bytes
 * (held as latin1 strings). No I/O.
 */
import { formatSubnet, subnetContains, type Subnet } from './ipv6.js';

export interface TopicEntry {
  sources: Subnet[];
  forwardSocket: string | undefined;
}

export class TopicRules {
  defaultAccept: boolean;
  private readonly entries = new Map<string, TopicEntry>();

  constructor(defaultAccept = true) {
    this.defaultAccept = defaultAccept;
  }

  /** Listed topics (keys). */
  topics(): string[] {
    return [...this.entries.keys()];
  }

  get(topic: string): TopicEntry | undefined {
    return this.entries.get(topic);
  }

  /** Adds a topic with no sources (which blocks it) unless it is already listed. */
  add(topic: string): void {
    if (!this.entries.has(topic)) this.entries.set(topic, { sources: [], forwardSocket: undefined });
  }

  remove(topic: string): void {
    this.entries.delete(topic);
  }

  /** Allows `subnet` to send on `topic`, listing the topic if needed. */
  addSource(topic: string, subnet: Subnet): void {
    this.add(topic);
    const e = this.entries.get(topic)!;
    if (!e.sources.some((s) => formatSubnet(s) === formatSubnet(subnet))) e.sources.push(subnet);
  }

  removeSource(topic: string, subnet: Subnet): void {
    const e = this.entries.get(topic);
    if (e) e.sources = e.sources.filter((s) => formatSubnet(s) !== formatSubnet(subnet));
  }

  /** Sets the forward socket of a listed topic; false when the topic is not listed. */
  setForwardSocket(topic: string, socketPath: string | undefined): boolean {
    const e = this.entries.get(topic);
    if (!e) return false;
    e.forwardSocket = socketPath;
    return true;
  }

  /** Whether a message on `topic` from `src` is accepted. */
  accepts(topic: string, src: Uint8Array): boolean {
    const e = this.entries.get(topic);
    if (!e) return this.defaultAccept;
    return e.sources.some((s) => subnetContains(s, src));
  }

  forwardSocketOf(topic: string): string | undefined {
    return this.entries.get(topic)?.forwardSocket;
  }
}
