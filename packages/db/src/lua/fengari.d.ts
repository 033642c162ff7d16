// fengari ships no type declarations; the Lua C API it mirrors is used untyped.
declare module 'fengari' {
  const fengari: any;
  export default fengari;
}
declare module 'fengari/src/lobject.js' {
  const lobject: any;
  export default lobject;
}
declare module 'fengari/src/lstring.js' {
  const lstring: any;
  export default lstring;
}

// Internal modules patched for Redis compatibility (see lua51-numbers.ts, pcall-hook-fix.ts).
declare module 'fengari/src/lobject.js' {
  const m: any;
  export default m;
}
declare module 'fengari/src/lstring.js' {
  const m: any;
  export default m;
}
declare module 'fengari/src/lstate.js' {
  const m: any;
  export default m;
}
