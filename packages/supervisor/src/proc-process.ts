import type { ProcClient, ServiceStatus } from '@hero/proc/client';
import type { LogLine } from './types.js';
import type { ManagedProcess, ProcessSpec } from './process-manager.js';

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
    await (await this.getClient()).serviceSet({
      name: this.service,
      cmd: [this.spec.command, ...this.spec.args],
      env: this.spec.env,
      restart: 'always',
      stop_signal: 'SIGTERM',
      stop_timeout_ms: 15_000,
      autostart: false,
    });
    this.apply(await (await this.getClient()).serviceStart(this.service));
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
