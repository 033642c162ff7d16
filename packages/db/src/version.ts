/** The Redis version hero_db implements and reports to clients (feature checks key on it). */
import pkg from '../package.json' with { type: 'json' };
export const REDIS_VERSION = '7.0.15';
/** hero_db's own version. */
export const HERO_DB_VERSION: string = pkg.version;
