/**
 * The Redis key layout (DESIGN §5.4). Runners written in any language use the same names:
 * BLPOP (or BLMOVE) `<ns>:work_queue:<runner>`, read `<ns>:job:<id>`, push the outcome to
 * `<ns>:reply:<id>`.
 */
export interface Keys {
  job(id: string): string;
  /** Sorted set of every job id, scored by creation time (ms). */
  jobIndex: string;
  workQueue(runner: string): string;
  stopQueue(runner: string): string;
  /** Stop requests forwarded to one instance of a runner. */
  instanceStopQueue(runner: string, instance: string): string;
  reply(id: string): string;
  /** Reliable hand-off: ids an instance has taken and not yet finished. */
  processing(runner: string, instance: string): string;
  /** Heartbeat of a runner instance (expires when the instance dies). */
  alive(runner: string, instance: string): string;
  /** Set of `<runner>\u0000<instance>` of every instance that may hold jobs. */
  instances: string;
  /** Hash: runner name → registration JSON. */
  runners: string;
  /** Set of SHA-256 hex digests of secrets added at run time, per role. */
  secrets(role: string): string;
  /** Pub/sub channel announcing job ids that reached a final status. */
  doneChannel: string;
}

export function keys(ns: string): Keys {
  return {
    job: (id) => `${ns}:job:${id}`,
    jobIndex: `${ns}:jobs`,
    workQueue: (r) => `${ns}:work_queue:${r}`,
    stopQueue: (r) => `${ns}:stop_queue:${r}`,
    instanceStopQueue: (r, i) => `${ns}:stop_queue:${r}:${i}`,
    reply: (id) => `${ns}:reply:${id}`,
    processing: (r, i) => `${ns}:processing:${r}:${i}`,
    alive: (r, i) => `${ns}:alive:${r}:${i}`,
    instances: `${ns}:instances`,
    runners: `${ns}:runners`,
    secrets: (role) => `${ns}:secrets:${role}`,
    doneChannel: `${ns}:job_done`,
  };
}

/** Member of the instance set: runner and instance joined by NUL (neither may contain it). */
export function instanceMember(runner: string, instance: string): string {
  return `${runner}\u0000${instance}`;
}

export function parseInstanceMember(member: string): { runner: string; instance: string } | undefined {
  const i = member.indexOf('\u0000');
  if (i <= 0) return undefined;
  return { runner: member.slice(0, i), instance: member.slice(i + 1) };
}
