// Builds the web console (src/console/app) into src/console/dist, served by Nimbus at /_nimbus/console/.
// `node scripts/bootstrap.mjs` (npm start / npm test) runs this build when dist is missing or older than the sources.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/_nimbus/console/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The AWS SDK clients are large; each page is its own chunk, loaded when first opened.
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
});
