import { formatTable } from '@hero/core/cli';
import type { ServiceStatus } from './orchestrator.js';

/** The one start-up banner: every service with its sockets, TCP listeners and state. */
export function formatBanner(version: string, socketDir: string, statuses: ServiceStatus[], readyMs: number): string {
  const rows = statuses.map((s) => ({
    service: s.service,
    state: s.state,
    sockets: Object.keys(s.ready?.sockets ?? {}).join(', '),
    tcp: Object.entries(s.ready?.tcp ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
  }));
  return `hero_bundle ${version} ready in ${Math.round(readyMs)} ms — sockets under ${socketDir}\n${formatTable(rows)}\n`;
}
