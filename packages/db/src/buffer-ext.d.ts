// Node's fast latin1 codecs exist on every Buffer but are not in @types/node.
declare global {
  interface Buffer {
    latin1Write(s: string, offset?: number, length?: number): number;
    latin1Slice(start?: number, end?: number): string;
  }
}
export {};
