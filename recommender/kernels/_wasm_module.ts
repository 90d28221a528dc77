/**
 * Loading of the WebAssembly SIMD kernels. Their source is the WAT text in
 * `wasm/*.wat`; `deno task wasm` compiles it with wabt into `wasm/_kernels.ts`,
 * and {@linkcode _kernelBytes} / {@linkcode _lazyModule} read the binaries
 * from there (no toolchain and no file access at run time).
 *
 * @module
 */
import { _kernels } from "./wasm/_kernels.ts";

/** A kernel's name: its `.wat` file in `wasm/`, without the extension. */
export type _KernelName = keyof typeof _kernels;

/** The WebAssembly binary compiled from `wasm/<name>.wat`. */
export function _kernelBytes(name: _KernelName): Uint8Array<ArrayBuffer> {
  const text = atob(_kernels[name]);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Compiles the kernel `name` on first call and caches the module; null
 * (cached too) when the runtime cannot compile it (no WebAssembly SIMD):
 * callers then use their JS loop.
 */
export function _lazyModule(name: _KernelName): () => WebAssembly.Module | null {
  let module: WebAssembly.Module | null | undefined;
  return () => {
    if (module === undefined) {
      try {
        module = new WebAssembly.Module(_kernelBytes(name));
      } catch {
        module = null;
      }
    }
    return module;
  };
}
