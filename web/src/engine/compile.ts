// The page compiles the engine's wasm while its worker starts, for an early first heatmap: the
// fetch and the compile overlap the worker's start-up instead of following it, and every worker of
// the page (compare mode's run B, a restarted worker) reuses the one Module.

/**
 * Fetches and compiles attnsvm.wasm at `wasmUrl`, streaming when the server says application/wasm.
 * Never rejects: null means "let the worker load it as usual".
 */
export async function compileEngine(wasmUrl: string | URL): Promise<WebAssembly.Module | null> {
  try {
    const response = await fetch(wasmUrl);
    if (!response.ok) return null;
    // compileStreaming insists on the MIME type; a server without it still gets one request
    const streamable = response.headers.get('Content-Type')?.split(';')[0]?.trim() === 'application/wasm';
    return streamable ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  } catch {
    return null;
  }
}
