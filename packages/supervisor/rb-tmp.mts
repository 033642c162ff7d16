import { Redis } from 'ioredis';
import { createRunner } from './src/index.ts';
const sock = process.env.SOCK!;
const r = new Redis({ path: sock });
const sub = new Redis({ path: sock });
const N = 5000;
async function fill() {
  const p = r.pipeline();
  for (let i = 0; i < N; i++) {
    p.hset('hero:job:j' + i, { id: 'j' + i, runner: 'b', payload: 'x', executor: 'bash', timeout: '300', env_vars: '{}', status: 'dispatched', attempts: '0', caller_id: '', context_id: '', created_at: '', updated_at: '' });
    p.rpush('hero:work_queue:b', 'j' + i);
  }
  await p.exec();
}
let seen = 0; let resolve: () => void = () => {};
sub.on('message', () => { if (++seen === N) resolve(); });
await sub.subscribe('hero:job_done');
for (const c of [1, 10]) {
  await r.flushdb(); await fill(); seen = 0;
  const done = new Promise<void>((res) => (resolve = res));
  const t = performance.now();
  const runner = createRunner({ name: 'b', redis: sock, concurrency: c, handler: () => 'ok' });
  await done;
  console.log({ c, perSec: Math.round(N / ((performance.now() - t) / 1000)) });
  await runner.close();
}
r.disconnect(); sub.disconnect();
