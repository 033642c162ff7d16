/** Program entry of the built-in command runner as the supervisor starts it (settings from env). */
import { runCommandRunnerFromEnv } from './runner-program.js';

await runCommandRunnerFromEnv(process.env);
