export { MyceliumRelay, type RelayHop } from './relay.js';
export { startRedis, type RedisServer } from './redis.js';
export { processesWithMarker } from '@hero/smoke';
export { HeroNode, REPO_ROOT, TSX_NODE, type NodeOptions, type RouterToken, type ExtraService } from './node.js';
export { startCluster, type Cluster, type ClusterOptions } from './cluster.js';
export { jobContenders, rpcContenders, type BenchContender } from './bench.js';
