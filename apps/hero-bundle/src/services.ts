import type { z } from 'zod';
import type { RunContext } from '@hero/core';
import * as code from '@hero/code';
import * as db from '@hero/db';
import * as indexer from '@hero/indexer';
import * as mycelium from '@hero/mycelium-bus';
import * as proc from '@hero/proc';
import * as router from '@hero/router';
import * as supervisor from '@hero/supervisor';

/** A service the bundle can run: its config table, dir, sockets and library entry points. */
export interface ServiceDef {
  /** Table name in hero_bundle.toml. */
  key: string;
  /** Service dir under the socket dir. */
  service: string;
  sockets: string[];
  configSchema: z.ZodType;
  run: (config: never, signal: AbortSignal, ctx?: RunContext) => Promise<void>;
}

/** Every service, in start order (DESIGN §4): the router last, as it maps the others. */
export const SERVICES: readonly ServiceDef[] = [
  { key: 'mycelium', service: 'mycelium', sockets: ['rpc'], configSchema: mycelium.configSchema, run: mycelium.run },
  { key: 'db', service: 'hero_db', sockets: ['rpc', 'resp'], configSchema: db.configSchema, run: db.run },
  { key: 'indexer', service: 'hero_indexer', sockets: ['rpc'], configSchema: indexer.configSchema, run: indexer.run },
  { key: 'code', service: 'hero_code', sockets: ['rpc', 'editor'], configSchema: code.configSchema, run: code.run },
  { key: 'proc', service: 'hero_proc', sockets: ['rpc', 'admin'], configSchema: proc.configSchema, run: proc.run },
  { key: 'supervisor', service: 'hero_supervisor', sockets: ['rpc'], configSchema: supervisor.configSchema, run: supervisor.run },
  { key: 'router', service: 'hero_router', sockets: ['rpc', 'admin'], configSchema: router.configSchema, run: router.run },
];
