/**
 * The benchmark harness: every suite runs Hero and its anchor in the same run, several rounds,
 * alternating, and prints a markdown table of medians with Hero's ratio to the anchor.
 */
import fs from 'node:fs';

/** One contender's numbers for one round, keyed by metric. */
export type Measurement = Record<string, number>;

export interface Metric {
  key: string;
  label: string;
  unit: string;
  /** Which direction is better; the ratio column is always "times as good as the anchor". */
  better: 'higher' | 'lower';
}

export interface Contender {
  name: string;
  role: 'anchor' | 'hero';
  /** Starts servers etc. once, before the rounds. */
  setup?: () => Promise<void>;
  /** One measured round. */
  run: () => Promise<Measurement>;
  teardown?: () => Promise<void>;
}

export interface Suite {
  name: string;
  description: string;
  metrics: Metric[];
  /** Default number of rounds (each contender runs once per round, alternating). */
  rounds?: number;
  /** Builds the contenders; called once per run. */
  contenders: (opts: SuiteOptions) => Promise<Contender[]> | Contender[];
}

export interface SuiteOptions {
  rounds: number;
  /** Free-form `--key value` options passed on the command line. */
  args: Record<string, string>;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0–100) of `xs`, nearest-rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export interface SuiteResult {
  suite: string;
  rounds: number;
  contenders: { name: string; role: 'anchor' | 'hero' }[];
  medians: Record<string, Measurement>;
  table: string;
}

/** Renders medians as a markdown table: one row per metric, one column per contender, ratios. */
export function renderTable(suite: Suite, contenders: Contender[], medians: Record<string, Measurement>): string {
  const anchor = contenders.find((c) => c.role === 'anchor');
  const heroes = contenders.filter((c) => c.role === 'hero');
  const head = ['metric', ...contenders.map((c) => `${c.name}${c.role === 'anchor' ? ' (anchor)' : ''}`)];
  if (anchor) head.push(...heroes.map((h) => `${h.name} / ${anchor.name}`));
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const m of suite.metrics) {
    const row = [`${m.label} (${m.unit}, ${m.better} is better)`];
    for (const c of contenders) row.push(fmt(medians[c.name]?.[m.key] ?? NaN));
    if (anchor) {
      for (const h of heroes) {
        const a = medians[anchor.name]?.[m.key] ?? NaN;
        const v = medians[h.name]?.[m.key] ?? NaN;
        const ratio = m.better === 'higher' ? v / a : a / v;
        row.push(Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a');
      }
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Busy and total CPU ticks of the whole machine so far (Linux; zeros elsewhere). */
function cpuTicks(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const t = line.trim().split(/\s+/).slice(1).map(Number);
    const total = t.reduce((a, b) => a + b, 0);
    return { busy: total - (t[3] ?? 0) - (t[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/**
 * Waits (at most `maxMs`) until the machine is quiet: under 10% busy over 200 ms. What one
 * contender left running (timers, closing connections, a server still draining) then does not
 * land on the next one's measurement.
 */
export async function waitForQuiet(maxMs = 10_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const a = cpuTicks();
    await new Promise((r) => setTimeout(r, 200));
    const b = cpuTicks();
    if (b.total === a.total || (b.busy - a.busy) / (b.total - a.total) < 0.1) return;
  }
}

/** Runs a suite: setup all, alternate contenders for `rounds`, teardown all, return the table. */
export async function runSuite(suite: Suite, opts: Partial<SuiteOptions> = {}): Promise<SuiteResult> {
  const rounds = opts.rounds ?? suite.rounds ?? 3;
  const contenders = await suite.contenders({ rounds, args: opts.args ?? {} });
  const samples: Record<string, Measurement[]> = {};
  try {
    for (const c of contenders) await c.setup?.();
    for (let r = 0; r < rounds; r++) {
      // alternate the order each round so neither side always runs on a warmer machine
      const order = r % 2 === 0 ? contenders : [...contenders].reverse();
      for (const c of order) {
        await waitForQuiet();
        const m = await c.run();
        (samples[c.name] ??= []).push(m);
        process.stderr.write(`  round ${r + 1}/${rounds} ${c.name}: ${JSON.stringify(m)}\n`);
      }
    }
  } finally {
    for (const c of contenders) await c.teardown?.().catch((err) => process.stderr.write(`teardown ${c.name}: ${err}\n`));
  }
  const medians: Record<string, Measurement> = {};
  for (const c of contenders) {
    const out: Measurement = {};
    for (const m of suite.metrics) out[m.key] = median((samples[c.name] ?? []).map((s) => s[m.key] ?? NaN));
    medians[c.name] = out;
  }
  return {
    suite: suite.name,
    rounds,
    contenders: contenders.map((c) => ({ name: c.name, role: c.role })),
    medians,
    table: renderTable(suite, contenders, medians),
  };
}
