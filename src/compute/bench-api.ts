/** Benchmark methods of the training worker, measured by `npm run bench` through the headless runner. */
import type { BenchWorkerApi } from '../bench-protocol';
import { benchClipItStep } from './bench/clipit-bench';
import { benchEpochMemory } from './bench/memory-bench';
import { benchRetrieval } from './bench/retrieval-bench';
import { benchTrainStep } from './bench/train-bench';

export const benchApi: BenchWorkerApi = { benchTrainStep, benchClipItStep, benchRetrieval, benchEpochMemory };
