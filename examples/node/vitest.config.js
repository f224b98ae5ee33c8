import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['fogbank/vitest'],
    include: ['test/**/*.test.js'],
  },
});
