import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Kernel tests use the npm `webgpu` package (Dawn) with Chromium's SwiftShader Vulkan driver.
// Dawn dlopens libvulkan.so.1 at startup, so the library path must be set before the test
// workers are forked; Chromium ships its own copy next to the driver.
const chromiumLib = '/usr/lib/chromium';
if (existsSync(`${chromiumLib}/libvulkan.so.1`) && !process.env.LD_LIBRARY_PATH?.includes(chromiumLib)) {
  process.env.LD_LIBRARY_PATH = [chromiumLib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}
if (!process.env.VK_ICD_FILENAMES && existsSync(`${chromiumLib}/vk_swiftshader_icd.json`)) {
  process.env.VK_ICD_FILENAMES = `${chromiumLib}/vk_swiftshader_icd.json`;
}

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        // The demo pipeline run (minutes): its own project so it can be run alone (`--project demo`).
        test: {
          name: 'demo',
          include: ['tests/demo/**/*.test.ts'],
          environment: 'node',
          testTimeout: 40 * 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'kernels',
          include: ['tests/kernels/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/kernels/setup-webgpu.ts'],
          // One Dawn device per process; SwiftShader is CPU-bound, so run kernel files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
