/**
 * wasmoon's Emscripten build wraps every exported C function in a checking closure (`J(name)`:
 * an assertion, a lookup by name and `apply` over `arguments`) that costs more than the call it
 * makes; a script's redis.call makes dozens of them. This catches the WebAssembly instance made
 * while an engine starts and gives the module back with its `_lua_*`, `_luaL_*`, `_malloc` and
 * `_free` bound to the instance's own exports (the same functions, unwrapped). Everything else
 * (HEAPU8 and its kin, addFunction) is the module's, read through it as before. When the instance
 * cannot be found (another wasmoon build), the module is used as it is.
 */

/** What is used here of WebAssembly (not in this project's TypeScript libs). */
export interface Instance {
  readonly exports: Record<string, unknown>;
}
type Instantiated = Instance | { instance: Instance };
type Instantiate = (...args: unknown[]) => Promise<Instantiated>;
interface WasmGlobal {
  Instance: new (...args: never[]) => Instance;
  instantiate: Instantiate;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

/** Instances made while some engine is starting; `catching` counts the starts under way. */
const made = new Set<Instance>();
let catching = 0;
let original: Instantiate | null = null;

function instanceOf(result: Instantiated): Instance {
  return result instanceof WebAssembly.Instance ? result : (result as { instance: Instance }).instance;
}

/** Runs `start` (which makes one wasmoon module) with WebAssembly.instantiate watched; the instances made meanwhile are kept until `release`. */
export async function watchInstances<T>(start: () => Promise<T>): Promise<{ value: T; instances: Instance[]; release: () => void }> {
  if (catching++ === 0) {
    const plain = (original = WebAssembly.instantiate);
    WebAssembly.instantiate = (...args: unknown[]) =>
      plain.apply(WebAssembly, args).then((r) => {
        if (catching > 0) made.add(instanceOf(r));
        return r;
      });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (--catching === 0) {
      WebAssembly.instantiate = original!;
      original = null;
      made.clear();
    }
  };
  try {
    const value = await start();
    return { value, instances: [...made], release };
  } catch (err) {
    release();
    throw err;
  }
}

/** The module with its C functions bound to the exports of whichever of `instances` owns its memory (or the module itself). */
export function unwrapped(m: any, instances: readonly Instance[]): any {
  const heap = (m.HEAPU8 as Uint8Array).buffer;
  const own = instances.find((i) => (i.exports.memory as { buffer: ArrayBuffer } | undefined)?.buffer === heap);
  if (own === undefined) return m;
  const fast = Object.create(m);
  for (const key of Object.keys(m)) {
    if (!/^_(lua|luaL)_|^_(malloc|free)$/.test(key)) continue;
    const raw = own.exports[key.slice(1)];
    if (typeof raw === 'function') fast[key] = raw;
  }
  return fast;
}
