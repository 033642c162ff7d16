import type { JobInput } from './types.js';

/** Builds a {@link JobInput} step by step; `build()` fills in a random id. */
export class JobBuilder {
  private readonly job: Partial<JobInput> & { env_vars: Record<string, string> } = { env_vars: {} };

  id(id: string): this {
    this.job.id = id;
    return this;
  }
  callerId(id: string): this {
    this.job.caller_id = id;
    return this;
  }
  contextId(id: string): this {
    this.job.context_id = id;
    return this;
  }
  payload(payload: string): this {
    this.job.payload = payload;
    return this;
  }
  runner(name: string): this {
    this.job.runner = name;
    return this;
  }
  executor(executor: string): this {
    this.job.executor = executor;
    return this;
  }
  /** Seconds the job may run (0 = no limit). */
  timeout(secs: number): this {
    this.job.timeout = secs;
    return this;
  }
  envVar(key: string, value: string): this {
    this.job.env_vars[key] = value;
    return this;
  }
  envVars(vars: Record<string, string>): this {
    Object.assign(this.job.env_vars, vars);
    return this;
  }

  /** The job; throws when `runner` or `payload` is missing. */
  build(): JobInput {
    if (!this.job.runner) throw new Error('JobBuilder: runner is required');
    if (this.job.payload === undefined) throw new Error('JobBuilder: payload is required');
    return { ...this.job, id: this.job.id ?? uuid(), env_vars: { ...this.job.env_vars } } as JobInput;
  }
}

/** A random v4 UUID; `crypto.randomUUID` only exists in secure contexts (https, localhost). */
function uuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
