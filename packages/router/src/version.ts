/** Service directory name of the router. */
export const SERVICE = 'hero_router';
/** Package version, reported by /health and heroservice.json. */
export const VERSION = '0.1.0';
