import type { ProcClient, ServiceStatus } from '@hero/proc/client';
import type { LogLine } from './types.js';
import type { ManagedProcess, ProcessSpec } from './process-manager.js';

/** hero_proc secret context holding what runner services must not keep in their definitions. */
const SECRET_CONTEXT = 'hero_supervisor';

/** `process_manager = "proc"`: the runner as a hero_proc service (`supervisor-<runner>`). */
export class ProcProcess implements ManagedProcess {
  readonly kind = 'proc' as const;
  state = 'stopped';
  pid: number | undefined;
  restarts = 0;
  readonly service: string;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly getClient: () => Promise<ProcClient>,
  ) {
    this.service = `supervisor-${spec.name}`;
  }

  private apply(s: ServiceStatus) {
    this.state = s.state;
    this.pid = s.pid ?? undefined;
    this.restarts = s.restarts;
  }

  async start(): Promise<void> {
    const client = await this.getClient();
    // the Redis URL may carry a password: it goes to hero_proc's 0600 secret store and reaches
    // the runner through env_from_secrets, never into the service's definition file
    const { HERO_REDIS_URL: redisUrl, ...env } = this.spec.env;
    const fromSecrets: Record<string, string> = {};
    if (redisUrl !== undefined) {
      await client.secretSet(`${this.service}.redis_url`, redisUrl, SECRET_CONTEXT);
      fromSecrets.HERO_REDIS_URL = `${SECRET_CONTEXT}/${this.service}.redis_url`;
    }
    await client.serviceSet({
      name: this.service,
      cmd: [this.spec.command, ...this.spec.args],
      env,
      env_from_secrets: fromSecrets,
      restart: 'always',
      stop_signal: 'SIGTERM',
      stop_timeout_ms: 15_000,
      autostart: false,
    });
    this.apply(await client.serviceStart(this.service));
  }

  async stop(): Promise<void> {
    this.apply(await (await this.getClient()).serviceStop(this.service));
  }

  /** Reads the live state from hero_proc. */
  async refresh(): Promise<void> {
    try {
      this.apply(await (await this.getClient()).serviceStatus(this.service));
    } catch {
      this.state = 'unknown';
    }
  }

  async logs(lines: number): Promise<LogLine[]> {
    const r = await (await this.getClient()).serviceLogs(this.service, { lines });
    return r.lines.map((l) => ({ ts: l.ts, stream: l.stream, line: l.line }));
  }
}
