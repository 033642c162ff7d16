import { z } from 'zod';
import type { RpcMethod } from './rpc-method.js';

export interface ServiceInfo {
  /** Service dir name, e.g. `hero_db`. */
  name: string;
  title: string;
  version: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Builds an OpenRPC 1.3 document from the methods' zod schemas. */
export function buildOpenRpc(info: ServiceInfo, methods: Record<string, RpcMethod>): Record<string, unknown> {
  return {
    openrpc: '1.3.2',
    info: { title: info.title, version: info.version, description: info.description },
    methods: Object.entries(methods).map(([name, m]) => {
      const shape = m.params.shape as Record<string, z.ZodType>;
      return {
        name,
        ...(m.summary ? { summary: m.summary } : {}),
        ...(m.description ? { description: m.description } : {}),
        paramStructure: 'either',
        params: Object.entries(shape).map(([pname, schema]) => {
          const js = toSchema(schema, 'input');
          return {
            name: pname,
            ...(typeof js.description === 'string' ? { description: js.description } : {}),
            required: !schema.safeParse(undefined).success,
            schema: js,
          };
        }),
        result: { name: `${name}.result`, schema: toSchema(m.result, 'output') },
      };
    }),
  };
}
