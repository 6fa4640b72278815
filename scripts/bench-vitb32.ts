/**
 * npm run bench:vitb32 — CLIP embedding throughput of a ViT-B/32-sized CLIP
 * (OpenAI ViT-B/32 shapes, random weights) on each backend of the headless
 * Chromium runner. Random weights cost exactly what real ones do, and real
 * ones cannot be downloaded here. Writes the folder to a temp directory; the
 * vocabulary is borrowed from the shared tiny-clip fixture (the real CLIP BPE).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseClipConfig } from '../src/core/clip/clip-config';
import { SeededRng } from '../src/core/rng';
import { initialClipWeights } from './demo-clip/init-weights';
import { writeSafetensors } from './demo-clip/safetensors-writer';
import { HeadlessRunner, REPO_ROOT } from './headless/runner';
import { listModelFiles } from './headless/model-folder';
import type { BackendName } from '../src/worker-protocol';

const SHARED = process.env.CLIPIT_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
const IMAGES = Number(process.env.VITB32_IMAGES ?? 4);
const TEXTS = Number(process.env.VITB32_TEXTS ?? 8);
const BACKENDS = (process.env.VITB32_BACKENDS ?? 'wasm,webgpu,cpu').split(',') as BackendName[];

const CONFIG = {
  architectures: ['CLIPModel'],
  model_type: 'clip',
  projection_dim: 512,
  logit_scale_init_value: 2.6592,
  text_config: { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 77, vocab_size: 49408, hidden_act: 'quick_gelu', eos_token_id: 2, projection_dim: 512 },
  vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 32, num_channels: 3, hidden_act: 'quick_gelu', projection_dim: 512 },
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vitb32-'));
  const config = parseClipConfig(CONFIG, 'config.json');
  const weights = initialClipWeights(config, new SeededRng('vitb32'));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(weights));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
  for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json']) copyFileSync(path.join(SHARED, 'fixtures', 'tiny-clip', name), path.join(dir, name));
  writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({ do_resize: true, size: { shortest_edge: 224 }, resample: 3, do_center_crop: true, crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] }));

  const pixels = new Float32Array(IMAGES * 3 * 224 * 224);
  const rng = new SeededRng(1);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextNormal();
  writeFileSync(path.join(dir, 'pixels.f32'), Buffer.from(pixels.buffer));
  const texts = Array.from({ length: TEXTS }, (_, i) => `Invasive moderately differentiated adenocarcinoma, specimen ${i}, margins free of tumor.`);

  const runner = await HeadlessRunner.open();
  try {
    const modelFiles = listModelFiles(dir).map((file) => ({ path: file.path, url: runner.localUrl(file.file) }));
    for (const backend of BACKENDS) {
      const info = await runner.call('initBackend', backend);
      if (info.active !== backend) {
        console.log(`${backend}: not available`);
        continue;
      }
      await runner.call('loadClip', modelFiles);
      const result = await runner.call('benchClip', { texts, pixelValues: { path: 'pixels.f32', url: runner.localUrl(path.join(dir, 'pixels.f32')), shape: [IMAGES, 3, 224, 224] }, repeats: 1 });
      await runner.call('unloadClip');
      console.log(`${backend}: ${result.imagesPerSecond.toFixed(2)} images/s, ${result.textsPerSecond.toFixed(2)} passages/s (first calls ${Math.round(result.firstImageCallMs)} / ${Math.round(result.firstTextCallMs)} ms; ${IMAGES} images, ${TEXTS} passages)`);
    }
  } finally {
    await runner.close();
  }
}

main().catch((error) => {
  console.error(`bench-vitb32: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
