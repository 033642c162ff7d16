import { describe, expect, it } from 'vitest';
import { b64, rawRequest, rpcRaw, startBus } from './helpers.js';

describe('topic configuration', () => {
  it('manages the allow-list over JSON-RPC and applies it to local senders', async () => {
    const { client, sock } = await startBus();
    const info = await client.getInfo();
    expect(await client.getDefaultTopicAction()).toBe(true);
    expect(await client.getTopics()).toEqual([]);
    expect(await client.addTopic('guarded')).toBe(true);
    expect(await client.getTopicsRaw()).toEqual([b64('guarded')]);
    expect(await client.getTopicSources('guarded')).toEqual([]);
    // a listed topic with no sources blocks everyone: the message is dropped (state aborted)
    const dropped = await client.send({ dst: info.nodePubkey, topic: 'guarded', payload: 'x' });
    expect((await client.getMessageInfo(dropped)).state).toBe('aborted');
    expect(await client.popMessage()).toBeNull();
    await client.addTopicSource('guarded', info.nodeSubnet);
    expect(await client.getTopicSources('guarded')).toEqual([info.nodeSubnet]);
    await client.send({ dst: info.nodePubkey, topic: 'guarded', payload: 'allowed' });
    expect((await client.popMessage())?.payload.toString()).toBe('allowed');
    await client.removeTopicSource('guarded', info.nodeSubnet);
    expect(await client.getTopicSources('guarded')).toEqual([]);
    await client.removeTopic('guarded');
    expect(await client.getTopics()).toEqual([]);
    // default action reject: unlisted topics are dropped
    await client.setDefaultTopicAction(false);
    expect(await client.getDefaultTopicAction()).toBe(false);
    const id = await client.send({ dst: info.nodePubkey, topic: 'other', payload: 'x' });
    expect((await client.getMessageInfo(id)).state).toBe('aborted');
    // bad topic/subnet input
    expect((await rpcRaw(sock, 'addTopic', ['***'])).error?.code).toBe(-32021);
    expect((await rpcRaw(sock, 'addTopicSource', [b64('t'), 'nonsense'])).error?.code).toBe(-32023);
    expect((await rpcRaw(sock, 'getTopicSources', [b64('never-added')])).error?.code).toBe(-32030);
  });

  it('takes topics from the config', async () => {
    const { client } = await startBus({
      default_topic_action: 'reject',
      topics: [{ topic: 'supervisor.rpc', sources: ['400::/7'] }],
    });
    expect(await client.getDefaultTopicAction()).toBe(false);
    expect(await client.getTopics()).toEqual(['supervisor.rpc']);
    expect(await client.getTopicSources('supervisor.rpc')).toEqual(['400::/7']);
  });

  it('serves the topic REST routes', async () => {
    const { sock } = await startBus();
    const t = encodeURIComponent(b64('rest.topic'));
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/topics/default')).json()).toEqual({ accept: true });
    expect((await rawRequest(sock, 'PUT', '/api/v1/messages/topics/default', JSON.stringify({ accept: false }))).status).toBe(204);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/topics/default')).json()).toEqual({ accept: false });
    expect((await rawRequest(sock, 'POST', '/api/v1/messages/topics', JSON.stringify(b64('rest.topic')))).status).toBe(201);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/topics')).json()).toEqual([b64('rest.topic')]);
    expect((await rawRequest(sock, 'POST', `/api/v1/messages/topics/${t}/sources`, JSON.stringify({ subnet: '503:5478:df06:d79a::/64' }))).status).toBe(204);
    expect((await rawRequest(sock, 'GET', `/api/v1/messages/topics/${t}/sources`)).json()).toEqual(['503:5478:df06:d79a::/64']);
    expect((await rawRequest(sock, 'DELETE', `/api/v1/messages/topics/${t}/sources/${encodeURIComponent('503:5478:df06:d79a::/64')}`)).status).toBe(204);
    expect((await rawRequest(sock, 'GET', `/api/v1/messages/topics/${t}/sources`)).json()).toEqual([]);
    expect((await rawRequest(sock, 'PUT', `/api/v1/messages/topics/${t}/forward`, JSON.stringify({ socket_path: '/tmp/x.sock' }))).status).toBe(204);
    expect((await rawRequest(sock, 'GET', `/api/v1/messages/topics/${t}/forward`)).json()).toBe('/tmp/x.sock');
    expect((await rawRequest(sock, 'DELETE', `/api/v1/messages/topics/${t}/forward`)).status).toBe(204);
    expect((await rawRequest(sock, 'GET', `/api/v1/messages/topics/${t}/forward`)).json()).toBeNull();
    expect((await rawRequest(sock, 'DELETE', `/api/v1/messages/topics/${t}`)).status).toBe(204);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/topics')).json()).toEqual([]);
    expect((await rawRequest(sock, 'DELETE', '/api/v1/messages/topics/%25%25')).status).toBe(400);
    expect((await rawRequest(sock, 'POST', `/api/v1/messages/topics/${t}/sources`, JSON.stringify({ subnet: 'x' }))).status).toBe(400);
  });
});
