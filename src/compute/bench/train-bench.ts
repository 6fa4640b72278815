/**
 * The small-CNN training benchmark: the same SmallCnn, ClassifierTrainer and Adam as a studio
 * run, on random pixels, so `npm run bench` measures the code path the studio trains with.
 */
import type { BenchTrainRequest, BenchTrainResult } from '../../bench-protocol';
import { SeededRng } from '../../core/rng';
import { ClassifierTrainer, DEFAULT_TRAIN_CONFIG } from '../../core/train/classifier-trainer';
import { SmallCnn } from '../../core/train/small-cnn';
import { BENCH_CLASSES, StepClock, randomLabels, randomPixelStore, readMemory, validateStepRequest } from './bench-helpers';

export async function benchTrainStep(request: BenchTrainRequest): Promise<BenchTrainResult> {
  validateStepRequest('benchTrainStep', request);
  const { inputSize, channels, batchSize, steps, seed } = request;

  const memoryBefore = readMemory();
  const rng = new SeededRng(seed);
  const imageCount = batchSize * steps;
  const store = randomPixelStore(imageCount, inputSize, rng.fork('pixels'));
  const labels = randomLabels(imageCount, rng.fork('labels'));

  const model = new SmallCnn({ inputSize, channels, numClasses: BENCH_CLASSES, dropout: 0 }, rng.fork('init'));
  const trainer = new ClassifierTrainer(
    { params: model.params, numClasses: BENCH_CLASSES, logits: (images) => model.logits(images) },
    store,
    labels,
    { train: Array.from({ length: imageCount }, (_, index) => index), val: [] },
    { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize, seed },
  );

  // The trainer reports images/s from its own timer around each step, which includes the
  // loss read-back that ends each step, so step time = batch / rate.
  const clock = new StepClock(request);
  try {
    await trainer.run({
      onStep: (progress) => {
        if (clock.record(progress.imagesPerSecond, batchSize)) trainer.control.stop();
      },
    });
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return clock.result(memoryBefore, readMemory());
}
