// A ZIP archive writer for "export all": one download instead of a dozen (browsers block a page's
// downloads after about ten in a row). Text entries are deflated with the browser's CompressionStream
// where it exists; PNGs are compressed already and are stored.
import { crc32 } from './crc32.js';

/** One file of an archive. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** Raw DEFLATE of `bytes` by the browser, or null where CompressionStream('deflate-raw') is missing. */
async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array | null> {
  if (typeof CompressionStream === 'undefined') return null;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return null;
  }
}

/** DOS date and time fields of `date` (local time, 2-second resolution), as ZIP headers hold them. */
function dosTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** A ZIP archive (no ZIP64: the page's exports stay far below 4 GB) of `entries`, names in UTF-8. */
export async function zipArchive(entries: ZipEntry[], date = new Date()): Promise<Blob> {
  const encoder = new TextEncoder();
  const { time, day } = dosTime(date);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const crc = crc32(entry.data);
    const packed = entry.name.endsWith('.png') ? null : await deflateRaw(entry.data);
    const deflated = packed !== null && packed.length < entry.data.length;
    const body = deflated ? packed : entry.data;
    const method = deflated ? 8 : 0;
    // Fields shared by the local header (from "version needed") and the central record.
    const common = (view: DataView, at: number) => {
      view.setUint16(at, 20, true); // version needed: 2.0 (deflate)
      view.setUint16(at + 2, 0x0800, true); // flags: names are UTF-8
      view.setUint16(at + 4, method, true);
      view.setUint16(at + 6, time, true);
      view.setUint16(at + 8, day, true);
      view.setUint32(at + 10, crc, true);
      view.setUint32(at + 14, body.length, true);
      view.setUint32(at + 18, entry.data.length, true);
      view.setUint16(at + 22, name.length, true);
    };
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    common(lv, 4);
    local.set(name, 30);
    const record = new Uint8Array(46 + name.length);
    const cv = new DataView(record.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // made by: version 2.0
    common(cv, 6);
    cv.setUint32(42, offset, true);
    record.set(name, 46);
    parts.push(local, body);
    central.push(record);
    offset += local.length + body.length;
  }
  const size = central.reduce((s, r) => s + r.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, size, true);
  ev.setUint32(16, offset, true);
  return new Blob([...parts, ...central, end] as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
}
