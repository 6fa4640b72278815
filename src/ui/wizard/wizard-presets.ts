import type { ClipItSettings } from '../../state/clipit-store';

/** A named set of comparison settings the wizard offers. */
export interface WizardPreset {
  id: 'cpu' | 'gpu';
  label: string;
  description: string;
  settings: Partial<ClipItSettings>;
}

/**
 * The fast preset fits a machine without a GPU: a narrow CNN (8-16-32 channels) at 24 px,
 * 3 epochs, reports embedded once (text LoRA off). On the 3,058 LC25000 tiles the demo CLIP
 * leaves in the split, `npm run clipit` (Node, wasm) trained both stages for three seeds in
 * 67 s on a 2-core CPU. Balanced accuracy stayed that of the 16-32-64 CNN at 32 px: unimodal
 * 85.4 +- 4.0 % and CLIP-IT 86.5 +- 4.4 %, against 84.5 and 84.1 %.
 */
export const WIZARD_PRESETS: WizardPreset[] = [
  {
    id: 'cpu',
    label: 'Fast (no GPU)',
    description: 'Narrow CNN (8-16-32 channels) at 24 px, 3 epochs, batch 32, reports embedded once. With the 6,035 LC25000 tiles and 3 seeds the comparison took about 3 minutes on a 2-core CPU, with WebGPU emulated by SwiftShader.',
    settings: { stages: ['unimodal', 'clipit'], backbone: 'cnn', cnnWidth: 8, inputSize: 24, epochs: 3, batchSize: 32, textLora: false, schedule: 'constant' },
  },
  {
    id: 'gpu',
    label: 'Larger (real GPU)',
    description: 'Small CNN (16-32-64 channels) at 64 px, 10 epochs, batch 64, LoRA on the CLIP text encoder as in the method. Use with a discrete GPU.',
    settings: { stages: ['unimodal', 'clipit'], backbone: 'cnn', cnnWidth: 16, inputSize: 64, epochs: 10, batchSize: 64, textLora: true, schedule: 'cosine' },
  },
];
