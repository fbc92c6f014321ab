// URLs of a state: the canonical playground link, the embed link and the <iframe> embed code. Built from
// the typed schema (state.ts), relative to the page's own location so that any host and sub-path work.
import { DEFAULTS, toQuery, withChanges, type State } from '../state.js';

/** The fields that only shape an embed (not the run). */
const EMBED_ONLY: (keyof State)[] = ['embed', 'views', 'controls', 'autoplay', 'origins', 'hide'];

/** The page's address without query or hash (…/index.html or …/; the embed entry …/embed.html is the page at …/index.html). */
function pageBase(): string {
  return location.origin + location.pathname.replace(/\/embed\.html$/, '/index.html');
}

/** A URL of the page with this state. */
export function urlOf(state: State): string {
  const query = toQuery(state);
  return query ? `${pageBase()}?${query}` : pageBase();
}

/** The full-page link of a state: the embed-only fields dropped. */
export function playgroundUrl(state: State): string {
  const plain: Partial<State> = {};
  for (const name of EMBED_ONLY) (plain as Record<string, unknown>)[name] = DEFAULTS[name];
  return urlOf(withChanges(state, plain));
}

/** What the share panel asks for an embed. */
export interface EmbedOptions {
  views: string[];
  controls: string;
  autoplay: boolean;
  width: number;
  height: number;
  title: string;
}

/** The embed link of a state. */
export function embedUrl(state: State, options: Pick<EmbedOptions, 'views' | 'controls' | 'autoplay'>): string {
  return urlOf(withChanges(state, { embed: true, views: [...options.views], controls: options.controls, autoplay: options.autoplay }));
}

/** Escapes text for an HTML attribute value in double quotes. */
export function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The <iframe> code a blog post pastes (text: it is shown and copied, never inserted as HTML here). */
export function embedCode(state: State, options: EmbedOptions): string {
  const src = embedUrl(state, options);
  const w = Math.round(options.width);
  const h = Math.round(options.height);
  return (
    `<iframe src="${attribute(src)}" width="${w}" height="${h}" loading="lazy" ` +
    `title="${attribute(options.title)}" style="border:0;max-width:100%" allow="clipboard-write"></iframe>`
  );
}
