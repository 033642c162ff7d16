import { RpcClient, socketPath, type RpcClientOptions } from '@hero/core';
import type { RouterHealth, ScanResult, ServiceSummary } from './schemas.js';

export type {
  MethodInfo,
  RouterHealth,
  ScanResult,
  ServiceSummary,
  SocketInfo,
  SocketStatus,
} from './schemas.js';

/** Typed client of hero_router's API (rpc.sock, or `http://host:9998` for `/rpc`). */
export class RouterClient {
  readonly rpc: RpcClient;

  /** `target`: a socket path, an http(s) base URL, or `{ socketDir }` for `<socketDir>/hero_router/rpc.sock`. */
  constructor(target: string | { socketDir: string }, options: RpcClientOptions = {}) {
    this.rpc = new RpcClient(typeof target === 'string' ? target : socketPath(target.socketDir, 'hero_router', 'rpc'), options);
  }

  /** Every discovered service with its sockets. */
  services(): Promise<ServiceSummary[]> {
    return this.rpc.call('router.services', {});
  }

  /** One service with its sockets' methods. */
  service(name: string): Promise<ServiceSummary> {
    return this.rpc.call('router.service', { name });
  }

  /** Rescans and probes now. */
  scan(): Promise<ScanResult> {
    return this.rpc.call('router.scan', {});
  }

  health(): Promise<RouterHealth> {
    return this.rpc.call('router.health', {});
  }

  /** The cached OpenRPC document of `<service>/<socket>.sock`. */
  spec(service: string, socket = 'rpc'): Promise<Record<string, unknown>> {
    return this.rpc.call('router.spec', { service, socket });
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
