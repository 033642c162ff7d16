/** The JSON-RPC methods, named and ordered as in Mycelium's OpenRPC document. */
import { z } from 'zod';
import { method, type RpcMethod } from '@hero/core';
import {
  infoSchema,
  inboundMessageSchema,
  messageStatusSchema,
  pushBodySchema,
  pushResponseSchema,
  waitSecs,
} from './schemas.js';
import type { MessageService } from './service.js';

const topicParam = z.string().describe('The topic (base64)');
const ok = z.boolean();

/** Builds the method table for `serveRpc`. Param keys are in the spec's positional order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function messageMethods(svc: MessageService): Record<string, RpcMethod<any, any>> {
  return {
    getInfo: method({
      summary: 'Get general info about the node',
      params: z.object({}),
      result: infoSchema,
      handler: () => svc.getInfo(),
    }),
    getPublicKeyFromIp: method({
      summary: "Get the node's public key from its IP address",
      params: z.object({ mycelium_ip: z.string().describe('The IP address to get the public key for') }),
      result: z.object({ NodePubKey: z.string() }),
      handler: (p) => svc.getPublicKeyFromIp(p.mycelium_ip),
    }),
    popMessage: method({
      summary: 'Get a message from the inbound message queue',
      description:
        'Returns null when no message arrived within `timeout` seconds. With `peek` the message stays queued. ' +
        '`topic` (base64) keeps only messages whose topic starts with it.',
      params: z.object({
        peek: z.boolean().nullish().describe('Leave the message in the queue'),
        timeout: waitSecs.nullish().describe('Seconds to wait for a message (0: return at once)'),
        topic: z.string().nullish().describe('Topic prefix filter (base64)'),
      }),
      result: inboundMessageSchema.nullable(),
      handler: (p, call) => svc.popMessage(p.peek ?? false, p.timeout ?? 0, p.topic ?? undefined, call.signal),
    }),
    pushMessage: method({
      summary: 'Submit a new message to the system',
      description:
        'Without reply_timeout returns {id}. With it, waits that many seconds for a reply and returns it, ' +
        'or {id} when none came.',
      params: z.object({
        message: pushBodySchema,
        reply_timeout: waitSecs.nullish().describe('Seconds to wait for a reply'),
      }),
      result: pushResponseSchema,
      handler: async (p, call) => {
        const r = await svc.pushMessage(p.message, p.reply_timeout ?? undefined, call.signal);
        return r.reply ?? { id: r.id };
      },
    }),
    pushMessageReply: method({
      summary: 'Reply to a message with the given ID',
      params: z.object({
        id: z.string().describe('The ID of the message to reply to (16 hex)'),
        message: pushBodySchema,
      }),
      result: ok,
      handler: (p) => svc.pushMessageReply(p.id, p.message),
    }),
    getMessageInfo: method({
      summary: 'Get the status of an outbound message',
      params: z.object({ id: z.string().describe('The ID of the message (16 hex)') }),
      result: messageStatusSchema,
      handler: (p) => svc.getMessageInfo(p.id),
    }),
    getDefaultTopicAction: method({
      summary: 'Whether unconfigured topics are accepted',
      params: z.object({}),
      result: ok,
      handler: () => svc.getDefaultTopicAction(),
    }),
    setDefaultTopicAction: method({
      summary: 'Set whether unconfigured topics are accepted',
      params: z.object({ accept: z.boolean() }),
      result: ok,
      handler: (p) => svc.setDefaultTopicAction(p.accept),
    }),
    getTopics: method({
      summary: 'All configured topics (base64)',
      params: z.object({}),
      result: z.array(z.string()),
      handler: () => svc.getTopics(),
    }),
    addTopic: method({
      summary: "Add a topic to the allow-list (with no sources yet)",
      params: z.object({ topic: topicParam }),
      result: ok,
      handler: (p) => svc.addTopic(p.topic),
    }),
    removeTopic: method({
      summary: 'Remove a topic from the allow-list',
      params: z.object({ topic: topicParam }),
      result: ok,
      handler: (p) => svc.removeTopic(p.topic),
    }),
    getTopicSources: method({
      summary: 'Subnets allowed to send on a topic',
      params: z.object({ topic: topicParam }),
      result: z.array(z.string()),
      handler: (p) => svc.getTopicSources(p.topic),
    }),
    addTopicSource: method({
      summary: 'Allow a subnet to send on a topic',
      params: z.object({ topic: topicParam, subnet: z.string().describe('Subnet in CIDR notation') }),
      result: ok,
      handler: (p) => svc.addTopicSource(p.topic, p.subnet),
    }),
    removeTopicSource: method({
      summary: 'Stop allowing a subnet to send on a topic',
      params: z.object({ topic: topicParam, subnet: z.string().describe('Subnet in CIDR notation') }),
      result: ok,
      handler: (p) => svc.removeTopicSource(p.topic, p.subnet),
    }),
    getTopicForwardSocket: method({
      summary: 'The Unix socket messages on a topic are forwarded to',
      params: z.object({ topic: topicParam }),
      result: z.string().nullable(),
      handler: (p) => svc.getTopicForwardSocket(p.topic),
    }),
    setTopicForwardSocket: method({
      summary: 'Forward messages on a topic to a Unix socket',
      params: z.object({ topic: topicParam, socket_path: z.string().describe('Unix socket path') }),
      result: ok,
      handler: (p) => svc.setTopicForwardSocket(p.topic, p.socket_path),
    }),
    removeTopicForwardSocket: method({
      summary: 'Stop forwarding a topic',
      params: z.object({ topic: topicParam }),
      result: ok,
      handler: (p) => svc.removeTopicForwardSocket(p.topic),
    }),
  };
}
