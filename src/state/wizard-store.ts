import { create } from 'zustand';

/** localStorage key that remembers that the guided first run was closed, so it does not open again. */
const DISMISSED_KEY = 'clip-it-studio.wizard-dismissed';

export const WIZARD_STEPS = ['images', 'reports', 'clip', 'compare', 'results'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

interface WizardState {
  open: boolean;
  step: WizardStep;
  /** performance.now() when the wizard was opened, and when its results were first shown. */
  startedAt: number;
  finishedAt: number | null;

  /** Opens the wizard at its first step, also after it was dismissed (the header button). */
  show(): void;
  /** Closes the wizard and remembers it in localStorage. */
  dismiss(): void;
  goTo(step: WizardStep): void;
  next(): void;
  back(): void;
}

export const useWizardStore = create<WizardState>((set, get) => ({
  open: !wasDismissed(),
  step: 'images',
  startedAt: performance.now(),
  finishedAt: null,

  show() {
    set({ open: true, step: 'images', startedAt: performance.now(), finishedAt: null });
  },

  dismiss() {
    try {
      localStorage.setItem(DISMISSED_KEY, '1');
    } catch (error) {
      // Private windows may refuse storage; the wizard then shows again on the next visit.
      console.warn('[wizard] dismissal not saved:', error);
    }
    set({ open: false });
  },

  goTo(step) {
    if (step === 'results' && get().finishedAt === null) set({ finishedAt: performance.now() });
    set({ step });
  },

  next() {
    const index = WIZARD_STEPS.indexOf(get().step);
    if (index < WIZARD_STEPS.length - 1) get().goTo(WIZARD_STEPS[index + 1]);
  },

  back() {
    const index = WIZARD_STEPS.indexOf(get().step);
    if (index > 0) set({ step: WIZARD_STEPS[index - 1] });
  },
}));

function wasDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}
