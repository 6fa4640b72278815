import { expect, test } from '@playwright/test';

import type { FaultTestHooksApi } from '../src/fault-protocol';
import { forceBackend } from './studio-helpers';

type Comparison = Awaited<ReturnType<FaultTestHooksApi['testCompareSoftwareKernels']>>;

// Chromium's WebGPU here is SwiftShader, a software adapter, so the studio replaces the backend's
// matmul, convolution, pooling-gradient, reduction and broadcasting kernels. The replacements
// must agree with the CPU backend.
test('software-adapter kernels match the CPU backend on WebGPU', async ({ page }) => {
  const messages: string[] = [];
  page.on('console', (message) => messages.push(message.text()));
  await page.goto('/?testHooks=1');
  await forceBackend(page, 'webgpu');

  const comparison = await page.evaluate(async () => {
    const hooks = (window as unknown as { __studioTestHooks: { testCompareSoftwareKernels(): Promise<unknown> } }).__studioTestHooks;
    return hooks.testCompareSoftwareKernels();
  }) as Comparison;

  expect(comparison.installed).toEqual(expect.arrayContaining(['BatchMatMul', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', 'Mean', 'Add', 'Sub', 'Multiply', 'RealDiv']));
  expect(messages.some((text) => text.includes('software WebGPU adapter'))).toBe(true);
  expect(comparison.cases.length).toBeGreaterThanOrEqual(20);
  for (const { name, maxAbsDiff, maxAbsValue } of comparison.cases) {
    expect(maxAbsValue, `${name}: the CPU result is all zeros, so the case checks nothing`).toBeGreaterThan(0);
    expect(maxAbsDiff, `${name}: largest difference from the CPU backend`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbsValue));
  }

  // The backend still trains after the comparison switched it away and back.
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu');
});
