/** hero_supervisor: distributed jobs and runners (server entry). */
export { run, SERVICE } from './supervisor.js';
export { createProducer, type Producer, type ProducerOptions } from './producer.js';
export { configSchema, runnerConfigSchema, type Config, type RunnerConfig } from './config.js';
export { createRunner, type CreateRunnerOptions, type Runner, type RunnerHandler, type JobContext, type AbortReason } from './runner.js';
export { commandHandler, createCommandRunner, type CommandHandlerOptions, type CommandRunnerOptions } from './command-runner.js';
export { runCommandRunnerProgram, runCommandRunnerFromEnv } from './runner-program.js';
export { builtinRunnerCommand } from './builtin-runner.js';
export { keys, type Keys } from './keys.js';
export { parseRedisTarget, type RedisTarget } from './redis.js';
export { VERSION } from './version.js';
export * from './client.js';
