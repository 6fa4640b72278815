/**
 * Source of the pthread worker for the threaded SIMD build of
 * @tensorflow/tfjs-backend-wasm 4.22.0, rewritten to load the Emscripten glue
 * from the app's own origin.
 *
 * vite.config.ts aliases the package's `../wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`
 * import to this module. The package starts each pthread worker from a blob
 * holding this source, and that worker then runs `importScripts()` on a second
 * blob made from `wasmFactoryThreadedSimd.toString()`. Both steps break in the
 * studio's bundle:
 * - `script-src 'self'` blocks `importScripts(blob:...)`, and
 * - the stringified factory has lost its enclosing scope (`_scriptDir`) and
 *   is the bundler's rewritten copy, not the file Emscripten generated.
 * So the worker imports the unmodified glue file, served by Vite as a
 * same-origin asset, by its absolute URL. The blob worker itself is allowed by
 * `worker-src 'self' blob:`.
 */
// The package ships this CommonJS file without type declarations.
// @ts-expect-error TS7016: no .d.ts for the pthread worker source.
import { wasmWorkerContents as packagedWorkerSource } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import threadedGlueUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';

/** The branch of the packaged worker that imports the glue from `e.data.urlOrBlob` (tfjs 4.22.0). */
const GLUE_IMPORT_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * True when the packaged worker source had the expected glue import and was
 * rewritten. When false (another package version), `wasm-setup.ts` turns the
 * threaded build off, so the backend falls back to SIMD on one thread.
 */
export const pthreadWorkerPatched: boolean = (packagedWorkerSource as string).includes(GLUE_IMPORT_BRANCH);

// A blob worker has no base URL of its own, so the glue URL must be absolute.
const absoluteGlueUrl = new URL(threadedGlueUrl, self.location.href).href;

export const wasmWorkerContents: string = pthreadWorkerPatched
  ? (packagedWorkerSource as string).replace(GLUE_IMPORT_BRANCH, `importScripts(${JSON.stringify(absoluteGlueUrl)});`)
  : (packagedWorkerSource as string);
