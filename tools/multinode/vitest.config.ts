import { mergeConfig } from 'vitest/config';
import base from '../../vitest.base.ts';

// Each file starts several hero_bundle processes and checks timings (504 after 2 s, heartbeats
// going stale): one file at a time, so two clusters never share a 2-core machine.
export default mergeConfig(base, { test: { fileParallelism: false } });
