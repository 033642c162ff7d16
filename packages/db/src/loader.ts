/// <reference path="./buffer-ext.d.ts" />
import fs from 'node:fs';
import type { Engine } from './engine.js';
import { ProtocolError, RespParser } from './resp/parser.js';

export interface LoadResult {
  commands: number;
  /** Bytes kept; less than the file size when a torn or corrupt tail was cut. */
  validBytes: number;
  fileBytes: number;
  problem?: 'truncated' | 'corrupt';
}

/**
 * Replays a file of RESP commands (AOF or snapshot) into the engine. Stops at the first incomplete
 * or malformed record, and at an unterminated MULTI, reporting how many bytes are valid.
 */
export function loadCommands(engine: Engine, file: string): LoadResult {
  const data = fs.readFileSync(file);
  const parser = new RespParser({ maxBulk: Number.MAX_SAFE_INTEGER, multibulkOnly: true });
  parser.feed(data);
  const s = engine.newSession(null);
  s.authenticated = true;
  engine.loading = true;
  let commands = 0;
  let valid = 0;
  let multiStart = -1;
  let problem: LoadResult['problem'];
  try {
    for (;;) {
      let argv: string[] | null;
      try {
        argv = parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        problem = 'corrupt';
        break;
      }
      if (argv === null) {
        if (parser.offset !== data.length) problem = 'truncated';
        break;
      }
      const name = argv[0]!.toLowerCase();
      if (name === 'multi') multiStart = valid;
      engine.execute(s, argv);
      s.out.take();
      commands++;
      if (name === 'exec') multiStart = -1;
      valid = parser.offset;
    }
    if (multiStart !== -1) {
      // A transaction without its EXEC never happened.
      s.multi = null;
      valid = multiStart;
      problem ??= 'truncated';
    }
  } finally {
    engine.loading = false;
    engine.freeSession(s);
  }
  return { commands, validBytes: valid, fileBytes: data.length, problem };
}
