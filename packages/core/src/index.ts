export {
  HeroError,
  ConfigError,
  NotFoundError,
  ConflictError,
  UnavailableError,
  AuthError,
  toHeroError,
  isErrnoException,
  type HeroErrorCode,
  type HeroErrorOptions,
} from './errors.js';
export {
  DEFAULT_SOCKET_DIR,
  expandHome,
  resolveSocketDir,
  defaultDataDir,
  defaultConfigDir,
  socketPath,
  ensureDir,
  isSocketLive,
  prepareSocket,
  removeSocket,
} from './paths.js';
export {
  listenHttp,
  type HttpListener,
  type ListenHttpOptions,
  type SocketListenOptions,
  type TcpListenOptions,
} from './listen.js';
export { browserRefusal, readBody, sendJson } from './http-util.js';
export { runWithTimeLimit } from './time-limit.js';
export { KeyedQueue } from './keyed-queue.js';
export {
  PARSE_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  INVALID_PARAMS,
  INTERNAL_ERROR,
  type JsonRpcId,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcErrorObject,
} from './json-rpc.js';
export { method, type RpcMethod, type CallContext } from './rpc-method.js';
export { buildOpenRpc, type ServiceInfo } from './openrpc.js';
export {
  createRpcHandler,
  rpcErrorObject,
  serveRpc,
  DEFAULT_BODY_LIMIT,
  type RpcHandler,
  type RpcHandlerOptions,
  type ServeRpcOptions,
  type HttpRoute,
} from './rpc-server.js';
export { RpcClient, RpcError, type RpcClientOptions, type CallOptions } from './rpc-client.js';
export { loadToml, parseConfig, mergeConfig, formatIssues } from './config.js';
export type { RunContext, ReadyInfo } from './run-context.js';
export { serveUi, createUiHandler, type ServeUiOptions } from './ui.js';
export { hostHeaderEnd, isLoopbackHost, isLoopbackHostHeader, parseHostPort } from './net-util.js';
