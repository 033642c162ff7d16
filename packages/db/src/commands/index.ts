import type { CommandDef } from '../command.js';
import { connectionCommands } from './connection.js';
import { hashCommands } from './hashes.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { pubsubCommands } from './pubsub.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import { zsetCommands } from './zsets.js';
import { streamCommands } from '../stream/commands.js';
import { scriptingCommands } from '../lua/commands.js';

/** Every command group; new groups (streams, scripting) are added here. */
export function allCommands(): CommandDef[] {
  return [
    ...connectionCommands,
    ...serverCommands,
    ...keyCommands,
    ...stringCommands,
    ...listCommands,
    ...hashCommands,
    ...setCommands,
    ...zsetCommands,
    ...pubsubCommands,
    ...transactionCommands,
    ...streamCommands,
    ...scriptingCommands,
  ];
}
