// PNG metadata: inserts a tEXt chunk (keyword + Latin-1 text) after IHDR, so an exported image carries
// the URL of the state that recreates it (readable with `exiftool`, `pngcheck -t`, or any PNG library).
import { crc32 } from './crc32.js';

/** Latin-1 bytes of text (characters outside Latin-1 become '?'; URLs are ASCII). */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 256 ? code : 63;
  });
}

/** The PNG bytes with a tEXt chunk `keyword\0text` inserted after the IHDR chunk. */
export function withTextChunk(png: Uint8Array, keyword: string, text: string): Uint8Array {
  const data = new Uint8Array([...latin1(keyword), 0, ...latin1(text)]);
  const typed = new Uint8Array(4 + data.length);
  typed.set(latin1('tEXt'), 0);
  typed.set(data, 4);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(typed, 4);
  view.setUint32(8 + data.length, crc32(typed));
  // signature (8) + IHDR (4 length + 4 type + 13 data + 4 crc) = 33 bytes
  const at = 33;
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, at), 0);
  out.set(chunk, at);
  out.set(png.subarray(at), at + chunk.length);
  return out;
}
