/**
 * X-Hero-Context across nodes, on a service that authorises: a node whose supervisor has no
 * secrets trusts callers on its own Unix socket, but a call from another node — through its
 * router, which marks it with X-Hero-Context and X-Forwarded-For — is never such a caller, even
 * with a valid router token.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SupervisorClient } from '@hero/supervisor/client';
import { HeroNode, startRedis } from '../src/index.js';

async function rpc(url: string, method: string, params: unknown, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: { message: string; data?: Record<string, unknown> } } };
}

describe('X-Hero-Context on a service that authorises', () => {
  it('a supervisor without secrets serves its own socket but refuses calls that came through the router', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-multinode-ctx-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const redis = await startRedis(path.join(dir, 'redis'));
    onTestFinished(() => redis.stop());
    const masterToken = 'master-token-0123456789';
    const bareToken = 'bare-token-0123456789ab';
    const node = new HeroNode({
      name: 'open',
      root: path.join(dir, 'open'),
      redisUrl: redis.url,
      supervisorSecret: '',
      routerTokens: [
        { token: masterToken, context: 'master' },
        // no context of its own and none global: the router sends no X-Hero-Context at all
        { token: bareToken, context: '', name: 'bare' },
      ],
    });
    onTestFinished(() => node.stop());
    await node.start();

    // on the node itself: no secret needed
    const local = new SupervisorClient(node.socket('hero_supervisor'));
    try {
      await local.registerRunner('work');
      expect(await local.listRunners()).toContain('work');
    } finally {
      await local.close();
    }

    const url = `${node.routerUrl}/hero_supervisor/rpc/rpc`;
    const fromMaster = await rpc(url, 'list_runners', {}, { authorization: `Bearer ${masterToken}` });
    expect(fromMaster.status).toBe(200);
    expect(fromMaster.body.result).toBeUndefined();
    expect(fromMaster.body.error?.data).toMatchObject({ code: 'HERO_AUTH', reason: 'missing_secret' });

    // a client cannot pass its own context (or none) to look local: the router replaces it,
    // and X-Forwarded-For still marks the call as proxied
    const bare = await rpc(url, 'list_runners', {}, { authorization: `Bearer ${bareToken}`, 'x-hero-context': '' });
    expect(bare.body.error?.data).toMatchObject({ code: 'HERO_AUTH', reason: 'missing_secret' });
    const creating = await rpc(url, 'jobs.create', { job: { runner: 'work', payload: 'x' } }, { authorization: `Bearer ${masterToken}` });
    expect(creating.body.error?.data).toMatchObject({ code: 'HERO_AUTH', reason: 'missing_secret' });

    // and the router itself still wants its token
    expect((await rpc(url, 'list_runners', {}, {})).status).toBe(401);
  }, 120_000);
});
