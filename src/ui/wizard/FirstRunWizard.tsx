import { useEffect, useRef, type KeyboardEvent } from 'react';

import { WIZARD_STEPS, type WizardStep, useWizardStore } from '../../state/wizard-store';
import { ClipStep } from './ClipStep';
import { CompareStep } from './CompareStep';
import { ImagesStep } from './ImagesStep';
import { ReportsStep } from './ReportsStep';
import { ResultsStep } from './ResultsStep';
import './wizard.css';

const STEP_TITLES: Record<WizardStep, string> = {
  images: 'Images',
  reports: 'Reports',
  clip: 'CLIP',
  compare: 'Baseline vs CLIP-IT',
  results: 'Results',
};

/**
 * Shows the guided first run: images, reports, CLIP, the comparison and its results, one step at a
 * time. It drives the same stores and worker calls as the panels behind it, so everything it
 * loads or trains stays in the studio when it closes.
 */
export function FirstRunWizard() {
  const { open, step, goTo, dismiss } = useWizardStore();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Screen readers and keyboard users start each step at its heading.
  useEffect(() => {
    if (open) headingRef.current?.focus();
  }, [open, step]);

  if (!open) return null;

  // Focus goes back to the header button that reopens the wizard, not to the page body.
  function close() {
    dismiss();
    requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="open-wizard"]')?.focus());
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close();
      return;
    }
    if (event.key === 'Tab') keepFocusInside(event);
  }

  const index = WIZARD_STEPS.indexOf(step);
  const headingId = `wizard-heading-${step}`;
  return (
    <div className="wizard-backdrop">
      <div className="wizard" role="dialog" aria-modal="true" aria-labelledby={headingId} onKeyDown={onKeyDown} data-testid="wizard">
        <div className="wizard-top">
          <ol className="wizard-steps" aria-label="Steps">
            {WIZARD_STEPS.map((name, position) => (
              <li key={name} className={name === step ? 'current' : position < index ? 'done' : ''} aria-current={name === step ? 'step' : undefined}>
                <button type="button" className="link" disabled={position > index} onClick={() => goTo(name)}>
                  {position + 1}. {STEP_TITLES[name]}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" onClick={close} aria-label="Close the guided run" data-testid="wizard-close">
            Close
          </button>
        </div>

        <h2 id={headingId} ref={headingRef} tabIndex={-1} data-testid="wizard-heading">
          Step {index + 1} of {WIZARD_STEPS.length}: {STEP_TITLES[step]}
        </h2>
        {step === 'images' && <ImagesStep />}
        {step === 'reports' && <ReportsStep />}
        {step === 'clip' && <ClipStep />}
        {step === 'compare' && <CompareStep />}
        {step === 'results' && <ResultsStep />}
      </div>
    </div>
  );
}

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex="0"]';

/** Wraps Tab and Shift+Tab at the dialog's edges, because the panels behind a modal dialog must not take focus. */
function keepFocusInside(event: KeyboardEvent<HTMLDivElement>) {
  const focusable = Array.from(event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((element) => !element.hidden);
  if (focusable.length === 0) return;

  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** Header button that reopens the guided run after it was closed. */
export function WizardButton() {
  const show = useWizardStore((s) => s.show);
  return (
    <button type="button" onClick={show} data-testid="open-wizard">
      Guided run
    </button>
  );
}

/** Back and next buttons of a step; `canNext` false disables next, with `hint` saying why. */
export function WizardNav({ canNext, hint, nextLabel = 'Next' }: { canNext: boolean; hint?: string; nextLabel?: string }) {
  const { step, next, back } = useWizardStore();
  return (
    <div className="wizard-nav">
      <button type="button" onClick={back} disabled={step === WIZARD_STEPS[0]}>
        Back
      </button>
      {!canNext && hint && <span className="hint">{hint}</span>}
      <button type="button" className="primary" onClick={next} disabled={!canNext} data-testid="wizard-next">
        {nextLabel}
      </button>
    </div>
  );
}
