import * as tf from '@tensorflow/tfjs-core';

/**
 * The part of @tensorflow/tfjs-backend-webgpu 4.22.0's program interface these kernels use.
 * The backend prepends its own preamble (input arrays named after `variableNames`, the
 * `result` array, `uniforms`, `getGlobalIndex`), then calls `main(index)` once per thread.
 */
export interface GpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  getUserCode(): string;
}

/** The WebGPU backend members the kernels use. */
export interface GpuBackendLike {
  runWebGPUProgram(program: GpuProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): void;
  tensorMap: { get(dataId: tf.DataId): { dtype: tf.DataType } };
}

/**
 * True when every tensor's GPU buffer contains float32 values. The backend declares each input array with
 * its buffer's type, which can differ from the tensor's own dtype (an int32 buffer under a float32
 * tensor after some casts), and these kernels only read f32 arrays.
 */
export function allFloat32(backend: GpuBackendLike, ...tensors: tf.TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32' && backend.tensorMap.get(t.dataId).dtype === 'float32');
}

const WORKGROUP_SIZE = 64;

/**
 * Builds a program that runs `body` once for each of `threads` threads, with `thread` (i32) in scope.
 * Every shape the body depends on is baked into its text, so `key` must name all of them:
 * the backend caches compiled pipelines by key.
 */
export function threadProgram(key: string, outputShape: number[], inputNames: string[], threads: number, body: string): GpuProgram {
  return {
    variableNames: inputNames,
    outputShape,
    shaderKey: `software_${key}`,
    // A flat layout makes the backend pass the global thread index to main.
    dispatchLayout: { x: outputShape.map((_, axis) => axis) },
    dispatch: [Math.ceil(threads / WORKGROUP_SIZE), 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    getUserCode: () => `
      fn main(thread : i32) {
        // A binding the shader never names leaves the pipeline layout, which the backend does not expect.
        _ = uniforms.NAN;
        if (thread >= ${threads}) { return; }
        ${body}
      }
    `,
  };
}

/** Formats a number as a WGSL f32 literal. */
export function f32(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`No WGSL literal for ${value}.`);
  const text = String(Math.fround(value));
  return /[.e]/.test(text) ? text : `${text}.0`;
}
