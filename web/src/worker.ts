// The page's engine worker: the engine's JavaScript (build/wasm/index.mjs and its Emscripten glue, and the
// parts' loader wasm/parts.mjs) bundled in, so that starting it is one request and not a chain of three;
// its wasm comes in parts, compiled by the page (main.ts).
import { loadEngine } from 'attnsvm-engine';
import * as parts from '../../wasm/parts.mjs';
import { serveWorker } from './engine/host.js';

serveWorker(async () => ({ loadEngine, parts }));
