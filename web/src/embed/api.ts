// The postMessage API of an embedded playground, version 1. A host page commands the frame and hears
// its events; every message is an object { source: "attention-svm-playground", version: 1, type, … }.
//
// Commands (host → frame), each optionally with an `id` echoed in the reply:
//   play · pause · step {count?: 1..100000} · reset · getState · setState {state: query string or
//   {urlKey: value}, replace?: boolean}   (keys and values as in the page's URL, checked by state.ts;
//   a `preset` replaces the run with that preset's, the other keys given on top of it)
// Replies and events (frame → host):
//   ack {id, command} · state {id, query, url, step, playing} · error {id, message}
//   ready {query, url} · snapshot {step, playing, metrics} (at most 4 a second) ·
//   converged {step, norm, corr} (once per run, when a corr_<norm> first reaches 0.999) · resize {height}
// Malformed messages (a setState with a key or value the schema rejects included), unknown types and
// other versions are ignored. With `allowedOrigins` set, only
// those origins may command the frame, and events go only to them.
import type { Snapshot } from '../engine/index.js';
import type { PageApi } from '../page.js';
import { HIDEABLE, SCHEMA, fromQuery, parseValue, toQuery, type State } from '../state.js';
import { urlOf } from './links.js';

/** The `source` of every message of this API. */
export const SOURCE = 'attention-svm-playground';
/** The protocol version this frame speaks. */
const VERSION = 1;
/** Shortest interval between two snapshot events. */
const SNAPSHOT_MS = 250;
/** corr(W_t, W_mm) at which a run counts as converged. */
const CONVERGED = 0.999;

/** A command after validation. */
export type Command =
  | { type: 'play' | 'pause' | 'reset' | 'getState'; id?: string | number }
  | { type: 'step'; id?: string | number; count: number }
  | { type: 'setState'; id?: string | number; query: string; replace: boolean };

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Whether every parameter of a query is a schema key with a value that parses (state.ts). */
function schemaValid(params: URLSearchParams): boolean {
  for (const [key, value] of params) {
    if (key.endsWith('_hide')) {
      if (!HIDEABLE.includes(key.slice(0, -'_hide'.length)) || !['1', '0', 'true', 'false'].includes(value)) return false;
      continue;
    }
    const f = SCHEMA.find((row) => row.key === key);
    if (!f || f.type === 'flags' || parseValue(f, value) === undefined) return false;
  }
  return true;
}

/** The URL query of a setState payload (a query string or {key: value}); null when malformed. */
function queryOf(state: unknown): string | null {
  let params: URLSearchParams;
  if (typeof state === 'string') {
    if (state.length > 20000) return null;
    params = new URLSearchParams(state.replace(/^\?/, ''));
  } else if (isRecord(state)) {
    params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) {
      if (typeof value === 'string' || typeof value === 'number') params.set(key, String(value));
      else if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) params.set(key, value.join(','));
      else return null;
    }
  } else return null;
  return schemaValid(params) ? params.toString() : null;
}

/** Validates a message; null for anything that is not a well-formed version-1 command. */
export function parseCommand(data: unknown): Command | null {
  if (!isRecord(data) || data.source !== SOURCE || data.version !== VERSION || typeof data.type !== 'string') return null;
  let id: string | number | undefined;
  if (data.id !== undefined) {
    if ((typeof data.id === 'string' && data.id.length <= 100) || (typeof data.id === 'number' && Number.isFinite(data.id))) id = data.id;
    else return null;
  }
  const withId = <T extends object>(c: T) => (id === undefined ? c : { ...c, id });
  switch (data.type) {
    case 'play':
    case 'pause':
    case 'reset':
    case 'getState':
      return withId({ type: data.type });
    case 'step': {
      const count = data.count ?? 1;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100000) return null;
      return withId({ type: 'step' as const, count });
    }
    case 'setState': {
      const query = queryOf(data.state);
      if (query === null || (data.replace !== undefined && typeof data.replace !== 'boolean')) return null;
      return withId({ type: 'setState' as const, query, replace: data.replace === true });
    }
    default:
      return null;
  }
}

/** The origins of an `allowedOrigins` value (comma- or space-separated); empty: any origin. */
export function allowedOrigins(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
}

/** The summary of a snapshot a host hears: step and the engine's headline metrics. */
function summary(snap: Snapshot, playing: boolean): Record<string, unknown> {
  const metrics: Record<string, number | null> = {};
  for (const key of snap.columns)
    if (
      ['loss', 'train_acc', 'test_acc', 'min_s_opt', 'log10_1m_s_opt', 'min_s_sel', 'log10_1m_s_sel', 'norm_fro'].includes(key) ||
      /^(corr|margin|svm_margin|bregman)_/.test(key)
    )
      metrics[key] = Number.isFinite(snap.metrics[key]) ? snap.metrics[key] : null;
  return { step: snap.step, playing, metrics };
}

/** Installs the API; returns `ready()`, called once the first run is configured. */
export function installMessageApi(api: PageApi): { ready(): void } {
  const host = window.parent !== window ? window.parent : null;
  const origins = () => allowedOrigins(api.state().origins);
  const post = (type: string, body: Record<string, unknown> = {}) => {
    if (!host) return;
    const message = { source: SOURCE, version: VERSION, type, ...body };
    const allowed = origins();
    if (allowed.length === 0) return host.postMessage(message, '*');
    // where the browser tells the host's origin, post only to it (a mismatched target is a console warning)
    const parent = location.ancestorOrigins?.[0];
    for (const origin of allowed) if (parent === undefined || parent === origin) host.postMessage(message, origin);
  };
  const stateReply = (id?: string | number) => {
    const state = api.state();
    return {
      ...(id === undefined ? {} : { id }),
      query: toQuery(state),
      url: urlOf(state),
      step: api.client.state.step,
      playing: api.client.state.playing,
    };
  };

  let ready = false;
  window.addEventListener('message', (event: MessageEvent) => {
    if (!ready || event.source !== host) return;
    const allowed = origins();
    if (allowed.length > 0 && !allowed.includes(event.origin)) return;
    const command = parseCommand(event.data);
    if (!command) return;
    void run(command).catch((e: Error) => post('error', { ...(command.id === undefined ? {} : { id: command.id }), message: e.message }));
  });

  async function run(command: Command): Promise<void> {
    const ack = () => post('ack', { ...(command.id === undefined ? {} : { id: command.id }), command: command.type });
    switch (command.type) {
      case 'play':
        await api.play();
        return ack();
      case 'pause':
        await api.pause();
        return ack();
      case 'step':
        await api.step(command.count);
        return ack();
      case 'reset':
        await api.reset();
        return ack();
      case 'getState':
        return post('state', stateReply(command.id));
      case 'setState': {
        const current = api.state();
        const incoming = new URLSearchParams(command.query);
        // a preset names a whole run (as the picker does): the other fields named come on top of it
        const fresh = command.replace || incoming.has('preset');
        const base = new URLSearchParams(fresh ? '' : toQuery(current));
        for (const [key, value] of incoming) base.set(key, value);
        // the frame's own embedding fields stay unless the host names them
        const next: State = fromQuery(base.toString());
        if (fresh)
          for (const name of ['embed', 'views', 'controls', 'autoplay', 'origins', 'hide', 'cmap', 'attn'] as const)
            if (!SCHEMA.some((f) => f.name === name && incoming.has(f.key)))
              (next as unknown as Record<string, unknown>)[name] = current[name];
        next.origins = current.origins; // a host cannot widen who may command the frame
        await api.load(next, api.client.state.playing);
        return post('state', stateReply(command.id));
      }
    }
  }

  // throttled snapshot events and the converged event
  let sentAt = -Infinity;
  let timer = 0;
  let latest: Snapshot | null = null;
  let convergedRun = false;
  let lastStep = -1;
  api.client.onSnapshot((snap) => {
    if (snap.step < lastStep) convergedRun = false;
    lastStep = snap.step;
    if (!ready) return;
    if (!convergedRun)
      for (const key of snap.columns)
        if (key.startsWith('corr_') && snap.metrics[key] >= CONVERGED) {
          convergedRun = true;
          post('converged', { step: snap.step, norm: key.slice(5), corr: snap.metrics[key] });
          break;
        }
    latest = snap;
    if (timer) return;
    timer = window.setTimeout(
      () => {
        timer = 0;
        sentAt = performance.now();
        if (latest) post('snapshot', summary(latest, api.client.state.playing));
      },
      Math.max(0, sentAt + SNAPSHOT_MS - performance.now()),
    );
  });

  // content height for auto-height iframes
  let height = -1;
  const measure = () => {
    const h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== height && ready) {
      height = h;
      post('resize', { height: h });
    }
  };
  new ResizeObserver(() => requestAnimationFrame(measure)).observe(document.body);

  return {
    ready() {
      ready = true;
      post('ready', { query: toQuery(api.state()), url: urlOf(api.state()) });
      requestAnimationFrame(measure);
    },
  };
}
