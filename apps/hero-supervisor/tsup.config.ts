import { defineConfig } from 'tsup';
import { base } from '../../tsup.base.ts';

export default defineConfig({ ...base, dts: false, entry: ['src/cli.ts', 'src/runner.ts'] });
