// fengari ships no type declarations; the Lua C API it mirrors is used untyped.
declare module 'fengari' {
  const fengari: any;
  export default fengari;
}
