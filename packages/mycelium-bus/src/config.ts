/** The written configuration of the message bus (TOML keys = these names). */
import { isLoopbackHost, parseHostPort } from '@hero/core';
import { z } from 'zod';

const MiB = 1024 * 1024;

const tcpAddress = (what: string, port: number) =>
  z
    .string()
    .default('')
    .describe(`${what} on TCP, e.g. "127.0.0.1:${port}" (loopback only); "" disables it`)
    .superRefine((v, ctx) => {
      if (v === '') return;
      try {
        const { host } = parseHostPort(v);
        if (!isLoopbackHost(host)) ctx.addIssue({ code: 'custom', message: `${v} is not a loopback address (the API has no auth)` });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });

const topicSchema = z.strictObject({
  topic: z.string().min(1).describe('Topic as text (UTF-8, at most 255 bytes)'),
  sources: z.array(z.string()).default([]).describe('Subnets (CIDR) allowed to send on the topic; empty blocks everyone'),
  forward_socket: z.string().optional().describe('Unix socket that receives the payloads of this topic'),
});

export const configSchema = z
  .strictObject({
    socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding mycelium/rpc.sock'),
    data_dir: z.string().default('~/hero/var/mycelium').describe('Directory of the node key (priv_key.bin, 0600)'),
    rpc_tcp: tcpAddress('Also serve JSON-RPC (and REST)', 8990),
    rest_tcp: tcpAddress('Also serve the REST API (and JSON-RPC)', 8989),
    upstream: z
      .string()
      .default('')
      .describe('REST API URL of a real Mycelium daemon for other destinations, e.g. http://127.0.0.1:8989; "" for none')
      .refine((v) => v === '' || /^https?:\/\/[^/]/.test(v), { message: 'must be an http(s) URL or ""' }),
    upstream_pull: z.boolean().default(true).describe('Pull messages from the upstream inbox into the local one'),
    upstream_poll_secs: z.number().int().min(1).max(300).default(30).describe('Long-poll duration of each upstream pull'),
    max_message_bytes: z.number().int().min(1).max(64 * MiB).default(4 * MiB).describe('Largest payload accepted (bytes)'),
    max_queue_messages: z.number().int().min(1).default(10_000).describe('Unread messages held per topic; more are refused'),
    max_queue_bytes: z.number().int().min(1).default(64 * MiB).describe('Unread bytes held per topic; more are refused'),
    max_total_bytes: z.number().int().min(1).default(256 * MiB).describe('Unread bytes held over all topics'),
    message_ttl_secs: z.number().int().min(1).max(7 * 24 * 3600).default(300).describe('Unread messages expire after this'),
    forward_timeout_secs: z.number().int().min(1).max(3600).default(10).describe('Wait for a forward socket answer'),
    default_topic_action: z.enum(['accept', 'reject']).default('accept').describe('What happens to topics not listed'),
    topics: z.array(topicSchema).default([]).describe('Topic allow-list entries'),
  })
  .describe('mycelium-bus configuration');

export type Config = z.output<typeof configSchema>;
