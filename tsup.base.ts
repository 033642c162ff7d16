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
};
