import type { ClipItSettings } from '../../state/clipit-store';

/** A named set of comparison settings the wizard offers. */
export interface WizardPreset {
  id: 'cpu' | 'gpu';
  label: string;
  description: string;
  settings: Partial<ClipItSettings>;
}

/**
 * The fast preset fits a machine without a GPU: 32 px inputs, 3 epochs, reports embedded once
 * (text LoRA off). With it, `npm run clipit` (Node, wasm) took 173 s for all three stages and
 * three seeds on the 3,058 LC25000 tiles the demo CLIP leaves usable, on a shared 2-core CPU.
 * WebGPU emulated by SwiftShader is far slower, so browser tests use a subset.
 */
export const WIZARD_PRESETS: WizardPreset[] = [
  {
    id: 'cpu',
    label: 'Fast (no GPU)',
    description: 'Small CNN at 32 px, 3 epochs, batch 32, reports embedded once. About 3 minutes for 3,000 tiles and 3 seeds on a 2-core CPU with the wasm backend.',
    settings: { stages: ['unimodal', 'clipit'], backbone: 'cnn', cnnWidth: 8, inputSize: 32, epochs: 3, batchSize: 32, textLora: false, schedule: 'constant' },
  },
  {
    id: 'gpu',
    label: 'Larger (real GPU)',
    description: 'Small CNN at 64 px, 10 epochs, batch 64, LoRA on the CLIP text encoder as in the method. Use with a discrete GPU.',
    settings: { stages: ['unimodal', 'clipit'], backbone: 'cnn', cnnWidth: 16, inputSize: 64, epochs: 10, batchSize: 64, textLora: true, schedule: 'cosine' },
  },
];
