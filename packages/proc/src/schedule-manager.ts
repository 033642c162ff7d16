/**
 * Cron schedules (croner) that create a job at each firing; persisted in `schedules.json`.
 */
import path from 'node:path';
import { NotFoundError } from '@hero/core';
import { Cron } from 'croner';
import type { Logger } from './logger.js';
import type { Schedule } from './client.js';
import { DebouncedWriter, readJsonFile } from './json-file.js';
import type { JobManager } from './job-manager.js';
import { scheduleSpecSchema, type ScheduleDef } from './spec.js';

interface Entry {
  def: ScheduleDef;
  cron: Cron;
  last_run: string | null;
  last_job: string | null;
}

export class ScheduleManager {
  private readonly entries = new Map<string, Entry>();
  private readonly writer: DebouncedWriter;
  private closed = false;

  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly jobs: JobManager,
    private readonly logger?: Logger,
  ) {
    this.file = path.join(dataDir, 'schedules.json');
    this.writer = new DebouncedWriter(this.file, () => ({
      version: 1,
      schedules: [...this.entries.values()].map((e) => ({ spec: e.def, last_run: e.last_run, last_job: e.last_job })),
    }));
  }

  async init(): Promise<void> {
    const data = await readJsonFile<{ schedules?: { spec: unknown; last_run?: string | null; last_job?: string | null }[] }>(this.file, {}, { logger: this.logger });
    for (const s of Array.isArray(data.schedules) ? data.schedules : []) {
      const r = scheduleSpecSchema.safeParse(s?.spec);
      if (!r.success) {
        this.logger?.warn({ issues: r.error.issues.length }, 'skipping invalid stored schedule');
        continue;
      }
      this.install(r.data, s.last_run ?? null, s.last_job ?? null);
    }
  }

  private install(def: ScheduleDef, lastRun: string | null, lastJob: string | null): Entry {
    this.entries.get(def.name)?.cron.stop();
    const entry: Entry = { def, last_run: lastRun, last_job: lastJob, cron: undefined as unknown as Cron };
    entry.cron = new Cron(
      def.cron,
      { paused: !def.enabled, ...(def.timezone ? { timezone: def.timezone } : {}), catch: true },
      () => void this.fire(entry),
    );
    this.entries.set(def.name, entry);
    return entry;
  }

  private async fire(e: Entry) {
    if (this.closed || this.entries.get(e.def.name) !== e) return;
    if (e.def.no_overlap && this.jobs.scheduleBusy(e.def.name)) {
      this.logger?.info({ schedule: e.def.name }, 'schedule skipped: previous job still running');
      return;
    }
    e.last_run = new Date().toISOString();
    try {
      const job = await this.jobs.create(e.def.job, { schedule: e.def.name });
      e.last_job = job.id;
      this.logger?.info({ schedule: e.def.name, job: job.id }, 'schedule fired');
    } catch (err) {
      this.logger?.warn({ schedule: e.def.name, err }, 'schedule could not create its job');
    }
    this.writer.schedule();
  }

  private view(e: Entry): Schedule {
    const next = e.def.enabled ? e.cron.nextRun() : null;
    return { ...e.def, next_run: next ? next.toISOString() : null, last_run: e.last_run, last_job: e.last_job };
  }

  set(def: ScheduleDef): Schedule {
    const prev = this.entries.get(def.name);
    const e = this.install(def, prev?.last_run ?? null, prev?.last_job ?? null);
    this.writer.schedule();
    this.logger?.info({ schedule: def.name, cron: def.cron }, 'schedule set');
    return this.view(e);
  }

  list(): Schedule[] {
    return [...this.entries.values()].map((e) => this.view(e)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get(name: string): Schedule {
    const e = this.entries.get(name);
    if (!e) throw new NotFoundError(`schedule "${name}" not found`);
    return this.view(e);
  }

  delete(name: string): { deleted: boolean } {
    const e = this.entries.get(name);
    if (!e) return { deleted: false };
    e.cron.stop();
    this.entries.delete(name);
    this.writer.schedule();
    return { deleted: true };
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) e.cron.stop();
    await this.writer.close();
  }
}
