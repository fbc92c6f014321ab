// Uploaded datasets too large for a URL: kept in the page and in sessionStorage (so a reload of the tab
// keeps them), and named in the state's `ds` field by a reference `upload:<hash>`. A copied link carries
// only the reference, which another browser cannot resolve; the page says so.

/** The prefix of a stored dataset's reference in the `ds` field. */
const UPLOAD_PREFIX = 'upload:';

/** Longest dataset JSON written into the URL itself (longer ones are stored and referenced). */
export const URL_DATASET_CHARS = 4000;

const KEY = 'attnsvm-dataset:';
const memory = new Map<string, string>();

/** A short content hash (FNV-1a, 32 bits, hex): the same file gives the same reference. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; ++k) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Where a dataset's JSON went: into the URL, or stored (and whether it survives a reload of the tab). */
export interface Kept {
  /** The value of the state's `ds` field. */
  inline: string;
  where: 'url' | 'session' | 'page';
}

/** Keeps a dataset's JSON: small ones go into the URL, larger ones into the page and sessionStorage. */
export function keepDataset(json: string): Kept {
  if (json.length <= URL_DATASET_CHARS) return { inline: json, where: 'url' };
  const ref = UPLOAD_PREFIX + hash(json);
  memory.set(ref, json);
  try {
    sessionStorage.setItem(KEY + ref, json);
    return { inline: ref, where: 'session' };
  } catch {
    // over the storage quota (or storage disabled): this page keeps it until it is closed or reloaded
    return { inline: ref, where: 'page' };
  }
}

/** The JSON of a `ds` field: itself, or the stored dataset it references; throws naming `ds` when it is gone. */
export function resolveDataset(inline: string): string {
  if (!inline.startsWith(UPLOAD_PREFIX)) return inline;
  let json = memory.get(inline);
  if (json === undefined && typeof sessionStorage !== 'undefined') json = sessionStorage.getItem(KEY + inline) ?? undefined;
  if (json === undefined)
    throw new Error(`ds: the uploaded dataset ${inline} is not in this browser tab (a link does not carry the file); upload it again`);
  return json;
}
