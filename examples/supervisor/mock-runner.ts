/**
 * A mock runner written with the runner SDK (`createRunner` from `@hero/supervisor`).
 *
 * Payload: JSON `{"sleep_ms"?: n, "echo"?: any, "fail"?: "message"}` (or any text, echoed).
 * Result: `{"node", "instance", "echo", "slept_ms"}` — `node` says where the job ran.
 *
 * Started by a supervisor (`[[runners]] command = …`), it reads the variables the supervisor
 * sets: HERO_RUNNER_NAME, HERO_REDIS_URL, HERO_NAMESPACE, HERO_RUNNER_CONCURRENCY,
 * HERO_RUNNER_INSTANCE; HERO_NODE_NAME names the node in results. Standalone:
 *
 *   HERO_REDIS_URL=redis://127.0.0.1:6379 tsx --conditions=@hero/source supervisor/mock-runner.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunner } from '@hero/supervisor';

const env = process.env;
const node = env.HERO_NODE_NAME ?? 'local';

const runner = createRunner({
  name: env.HERO_RUNNER_NAME ?? 'mock',
  redis: env.HERO_REDIS_URL ?? 'redis://127.0.0.1:6379',
  namespace: env.HERO_NAMESPACE ?? 'hero',
  concurrency: Number(env.HERO_RUNNER_CONCURRENCY ?? 1),
  instance: env.HERO_RUNNER_INSTANCE || undefined,
  handler: async (job, { signal, instance }) => {
    let spec: { sleep_ms?: number; echo?: unknown; fail?: string } = {};
    try {
      const parsed: unknown = JSON.parse(job.payload);
      spec = parsed && typeof parsed === 'object' ? (parsed as typeof spec) : { echo: parsed };
    } catch {
      spec = { echo: job.payload };
    }
    const ms = Math.max(0, Number(spec.sleep_ms ?? 0));
    if (ms > 0) await sleep(ms, undefined, { signal });
    if (spec.fail) throw new Error(spec.fail);
    return { node, instance, echo: spec.echo ?? null, slept_ms: ms };
  },
});

const stop = () => void runner.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await runner.ready;
process.stdout.write(JSON.stringify({ msg: 'runner ready', runner: runner.name, instance: runner.instance, node }) + '\n');
