import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseClipConfig } from '../../../src/core/clip/clip-config';
import { UnsupportedCocaError } from '../../../src/core/clip/coca-detection';
import { loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { convertOpenClipTensors, parseOpenClipConfig } from '../../../src/core/clip/open-clip-names';
import { parsePreprocessConfig } from '../../../src/core/clip/preprocess-config';
import { TINY_CLIP_DIR, readModelFiles } from './tiny-clip-fixture';

function readJson(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(path.join(TINY_CLIP_DIR, ...parts), 'utf8'));
}

describe('parseClipConfig', () => {
  it('reads the fixture config', () => {
    const config = parseClipConfig(readJson('config.json'));
    expect(config.projectionDim).toBe(32);
    expect(config.text).toMatchObject({ hiddenSize: 64, numAttentionHeads: 4, eosTokenId: 2, hiddenAct: 'quick_gelu' });
    expect(config.vision).toMatchObject({ imageSize: 64, patchSize: 16, intermediateSize: 128 });
  });

  it('applies transformers defaults to an empty config', () => {
    const config = parseClipConfig({});
    expect(config.projectionDim).toBe(512);
    expect(config.text).toMatchObject({ hiddenSize: 512, numHiddenLayers: 12, eosTokenId: 49407, maxPositionEmbeddings: 77 });
    expect(config.vision).toMatchObject({ hiddenSize: 768, patchSize: 32, imageSize: 224, numAttentionHeads: 12 });
  });

  it('lets legacy *_config_dict keys override *_config', () => {
    const config = parseClipConfig({
      text_config: { hidden_size: 256, num_attention_heads: 4 },
      text_config_dict: { hidden_size: 128 },
      vision_config_dict: { patch_size: 16, hidden_act: 'gelu' },
    });
    expect(config.text.hiddenSize).toBe(128);
    expect(config.text.numAttentionHeads).toBe(4);
    expect(config.vision.patchSize).toBe(16);
    expect(config.vision.hiddenAct).toBe('gelu');
  });

  it('rejects an unsupported activation', () => {
    expect(() => parseClipConfig({ text_config: { hidden_act: 'swish' } })).toThrow(/hidden_act "swish" is not supported/);
  });

  it('rejects a config of another model type', () => {
    expect(() => parseClipConfig({ model_type: 'bert', hidden_size: 768 })).toThrow(/model_type "bert" is not a CLIP model/);
  });

  it('rejects heads that do not divide the width', () => {
    expect(() => parseClipConfig({ vision_config: { hidden_size: 100, num_attention_heads: 12 } })).toThrow(/vision hidden_size 100 is not divisible/);
  });

  it.each([
    [{ model_type: 'coca' }],
    [{ architectures: ['CoCa'] }],
    [{ text_config: { text_decoder: {} } }],
    [{ vision_config: { attn_pool: true } }],
  ])('rejects CoCa config %j as unsupported CONCH', (json) => {
    expect(() => parseClipConfig(json)).toThrow(UnsupportedCocaError);
    expect(() => parseClipConfig(json)).toThrow(/CONCH \(CoCa architecture\) is not supported yet/);
  });
});

describe('parsePreprocessConfig', () => {
  it('reads the fixture preprocessor config', () => {
    const config = parsePreprocessConfig(readJson('preprocessor_config.json'));
    expect(config).toMatchObject({ shortestEdge: 64, cropHeight: 64, cropWidth: 64, resample: 3 });
    expect(config.imageStd[2]).toBeCloseTo(0.27577711, 8);
  });

  it('reads the older integer size and crop_size', () => {
    expect(parsePreprocessConfig({ size: 224, crop_size: 224 })).toMatchObject({ shortestEdge: 224, cropHeight: 224, cropWidth: 224 });
  });
});

describe('open_clip conversion', () => {
  it('derives the HF config from open_clip_config.json', () => {
    const { config, preprocess } = parseOpenClipConfig(readJson('open_clip', 'open_clip_config.json'));
    expect(config).toEqual(parseClipConfigWithOpenClipPooling());
    expect(preprocess.cropHeight).toBe(64);
  });

  it('splits q/k/v and transposes projections', () => {
    const inProj = Float32Array.from({ length: 6 * 2 }, (_, i) => i);
    const tensors = convertOpenClipTensors(
      new Map([
        ['visual.transformer.resblocks.3.attn.in_proj_weight', { dtype: 'float32' as const, shape: [6, 2], values: inProj }],
        ['text_projection', { dtype: 'float32' as const, shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ]),
      'unit.bin',
    );

    expect(Array.from(tensors.get('vision_model.encoder.layers.3.self_attn.q_proj.weight')!.values)).toEqual([0, 1, 2, 3]);
    expect(Array.from(tensors.get('vision_model.encoder.layers.3.self_attn.k_proj.weight')!.values)).toEqual([4, 5, 6, 7]);
    expect(Array.from(tensors.get('vision_model.encoder.layers.3.self_attn.v_proj.weight')!.values)).toEqual([8, 9, 10, 11]);
    expect(tensors.get('text_projection.weight')!.shape).toEqual([3, 2]);
    expect(Array.from(tensors.get('text_projection.weight')!.values)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('rejects CoCa tensor names', () => {
    const tensors = new Map([['text_decoder.resblocks.0.ln_1.weight', { dtype: 'float32' as const, shape: [1], values: new Float32Array(1) }]]);
    expect(() => convertOpenClipTensors(tensors, 'conch.bin')).toThrow(/conch\.bin: CONCH \(CoCa architecture\) is not supported yet \(found tensor "text_decoder/);
  });

  it('rejects a CONCH-style open_clip config when loading', () => {
    const files = readModelFiles(['open_clip_pytorch_model.bin', 'open_clip_config.json'], 'open_clip');
    const config = JSON.parse(new TextDecoder().decode(files.get('open_clip_config.json')));
    config.model_cfg.text_cfg.attentional_pool = true;
    files.set('open_clip_config.json', new TextEncoder().encode(JSON.stringify(config)));
    expect(() => loadClipFromFiles(files)).toThrow(UnsupportedCocaError);
  });

  it('rejects tensors with no CLIP equivalent', () => {
    const tensors = new Map([['visual.trunk.stem.weight', { dtype: 'float32' as const, shape: [1], values: new Float32Array(1) }]]);
    expect(() => convertOpenClipTensors(tensors, 'timm.bin')).toThrow(/"visual\.trunk\.stem\.weight" has no Hugging Face CLIP equivalent/);
  });
});

/** Builds the fixture's HF config with the open_clip-only fields: padding id 0 and the CLIP logit scale init 1 / 0.07. */
function parseClipConfigWithOpenClipPooling(): ReturnType<typeof parseClipConfig> {
  const config = parseClipConfig(readJson('config.json'));
  return { ...config, logitScaleInitValue: Math.log(1 / 0.07), text: { ...config.text, padTokenId: 0 } };
}
