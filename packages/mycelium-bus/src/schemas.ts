/** zod schemas of the Mycelium message API (shared by JSON-RPC and REST). */
import { z } from 'zod';
import { isBase64 } from './base64.js';
import { parseIpv6 } from './ipv6.js';

/** Longest wait accepted for `timeout` / `reply_timeout` (seconds). */
export const MAX_WAIT_SECS = 3600;

export const base64String = z.string().refine(isBase64, { message: 'must be padded standard base64' });

export const destinationSchema = z
  .union([
    z.strictObject({
      ip: z
        .string()
        .refine((s) => parseIpv6(s) !== undefined, { message: 'must be an IPv6 address' })
        .describe('An IP in the subnet of the receiver node'),
    }),
    z.strictObject({
      pk: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
        .describe('The hex encoded public key of the receiver node'),
    }),
  ], { error: 'destination must be {"ip": "<overlay IPv6>"} or {"pk": "<64 hex public key>"}' })
  .describe('MessageDestination: {ip} or {pk}');

export const pushBodySchema = z
  .object({
    dst: destinationSchema,
    topic: base64String
      .nullish()
      .transform((v) => v ?? undefined)
      .describe('An optional message topic (base64, at most 255 bytes)'),
    payload: base64String.describe('The message payload, base64 encoded'),
  })
  .describe('PushMessageBody');

export const waitSecs = z.number().int().min(0).max(MAX_WAIT_SECS);

export const inboundMessageSchema = z
  .object({
    id: z.string(),
    srcIp: z.string(),
    srcPk: z.string(),
    dstIp: z.string(),
    dstPk: z.string(),
    topic: z.string().optional(),
    payload: z.string(),
  })
  .describe('InboundMessage');

export const pushResponseSchema = z.union([inboundMessageSchema, z.object({ id: z.string() }).describe('PushMessageResponseId')]);

export const transmissionStateSchema = z.union([
  z.enum(['pending', 'received', 'read', 'aborted']),
  z.object({ sending: z.object({ pending: z.number(), sent: z.number(), acked: z.number() }) }),
]);

export const messageStatusSchema = z
  .object({
    dst: z.string(),
    state: transmissionStateSchema,
    created: z.number(),
    deadline: z.number(),
    msgLen: z.number(),
  })
  .describe('MessageStatusResponse');

export const infoSchema = z
  .object({ nodeSubnet: z.string(), nodeIp: z.string(), nodePubkey: z.string(), nodeStartTime: z.number() })
  .describe('Info');
