import { idStr, type Stream } from './stream.js';

/**
 * Commands that rebuild a stream exactly (entries, last id, counters, groups, consumers and
 * pending lists), for snapshots and AOF rewrites.
 */
export function streamCommandsFor(key: string, s: Stream): string[][] {
  const out: string[][] = [];
  for (const e of s.entries) out.push(['XADD', key, idStr(e.id), ...e.fields]);
  if (s.entries.length === 0) {
    const seed = s.lastId.ms === 0 && s.lastId.seq === 0 ? '0-1' : idStr(s.lastId);
    out.push(['XADD', key, 'MAXLEN', '0', seed, 'x', 'y']);
  }
  out.push(['XSETID', key, idStr(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idStr(s.maxDeletedId)]);
  for (const g of s.groups.values()) {
    out.push(['XGROUP', 'CREATE', key, g.name, idStr(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.consumers.values()) out.push(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
    for (const p of g.pel) {
      out.push([
        'XCLAIM', key, g.name, p.consumer.name, '0', idStr(p.id),
        'TIME', String(p.deliveryTime), 'RETRYCOUNT', String(p.deliveryCount), 'FORCE', 'JUSTID',
      ]);
    }
  }
  return out;
}
