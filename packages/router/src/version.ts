/** Service directory name of the router. */
import pkg from '../package.json' with { type: 'json' };
export const SERVICE = 'hero_router';
/** Package version, reported by /health and heroservice.json. */
export const VERSION: string = pkg.version;
