import type { Options } from 'tsup';

/** Shared build settings: ESM for Node 20, declarations, clean dist. */
export const base: Options = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  // keep `node:` specifiers: some built-ins (node:sea, node:test) exist only under that name
  removeNodeProtocol: false,
};
