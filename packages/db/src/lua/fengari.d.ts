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
